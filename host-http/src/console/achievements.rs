//! The achievements page: every achievement and quest definition (what counts, goal,
//! reset, prerequisites, reward), a form to put one as JSON (the same shape as
//! `PUT /v1/admin/achievements/{id}`), and a player's standing on each (progress in the
//! current period, completion, claim). Every action goes through the same core
//! services as the JSON API.

use super::{
    done_redirect, enc, inline_error, json_value, layout, opt_time, respond, section, status_of,
    CsrfForm, DoneQuery, Notice, Operator,
};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guildhall_core::achievements::Achievement;
use guildhall_core::types::PlayerId;
use guildhall_core::Error;
use maud::html;
use serde::Deserialize;

/// The page's query: `?player=<id>` shows that player's standing.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PageQuery {
    player: String,
    done: Option<String>,
}

/// The put form: the definition as JSON.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PutForm {
    definition: String,
}

fn counts_text(d: &Achievement) -> String {
    match &d.counts {
        None => "explicit progress".into(),
        Some(c) => {
            let mut t = c.event.clone();
            if !c.filter.is_empty() {
                t.push(' ');
                t.push_str(&serde_json::Value::Object(c.filter.clone()).to_string());
            }
            if let Some(f) = &c.amount_field {
                t.push_str(" + ");
                t.push_str(f);
            }
            t
        }
    }
}

fn reward_text(d: &Achievement) -> String {
    let mut parts: Vec<String> = d
        .reward
        .currencies
        .iter()
        .map(|c| format!("{} {}", c.amount, c.currency))
        .collect();
    parts.extend(
        d.reward
            .items
            .iter()
            .map(|i| format!("{} × {}", i.quantity, i.item_id)),
    );
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// `GET /console/achievements[?player=...]`.
pub(super) async fn achievements_page(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<PageQuery>,
) -> Response {
    let notice = DoneQuery {
        done: q.done.clone(),
    }
    .notice();
    render(&s, &op, notice, StatusCode::OK, q.player.trim(), "").await
}

async fn render(
    s: &AppState,
    op: &Operator,
    notice: Option<Notice>,
    status: StatusCode,
    player: &str,
    draft: &str,
) -> Response {
    let defs = match s.gh.achievements().await {
        Ok(d) => section(
            "Definitions",
            html! {
                @if d.is_empty() { p.muted { "No achievement or quest is defined yet." } }
                @else {
                    table {
                        thead { tr { th { "Id" } th { "Kind" } th { "Title" } th { "Counts" } th.num { "Goal" }
                            th { "Reset" } th { "Prerequisites" } th { "Reward" } } }
                        tbody {
                            @for a in &d {
                                tr {
                                    td { code { (a.id) } }
                                    td { (format!("{:?}", a.kind).to_lowercase()) }
                                    td { (a.title) }
                                    td { (counts_text(a)) }
                                    td.num { (a.goal) }
                                    td { (a.reset.as_ref().map_or("never".to_string(), |r| r.to_string())) }
                                    td { (a.prerequisites.join(", ")) }
                                    td { (reward_text(a)) }
                                }
                            }
                        }
                    }
                }
            },
        ),
        Err(e) => inline_error(&e),
    };
    let put = html! {
        section.card {
            h2 { "Put a definition" }
            form.stack method="post" action="/console/achievements" {
                (op.csrf_field())
                label for="definition" { "Definition (JSON, as PUT /v1/admin/achievements/{id} takes it, with its id)" }
                textarea id="definition" name="definition" rows="8" required
                    placeholder=r#"{"id":"first_sword","kind":"achievement","title":"First sword","goal":1,"counts":{"event":"item_purchased","filter":{"item_id":"sword"}},"reward":{"currencies":[{"currency":"gold","amount":100}]}}"# { (draft) }
                button type="submit" { "Save" }
            }
        }
    };
    let standing = if player.is_empty() {
        html! {}
    } else {
        match PlayerId::new(player) {
            Err(e) => inline_error(&e),
            Ok(p) => match s.gh.player_achievements(&p).await {
                Err(e) => inline_error(&e),
                Ok(list) => section(
                    &format!("Standing of {player}"),
                    html! {
                        table {
                            thead { tr { th { "Id" } th.num { "Progress" } th { "Period" } th { "Unlocked" }
                                th { "Completed" } th { "Claimed" } } }
                            tbody {
                                @for st in &list {
                                    tr {
                                        td { code { (st.achievement.id) } }
                                        td.num { (st.progress) " / " (st.achievement.goal) }
                                        td { (st.period.as_ref().map_or("-".to_string(), |p| p.key.clone())) }
                                        td { @if st.unlocked { "yes" } @else { "no" } }
                                        td { (opt_time(&st.completed_at)) }
                                        td { (opt_time(&st.claimed_at)) }
                                    }
                                }
                            }
                        }
                        p { a href=(format!("/console/players/{}", enc(player))) { "The player's page" } }
                    },
                ),
            },
        }
    };
    let find = html! {
        section.card {
            h2 { "A player's standing" }
            form.stack method="get" action="/console/achievements" {
                label for="player" { "Player id" }
                input id="player" name="player" value=(player) required;
                button type="submit" { "Show" }
            }
        }
    };
    let body = html! { (defs) (put) (find) (standing) };
    respond(
        status,
        layout(
            "Achievements",
            Some(op),
            "/console/achievements",
            notice.as_ref(),
            body,
        ),
    )
}

/// `POST /console/achievements`: puts the posted definition.
pub(super) async fn put_definition(
    State(s): State<AppState>,
    CsrfForm { op, form }: CsrfForm<PutForm>,
) -> Response {
    let outcome = async {
        let v = json_value(&form.definition, "definition")?;
        let def: Achievement = serde_json::from_value(v)
            .map_err(|e| Error::invalid("definition", format!("not a definition: {e}")))?;
        let saved = s.gh.put_achievement(def).await?;
        Ok::<_, Error>(format!("Saved {}.", saved.id))
    }
    .await;
    match outcome {
        Ok(done) => done_redirect("/console/achievements", &done),
        Err(e) => {
            let st = status_of(&e);
            render(&s, &op, Some(Notice::Refused(e)), st, "", &form.definition).await
        }
    }
}
