//! The operator's console: server-rendered HTML pages under `/console` for an operator
//! holding an API key with the `admin` scope, so the everyday work of running a game
//! (finding a player, granting or revoking currency, banning, groups, mail, the catalog,
//! announcement templates and triggers) needs neither SQL nor hand-written requests.
//!
//! * Sign-in ([`session`]): `/console/login` takes the operator's API key once and sets
//!   the cookie [`COOKIE`] holding a session JWT (HS256 over the host's secret, `typ`
//!   [`SESSION_TYPE`], `sub` = the key's id, 8 h); the key itself is never stored in the
//!   browser. Every console request loads that key again ([`Operator`]): a revoked or
//!   deleted key ends the session, a key without `admin` gets a 403 page.
//! * Every POST handler takes its fields as a typed form through [`CsrfForm`], the one
//!   extractor that checks the session and the form's CSRF token (an HMAC of the
//!   session's `jti`); a POST without the right token is refused with 403 before any
//!   handler runs.
//! * Every action goes through the same core services as the JSON API (`state.gh`), so
//!   ledger entries, idempotency and events are the same; a refusal (for example
//!   `INSUFFICIENT_FUNDS`) is shown on the page with its code.
//!
//! Pages are rendered with `maud`, which escapes every interpolated value; nothing from
//! data is ever marked pre-escaped. One file per page: [`session`] (sign-in, cookie,
//! extractors), `dashboard`, `players`, `groups`, `catalog`, `templates` (announcement templates
//! and triggers) and `mail` (system mail to one player, broadcasts); this file holds the
//! extractors), `dashboard`, `players`, `catalog`, `templates` (announcement templates
//! and triggers), `mail` (system mail to one player, broadcasts), `chat` (a channel's
//! history, mutes), `trends` (charts drawn as inline SVG by `charts`) and `ops` (log
//! level, drain); this file holds the
//! router and the shared layout. The stylesheet and the one small script are compiled
//! into the binary and served as files; nothing is fetched from elsewhere.
//!
//! The host's access guard lets `/console...` through as public
//! ([`crate::auth::access_rule`]); the checks above are this module's own.

mod achievements;
mod catalog;
mod characters;
mod charts;
mod chat;
mod dashboard;
mod files;
mod groups;
mod leaderboards;
mod loot;
mod mail;
mod ops;
mod payments;
mod players;
mod rooms;
pub mod session;
mod templates;
mod trade;
mod trends;
mod webhooks;

pub use session::{
    issue_session, CsrfForm, Operator, SessionClaims, AUDIENCE, COOKIE, SESSION_TTL_SECS,
    SESSION_TYPE,
};

use crate::AppState;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, NaiveDateTime, Utc};
use guildhall_core::Error;
use maud::{html, Markup, DOCTYPE};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

const CSS: &str = include_str!("console.css");
const JS: &str = include_str!("console.js");

/// The console's routes, all under `/console`; merged into the host's router by
/// [`crate::app`].
pub fn console_routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(dashboard::dashboard))
        .route(
            "/console/login",
            get(session::login_page).post(session::login),
        )
        .route("/console/logout", post(session::logout))
        .route("/console/status.json", get(dashboard::status))
        .route("/console/trends", get(trends::trends_page))
        .route("/console/static/console.css", get(css))
        .route("/console/static/console.js", get(js))
        .route("/console/players", get(players::find_player))
        .route("/console/players/{player}", get(players::player_page))
        .route("/console/players/{player}/grant", post(players::grant))
        .route("/console/players/{player}/revoke", post(players::revoke))
        .route("/console/players/{player}/ban", post(players::ban))
        .route("/console/players/{player}/unban", post(players::unban))
        .route("/console/players/{player}/mail", post(mail::mail_player))
        .route(
            "/console/catalog",
            get(catalog::catalog_page).post(catalog::upsert_item),
        )
        .route(
            "/console/catalog/{item_id}/active",
            post(catalog::set_active),
        )
        .route("/console/announcements", get(templates::announcements_page))
        .route("/console/templates", post(templates::put_template))
        .route(
            "/console/templates/{template_id}/preview",
            post(templates::preview),
        )
        .route("/console/triggers", post(templates::put_trigger))
        .route(
            "/console/triggers/{trigger_id}/cancel",
            post(templates::cancel_trigger),
        )
        .route("/console/groups", get(groups::find_group))
        .route("/console/groups/{group_id}", get(groups::group_page))
        .route(
            "/console/groups/{group_id}/remove",
            post(groups::remove_member),
        )
        .route("/console/groups/{group_id}/disband", post(groups::disband))
        .route("/console/mail", get(mail::mail_page))
        .route("/console/mail/broadcast", post(mail::broadcast))
        .route("/console/chat", get(chat::chat))
        .route("/console/chat/mute", post(chat::mute))
        .route("/console/chat/unmute", post(chat::unmute))
        .route(
            "/console/leaderboards",
            get(leaderboards::leaderboards_page),
        )
        .route(
            "/console/leaderboards/resets",
            post(leaderboards::run_resets),
        )
        .route(
            "/console/leaderboards/{board}",
            get(leaderboards::board_page),
        )
        .route(
            "/console/achievements",
            get(achievements::achievements_page).post(achievements::put_definition),
        )
        .route("/console/trades", get(trade::trades_page))
        .route("/console/trades/{trade_id}", get(trade::trade_page))
        .route("/console/characters", get(characters::characters_page))
        .route("/console/loot", get(loot::loot_page).post(loot::put_table))
        .route("/console/rooms", get(rooms::rooms_page))
        .route("/console/rooms/go", get(rooms::go))
        .route("/console/rooms/{room_id}", get(rooms::room_page))
        .route("/console/payments", get(payments::payments_page))
        .route("/console/files", get(files::files_page).post(files::upload))
        .route(
            "/console/webhooks",
            get(webhooks::webhooks_page).post(webhooks::create),
        )
        .route(
            "/console/webhooks/{webhook_id}/replay",
            post(webhooks::replay),
        )
        .route("/console/ops", get(ops::ops_page))
        .route("/console/ops/log-level", post(ops::set_log_level))
        .route("/console/ops/drain", post(ops::drain))
}

// ----- Layout -----

/// The pages in the header's navigation: (path, label).
const NAV: [(&str, &str); 18] = [
    ("/console", "Dashboard"),
    ("/console/trends", "Trends"),
    ("/console/players", "Players"),
    ("/console/groups", "Groups"),
    ("/console/catalog", "Catalog"),
    ("/console/announcements", "Announcements"),
    ("/console/mail", "Mail"),
    ("/console/chat", "Chat"),
    ("/console/leaderboards", "Leaderboards"),
    ("/console/achievements", "Achievements"),
    ("/console/trades", "Trades"),
    ("/console/characters", "Characters"),
    ("/console/loot", "Loot"),
    ("/console/rooms", "Rooms"),
    ("/console/payments", "Payments"),
    ("/console/files", "Game data"),
    ("/console/webhooks", "Webhooks"),
    ("/console/ops", "Operations"),
];

/// A message at the top of a page: what was done, or why it was refused.
enum Notice {
    Done(String),
    Refused(Error),
}

/// The query of a page a form redirects to after success: `?done=<what was done>`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct DoneQuery {
    done: Option<String>,
}

impl DoneQuery {
    fn notice(self) -> Option<Notice> {
        self.done.map(Notice::Done)
    }
}

impl maud::Render for Notice {
    fn render(&self) -> Markup {
        match self {
            Notice::Done(t) => html! { div class="notice ok" role="status" { (t) } },
            Notice::Refused(e) => html! {
                div class="notice refused" role="alert" { code { (e.code.as_str()) } (e.message) }
            },
        }
    }
}

/// A refusal shown inside a page section (a read that failed).
fn inline_error(e: &Error) -> Markup {
    html! { p.muted { code { (e.code.as_str()) } " " (e.message) } }
}

/// The whole page: header (navigation and sign-out for a signed-in operator), title,
/// notice and body.
fn layout(
    title: &str,
    op: Option<&Operator>,
    here: &str,
    notice: Option<&Notice>,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · guildhall console" }
                link rel="stylesheet" href="/console/static/console.css";
            }
            body {
                header {
                    span.brand { "guildhall console" }
                    nav {
                        @if op.is_some() {
                            @for (href, label) in NAV {
                                a href=(href) class=[(href == here).then_some("here")] { (label) }
                            }
                        }
                    }
                    @if let Some(op) = op {
                        form.inline method="post" action="/console/logout" {
                            span.who { "key " (op.key.name) " (" (op.key.id) ")" }
                            " "
                            (op.csrf_field())
                            button.secondary type="submit" { "Sign out" }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    @if let Some(n) = notice { (n) }
                    (body)
                }
                script src="/console/static/console.js" {}
            }
        }
    }
}

/// An HTML response with the console's headers: no caching, a strict CSP (scripts and
/// styles from this origin only), no framing.
fn respond(status: StatusCode, page: Markup) -> Response {
    let mut res = (status, page).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    res.headers_mut()
        .insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

/// The HTTP status of a refusal.
fn status_of(e: &Error) -> StatusCode {
    StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST)
}

/// The 403 page (no navigation) with `message`.
fn forbidden_page(message: &str) -> Response {
    let body = html! {
        section.card {
            p { (message) }
            p { a href="/console/login" { "Sign in with another key" } }
        }
    };
    respond(
        StatusCode::FORBIDDEN,
        layout("Forbidden", None, "", None, body),
    )
}

/// A redirect to `path` with the message of what was done, so a reload does not post
/// again.
fn done_redirect(path: &str, done: &str) -> Response {
    Redirect::to(&format!("{path}?done={}", enc(done))).into_response()
}

/// A titled card.
fn section(title: &str, inner: Markup) -> Markup {
    html! { section.card { h2 { (title) } (inner) } }
}

/// A value as pretty JSON in a `<pre>`.
fn json_pre<T: Serialize>(v: &T) -> Markup {
    html! { pre { (serde_json::to_string_pretty(v).unwrap_or_default()) } }
}

/// A `<select name=...>` of the configured currencies, `(none)` first when `blank`.
fn currency_select(s: &AppState, id: &str, name: &str, blank: bool) -> Markup {
    html! {
        select name=(name) id=(id) {
            @if blank { option value="" { "(none)" } }
            @for c in &s.gh.config().currencies { option { (c.code) } }
        }
    }
}

/// A fresh idempotency key for a form that moves value, so a resent form acts once.
fn idem_field() -> Markup {
    html! {
        input type="hidden" name="idempotency_key"
            value=(format!("console-{}", uuid::Uuid::new_v4().simple()));
    }
}

/// Percent-encodes a path segment or query value.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn opt_time(t: &Option<DateTime<Utc>>) -> String {
    t.as_ref().map(time).unwrap_or_else(|| "-".into())
}

// ----- Form fields -----
//
// Typed forms keep every field as the text the browser sent, so a malformed number or
// time is refused on the page with `INVALID_ARGUMENT` and the field's name (as the JSON
// API refuses it) rather than by the form decoder.

/// A field's text, trimmed; `None` when empty.
fn optional(v: &str) -> Option<String> {
    Some(v.trim()).filter(|v| !v.is_empty()).map(str::to_string)
}

/// A field that must not be empty (trimmed).
fn required(v: &str, name: &str) -> Result<String, Error> {
    optional(v).ok_or_else(|| Error::invalid(name, format!("{name} is required")))
}

/// A whole number.
fn whole(v: &str, name: &str) -> Result<i64, Error> {
    v.trim()
        .parse::<i64>()
        .map_err(|_| Error::invalid(name, "a whole number is needed"))
}

/// A whole number, or `None` when the field is empty.
fn optional_whole(v: &str, name: &str) -> Result<Option<i64>, Error> {
    match optional(v) {
        Some(_) => whole(v, name).map(Some),
        None => Ok(None),
    }
}

/// A JSON field (`null` when empty).
fn json_value(v: &str, name: &str) -> Result<serde_json::Value, Error> {
    match optional(v) {
        None => Ok(serde_json::Value::Null),
        Some(t) => serde_json::from_str(&t)
            .map_err(|e| Error::invalid(name, format!("{name} is not JSON: {e}"))),
    }
}

/// A time in UTC from a `datetime-local` input or RFC 3339; `None` when empty.
fn parse_time(v: &str, name: &str) -> Result<Option<DateTime<Utc>>, Error> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
        .map(|t| Some(t.and_utc()))
        .ok_or_else(|| Error::invalid(name, "a time like 2030-01-31T18:00 (UTC) is needed"))
}

// ----- Compiled-in files -----

async fn css() -> Response {
    static_file("text/css; charset=utf-8", CSS)
}

async fn js() -> Response {
    static_file("text/javascript; charset=utf-8", JS)
}

fn static_file(kind: &'static str, text: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        text,
    )
        .into_response()
}
