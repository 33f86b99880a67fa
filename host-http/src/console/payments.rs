//! The payments page `/console/payments`: the payment log, newest first (every verified
//! webhook delivery and its outcome: credited, replay, refunded with any shortfall,
//! ignored kinds, unknown products, refused credits), a page at a time, and one
//! payment's record (`?provider=&payment_id=`). Read-only: money moves only through
//! verified webhooks.

use super::{enc, inline_error, layout, opt_time, respond, section, time, Operator};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guildhall_core::payments::{GrantPart, PaymentLogQuery};
use maud::{html, Markup};
use serde::Deserialize;

/// Query of `/console/payments`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PaymentsQuery {
    cursor: Option<String>,
    provider: String,
    payment_id: String,
}

fn parts(p: &[GrantPart]) -> Markup {
    html! {
        @for g in p {
            (g.amount) " " (g.currency.as_deref().or(g.item_id.as_deref()).unwrap_or("")) " "
        }
    }
}

/// `GET /console/payments[?cursor=...][&provider=...&payment_id=...]`.
pub(super) async fn payments_page(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<PaymentsQuery>,
) -> Response {
    let log = match s
        .gh
        .payment_log(PaymentLogQuery {
            cursor: q.cursor.clone().filter(|c| !c.is_empty()),
            limit: Some(50),
        })
        .await
    {
        Ok(page) => section(
            "Payment log",
            html! {
                @if page.entries.is_empty() { p.muted { "No webhook delivery has been received yet." } }
                @else {
                    table {
                        thead { tr { th { "Received" } th { "Provider" } th { "Event" } th { "Payment" } th { "Player" } th { "Product" } th { "Outcome" } th { "Shortfall" } th { "Message" } } }
                        tbody {
                            @for e in &page.entries {
                                tr {
                                    td { (time(&e.at)) }
                                    td { (e.provider) }
                                    td { code { (e.event_type) } }
                                    td {
                                        @if let Some(p) = &e.payment_id {
                                            a href=(format!("/console/payments?provider={}&payment_id={}", enc(&e.provider), enc(p))) { code { (p) } }
                                        }
                                    }
                                    td { (e.player.as_deref().unwrap_or("-")) }
                                    td { (e.product.as_deref().unwrap_or("-")) }
                                    td { code { (serde_json::to_value(e.outcome).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()) } }
                                    td { (parts(&e.shortfall)) }
                                    td { (e.message) }
                                }
                            }
                        }
                    }
                    @if let Some(c) = &page.next_cursor {
                        p { a href=(format!("/console/payments?cursor={}", enc(c))) { "Older" } }
                    }
                }
            },
        ),
        Err(e) => inline_error(&e),
    };
    let record = if q.provider.is_empty() || q.payment_id.is_empty() {
        html! {}
    } else {
        match s.gh.payment(&q.provider, &q.payment_id).await {
            Ok(r) => section(
                &format!("Payment {} ({})", r.payment_id, r.provider),
                html! {
                    dl {
                        dt { "Status" } dd { (format!("{:?}", r.status)) }
                        dt { "Player" } dd { (r.player.as_deref().unwrap_or("-")) }
                        dt { "Product" } dd { (r.product.as_deref().unwrap_or("-")) }
                        dt { "Credited" } dd { (parts(&r.credited)) " at " (opt_time(&r.credited_at)) }
                        dt { "Revoked" } dd { (parts(&r.revoked)) " at " (opt_time(&r.refunded_at)) }
                        dt { "Shortfall" } dd { (parts(&r.shortfall)) }
                        dt { "Transaction" } dd { (r.transaction_id.as_deref().unwrap_or("-")) }
                    }
                },
            ),
            Err(e) => inline_error(&e),
        }
    };
    let help = section(
        "Webhook endpoints",
        html! {
            p { "Stripe: " code { "POST /v1/webhooks/stripe" } " (events checkout.session.completed, payment_intent.succeeded, charge.refunded; metadata player_id and product). Other providers: " code { "POST /v1/webhooks/hmac/{provider}" } ". See the README." }
        },
    );
    respond(
        StatusCode::OK,
        layout(
            "Payments",
            Some(&op),
            "/console/payments",
            None,
            html! { (record) (log) (help) },
        ),
    )
}
