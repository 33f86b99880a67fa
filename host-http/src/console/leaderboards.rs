//! Leaderboards: the page `/console/leaderboards` lists every board with its definition
//! and its current top 10 (for a board without partitions), and a board's page
//! `/console/leaderboards/{board}` its periods (open and archived) with the rewards each
//! reset granted; an operator can run the due resets at once (the host runs them every
//! 5 s anyway). Player ids and metadata are escaped like every other value.

use super::session::NoFields;
use super::{
    done_redirect, enc, inline_error, layout, opt_time, respond, section, time, CsrfForm,
    DoneQuery, Notice, Operator,
};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guildhall_core::leaderboards::{Leaderboard, StandingsQuery};
use maud::{html, Markup};

fn board_url(id: &str) -> String {
    format!("/console/leaderboards/{}", enc(id))
}

fn kind_of(b: &Leaderboard) -> String {
    match (&b.tournament, &b.reset) {
        (Some(t), _) => format!("tournament {} to {}", time(&t.start), time(&t.end)),
        (None, Some(r)) => format!("resets {r}"),
        (None, None) => "never resets".into(),
    }
}

async fn top_of(s: &AppState, b: &Leaderboard) -> Markup {
    if b.partitioned {
        return html! { p.muted { "Partitioned: see the board's page for its periods." } };
    }
    match s
        .gh
        .leaderboard_standings(StandingsQuery {
            board: b.id.clone(),
            limit: Some(10),
            ..Default::default()
        })
        .await
    {
        Err(e) => inline_error(&e),
        Ok(p) if p.entries.is_empty() => {
            html! { p.muted { "No scores in period " code { (p.period) } "." } }
        }
        Ok(p) => html! {
            p.muted { "Period " code { (p.period) } }
            table {
                thead { tr { th.num { "Rank" } th { "Player" } th.num { "Score" } th { "Submitted" } } }
                tbody {
                    @for e in &p.entries {
                        tr {
                            td.num { (e.rank) }
                            td { a href=(format!("/console/players/{}", enc(e.player.as_str()))) { (e.player.as_str()) } }
                            td.num { (e.score) }
                            td { (time(&e.submitted_at)) }
                        }
                    }
                }
            }
        },
    }
}

/// `GET /console/leaderboards`: every board with its current top 10.
pub(super) async fn leaderboards_page(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<DoneQuery>,
) -> Response {
    let notice = q.notice();
    let body = match s.gh.leaderboards().await {
        Err(e) => inline_error(&e),
        Ok(boards) => {
            let mut cards = Vec::new();
            for b in &boards {
                let top = top_of(&s, b).await;
                cards.push(section(
                    &b.id,
                    html! {
                        p {
                            a href=(board_url(&b.id)) { "Periods and rewards" }
                            " · " (format!("{:?}", b.sort).to_lowercase())
                            " · " (format!("{:?}", b.operator).to_lowercase())
                            " · " (kind_of(b))
                            " · " (b.rewards.len()) " reward tiers"
                        }
                        (top)
                    },
                ));
            }
            html! {
                section.card {
                    h2 { "Resets" }
                    form.inline method="post" action="/console/leaderboards/resets" {
                        (op.csrf_field())
                        button type="submit" { "Run due resets now" }
                    }
                }
                @if boards.is_empty() { section.card { p.muted { "No boards defined (PUT /v1/admin/leaderboards/{board})." } } }
                @for c in cards { (c) }
            }
        }
    };
    respond(
        StatusCode::OK,
        layout(
            "Leaderboards",
            Some(&op),
            "/console/leaderboards",
            notice.as_ref(),
            body,
        ),
    )
}

/// `GET /console/leaderboards/{board}`: the board's periods and the rewards granted.
pub(super) async fn board_page(
    State(s): State<AppState>,
    op: Operator,
    Path(id): Path<String>,
) -> Response {
    let (status, body) = match s.gh.leaderboard_periods(&id, None).await {
        Err(e) => (super::status_of(&e), html! { (Notice::Refused(e)) }),
        Ok(periods) => (
            StatusCode::OK,
            html! {
                @if periods.is_empty() { section.card { p.muted { "No periods yet (a period starts with its first score; boards that never reset have none)." } } }
                @for p in periods.iter().rev() {
                    (section(
                        &format!("{} {}", p.partition.as_deref().unwrap_or(""), p.period.key),
                        html! {
                            p {
                                (format!("{:?}", p.status).to_lowercase())
                                " · " (time(&p.period.start)) " to " (time(&p.period.end))
                                " · reset " (opt_time(&p.reset_at))
                            }
                            @if !p.granted.is_empty() {
                                table {
                                    thead { tr { th.num { "Rank" } th { "Player" } th.num { "Score" } th { "Granted" } } }
                                    tbody {
                                        @for g in &p.granted {
                                            tr {
                                                td.num { (g.rank) }
                                                td { (g.player.as_str()) }
                                                td.num { (g.score) }
                                                td {
                                                    @for c in &g.rewards.currencies { (c.amount) " " (c.currency) " " }
                                                    @for i in &g.rewards.items { (i.quantity) " × " (i.item_id) " " }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        },
                    ))
                }
            },
        ),
    };
    respond(
        status,
        layout(
            &format!("Leaderboard {id}"),
            Some(&op),
            "/console/leaderboards",
            None,
            body,
        ),
    )
}

/// `POST /console/leaderboards/resets`: runs the due resets.
pub(super) async fn run_resets(
    State(s): State<AppState>,
    CsrfForm { op, .. }: CsrfForm<NoFields>,
) -> Response {
    match s.gh.run_leaderboard_resets().await {
        Ok(done) => done_redirect(
            "/console/leaderboards",
            &format!("{} period(s) reset.", done.len()),
        ),
        Err(e) => respond(
            super::status_of(&e),
            layout(
                "Leaderboards",
                Some(&op),
                "/console/leaderboards",
                Some(&Notice::Refused(e)),
                html! {},
            ),
        ),
    }
}
