//! Outbound webhooks: the page `/console/webhooks` lists every subscription with its
//! delivery progress (cursor, deliveries, the failing event, its attempts and next
//! retry, parking and the last error) and its last deliveries; a parked endpoint shows a
//! replay button (`POST /console/webhooks/{id}/replay`), and a form subscribes a new
//! endpoint. URLs, errors and event kinds are escaped like every other value.

use super::session::NoFields;
use super::{
    done_redirect, inline_error, layout, opt_time, respond, section, status_of, time, CsrfForm,
    DoneQuery, Notice, Operator,
};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guildhall_core::webhooks::{PutWebhookRequest, WebhookFormat, WebhookView};
use guildhall_core::Error;
use maud::{html, Markup};
use serde::Deserialize;

/// The subscribe form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CreateForm {
    url: String,
    kinds: String,
    format: String,
    chat_id: String,
    description: String,
}

fn endpoint(v: &WebhookView, op: &Operator) -> Markup {
    let (sub, st) = (&v.subscription, &v.state);
    html! {
        p {
            code { (sub.url) } " · " (format!("{:?}", sub.format).to_lowercase())
            " · kinds " (sub.kinds.join(", "))
            @if let Some(d) = &sub.description { " · " (d) }
        }
        p {
            @if st.parked_at.is_some() {
                span class="badge bad" { "parked" } " since " (opt_time(&st.parked_at))
            } @else if st.attempts > 0 {
                span class="badge bad" { "retrying" } " next attempt " (opt_time(&st.next_attempt_at))
            } @else {
                span.badge { "delivering" }
            }
            " · delivered " (st.delivered) " · cursor " (st.cursor)
            " · last delivery " (opt_time(&st.last_delivered_at))
            @if let Some(ev) = &st.failing_event { " · failing event " code { (ev) } " after " (st.attempts) " attempts" }
        }
        @if let Some(e) = &st.last_error { p { "Last error: " code { (e) } } }
        @if st.parked_at.is_some() {
            form.inline method="post" action=(format!("/console/webhooks/{}/replay", super::enc(&sub.id))) {
                (op.csrf_field())
                button type="submit" { "Replay" }
            }
        }
        @if st.recent.is_empty() { p.muted { "No delivery yet." } }
        @else {
            table {
                thead { tr { th { "When" } th.num { "Seq" } th { "Event" } th { "Kind" } th { "Answer" } th.num { "ms" } } }
                tbody {
                    @for a in &st.recent {
                        tr {
                            td { (time(&a.at)) }
                            td.num { (a.event_seq) }
                            td { code { (a.event_id) } }
                            td { (a.kind) }
                            td {
                                @if a.ok { (a.status.unwrap_or(200)) }
                                @else { span class="badge bad" { (a.error.as_deref().unwrap_or("failed")) } }
                            }
                            td.num { (a.duration_ms) }
                        }
                    }
                }
            }
        }
    }
}

async fn render(
    s: &AppState,
    op: &Operator,
    notice: Option<Notice>,
    status: StatusCode,
    form: &CreateForm,
) -> Response {
    let views = s.gh.webhooks().await;
    let list = match &views {
        Err(e) => section("Subscriptions", inline_error(e)),
        Ok(v) if v.is_empty() => section(
            "Subscriptions",
            html! { p.muted { "No endpoint is subscribed." } },
        ),
        Ok(v) => html! {
            @for view in v {
                (section(&format!("Endpoint {}", view.subscription.id), endpoint(view, op)))
            }
        },
    };
    let body = html! {
        section.card {
            h2 { "Subscribe an endpoint" }
            form.stack method="post" action="/console/webhooks" {
                (op.csrf_field())
                label for="url" { "URL (https://..., a Discord channel webhook, or https://api.telegram.org/bot<token>/sendMessage)" }
                input id="url" name="url" required value=(form.url);
                label for="kinds" { "Event kinds, comma-separated (* for all)" }
                input id="kinds" name="kinds" required value=(form.kinds) placeholder="currency_granted, item_purchased";
                label for="format" { "Format" }
                select id="format" name="format" {
                    @for f in ["standard", "discord", "telegram"] {
                        option value=(f) selected[form.format == f] { (f) }
                    }
                }
                label for="chat_id" { "Telegram chat id (telegram only)" }
                input id="chat_id" name="chat_id" value=(form.chat_id);
                label for="description" { "Note" }
                input id="description" name="description" value=(form.description);
                button type="submit" { "Subscribe" }
            }
        }
        (list)
    };
    respond(
        status,
        layout(
            "Webhooks",
            Some(op),
            "/console/webhooks",
            notice.as_ref(),
            body,
        ),
    )
}

/// `GET /console/webhooks`.
pub(super) async fn webhooks_page(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<DoneQuery>,
) -> Response {
    render(&s, &op, q.notice(), StatusCode::OK, &CreateForm::default()).await
}

/// `POST /console/webhooks`: subscribes an endpoint.
pub(super) async fn create(
    State(s): State<AppState>,
    CsrfForm { op, form }: CsrfForm<CreateForm>,
) -> Response {
    let outcome = async {
        let format = match form.format.trim() {
            "" | "standard" => WebhookFormat::Standard,
            "discord" => WebhookFormat::Discord,
            "telegram" => WebhookFormat::Telegram,
            other => {
                return Err(Error::invalid(
                    "format",
                    format!("unknown format '{other}'"),
                ))
            }
        };
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let req = PutWebhookRequest {
            url: form.url.trim().to_string(),
            kinds: form
                .kinds
                .split(',')
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
                .collect(),
            format,
            chat_id: opt(&form.chat_id),
            secret: None,
            description: opt(&form.description),
        };
        s.gh.put_webhook(None, req).await
    }
    .await;
    match outcome {
        Ok(v) => done_redirect(
            "/console/webhooks",
            &format!(
                "Subscribed {} (secret {}).",
                v.subscription.id, v.subscription.secret
            ),
        ),
        Err(e) => {
            let st = status_of(&e);
            render(&s, &op, Some(Notice::Refused(e)), st, &form).await
        }
    }
}

/// `POST /console/webhooks/{webhook_id}/replay`: un-parks an endpoint.
pub(super) async fn replay(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { op, form: _ }: CsrfForm<NoFields>,
) -> Response {
    match s.gh.replay_webhook(&id).await {
        Ok(_) => done_redirect("/console/webhooks", &format!("Replaying {id}.")),
        Err(e) => {
            let st = status_of(&e);
            render(
                &s,
                &op,
                Some(Notice::Refused(e)),
                st,
                &CreateForm::default(),
            )
            .await
        }
    }
}
