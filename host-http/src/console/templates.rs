//! The announcements page (`/console/announcements`): message templates (add, update,
//! preview with variables) and announcement triggers (add, update, cancel).

use super::session::NoFields;
use super::{
    done_redirect, enc, inline_error, json_value, layout, opt_time, optional, parse_time, required,
    respond, section, status_of, whole, CsrfForm, DoneQuery, Notice, Operator,
};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guildhall_core::announce::{Template, Trigger};
use guildhall_core::Error;
use maud::{html, Markup};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The form that adds or updates a template.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TemplateForm {
    id: String,
    /// Kept as typed (not trimmed).
    body: String,
}

/// The preview form of a template.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PreviewForm {
    /// A JSON object, or empty.
    variables: String,
}

/// The form that adds or updates a trigger.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TriggerForm {
    id: String,
    event: String,
    template_id: String,
    /// A JSON object, or empty.
    variables: String,
    audience: String,
    target: String,
    kind: String,
    /// `once`, `per_day`, `per_week`, `per_month` or `unlimited`.
    cap: String,
    /// Times per period of a `per_*` cap.
    times: String,
    priority: String,
    starts_at: String,
    ends_at: String,
}

/// `GET /console/announcements`.
pub(super) async fn announcements_page(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<DoneQuery>,
) -> Response {
    render_announcements(&s, &op, q.notice(), StatusCode::OK, None).await
}

fn options(values: &[&str]) -> Markup {
    html! { @for v in values { option { (v) } } }
}

async fn render_announcements(
    s: &AppState,
    op: &Operator,
    notice: Option<Notice>,
    status: StatusCode,
    preview: Option<(String, String)>,
) -> Response {
    let templates = match s.gh.templates().await {
        Ok(ts) => html! {
            table {
                tr { th { "id" } th { "body" } th { "preview with variables (JSON)" } }
                @for t in &ts {
                    tr {
                        td { code { (t.id) } }
                        td { pre { (t.body) } }
                        td {
                            form.stack method="post"
                                action=(format!("/console/templates/{}/preview", enc(&t.id))) {
                                (op.csrf_field())
                                textarea name="variables" rows="2" { "{}" }
                                button.secondary type="submit" { "Preview" }
                            }
                        }
                    }
                }
            }
        },
        Err(e) => inline_error(&e),
    };
    let triggers = match s.gh.triggers().await {
        Ok(ts) => html! {
            table {
                tr {
                    th { "id" } th { "event" } th { "template" } th { "audience" } th { "kind" }
                    th { "cap" } th { "priority" } th { "window" } th { "state" } th {}
                }
                @for t in &ts {
                    tr {
                        td { code { (t.id) } }
                        td { (t.event) }
                        td { (t.template_id) }
                        td {
                            (json_str(&t.audience))
                            @if let Some(target) = &t.target { " " (target) }
                        }
                        td { (json_str(&t.kind)) }
                        td { (serde_json::to_value(t.cap).unwrap_or_default().to_string()) }
                        td { (t.priority) }
                        td { (opt_time(&t.starts_at)) " – " (opt_time(&t.ends_at)) }
                        td { (if t.cancelled { "cancelled" } else { "live" }) }
                        td {
                            @if !t.cancelled {
                                form.inline method="post"
                                    action=(format!("/console/triggers/{}/cancel", enc(&t.id))) {
                                    (op.csrf_field())
                                    button.danger type="submit" { "Cancel" }
                                }
                            }
                        }
                    }
                }
            }
        },
        Err(e) => inline_error(&e),
    };
    let body = html! {
        @if let Some((id, text)) = &preview {
            (section(&format!("Preview of {id}"), html! { pre id="preview" { (text) } }))
        }
        (section("Templates", html! {
            (templates)
            form.stack method="post" action="/console/templates" {
                (op.csrf_field())
                h2 { "Add or update a template" }
                label for="tpl-id" { "Id" }
                input id="tpl-id" name="id" required;
                label for="tpl-body" { "Body ({name} placeholders; {{ and }} for literal braces)" }
                textarea id="tpl-body" name="body" rows="3" required {}
                button type="submit" { "Save template" }
            }
        }))
        (section("Triggers", html! {
            (triggers)
            form.stack method="post" action="/console/triggers" {
                (op.csrf_field())
                h2 { "Add or update a trigger" }
                label for="trg-id" { "Id" }
                input id="trg-id" name="id" required;
                label for="trg-event" { "Event (login, register, online, ... or a custom name)" }
                input id="trg-event" name="event" required;
                label for="trg-template" { "Template id" }
                input id="trg-template" name="template_id" required;
                label for="trg-vars" { "Variables (JSON object)" }
                textarea id="trg-vars" name="variables" rows="2" { "{}" }
                label for="trg-aud" { "Audience" }
                select id="trg-aud" name="audience" {
                    (options(&["lobby", "server", "room", "party", "player"]))
                }
                label for="trg-target" { "Target id (optional)" }
                input id="trg-target" name="target";
                label for="trg-kind" { "Kind" }
                select id="trg-kind" name="kind" {
                    (options(&["announcement", "marquee", "mail", "chat", "in_game"]))
                }
                label for="trg-cap" { "Frequency cap" }
                select id="trg-cap" name="cap" {
                    (options(&["once", "per_day", "per_week", "per_month", "unlimited"]))
                }
                label for="trg-times" { "Times per period (per_day, per_week, per_month)" }
                input id="trg-times" name="times" type="number" min="1" step="1" value="1";
                label for="trg-prio" { "Priority" }
                input id="trg-prio" name="priority" type="number" step="1" value="0";
                label for="trg-start" { "Starts (UTC, optional)" }
                input id="trg-start" name="starts_at" type="datetime-local";
                label for="trg-end" { "Ends (UTC, optional)" }
                input id="trg-end" name="ends_at" type="datetime-local";
                button type="submit" { "Save trigger" }
            }
        }))
    };
    respond(
        status,
        layout(
            "Announcements",
            Some(op),
            "/console/announcements",
            notice.as_ref(),
            body,
        ),
    )
}

/// A value's JSON form, without quotes when it is a string (an enum's name).
fn json_str<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

async fn after_announcements(
    s: &AppState,
    op: &Operator,
    outcome: Result<String, Error>,
) -> Response {
    match outcome {
        Ok(done) => done_redirect("/console/announcements", &done),
        Err(e) => {
            let st = status_of(&e);
            render_announcements(s, op, Some(Notice::Refused(e)), st, None).await
        }
    }
}

/// `POST /console/templates`: adds or updates a template.
pub(super) async fn put_template(
    State(s): State<AppState>,
    CsrfForm { op, form }: CsrfForm<TemplateForm>,
) -> Response {
    let outcome = async {
        let t =
            s.gh.put_template(Template {
                id: required(&form.id, "id")?,
                body: form.body,
            })
            .await?;
        Ok(format!("Saved template {}.", t.id))
    }
    .await;
    after_announcements(&s, &op, outcome).await
}

/// A JSON object of variables (empty: none).
fn variables(v: &str) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    match json_value(v, "variables")? {
        serde_json::Value::Null => Ok(Default::default()),
        serde_json::Value::Object(m) => Ok(m),
        _ => Err(Error::invalid(
            "variables",
            "variables must be a JSON object",
        )),
    }
}

/// `POST /console/templates/{template_id}/preview`: the announcements page with the
/// template rendered with the posted variables.
pub(super) async fn preview(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { op, form }: CsrfForm<PreviewForm>,
) -> Response {
    let rendered = match variables(&form.variables) {
        Ok(vars) => s.gh.preview(&id, &vars).await,
        Err(e) => Err(e),
    };
    match rendered {
        Ok(text) => render_announcements(&s, &op, None, StatusCode::OK, Some((id, text))).await,
        Err(e) => {
            let st = status_of(&e);
            render_announcements(&s, &op, Some(Notice::Refused(e)), st, None).await
        }
    }
}

/// `POST /console/triggers`: adds or updates a trigger.
pub(super) async fn put_trigger(
    State(s): State<AppState>,
    CsrfForm { op, form: f }: CsrfForm<TriggerForm>,
) -> Response {
    let outcome = async {
        let cap = match f.cap.trim() {
            every @ ("per_day" | "per_week" | "per_month") => {
                json!({ "every": every, "times": whole(&f.times, "times")? })
            }
            every => json!({ "every": every }),
        };
        let priority = match optional(&f.priority) {
            Some(_) => whole(&f.priority, "priority")?,
            None => 0,
        };
        let doc = json!({
            "id": required(&f.id, "id")?,
            "event": required(&f.event, "event")?,
            "template_id": required(&f.template_id, "template_id")?,
            "variables": variables(&f.variables)?,
            "audience": f.audience.trim(),
            "target": optional(&f.target),
            "kind": f.kind.trim(),
            "starts_at": parse_time(&f.starts_at, "starts_at")?,
            "ends_at": parse_time(&f.ends_at, "ends_at")?,
            "cap": cap,
            "priority": priority,
        });
        let t: Trigger = serde_json::from_value(doc)
            .map_err(|e| Error::invalid("trigger", format!("not a valid trigger: {e}")))?;
        let t = s.gh.put_trigger(t).await?;
        Ok(format!("Saved trigger {}.", t.id))
    }
    .await;
    after_announcements(&s, &op, outcome).await
}

/// `POST /console/triggers/{trigger_id}/cancel`.
pub(super) async fn cancel_trigger(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { op, .. }: CsrfForm<NoFields>,
) -> Response {
    let outcome =
        s.gh.cancel_trigger(&id)
            .await
            .map(|t| format!("Cancelled trigger {}.", t.id));
    after_announcements(&s, &op, outcome).await
}
