//! Trades: the page `/console/trades` lists the most recently opened trades (or one
//! player's trades, `?player=`), each linking to its history `/console/trades/{id}`: the
//! trade, both offers, its steps (revisions, confirmations, the exchange or the
//! cancellation) and the ledger entries carrying its id. Player ids and item ids are
//! escaped like every other value.

use super::{
    enc, inline_error, layout, opt_time, respond, section, time, DoneQuery, Notice, Operator,
};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guildhall_core::trade::{Trade, TradeOffer};
use maud::{html, Markup};
use serde::Deserialize;

/// Query of `/console/trades`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TradesQuery {
    player: Option<String>,
    done: Option<String>,
}

fn trade_url(id: &str) -> String {
    format!("/console/trades/{}", enc(id))
}

fn state_of(t: &Trade) -> String {
    let s = format!("{:?}", t.state).to_lowercase();
    match &t.cancel_reason {
        Some(r) if r != "cancelled" => format!("{s} ({r})"),
        _ => s,
    }
}

fn offer(o: &TradeOffer) -> Markup {
    html! {
        @if o.is_empty() { span.muted { "nothing" } }
        @for c in &o.currencies { (c.amount) " " (c.currency) " " }
        @for i in &o.items { (i.quantity) " × " (i.item_id) " " }
    }
}

fn list(trades: &[Trade]) -> Markup {
    html! {
        @if trades.is_empty() { p.muted { "No trades." } }
        @else {
            table {
                thead { tr { th { "Trade" } th { "Opened" } th { "Players" } th { "State" } th.num { "Revision" } } }
                tbody {
                    @for t in trades {
                        tr {
                            td { a href=(trade_url(&t.id)) { (t.id) } }
                            td { (time(&t.opened_at)) }
                            td {
                                @for s in &t.sides { (s.player.as_str()) " " }
                            }
                            td { (state_of(t)) }
                            td.num { (t.revision) }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /console/trades`: recent trades, or one player's (`?player=`).
pub(super) async fn trades_page(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<TradesQuery>,
) -> Response {
    let notice = DoneQuery {
        done: q.done.clone(),
    }
    .notice();
    let player = q.player.as_deref().map(str::trim).filter(|p| !p.is_empty());
    let found = match player {
        None => None,
        Some(p) => Some(match guildhall_core::types::PlayerId::new(p) {
            Err(e) => Err(e),
            Ok(pid) => s.gh.player_trades(&pid).await,
        }),
    };
    let recent = s.gh.recent_trades(50).await;
    let body = html! {
        section.card {
            h2 { "Find a player's trades" }
            form.inline method="get" action="/console/trades" {
                label for="player" { "Player" }
                input id="player" name="player" value=(player.unwrap_or(""));
                button type="submit" { "Show" }
            }
        }
        @if let (Some(p), Some(found)) = (player, &found) {
            @match found {
                Err(e) => (section(&format!("Trades of {p}"), inline_error(e))),
                Ok(mine) => {
                    (section(&format!("Open trades of {p}"), list(&mine.open)))
                    (section(&format!("Past trades of {p}"), list(&mine.past)))
                }
            }
        }
        @match &recent {
            Err(e) => (section("Recent trades", inline_error(e))),
            Ok(ts) => (section("Recent trades", list(ts))),
        }
    };
    respond(
        StatusCode::OK,
        layout(
            "Trades",
            Some(&op),
            "/console/trades",
            notice.as_ref(),
            body,
        ),
    )
}

/// `GET /console/trades/{trade_id}`: a trade's history.
pub(super) async fn trade_page(
    State(s): State<AppState>,
    op: Operator,
    Path(id): Path<String>,
) -> Response {
    let (status, body) = match s.gh.trade(&id).await {
        Err(e) => (super::status_of(&e), html! { (Notice::Refused(e)) }),
        Ok(t) => {
            let ledger = s.gh.trade_ledger(&id).await;
            (
                StatusCode::OK,
                html! {
                    (section("Trade", html! {
                        p {
                            (state_of(&t)) " · revision " (t.revision)
                            " · opened " (time(&t.opened_at))
                            " · updated " (time(&t.updated_at))
                            " · expires " (time(&t.expires_at))
                            " · closed " (opt_time(&t.closed_at))
                            @if let Some(by) = &t.cancelled_by { " · cancelled by " (by.as_str()) }
                            @if let Some(tx) = &t.transaction_id { " · transaction " code { (tx) } }
                        }
                    }))
                    (section("Offers", html! {
                        table {
                            thead { tr { th { "Player" } th { "Gives" } th { "Confirmed" } } }
                            tbody {
                                @for side in &t.sides {
                                    tr {
                                        td { a href=(format!("/console/players/{}", enc(side.player.as_str()))) { (side.player.as_str()) } }
                                        td { (offer(&side.offer)) }
                                        td { (if side.confirmed { "yes" } else { "no" }) }
                                    }
                                }
                            }
                        }
                    }))
                    (section("Steps", html! {
                        table {
                            thead { tr { th.num { "Revision" } th { "When" } th { "Who" } th { "What" } th { "Offer" } } }
                            tbody {
                                @for st in &t.steps {
                                    tr {
                                        td.num { (st.revision) }
                                        td { (time(&st.at)) }
                                        td { (st.player.as_ref().map_or("-", |p| p.as_str())) }
                                        td { (st.action) }
                                        td { @if let Some(o) = &st.offer { (offer(o)) } }
                                    }
                                }
                            }
                        }
                    }))
                    (section("Ledger entries", match &ledger {
                        Err(e) => inline_error(e),
                        Ok(entries) if entries.is_empty() => html! { p.muted { "None (no currency moved, or the trade did not complete)." } },
                        Ok(entries) => html! {
                            table {
                                thead { tr { th.num { "Seq" } th { "When" } th { "From" } th { "To" } th.num { "Amount" } th { "Reason" } th { "Metadata" } } }
                                tbody {
                                    @for e in entries {
                                        tr {
                                            td.num { (e.seq) }
                                            td { (time(&e.at)) }
                                            td { (e.debit.to_string()) }
                                            td { (e.credit.to_string()) }
                                            td.num { (e.amount) " " (e.currency) }
                                            td { (e.reason) }
                                            td { code { (e.metadata.to_string()) } }
                                        }
                                    }
                                }
                            }
                        },
                    }))
                },
            )
        }
    };
    respond(
        status,
        layout(
            &format!("Trade {id}"),
            Some(&op),
            "/console/trades",
            None,
            body,
        ),
    )
}
