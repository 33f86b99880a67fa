//! Operations: the page `/console/ops` shows the process's log filter with a form to
//! change it (`POST /console/ops/log-level`), and whether this host drains, with a
//! Drain button (`POST /console/ops/drain`) that needs its confirmation box ticked. Both
//! go through the same code as `PUT /v1/admin/log-level` and `POST /v1/admin/drain`
//! ([`crate::routes::ops`]), logged with `console:<key name>`. The page keeps answering
//! while the host drains, so the operator can watch it ([`crate::ops`]).

use super::{
    done_redirect, layout, optional_whole, required, respond, section, status_of, time, CsrfForm,
    DoneQuery, Notice, Operator,
};
use crate::routes::ops::{begin_drain, change_log_level};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guildhall_core::Error;
use maud::html;
use serde::Deserialize;

/// The log filter form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LogLevelForm {
    filter: String,
}

/// The drain form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DrainForm {
    grace_secs: String,
    confirm: String,
}

fn render(s: &AppState, op: &Operator, notice: Option<Notice>, status: StatusCode) -> Response {
    let log = crate::ops::log_control();
    let draining = s.drain.draining();
    let streams = s.live.get().map_or(0, crate::live::Hub::listeners);
    let body = html! {
        (section("Log level", html! {
            @match log {
                Some(c) => {
                    p { "Filter in force: " code { (c.filter()) } }
                    form.stack method="post" action="/console/ops/log-level" {
                        (op.csrf_field())
                        label for="filter" { "EnvFilter directives, e.g. info or guildhall_core=debug,info" }
                        input id="filter" name="filter" required value=(c.filter());
                        button type="submit" { "Change the log filter" }
                    }
                }
                None => p.muted { "This process's log subscriber was not installed by guildhall (a host embedded in another program): its filter cannot be changed here." }
            }
        }))
        (section("Drain and stop", html! {
            @match &draining {
                Some(d) => p {
                    span class="badge bad" { "draining" }
                    " since " (time(&d.since)) " by " (d.by) ", grace " (d.grace_secs) " s · "
                    (s.drain.in_flight().saturating_sub(1)) " other request(s) in flight"
                }
                None => p {
                    span.badge { "serving" }
                    " · " (s.drain.in_flight().saturating_sub(1)) " other request(s) in flight · "
                    (streams) " open event stream(s)"
                }
            }
            p.muted {
                "Draining refuses new requests (503, /readyz too, so a load balancer takes the host out), "
                "tells open event streams to reconnect elsewhere and closes them, lets requests in flight "
                "finish within the grace, stops the background jobs, then stops the host."
            }
            @if draining.is_none() {
                form.stack method="post" action="/console/ops/drain" {
                    (op.csrf_field())
                    label for="grace_secs" { "Grace, seconds (empty: the host's default, " (s.drain.default_grace().as_secs()) ")" }
                    input id="grace_secs" name="grace_secs" inputmode="numeric";
                    label {
                        input type="checkbox" name="confirm" value="yes" required;
                        " Stop this host after its work in flight"
                    }
                    button.danger type="submit" { "Drain this host" }
                }
            }
        }))
    };
    respond(
        status,
        layout(
            "Operations",
            Some(op),
            "/console/ops",
            notice.as_ref(),
            body,
        ),
    )
}

fn refused(s: &AppState, op: &Operator, e: Error) -> Response {
    let status = status_of(&e);
    render(s, op, Some(Notice::Refused(e)), status)
}

/// `GET /console/ops`.
pub(super) async fn ops_page(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<DoneQuery>,
) -> Response {
    render(&s, &op, q.notice(), StatusCode::OK)
}

/// `POST /console/ops/log-level`: replaces the log filter.
pub(super) async fn set_log_level(
    State(s): State<AppState>,
    CsrfForm { op, form }: CsrfForm<LogLevelForm>,
) -> Response {
    let changed = required(&form.filter, "filter").and_then(|f| change_log_level(&op.by(), &f));
    match changed {
        Ok(l) => done_redirect(
            "/console/ops",
            &format!(
                "The log filter is now {} (was {}).",
                l.filter.unwrap_or_default(),
                l.previous.unwrap_or_default()
            ),
        ),
        Err(e) => refused(&s, &op, e),
    }
}

/// `POST /console/ops/drain`: drains this host (the confirmation box must be ticked).
pub(super) async fn drain(
    State(s): State<AppState>,
    CsrfForm { op, form }: CsrfForm<DrainForm>,
) -> Response {
    let began = async {
        if form.confirm != "yes" {
            return Err(Error::invalid(
                "confirm",
                "tick the confirmation box to drain and stop this host",
            ));
        }
        let grace = optional_whole(&form.grace_secs, "grace_secs")?
            .map(|g| u64::try_from(g).map_err(|_| Error::invalid("grace_secs", "0 or more")))
            .transpose()?;
        begin_drain(&s, &op.by(), grace)
    }
    .await;
    match began {
        Ok(d) => done_redirect(
            "/console/ops",
            &format!(
                "Draining (grace {} s, {} other request(s) in flight); the host stops when they finish.",
                d.grace_secs, d.in_flight
            ),
        ),
        Err(e) => refused(&s, &op, e),
    }
}
