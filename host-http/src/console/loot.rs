//! The loot page: every loot table (rolls, entries, what they nest), a table's JSON in
//! an editor (the same shape as `PUT /v1/admin/loot/tables/{id}`; a refused save keeps
//! the draft and shows why, e.g. the cycle it would close), and a dry run of a table
//! with a seed showing the drops it gives (nothing granted). Every action goes through
//! the same core services as the JSON API.

use super::{
    enc, inline_error, json_value, layout, respond, section, status_of, CsrfForm, DoneQuery,
    Notice, Operator,
};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guildhall_core::loot::{LootTable, ReplayLootRequest};
use guildhall_core::Error;
use maud::html;
use serde::Deserialize;

/// The page's query: `?table=<id>` opens that table in the editor; with `&seed=<n>` a
/// dry run of it.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PageQuery {
    table: String,
    seed: String,
    done: Option<String>,
}

/// The save form: the table as JSON.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PutForm {
    table: String,
}

fn entry_text(t: &LootTable) -> String {
    t.entries
        .iter()
        .map(|e| {
            let what = match (&e.item, &e.currency, &e.table) {
                (Some(i), _, _) => format!("{}-{} × {i}", e.min, e.max),
                (_, Some(c), _) => format!("{}-{} {c}", e.min, e.max),
                (_, _, Some(t)) => format!("table {t}"),
                _ => "nothing".into(),
            };
            if e.guaranteed {
                format!("{what} (always)")
            } else {
                format!("{what} (w {})", e.weight)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `GET /console/loot[?table=...&seed=...]`.
pub(super) async fn loot_page(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<PageQuery>,
) -> Response {
    let notice = DoneQuery {
        done: q.done.clone(),
    }
    .notice();
    let table = q.table.trim().to_string();
    let draft = if table.is_empty() {
        String::new()
    } else {
        match s.gh.loot_table(&table).await {
            Ok(t) => serde_json::to_string_pretty(&t).unwrap_or_default(),
            Err(_) => String::new(),
        }
    };
    render(
        &s,
        &op,
        notice,
        StatusCode::OK,
        &table,
        q.seed.trim(),
        &draft,
    )
    .await
}

async fn render(
    s: &AppState,
    op: &Operator,
    notice: Option<Notice>,
    status: StatusCode,
    table: &str,
    seed: &str,
    draft: &str,
) -> Response {
    let tables = match s.gh.loot_tables().await {
        Ok(ts) => section(
            "Loot tables",
            html! {
                @if ts.is_empty() { p.muted { "No loot table is defined yet." } }
                @else {
                    table {
                        thead { tr { th { "Id" } th.num { "Rolls" } th { "Entries" } th { "Description" } } }
                        tbody {
                            @for t in &ts {
                                tr {
                                    td { a href=(format!("/console/loot?table={}", enc(&t.id))) { code { (t.id) } } }
                                    td.num { (t.rolls) }
                                    td { (entry_text(t)) }
                                    td { (t.description) }
                                }
                            }
                        }
                    }
                }
            },
        ),
        Err(e) => inline_error(&e),
    };
    let editor = html! {
        section.card {
            h2 { @if table.is_empty() { "Put a table" } @else { "Edit " code { (table) } } }
            form.stack method="post" action="/console/loot" {
                (op.csrf_field())
                label for="table" { "Table (JSON, as PUT /v1/admin/loot/tables/{id} takes it, with its id)" }
                textarea id="table" name="table" rows="14" required
                    placeholder=r#"{"id":"boss","rolls":2,"entries":[{"currency":"gold","min":10,"max":20,"guaranteed":true},{"item":"sword","weight":1},{"item":"potion","min":1,"max":3,"weight":9},{"table":"gems","weight":2}]}"# { (draft) }
                button type="submit" { "Save" }
            }
        }
    };
    let dry = html! {
        section.card {
            h2 { "Dry run" }
            form.stack method="get" action="/console/loot" {
                label for="dry-table" { "Table id" }
                input id="dry-table" name="table" value=(table) required;
                label for="seed" { "Seed (0 to 2^53 - 1)" }
                input id="seed" name="seed" value=(seed) inputmode="numeric" required;
                button type="submit" { "Roll (grants nothing)" }
            }
        }
    };
    let drops = if table.is_empty() || seed.is_empty() {
        html! {}
    } else {
        let run = async {
            let seed: i64 = seed
                .parse()
                .map_err(|_| Error::invalid("seed", "the seed is a whole number"))?;
            s.gh.replay_loot(ReplayLootRequest {
                result_id: None,
                table_id: Some(table.to_string()),
                seed: Some(seed),
            })
            .await
        }
        .await;
        match run {
            Err(e) => inline_error(&e),
            Ok(p) => section(
                &format!("Drops of {} with seed {}", p.table_id, p.seed),
                html! {
                    @if p.drops.is_empty() { p.muted { "Nothing dropped." } }
                    @else {
                        table {
                            thead { tr { th { "Kind" } th { "Id" } th.num { "Quantity" } th { "From table" } } }
                            tbody {
                                @for d in &p.drops {
                                    tr {
                                        td { (format!("{:?}", d.kind).to_lowercase()) }
                                        td { code { (d.id) } }
                                        td.num { (d.quantity) }
                                        td { code { (d.table_id) } }
                                    }
                                }
                            }
                        }
                    }
                },
            ),
        }
    };
    let body = html! { (tables) (editor) (dry) (drops) };
    respond(
        status,
        layout("Loot", Some(op), "/console/loot", notice.as_ref(), body),
    )
}

/// `POST /console/loot`: puts the posted table.
pub(super) async fn put_table(
    State(s): State<AppState>,
    CsrfForm { op, form }: CsrfForm<PutForm>,
) -> Response {
    let outcome = async {
        let v = json_value(&form.table, "table")?;
        let table: LootTable = serde_json::from_value(v)
            .map_err(|e| Error::invalid("table", format!("not a loot table: {e}")))?;
        let saved = s.gh.put_loot_table(table).await?;
        Ok::<_, Error>(saved.id)
    }
    .await;
    match outcome {
        Ok(id) => {
            axum::response::IntoResponse::into_response(axum::response::Redirect::to(&format!(
                "/console/loot?table={}&done={}",
                enc(&id),
                enc(&format!("Saved {id}."))
            )))
        }
        Err(e) => {
            let st = status_of(&e);
            render(&s, &op, Some(Notice::Refused(e)), st, "", "", &form.table).await
        }
    }
}
