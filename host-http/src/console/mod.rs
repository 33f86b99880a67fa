//! The operator's console: server-rendered HTML pages under `/console` for an operator
//! holding an API key with the `admin` scope, so the everyday work of running a game
//! (finding a player, granting or revoking currency, banning, mail, the catalog,
//! announcement templates and triggers) needs neither SQL nor hand-written requests.
//!
//! * Sign-in: `/console/login` takes the operator's API key once and sets the cookie
//!   [`COOKIE`] holding a session JWT (HS256 over the host's secret, `typ`
//!   [`SESSION_TYPE`], `sub` = the key's id, 8 h); the key itself is never stored in the
//!   browser. Every console request loads that key again ([`Operator`]): a revoked or
//!   deleted key ends the session, a key without `admin` gets a 403 page.
//! * Every POST form carries a CSRF token, an HMAC of the session's `jti`; a POST without
//!   the right one is refused with 403.
//! * Every action goes through the same core services as the JSON API (`state.gh`), so
//!   ledger entries, idempotency and events are the same; a refusal (for example
//!   `INSUFFICIENT_FUNDS`) is shown on the page with its code.
//!
//! The host's access guard lets `/console...` through as public ([`crate::auth::access_rule`]);
//! the checks above are this module's own. HTML is built with `format!` and every
//! interpolated value goes through [`esc`]. The stylesheet and the one small script are
//! compiled into the binary; nothing is fetched from elsewhere.

use crate::auth::{limit, ClientAddr};
use crate::AppState;
use axum::extract::{Extension, Form, FromRequestParts, Path, Query, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDateTime, Utc};
use guildhall_core::access::{ApiKeyInfo, BanRequest};
use guildhall_core::announce::{Template, Trigger};
use guildhall_core::economy::{GrantRequest, SpendRequest};
use guildhall_core::mail::{
    Attachments, BroadcastRequest, CurrencyAttachment, SendMailRequest, Sender, SenderKind,
};
use guildhall_core::types::{CatalogItem, ItemKind, PlayerId, Price};
use guildhall_core::{Error, ErrorCode, HistoryFilter};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The session cookie's name.
pub const COOKIE: &str = "gh_console";
/// The JWT `typ` header of a console session token.
pub const SESSION_TYPE: &str = "console+jwt";
/// How long a console session lasts, seconds (8 h).
pub const SESSION_TTL_SECS: i64 = 8 * 3600;
/// The `aud` claim of console session tokens (never accepted as a player's token).
pub const AUDIENCE: &str = "guildhall-console";

const CSS: &str = include_str!("console.css");
const JS: &str = include_str!("console.js");

/// Fields of a posted form or of a query string.
type Fields = BTreeMap<String, String>;

/// The console's routes, all under `/console`; merged into the host's router by
/// [`crate::app`].
pub fn console_routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(dashboard))
        .route("/console/login", get(login_page).post(login))
        .route("/console/logout", post(logout))
        .route("/console/status.json", get(status))
        .route("/console/static/console.css", get(css))
        .route("/console/static/console.js", get(js))
        .route("/console/players", get(find_player))
        .route("/console/players/{player}", get(player_page))
        .route("/console/players/{player}/grant", post(grant))
        .route("/console/players/{player}/revoke", post(revoke))
        .route("/console/players/{player}/ban", post(ban))
        .route("/console/players/{player}/unban", post(unban))
        .route("/console/players/{player}/mail", post(mail_player))
        .route("/console/catalog", get(catalog_page).post(upsert_item))
        .route("/console/catalog/{item_id}/active", post(set_active))
        .route("/console/announcements", get(announcements_page))
        .route("/console/templates", post(put_template))
        .route("/console/templates/{template_id}/preview", post(preview))
        .route("/console/triggers", post(put_trigger))
        .route(
            "/console/triggers/{trigger_id}/cancel",
            post(cancel_trigger),
        )
        .route("/console/mail", get(mail_page))
        .route("/console/mail/broadcast", post(broadcast))
}

// ----- Escaping and layout -----

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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
    esc(&t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

fn opt_time(t: &Option<DateTime<Utc>>) -> String {
    t.as_ref().map(time).unwrap_or_else(|| "-".into())
}

/// A message at the top of a page: what was done, or why it was refused.
enum Notice {
    Done(String),
    Refused(Error),
}

fn notice_html(n: &Notice) -> String {
    match n {
        Notice::Done(t) => format!(r#"<div class="notice ok" role="status">{}</div>"#, esc(t)),
        Notice::Refused(e) => format!(
            r#"<div class="notice refused" role="alert"><code>{}</code>{}</div>"#,
            esc(e.code.as_str()),
            esc(&e.message)
        ),
    }
}

fn inline_error(e: &Error) -> String {
    format!(
        r#"<p class="muted"><code>{}</code> {}</p>"#,
        esc(e.code.as_str()),
        esc(&e.message)
    )
}

fn layout(
    title: &str,
    op: Option<&Operator>,
    here: &str,
    notice: Option<&Notice>,
    body: &str,
) -> String {
    let mut nav = String::new();
    let mut who = String::new();
    if let Some(op) = op {
        for (href, label) in [
            ("/console", "Dashboard"),
            ("/console/players", "Players"),
            ("/console/catalog", "Catalog"),
            ("/console/announcements", "Announcements"),
            ("/console/mail", "Mail"),
        ] {
            let class = if href == here { r#" class="here""# } else { "" };
            let _ = write!(nav, r#"<a href="{href}"{class}>{label}</a>"#);
        }
        who = format!(
            r#"<form method="post" action="/console/logout" class="inline"><span class="who">key {} ({})</span> {}<button class="secondary" type="submit">Sign out</button></form>"#,
            esc(&op.key.name),
            esc(&op.key.id),
            op.csrf_field()
        );
    }
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · guildhall console</title><link rel="stylesheet" href="/console/static/console.css"></head>
<body><header><span class="brand">guildhall console</span><nav>{nav}</nav>{who}</header>
<main><h1>{title}</h1>{notice}{body}</main><script src="/console/static/console.js"></script></body></html>"#,
        title = esc(title),
        notice = notice.map(notice_html).unwrap_or_default(),
    )
}

fn html(status: StatusCode, page: String) -> Response {
    let mut res = (status, Html(page)).into_response();
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

fn status_of(e: &Error) -> StatusCode {
    StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST)
}

fn forbidden_page(message: &str) -> Response {
    let body = format!(
        r#"<section class="card"><p>{}</p><p><a href="/console/login">Sign in with another key</a></p></section>"#,
        esc(message)
    );
    html(
        StatusCode::FORBIDDEN,
        layout("Forbidden", None, "", None, &body),
    )
}

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

// ----- Sessions -----

/// Claims of a console session token.
#[derive(Debug, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The API key's id.
    pub sub: String,
    /// Unique id of this session (the CSRF token is derived from it).
    pub jti: String,
    /// Always [`AUDIENCE`].
    pub aud: String,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

/// A signed console session token for the API key `key_id`, valid from `now` for
/// [`SESSION_TTL_SECS`].
pub fn issue_session(secret: &[u8], key_id: &str, now: DateTime<Utc>) -> Result<String, Error> {
    let claims = SessionClaims {
        sub: key_id.to_string(),
        jti: uuid::Uuid::new_v4().simple().to_string(),
        aud: AUDIENCE.into(),
        iat: now.timestamp(),
        exp: now.timestamp() + SESSION_TTL_SECS,
    };
    let mut head = Header::new(Algorithm::HS256);
    head.typ = Some(SESSION_TYPE.into());
    jsonwebtoken::encode(&head, &claims, &EncodingKey::from_secret(secret)).map_err(|e| {
        Error::new(
            ErrorCode::Unavailable,
            format!("cannot sign a session: {e}"),
        )
    })
}

fn verify_session(secret: &[u8], token: &str) -> Option<SessionClaims> {
    let mut v = Validation::new(Algorithm::HS256);
    v.set_audience(&[AUDIENCE]);
    v.set_required_spec_claims(&["exp", "sub", "aud"]);
    v.leeway = 0;
    let data =
        jsonwebtoken::decode::<SessionClaims>(token, &DecodingKey::from_secret(secret), &v).ok()?;
    (data.header.typ.as_deref() == Some(SESSION_TYPE)).then_some(data.claims)
}

fn csrf_for(secret: &[u8], jti: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"guildhall-console-csrf:");
    mac.update(jti.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn session_cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .expect("cookie is ASCII")
}

fn to_login(clear: bool, secure: bool) -> Response {
    let mut res = Redirect::to("/console/login").into_response();
    if clear {
        res.headers_mut()
            .insert(header::SET_COOKIE, session_cookie("", 0, secure));
    }
    res
}

/// The signed-in operator of a console request: the session cookie verified, and its API
/// key loaded again and checked (exists, not revoked, holds `admin`). Without a valid
/// session the request is redirected to `/console/login`; a key without `admin` gets a
/// 403 page.
pub struct Operator {
    /// The operator's API key (public record).
    pub key: ApiKeyInfo,
    /// The CSRF token every POST form of this session carries.
    pub csrf: String,
}

impl Operator {
    /// The core acting for this operator's key, so the console's idempotency keys are
    /// scoped to that key as the API's are.
    fn core(&self, s: &AppState) -> guildhall_core::Guildhall {
        s.gh.acting_as(guildhall_core::Caller::ApiKey(self.key.id.clone()))
    }

    fn csrf_field(&self) -> String {
        format!(
            r#"<input type="hidden" name="csrf" value="{}">"#,
            esc(&self.csrf)
        )
    }

    /// Checks a posted form's CSRF token (constant time): `None` when it is right, else
    /// the 403 page to answer.
    fn csrf_refusal(&self, form: &Fields) -> Option<Response> {
        let given = form.get("csrf").map(String::as_str).unwrap_or("");
        let same = given.len() == self.csrf.len()
            && given
                .bytes()
                .zip(self.csrf.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        (!same).then(|| {
            forbidden_page(
                "This form's CSRF token is missing or wrong. Reload the page and try again.",
            )
        })
    }

    fn by(&self) -> String {
        format!("console:{}", self.key.name)
    }
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let secure = https(&parts.headers);
        let Some(token) = cookie_value(&parts.headers, COOKIE) else {
            return Err(to_login(false, secure));
        };
        let secret = &state.auth.settings.secret;
        let Some(claims) = verify_session(secret, &token) else {
            return Err(to_login(true, secure));
        };
        let key = match state.gh.api_key(&claims.sub).await {
            Ok(k) if k.revoked_at.is_none() => k,
            Ok(_) => return Err(to_login(true, secure)),
            Err(e) if e.code == ErrorCode::NotFound || e.code == ErrorCode::InvalidArgument => {
                return Err(to_login(true, secure))
            }
            Err(e) => {
                let page = layout(
                    "Unavailable",
                    None,
                    "",
                    Some(&Notice::Refused(e.clone())),
                    "",
                );
                return Err(html(status_of(&e), page));
            }
        };
        if !key.scopes.iter().any(|s| s == "admin") {
            return Err(forbidden_page(&format!(
                "The API key '{}' lacks the admin scope; the console is for operators.",
                key.name
            )));
        }
        Ok(Operator {
            csrf: csrf_for(secret, &claims.jti),
            key,
        })
    }
}

// ----- Login -----

fn login_form(status: StatusCode, notice: Option<&Notice>) -> Response {
    let body = r#"<section class="card login"><form class="stack" method="post" action="/console/login">
<label for="key">Operator API key (scope admin)</label>
<input id="key" name="key" type="password" autocomplete="off" required placeholder="ghk_...">
<button type="submit">Sign in</button></form>
<p class="muted">Create one with <code>guildhall keys create --name NAME --scope admin</code>. The key is checked once; the browser keeps only an 8-hour session.</p></section>"#;
    html(status, layout("Sign in", None, "", notice, body))
}

async fn login_page() -> Response {
    login_form(StatusCode::OK, None)
}

async fn login(
    State(s): State<AppState>,
    addr: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    // Sign-in attempts share the per-address login limit of the JSON logins.
    let addr = addr
        .map(|a| a.0 .0.clone())
        .unwrap_or_else(|| "unknown".into());
    if let Err(e) = limit(
        &s.gh,
        &format!("rl:login-addr:{addr}"),
        s.auth.settings.limits.login_per_address_per_minute,
        60,
    )
    .await
    {
        let status = e.status();
        return login_form(status, Some(&Notice::Refused(e.error)));
    }
    let key = f.get("key").map(|k| k.trim()).unwrap_or("");
    let info = match s.gh.authenticate_api_key(key).await {
        Ok(i) => i,
        Err(e) => return login_form(status_of(&e), Some(&Notice::Refused(e))),
    };
    if !info.scopes.iter().any(|s| s == "admin") {
        let e = Error::new(
            ErrorCode::Forbidden,
            format!(
                "the API key '{}' lacks the admin scope; the console is for operators",
                info.name
            ),
        );
        return login_form(StatusCode::FORBIDDEN, Some(&Notice::Refused(e)));
    }
    let token = match issue_session(&s.auth.settings.secret, &info.id, s.gh.clock().now()) {
        Ok(t) => t,
        Err(e) => return login_form(status_of(&e), Some(&Notice::Refused(e))),
    };
    let mut res = Redirect::to("/console").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&token, SESSION_TTL_SECS, https(&headers)),
    );
    res
}

async fn logout(op: Operator, headers: HeaderMap, Form(f): Form<Fields>) -> Response {
    if let Some(r) = op.csrf_refusal(&f) {
        return r;
    }
    to_login(true, https(&headers))
}

// ----- Dashboard -----

#[derive(Serialize)]
struct Status {
    online: usize,
    tickets_waiting: BTreeMap<String, usize>,
    at: DateTime<Utc>,
}

async fn read_status(s: &AppState) -> Result<Status, Error> {
    Ok(Status {
        online: s.gh.online().await?.len(),
        tickets_waiting: s.gh.tickets_waiting().await?,
        at: s.gh.clock().now(),
    })
}

async fn status(State(s): State<AppState>, _op: Operator) -> Response {
    match read_status(&s).await {
        Ok(st) => Json(st).into_response(),
        Err(e) => (status_of(&e), Json(e)).into_response(),
    }
}

async fn dashboard(State(s): State<AppState>, op: Operator) -> Response {
    let mut body = String::from(r#"<div class="grid" data-refresh="5">"#);
    match read_status(&s).await {
        Ok(st) => {
            let _ = write!(
                body,
                r#"<section class="card"><h2>Players online</h2><div class="stat" id="online-count">{}</div><p class="muted">refreshed <span id="refreshed-at">{}</span>, every 5 s</p></section>"#,
                st.online,
                time(&st.at)
            );
            body.push_str(r#"<section class="card"><h2>Queues</h2><table><tr><th>queue</th><th>format</th><th class="num">tickets waiting</th></tr>"#);
            for q in &s.gh.config().queues {
                let waiting = st.tickets_waiting.get(&q.name).copied().unwrap_or(0);
                let _ = write!(
                    body,
                    r#"<tr><td>{name}</td><td>{teams} teams of {size}</td><td class="num" data-queue="{name}">{waiting}</td></tr>"#,
                    name = esc(&q.name),
                    teams = q.teams,
                    size = q.team_size,
                );
            }
            if s.gh.config().queues.is_empty() {
                body.push_str(
                    r#"<tr><td colspan="3" class="muted">no queues configured</td></tr>"#,
                );
            }
            body.push_str("</table></section>");
        }
        Err(e) => body.push_str(&inline_error(&e)),
    }
    body.push_str(&find_form());
    body.push_str("</div>");
    html(
        StatusCode::OK,
        layout("Dashboard", Some(&op), "/console", None, &body),
    )
}

fn find_form() -> String {
    r#"<section class="card"><h2>Find a player</h2><form class="stack" method="get" action="/console/players">
<label for="q">Player id, or a linked identity as provider:subject (discord:1234, username:alice)</label>
<input id="q" name="q" required><button type="submit">Find</button></form></section>"#
        .to_string()
}

// ----- Players -----

async fn find_player(State(s): State<AppState>, op: Operator, Query(q): Query<Fields>) -> Response {
    let q = q.get("q").map(|v| v.trim().to_string()).unwrap_or_default();
    if q.is_empty() {
        return html(
            StatusCode::OK,
            layout("Players", Some(&op), "/console/players", None, &find_form()),
        );
    }
    if let Some((provider, subject)) = q.split_once(':') {
        match s.gh.find_account(provider, subject).await {
            Ok(a) => return Redirect::to(&player_url(a.player.as_str())).into_response(),
            Err(e) if e.code == ErrorCode::NotFound || e.code == ErrorCode::InvalidArgument => {}
            Err(e) => {
                return html(
                    status_of(&e),
                    layout(
                        "Players",
                        Some(&op),
                        "/console/players",
                        Some(&Notice::Refused(e)),
                        &find_form(),
                    ),
                )
            }
        }
    }
    match q.parse::<PlayerId>() {
        Ok(p) => Redirect::to(&player_url(p.as_str())).into_response(),
        Err(e) => html(
            status_of(&e),
            layout(
                "Players",
                Some(&op),
                "/console/players",
                Some(&Notice::Refused(e)),
                &find_form(),
            ),
        ),
    }
}

fn player_url(p: &str) -> String {
    format!("/console/players/{}", enc(p))
}

fn parse_player(p: &str) -> Result<PlayerId, Error> {
    p.parse::<PlayerId>()
}

async fn player_page(
    State(s): State<AppState>,
    op: Operator,
    Path(p): Path<String>,
    Query(q): Query<Fields>,
) -> Response {
    let notice = q.get("done").map(|d| Notice::Done(d.clone()));
    render_player(
        &s,
        &op,
        &p,
        notice,
        StatusCode::OK,
        q.get("cursor").cloned(),
    )
    .await
}

fn section(title: &str, inner: String) -> String {
    format!(
        r#"<section class="card"><h2>{}</h2>{inner}</section>"#,
        esc(title)
    )
}

fn json_pre<T: Serialize>(v: &T) -> String {
    format!(
        "<pre>{}</pre>",
        esc(&serde_json::to_string_pretty(v).unwrap_or_default())
    )
}

fn currency_select(s: &AppState, name: &str, blank: bool) -> String {
    let mut out = format!(r#"<select name="{name}" id="{name}">"#);
    if blank {
        out.push_str(r#"<option value="">(none)</option>"#);
    }
    for c in &s.gh.config().currencies {
        let _ = write!(out, r#"<option>{}</option>"#, esc(&c.code));
    }
    out.push_str("</select>");
    out
}

fn idem_field() -> String {
    format!(
        r#"<input type="hidden" name="idempotency_key" value="console-{}">"#,
        uuid::Uuid::new_v4().simple()
    )
}

async fn render_player(
    s: &AppState,
    op: &Operator,
    raw: &str,
    notice: Option<Notice>,
    status: StatusCode,
    cursor: Option<String>,
) -> Response {
    let pid = match parse_player(raw) {
        Ok(p) => p,
        Err(e) => {
            return html(
                status_of(&e),
                layout(
                    "Player",
                    Some(op),
                    "/console/players",
                    Some(&Notice::Refused(e)),
                    &find_form(),
                ),
            )
        }
    };
    let url = player_url(pid.as_str());
    let gh = &s.gh;
    let mut body = String::from(r#"<div class="grid">"#);

    // Account.
    let account = match gh.account(&pid).await {
        Ok(a) => {
            let mut h = format!(
                r#"<p>Created {} · password {} · whitelisted {} · {}</p>"#,
                time(&a.created_at),
                if a.has_password { "set" } else { "none" },
                if a.whitelisted { "yes" } else { "no" },
                if a.banned {
                    r#"<span class="badge bad">banned</span>"#
                } else {
                    r#"<span class="badge">not banned</span>"#
                }
            );
            if let Some(b) = &a.ban {
                let _ = write!(
                    h,
                    "<p>Ban: {} (by {}, at {}, until {})</p>",
                    esc(&b.reason),
                    esc(&b.by),
                    time(&b.at),
                    opt_time(&b.until)
                );
            }
            h.push_str("<table><tr><th>provider</th><th>subject</th><th>linked</th></tr>");
            for i in &a.identities {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&i.provider),
                    esc(&i.subject),
                    time(&i.linked_at)
                );
            }
            h.push_str("</table>");
            h
        }
        Err(e) if e.code == ErrorCode::NotFound => {
            r#"<p class="muted">No account record: an id used by an embedding game. A ban creates one.</p>"#.into()
        }
        Err(e) => inline_error(&e),
    };
    let ban_forms = format!(
        r#"<form class="stack" method="post" action="{url}/ban">{csrf}
<label for="ban-reason">Ban reason</label><input id="ban-reason" name="reason" required maxlength="500">
<label for="ban-until">Until (UTC, empty: until lifted)</label><input id="ban-until" name="until" type="datetime-local">
<button class="danger" type="submit">Ban</button></form>
<form class="inline" method="post" action="{url}/unban">{csrf}<button class="secondary" type="submit">Lift ban</button></form>"#,
        csrf = op.csrf_field()
    );
    body.push_str(&section("Account", account + &ban_forms));

    // Wallet with grant and revoke forms.
    let wallet = match gh.wallet(&pid).await {
        Ok(w) => {
            let mut h = String::from(
                r#"<table id="wallet"><tr><th>currency</th><th class="num">balance</th></tr>"#,
            );
            for b in &w.balances {
                let _ = write!(
                    h,
                    r#"<tr><td>{}</td><td class="num">{}</td></tr>"#,
                    esc(&b.currency),
                    b.amount
                );
            }
            h.push_str("</table>");
            h
        }
        Err(e) => inline_error(&e),
    };
    let money_form = |action: &str, legend: &str, button: &str, class: &str| {
        format!(
            r#"<form class="stack" method="post" action="{url}/{action}" id="{action}-form">{csrf}{idem}
<h2>{legend}</h2><label for="{action}-currency">Currency</label>{currency}
<label for="{action}-amount">Amount (smallest unit)</label><input id="{action}-amount" name="amount" type="number" min="1" step="1" required>
<label for="{action}-reason">Reason (kept in the ledger)</label><input id="{action}-reason" name="reason" required maxlength="200">
<button class="{class}" type="submit">{button}</button></form>"#,
            csrf = op.csrf_field(),
            idem = idem_field(),
            currency = currency_select(s, &format!("{action}-currency"), false).replace(
                &format!(r#"name="{action}-currency""#),
                r#"name="currency""#
            ),
        )
    };
    body.push_str(&section(
        "Wallet",
        wallet
            + &money_form("grant", "Grant currency", "Grant", "")
            + &money_form("revoke", "Revoke currency", "Revoke", "danger"),
    ));

    // Ledger history.
    let history = match gh
        .history(
            &pid,
            HistoryFilter {
                limit: Some(50),
                cursor,
                ..Default::default()
            },
        )
        .await
    {
        Ok(page) => {
            let mut h = String::from(
                r#"<table id="ledger"><tr><th>time</th><th>kind</th><th>currency</th><th class="num">amount</th><th>from</th><th>to</th><th>reason</th></tr>"#,
            );
            for e in &page.entries {
                let incoming = e.credit.to_string() == format!("player:{pid}")
                    || e.credit.to_string() == pid.as_str();
                let _ = write!(
                    h,
                    r#"<tr><td>{}</td><td>{}</td><td>{}</td><td class="num">{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                    time(&e.at),
                    esc(e.kind.as_str()),
                    esc(&e.currency),
                    if incoming { "+" } else { "-" },
                    e.amount,
                    esc(&e.debit.to_string()),
                    esc(&e.credit.to_string()),
                    esc(&e.reason)
                );
            }
            if page.entries.is_empty() {
                h.push_str(r#"<tr><td colspan="7" class="muted">no entries</td></tr>"#);
            }
            h.push_str("</table>");
            if let Some(next) = &page.next_cursor {
                let _ = write!(
                    h,
                    r#"<p><a href="{url}?cursor={}">Older entries</a></p>"#,
                    esc(&enc(next))
                );
            }
            h
        }
        Err(e) => inline_error(&e),
    };
    body.push_str("</div>");
    body.push_str(&section("Ledger history (newest first)", history));
    body.push_str(r#"<div class="grid">"#);

    // Inventory.
    let inventory = match gh.inventory(&pid).await {
        Ok(items) => {
            let mut h = String::from(
                r#"<table><tr><th>item</th><th>kind</th><th class="num">quantity</th><th>acquired</th></tr>"#,
            );
            for i in &items {
                let _ = write!(
                    h,
                    r#"<tr><td>{} <span class="muted">{}</span></td><td>{}</td><td class="num">{}</td><td>{}</td></tr>"#,
                    esc(&i.name),
                    esc(&i.item_id),
                    esc(i.kind.as_str()),
                    i.quantity,
                    time(&i.acquired_at)
                );
            }
            if items.is_empty() {
                h.push_str(r#"<tr><td colspan="4" class="muted">empty</td></tr>"#);
            }
            h + "</table>"
        }
        Err(e) => inline_error(&e),
    };
    body.push_str(&section("Inventory", inventory));

    // Mailbox with a send form.
    let mailbox = match gh.mailbox(&pid).await {
        Ok(mails) => {
            let mut h = String::from(
                "<table><tr><th>sent</th><th>from</th><th>subject</th><th>state</th></tr>",
            );
            for m in &mails {
                let from = match &m.sender.id {
                    Some(id) => format!("{:?} {}", m.sender.kind, id),
                    None => format!("{:?}", m.sender.kind),
                };
                let state = if m.claimed_at.is_some() {
                    "claimed"
                } else if m.unclaimed() {
                    "attachments unclaimed"
                } else if m.read_at.is_some() {
                    "read"
                } else {
                    "unread"
                };
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    time(&m.sent_at),
                    esc(&from.to_lowercase()),
                    esc(&m.subject),
                    state
                );
            }
            if mails.is_empty() {
                h.push_str(r#"<tr><td colspan="4" class="muted">empty</td></tr>"#);
            }
            h + "</table>"
        }
        Err(e) => inline_error(&e),
    };
    let mail_form = format!(
        r#"<form class="stack" method="post" action="{url}/mail">{csrf}{idem}
<h2>Send a system mail</h2><label for="mail-subject">Subject</label><input id="mail-subject" name="subject" required>
<label for="mail-body">Body</label><textarea id="mail-body" name="body" rows="3"></textarea>
<label for="mail-currency">Attach currency (optional)</label>{currency}
<label for="mail-amount">Amount</label><input id="mail-amount" name="amount" type="number" min="1" step="1">
<button type="submit">Send</button></form>"#,
        csrf = op.csrf_field(),
        idem = idem_field(),
        currency = currency_select(s, "currency", true),
    );
    body.push_str(&section("Mailbox", mailbox + &mail_form));

    // Party, ticket, session.
    let party = match gh.party_of(&pid).await {
        Ok(Some(p)) => {
            let members: Vec<String> = p
                .members
                .iter()
                .map(|m| {
                    format!(
                        r#"<a href="{}">{}</a>{}"#,
                        player_url(m.player.as_str()),
                        esc(m.player.as_str()),
                        if m.player == p.leader {
                            " (leader)"
                        } else {
                            ""
                        }
                    )
                })
                .collect();
            format!(
                "<p>Party <code>{}</code>, {} · members: {}</p>",
                esc(&p.id),
                if p.open { "open" } else { "invite only" },
                members.join(", ")
            )
        }
        Ok(None) => r#"<p class="muted">not in a party</p>"#.into(),
        Err(e) => inline_error(&e),
    };
    let ticket = match gh.ticket_status(&pid).await {
        Ok(Some(t)) => json_pre(&t),
        Ok(None) => r#"<p class="muted">no ticket</p>"#.into(),
        Err(e) => inline_error(&e),
    };
    let session = match gh.session(&pid).await {
        Ok(Some(ss)) => format!(
            "<p>online since {}, last seen {}, expires {}</p>{}",
            time(&ss.started_at),
            time(&ss.last_seen),
            time(&ss.expires_at),
            json_pre(&ss.location)
        ),
        Ok(None) => r#"<p class="muted">offline</p>"#.into(),
        Err(e) => inline_error(&e),
    };
    body.push_str(&section(
        "Party, ticket, session",
        format!("<h2>Party</h2>{party}<h2>Ticket</h2>{ticket}<h2>Session</h2>{session}"),
    ));
    body.push_str("</div>");
    html(
        status,
        layout(
            &format!("Player {}", pid.as_str()),
            Some(op),
            "/console/players",
            notice.as_ref(),
            &body,
        ),
    )
}

fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map(|v| v.trim()).unwrap_or("")
}

fn opt_field(f: &Fields, name: &str) -> Option<String> {
    Some(field(f, name))
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn amount(f: &Fields, name: &str) -> Result<i64, Error> {
    field(f, name)
        .parse::<i64>()
        .map_err(|_| Error::invalid(name, "a whole number is needed"))
}

fn required(f: &Fields, name: &str) -> Result<String, Error> {
    opt_field(f, name).ok_or_else(|| Error::invalid(name, format!("{name} is required")))
}

/// The outcome of a player form: on success a redirect to the player page with a
/// message (so a reload does not post again); on refusal the page with the code.
async fn after_player_action(
    s: &AppState,
    op: &Operator,
    raw: &str,
    outcome: Result<String, Error>,
) -> Response {
    match outcome {
        Ok(done) => {
            Redirect::to(&format!("{}?done={}", player_url(raw), enc(&done))).into_response()
        }
        Err(e) => {
            let status = status_of(&e);
            render_player(s, op, raw, Some(Notice::Refused(e)), status, None).await
        }
    }
}

async fn grant(
    State(s): State<AppState>,
    op: Operator,
    Path(p): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    change_balance(s, op, p, f, true).await
}

async fn revoke(
    State(s): State<AppState>,
    op: Operator,
    Path(p): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    change_balance(s, op, p, f, false).await
}

/// Grants (source `admin`) or revokes (sink `admin_revoke`) currency with the operator's
/// reason, through the same services as the API, so the ledger row and event follow.
async fn change_balance(s: AppState, op: Operator, p: String, f: Fields, grant: bool) -> Response {
    if let Some(r) = op.csrf_refusal(&f) {
        return r;
    }
    let outcome = async {
        let player = parse_player(&p)?;
        let currency = required(&f, "currency")?;
        let amount = amount(&f, "amount")?;
        let reason = Some(required(&f, "reason")?);
        let metadata = json!({ "by": op.by() });
        let idempotency_key = opt_field(&f, "idempotency_key");
        let r = if grant {
            op.core(&s)
                .grant(GrantRequest {
                    player,
                    currency: currency.clone(),
                    amount,
                    source: Some("admin".into()),
                    reason,
                    metadata,
                    idempotency_key,
                })
                .await?
        } else {
            op.core(&s)
                .spend(SpendRequest {
                    player,
                    currency: currency.clone(),
                    amount,
                    sink: Some("admin_revoke".into()),
                    reason,
                    metadata,
                    idempotency_key,
                })
                .await?
        };
        Ok(format!(
            "{} {amount} {currency}{}; balance now {}.",
            if grant { "Granted" } else { "Revoked" },
            if r.replayed {
                " (already done; not repeated)"
            } else {
                ""
            },
            r.balance
        ))
    }
    .await;
    after_player_action(&s, &op, &p, outcome).await
}

fn parse_until(v: &str) -> Result<Option<DateTime<Utc>>, Error> {
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
        .ok_or_else(|| Error::invalid("until", "a time like 2030-01-31T18:00 (UTC) is needed"))
}

async fn ban(
    State(s): State<AppState>,
    op: Operator,
    Path(p): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    if let Some(r) = op.csrf_refusal(&f) {
        return r;
    }
    let outcome = async {
        let req = BanRequest {
            reason: required(&f, "reason")?,
            until: parse_until(field(&f, "until"))?,
        };
        s.gh.ban_player(&parse_player(&p)?, req, &op.by()).await?;
        Ok("Banned.".to_string())
    }
    .await;
    after_player_action(&s, &op, &p, outcome).await
}

async fn unban(
    State(s): State<AppState>,
    op: Operator,
    Path(p): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    if let Some(r) = op.csrf_refusal(&f) {
        return r;
    }
    let outcome = async {
        s.gh.unban_player(&parse_player(&p)?, &op.by()).await?;
        Ok("Ban lifted.".to_string())
    }
    .await;
    after_player_action(&s, &op, &p, outcome).await
}

fn currency_attachment(f: &Fields) -> Result<Attachments, Error> {
    let mut a = Attachments::default();
    if let Some(currency) = opt_field(f, "currency") {
        if opt_field(f, "amount").is_some() {
            a.currencies.push(CurrencyAttachment {
                currency,
                amount: amount(f, "amount")?,
            });
        }
    }
    Ok(a)
}

fn system_sender() -> Sender {
    Sender {
        kind: SenderKind::System,
        id: None,
    }
}

async fn mail_player(
    State(s): State<AppState>,
    op: Operator,
    Path(p): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    if let Some(r) = op.csrf_refusal(&f) {
        return r;
    }
    let outcome = async {
        let req = SendMailRequest {
            from: system_sender(),
            to: parse_player(&p)?,
            subject: required(&f, "subject")?,
            body: field(&f, "body").to_string(),
            attachments: currency_attachment(&f)?,
            expires_in_secs: None,
            idempotency_key: opt_field(&f, "idempotency_key"),
        };
        let r = op.core(&s).send_mail(req).await?;
        Ok(format!("Mail sent ({}).", r.mail.id))
    }
    .await;
    after_player_action(&s, &op, &p, outcome).await
}

// ----- Catalog -----

async fn catalog_page(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<Fields>,
) -> Response {
    let notice = q.get("done").map(|d| Notice::Done(d.clone()));
    render_catalog(&s, &op, notice, StatusCode::OK).await
}

async fn render_catalog(
    s: &AppState,
    op: &Operator,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let mut body = String::new();
    let list = match s.gh.catalog().await {
        Ok(items) => {
            let mut h = String::from(
                r#"<table id="catalog"><tr><th>id</th><th>name</th><th>kind</th><th>price</th><th class="num">max stack</th><th>active</th><th></th></tr>"#,
            );
            for i in &items {
                let price = i
                    .price
                    .as_ref()
                    .map(|p| format!("{} {}", p.amount, esc(&p.currency)))
                    .unwrap_or_else(|| "not for sale".into());
                let _ = write!(
                    h,
                    r#"<tr><td><code>{id}</code></td><td>{name}</td><td>{kind}</td><td>{price}</td><td class="num">{stack}</td><td>{active}</td><td><form class="inline" method="post" action="/console/catalog/{href}/active">{csrf}<input type="hidden" name="active" value="{to}"><button class="secondary" type="submit">{label}</button></form></td></tr>"#,
                    id = esc(&i.id),
                    name = esc(&i.name),
                    kind = esc(i.kind.as_str()),
                    stack = i
                        .max_stack
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| "-".into()),
                    active = if i.active { "yes" } else { "no" },
                    href = enc(&i.id),
                    csrf = op.csrf_field(),
                    to = !i.active,
                    label = if i.active { "Deactivate" } else { "Activate" },
                );
            }
            h + "</table>"
        }
        Err(e) => inline_error(&e),
    };
    body.push_str(&section("Items", list));
    let _ = write!(
        body,
        r#"<section class="card"><form class="stack" method="post" action="/console/catalog">{csrf}
<h2>Add or update an item</h2>
<label for="item-id">Id (an existing id updates that item)</label><input id="item-id" name="id" required>
<label for="item-name">Name</label><input id="item-name" name="name" required>
<label for="item-kind">Kind</label><select id="item-kind" name="kind"><option>consumable</option><option>durable</option></select>
<label for="price_currency">Price currency (none: not for sale)</label>{currency}
<label for="item-price">Price amount</label><input id="item-price" name="price_amount" type="number" min="0" step="1">
<label for="item-stack">Max stack (consumables)</label><input id="item-stack" name="max_stack" type="number" min="1" step="1">
<label for="item-meta">Metadata (JSON, optional)</label><textarea id="item-meta" name="metadata" rows="2"></textarea>
<label class="check"><input type="checkbox" name="active" value="true" checked> active</label>
<button type="submit">Save item</button></form></section>"#,
        csrf = op.csrf_field(),
        currency = currency_select(s, "price_currency", true),
    );
    html(
        status,
        layout(
            "Catalog",
            Some(op),
            "/console/catalog",
            notice.as_ref(),
            &body,
        ),
    )
}

fn json_field(f: &Fields, name: &str) -> Result<serde_json::Value, Error> {
    match opt_field(f, name) {
        None => Ok(serde_json::Value::Null),
        Some(t) => serde_json::from_str(&t)
            .map_err(|e| Error::invalid(name, format!("{name} is not JSON: {e}"))),
    }
}

async fn after_catalog(s: &AppState, op: &Operator, outcome: Result<String, Error>) -> Response {
    match outcome {
        Ok(done) => Redirect::to(&format!("/console/catalog?done={}", enc(&done))).into_response(),
        Err(e) => {
            let st = status_of(&e);
            render_catalog(s, op, Some(Notice::Refused(e)), st).await
        }
    }
}

async fn upsert_item(State(s): State<AppState>, op: Operator, Form(f): Form<Fields>) -> Response {
    if let Some(r) = op.csrf_refusal(&f) {
        return r;
    }
    let outcome = async {
        let kind: ItemKind = serde_json::from_value(json!(field(&f, "kind")))
            .map_err(|_| Error::invalid("kind", "consumable or durable"))?;
        let price = match opt_field(&f, "price_currency") {
            Some(currency) => Some(Price {
                currency,
                amount: amount(&f, "price_amount")?,
            }),
            None => None,
        };
        let max_stack = match opt_field(&f, "max_stack") {
            Some(_) => Some(amount(&f, "max_stack")?),
            None => None,
        };
        let item = CatalogItem {
            id: required(&f, "id")?,
            name: required(&f, "name")?,
            kind,
            price,
            max_stack,
            active: field(&f, "active") == "true",
            metadata: json_field(&f, "metadata")?,
        };
        let saved = s.gh.upsert_catalog_item(item).await?;
        Ok(format!("Saved item {}.", saved.id))
    }
    .await;
    after_catalog(&s, &op, outcome).await
}

async fn set_active(
    State(s): State<AppState>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    if let Some(r) = op.csrf_refusal(&f) {
        return r;
    }
    let active = field(&f, "active") == "true";
    let outcome = s.gh.set_catalog_item_active(&id, active).await.map(|i| {
        format!(
            "Item {} is now {}.",
            i.id,
            if i.active { "active" } else { "inactive" }
        )
    });
    after_catalog(&s, &op, outcome).await
}

// ----- Announcements: templates and triggers -----

async fn announcements_page(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<Fields>,
) -> Response {
    let notice = q.get("done").map(|d| Notice::Done(d.clone()));
    render_announcements(&s, &op, notice, StatusCode::OK, None).await
}

async fn render_announcements(
    s: &AppState,
    op: &Operator,
    notice: Option<Notice>,
    status: StatusCode,
    preview: Option<(String, String)>,
) -> Response {
    let mut body = String::new();
    if let Some((id, text)) = preview {
        body.push_str(&section(
            &format!("Preview of {id}"),
            format!(r#"<pre id="preview">{}</pre>"#, esc(&text)),
        ));
    }
    let templates = match s.gh.templates().await {
        Ok(ts) => {
            let mut h = String::from(
                "<table><tr><th>id</th><th>body</th><th>preview with variables (JSON)</th></tr>",
            );
            for t in &ts {
                let _ = write!(
                    h,
                    r#"<tr><td><code>{id}</code></td><td><pre>{body}</pre></td><td><form class="stack" method="post" action="/console/templates/{href}/preview">{csrf}<textarea name="variables" rows="2">{{}}</textarea><button class="secondary" type="submit">Preview</button></form></td></tr>"#,
                    id = esc(&t.id),
                    body = esc(&t.body),
                    href = enc(&t.id),
                    csrf = op.csrf_field(),
                );
            }
            h + "</table>"
        }
        Err(e) => inline_error(&e),
    };
    let template_form = format!(
        r#"<form class="stack" method="post" action="/console/templates">{csrf}<h2>Add or update a template</h2>
<label for="tpl-id">Id</label><input id="tpl-id" name="id" required>
<label for="tpl-body">Body ({{name}} placeholders; {{{{ and }}}} for literal braces)</label><textarea id="tpl-body" name="body" rows="3" required></textarea>
<button type="submit">Save template</button></form>"#,
        csrf = op.csrf_field()
    );
    body.push_str(&section("Templates", templates + &template_form));

    let triggers = match s.gh.triggers().await {
        Ok(ts) => {
            let mut h = String::from("<table><tr><th>id</th><th>event</th><th>template</th><th>audience</th><th>kind</th><th>cap</th><th>priority</th><th>window</th><th>state</th><th></th></tr>");
            for t in &ts {
                let cap = serde_json::to_value(t.cap).unwrap_or_default();
                let _ = write!(
                    h,
                    r#"<tr><td><code>{id}</code></td><td>{event}</td><td>{tpl}</td><td>{aud}{target}</td><td>{kind}</td><td>{cap}</td><td>{prio}</td><td>{from} – {to}</td><td>{state}</td><td>{cancel}</td></tr>"#,
                    id = esc(&t.id),
                    event = esc(&t.event),
                    tpl = esc(&t.template_id),
                    aud = esc(&json_str(&t.audience)),
                    target = t
                        .target
                        .as_ref()
                        .map(|x| format!(" {}", esc(x)))
                        .unwrap_or_default(),
                    kind = esc(&json_str(&t.kind)),
                    cap = esc(&cap.to_string()),
                    prio = t.priority,
                    from = opt_time(&t.starts_at),
                    to = opt_time(&t.ends_at),
                    state = if t.cancelled { "cancelled" } else { "live" },
                    cancel = if t.cancelled {
                        String::new()
                    } else {
                        format!(
                            r#"<form class="inline" method="post" action="/console/triggers/{}/cancel">{}<button class="danger" type="submit">Cancel</button></form>"#,
                            enc(&t.id),
                            op.csrf_field()
                        )
                    },
                );
            }
            h + "</table>"
        }
        Err(e) => inline_error(&e),
    };
    let options = |values: &[&str]| -> String {
        values
            .iter()
            .map(|v| format!("<option>{v}</option>"))
            .collect()
    };
    let trigger_form = format!(
        r#"<form class="stack" method="post" action="/console/triggers">{csrf}<h2>Add or update a trigger</h2>
<label for="trg-id">Id</label><input id="trg-id" name="id" required>
<label for="trg-event">Event (login, register, online, ... or a custom name)</label><input id="trg-event" name="event" required>
<label for="trg-template">Template id</label><input id="trg-template" name="template_id" required>
<label for="trg-vars">Variables (JSON object)</label><textarea id="trg-vars" name="variables" rows="2">{{}}</textarea>
<label for="trg-aud">Audience</label><select id="trg-aud" name="audience">{aud}</select>
<label for="trg-target">Target id (optional)</label><input id="trg-target" name="target">
<label for="trg-kind">Kind</label><select id="trg-kind" name="kind">{kind}</select>
<label for="trg-cap">Frequency cap</label><select id="trg-cap" name="cap">{cap}</select>
<label for="trg-times">Times per period (per_day, per_week, per_month)</label><input id="trg-times" name="times" type="number" min="1" step="1" value="1">
<label for="trg-prio">Priority</label><input id="trg-prio" name="priority" type="number" step="1" value="0">
<label for="trg-start">Starts (UTC, optional)</label><input id="trg-start" name="starts_at" type="datetime-local">
<label for="trg-end">Ends (UTC, optional)</label><input id="trg-end" name="ends_at" type="datetime-local">
<button type="submit">Save trigger</button></form>"#,
        csrf = op.csrf_field(),
        aud = options(&["lobby", "server", "room", "party", "player"]),
        kind = options(&["announcement", "marquee", "mail", "chat", "in_game"]),
        cap = options(&["once", "per_day", "per_week", "per_month", "unlimited"]),
    );
    body.push_str(&section("Triggers", triggers + &trigger_form));
    html(
        status,
        layout(
            "Announcements",
            Some(op),
            "/console/announcements",
            notice.as_ref(),
            &body,
        ),
    )
}

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
        Ok(done) => {
            Redirect::to(&format!("/console/announcements?done={}", enc(&done))).into_response()
        }
        Err(e) => {
            let st = status_of(&e);
            render_announcements(s, op, Some(Notice::Refused(e)), st, None).await
        }
    }
}

async fn put_template(State(s): State<AppState>, op: Operator, Form(f): Form<Fields>) -> Response {
    if let Some(r) = op.csrf_refusal(&f) {
        return r;
    }
    let outcome = async {
        let t =
            s.gh.put_template(Template {
                id: required(&f, "id")?,
                body: f.get("body").cloned().unwrap_or_default(),
            })
            .await?;
        Ok(format!("Saved template {}.", t.id))
    }
    .await;
    after_announcements(&s, &op, outcome).await
}

fn variables(f: &Fields) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    match json_field(f, "variables")? {
        serde_json::Value::Null => Ok(Default::default()),
        serde_json::Value::Object(m) => Ok(m),
        _ => Err(Error::invalid(
            "variables",
            "variables must be a JSON object",
        )),
    }
}

async fn preview(
    State(s): State<AppState>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    if let Some(r) = op.csrf_refusal(&f) {
        return r;
    }
    let rendered = match variables(&f) {
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

async fn put_trigger(State(s): State<AppState>, op: Operator, Form(f): Form<Fields>) -> Response {
    if let Some(r) = op.csrf_refusal(&f) {
        return r;
    }
    let outcome = async {
        let cap = match field(&f, "cap") {
            every @ ("per_day" | "per_week" | "per_month") => {
                json!({ "every": every, "times": amount(&f, "times")? })
            }
            every => json!({ "every": every }),
        };
        let priority = match opt_field(&f, "priority") {
            Some(_) => amount(&f, "priority")?,
            None => 0,
        };
        let doc = json!({
            "id": required(&f, "id")?,
            "event": required(&f, "event")?,
            "template_id": required(&f, "template_id")?,
            "variables": variables(&f)?,
            "audience": field(&f, "audience"),
            "target": opt_field(&f, "target"),
            "kind": field(&f, "kind"),
            "starts_at": parse_until(field(&f, "starts_at"))?,
            "ends_at": parse_until(field(&f, "ends_at"))?,
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

async fn cancel_trigger(
    State(s): State<AppState>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    if let Some(r) = op.csrf_refusal(&f) {
        return r;
    }
    let outcome =
        s.gh.cancel_trigger(&id)
            .await
            .map(|t| format!("Cancelled trigger {}.", t.id));
    after_announcements(&s, &op, outcome).await
}

// ----- Broadcast mail -----

fn mail_form_page(
    s: &AppState,
    op: &Operator,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let body = format!(
        r#"<section class="card"><form class="stack" method="post" action="/console/mail/broadcast">{csrf}
<h2>Broadcast a system mail</h2>
<label for="bc-subject">Subject</label><input id="bc-subject" name="subject" required>
<label for="bc-body">Body</label><textarea id="bc-body" name="body" rows="4"></textarea>
<label for="currency">Attach currency (optional)</label>{currency}
<label for="bc-amount">Amount</label><input id="bc-amount" name="amount" type="number" min="1" step="1">
<label for="bc-recipients">Only these players (comma-separated; empty: every player)</label><input id="bc-recipients" name="recipients">
<label for="bc-expires">Expires after (seconds, optional)</label><input id="bc-expires" name="expires_in_secs" type="number" min="1" step="1">
<button type="submit">Broadcast</button></form>
<p class="muted">Stored once; it appears in each box the next time that box is read.</p></section>"#,
        csrf = op.csrf_field(),
        currency = currency_select(s, "currency", true),
    );
    html(
        status,
        layout("Mail", Some(op), "/console/mail", notice.as_ref(), &body),
    )
}

async fn mail_page(State(s): State<AppState>, op: Operator, Query(q): Query<Fields>) -> Response {
    let notice = q.get("done").map(|d| Notice::Done(d.clone()));
    mail_form_page(&s, &op, notice, StatusCode::OK)
}

async fn broadcast(State(s): State<AppState>, op: Operator, Form(f): Form<Fields>) -> Response {
    if let Some(r) = op.csrf_refusal(&f) {
        return r;
    }
    let outcome = async {
        let recipients = match opt_field(&f, "recipients") {
            None => None,
            Some(list) => Some(
                list.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(parse_player)
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        let expires_in_secs = match opt_field(&f, "expires_in_secs") {
            Some(_) => Some(amount(&f, "expires_in_secs")?),
            None => None,
        };
        let b =
            s.gh.broadcast_mail(BroadcastRequest {
                from: system_sender(),
                subject: required(&f, "subject")?,
                body: field(&f, "body").to_string(),
                attachments: currency_attachment(&f)?,
                expires_in_secs,
                recipients,
            })
            .await?;
        Ok(format!("Broadcast {} stored.", b.id))
    }
    .await;
    match outcome {
        Ok(done) => Redirect::to(&format!("/console/mail?done={}", enc(&done))).into_response(),
        Err(e) => {
            let st = status_of(&e);
            mail_form_page(&s, &op, Some(Notice::Refused(e)), st)
        }
    }
}
