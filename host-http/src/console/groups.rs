//! The groups page: find a group by name (exactly, without regard to case) or by the
//! start of its name, see its members with their roles and join times, pending
//! requests and invites, and its bank; remove a member (succession as when they leave)
//! or disband it (its bank paid out to the owner). Every action goes through the same
//! core services as the JSON API's `/v1/admin/groups` routes.

use super::session::NoFields;
use super::{
    done_redirect, enc, inline_error, layout, required, respond, section, status_of, time,
    CsrfForm, DoneQuery, Notice, Operator,
};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guildhall_core::groups::{Group, GroupQuery};
use guildhall_core::types::PlayerId;
use guildhall_core::{Error, ErrorCode};
use maud::{html, Markup};
use serde::Deserialize;

/// The search: `?q=<name or the start of names>`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct FindQuery {
    q: String,
    done: Option<String>,
}

/// The remove-member form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RemoveForm {
    player: String,
}

/// The console page of group `id`.
fn group_url(id: &str) -> String {
    format!("/console/groups/{}", enc(id))
}

fn find_form(q: &str) -> Markup {
    html! {
        section.card {
            h2 { "Find a group" }
            form.stack method="get" action="/console/groups" {
                label for="q" { "Group name, or the start of names" }
                input id="q" name="q" value=(q) required;
                button type="submit" { "Find" }
            }
        }
    }
}

fn groups_page(
    op: &Operator,
    status: StatusCode,
    notice: Option<Notice>,
    q: &str,
    found: Markup,
) -> Response {
    let body = html! { (find_form(q)) (found) };
    respond(
        status,
        layout("Groups", Some(op), "/console/groups", notice.as_ref(), body),
    )
}

/// `GET /console/groups?q=...`: the group with that name, else the groups whose name
/// starts with it.
pub(super) async fn find_group(
    State(s): State<AppState>,
    op: Operator,
    Query(query): Query<FindQuery>,
) -> Response {
    let q = query.q.trim().to_string();
    if q.is_empty() {
        let notice = DoneQuery { done: query.done }.notice();
        return groups_page(&op, StatusCode::OK, notice, "", html! {});
    }
    match s.gh.group_by_name(&q).await {
        Ok(g) => return Redirect::to(&group_url(&g.id)).into_response(),
        Err(e) if e.code == ErrorCode::NotFound => {}
        Err(e) => return groups_page(&op, status_of(&e), Some(Notice::Refused(e)), &q, html! {}),
    }
    let page =
        s.gh.find_groups(GroupQuery {
            prefix: Some(q.clone()),
            cursor: None,
            limit: Some(50),
        })
        .await;
    let found = match page {
        Err(e) => inline_error(&e),
        Ok(p) if p.groups.is_empty() => {
            html! { section.card { p.muted { "No group's name starts with that." } } }
        }
        Ok(p) => section(
            "Groups found",
            html! {
                table {
                    thead { tr { th { "Name" } th { "Kind" } th { "Owner" } th.num { "Members" } th { "Open" } } }
                    tbody {
                        @for g in &p.groups {
                            tr {
                                td { a href=(group_url(&g.id)) { (g.name) } }
                                td { (g.kind) }
                                td { (g.owner.as_str()) }
                                td.num { (g.member_count) " / " (g.max_members) }
                                td { @if g.open { "open" } @else { "closed" } }
                            }
                        }
                    }
                }
                @if p.next_cursor.is_some() { p.muted { "More groups match: narrow the search." } }
            },
        ),
    };
    groups_page(&op, StatusCode::OK, None, &q, found)
}

/// `GET /console/groups/{group_id}`.
pub(super) async fn group_page(
    State(s): State<AppState>,
    op: Operator,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Response {
    render_group(&s, &op, &id, q.notice(), StatusCode::OK).await
}

async fn render_group(
    s: &AppState,
    op: &Operator,
    id: &str,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let g = match s.gh.group(id).await {
        Ok(g) => g,
        Err(e) => {
            let notice = notice.or(Some(Notice::Refused(e.clone())));
            return groups_page(
                op,
                if status == StatusCode::OK {
                    status_of(&e)
                } else {
                    status
                },
                notice,
                "",
                html! {},
            );
        }
    };
    let bank = match s.gh.group_bank(&g.id).await {
        Ok(b) => html! {
            table {
                thead { tr { th { "Currency" } th.num { "Balance" } } }
                tbody { @for b in &b.balances { tr { td { (b.currency) } td.num { (b.amount) } } } }
            }
            p.muted { "Ledger account " code { "group:" (g.id) } }
        },
        Err(e) => inline_error(&e),
    };
    let body = html! {
        (find_form(""))
        div.grid {
            (section("Group", about(&g)))
            (section("Bank", bank))
        }
        (section("Members", members(op, &g)))
        (section("Pending", pending(&g)))
        (section("Disband", html! {
            form.inline method="post" action=(format!("{}/disband", group_url(&g.id))) {
                (op.csrf_field())
                p.muted { "Ends the group for every member, frees its name and pays its bank out to the owner." }
                button.danger type="submit" { "Disband " (g.name) }
            }
        }))
    };
    respond(
        status,
        layout(
            &format!("Group {}", g.name),
            Some(op),
            "/console/groups",
            notice.as_ref(),
            body,
        ),
    )
}

fn about(g: &Group) -> Markup {
    html! {
        table {
            tbody {
                tr { th { "Id" } td { code { (g.id) } } }
                tr { th { "Name" } td { (g.name) } }
                tr { th { "Kind" } td { (g.kind) } }
                tr { th { "Owner" } td { (g.owner.as_str()) } }
                tr { th { "Open" } td { @if g.open { "open" } @else { "closed (request or invite)" } } }
                tr { th { "Members" } td { (g.members.len()) " / " (g.max_members) } }
                tr { th { "Created" } td { (time(&g.created_at)) } }
                tr { th { "Description" } td { (g.description) } }
                tr { th { "Metadata" } td { pre { (serde_json::to_string_pretty(&g.metadata).unwrap_or_default()) } } }
            }
        }
    }
}

fn members(op: &Operator, g: &Group) -> Markup {
    html! {
        table {
            thead { tr { th { "Player" } th { "Role" } th { "Joined" } th {} } }
            tbody {
                @for m in &g.members {
                    tr {
                        td { a href=(format!("/console/players/{}", enc(m.player.as_str()))) { (m.player.as_str()) } }
                        td { span.badge { (role(m.role)) } }
                        td { (time(&m.joined_at)) }
                        td {
                            form.inline method="post" action=(format!("{}/remove", group_url(&g.id))) {
                                (op.csrf_field())
                                input type="hidden" name="player" value=(m.player.as_str());
                                button.secondary type="submit" { "Remove" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn role(r: guildhall_core::groups::GroupRole) -> &'static str {
    match r {
        guildhall_core::groups::GroupRole::Owner => "owner",
        guildhall_core::groups::GroupRole::Officer => "officer",
        guildhall_core::groups::GroupRole::Member => "member",
    }
}

fn pending(g: &Group) -> Markup {
    html! {
        @if g.requests.is_empty() && g.invites.is_empty() {
            p.muted { "No pending requests or invites." }
        } @else {
            table {
                thead { tr { th { "Player" } th { "Pending" } th { "Since" } } }
                tbody {
                    @for r in &g.requests { tr { td { (r.player.as_str()) } td { "asked to join" } td { (time(&r.at)) } } }
                    @for i in &g.invites { tr { td { (i.player.as_str()) } td { "invited by " (i.invited_by.as_str()) } td { (time(&i.at)) } } }
                }
            }
        }
    }
}

async fn after_action(
    s: &AppState,
    op: &Operator,
    id: &str,
    outcome: Result<String, Error>,
) -> Response {
    match outcome {
        Ok(done) => done_redirect(&group_url(id), &done),
        Err(e) => {
            let status = status_of(&e);
            render_group(s, op, id, Some(Notice::Refused(e)), status).await
        }
    }
}

/// `POST /console/groups/{group_id}/remove`: removes a member.
pub(super) async fn remove_member(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { op, form }: CsrfForm<RemoveForm>,
) -> Response {
    let outcome = async {
        let p: PlayerId = required(&form.player, "player")?.parse()?;
        let r = s.gh.admin_remove_group_member(&id, &p).await?;
        Ok(match r.group {
            Some(_) => format!("{p} removed."),
            None => format!("{p} removed; the group had no other member and is gone."),
        })
    }
    .await;
    after_action(&s, &op, &id, outcome).await
}

/// `POST /console/groups/{group_id}/disband`.
pub(super) async fn disband(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { op, .. }: CsrfForm<NoFields>,
) -> Response {
    match s.gh.admin_disband_group(&id).await {
        Ok(()) => done_redirect("/console/groups", "Group disbanded."),
        Err(e) => after_action(&s, &op, &id, Err(e)).await,
    }
}
