//! Console sessions: sign-in and sign-out, the session cookie, and the two extractors
//! every console handler starts from: [`Operator`] (the signed-in operator of a page) and
//! [`CsrfForm`] (a POST form of that operator with its CSRF token checked).

use super::{forbidden_page, layout, respond, status_of, Notice};
use crate::auth::{limit, ClientAddr};
use crate::AppState;
use axum::extract::{Extension, Form, FromRequest, FromRequestParts, Request, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use guildhall_core::access::ApiKeyInfo;
use guildhall_core::{Error, ErrorCode};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use maud::{html, Markup};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The session cookie's name.
pub const COOKIE: &str = "gh_console";
/// The JWT `typ` header of a console session token.
pub const SESSION_TYPE: &str = "console+jwt";
/// How long a console session lasts, seconds (8 h).
pub const SESSION_TTL_SECS: i64 = 8 * 3600;
/// The `aud` claim of console session tokens (never accepted as a player's token).
pub const AUDIENCE: &str = "guildhall-console";

/// The message of the 403 page for a POST without the session's CSRF token.
const CSRF_REFUSAL: &str =
    "This form's CSRF token is missing or wrong. Reload the page and try again.";

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
    /// The hidden field carrying this session's CSRF token, for every POST form.
    pub(super) fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.csrf); }
    }

    /// Whether a posted CSRF token is this session's (compared in constant time).
    fn csrf_matches(&self, given: &str) -> bool {
        given.len() == self.csrf.len()
            && given
                .bytes()
                .zip(self.csrf.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    /// The core acting for this operator's key, so the console's idempotency keys are
    /// scoped to that key as the API's are.
    pub(super) fn core(&self, s: &AppState) -> guildhall_core::Guildhall {
        s.gh.acting_as(guildhall_core::Caller::ApiKey(self.key.id.clone()))
    }

    /// Who acted, as kept with bans and in ledger metadata: `console:<key name>`.
    pub(super) fn by(&self) -> String {
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
                let status = status_of(&e);
                let page = layout("Unavailable", None, "", Some(&Notice::Refused(e)), html! {});
                return Err(respond(status, page));
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

/// A POST form of the signed-in operator, its CSRF token checked: the one extractor of
/// every console POST handler (it must be the handler's last argument, as it reads the
/// body). It runs the [`Operator`] checks first (no session: redirect to sign-in; no
/// `admin`: 403), then decodes the urlencoded body into `T` plus the `csrf` field, and
/// answers 403 when that token is missing or not this session's, so a handler only ever
/// sees a checked form.
pub struct CsrfForm<T> {
    /// The signed-in operator who posted the form.
    pub op: Operator,
    /// The form's fields (without `csrf`).
    pub form: T,
}

/// A posted form: the CSRF token beside the page's own fields.
#[derive(Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: T,
}

impl<T> FromRequest<AppState> for CsrfForm<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let op = Operator::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let Form(posted) = Form::<WithCsrf<T>>::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if !op.csrf_matches(&posted.csrf) {
            return Err(forbidden_page(CSRF_REFUSAL));
        }
        Ok(CsrfForm {
            op,
            form: posted.form,
        })
    }
}

/// A form with no fields of its own (only the CSRF token): sign-out, lifting a ban,
/// cancelling a trigger.
#[derive(Deserialize, Default)]
pub struct NoFields {}

// ----- Sign-in and sign-out -----

/// The sign-in form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LoginForm {
    key: String,
}

fn login_form(status: StatusCode, notice: Option<&Notice>) -> Response {
    let body = html! {
        section class="card login" {
            form.stack method="post" action="/console/login" {
                label for="key" { "Operator API key (scope admin)" }
                input id="key" name="key" type="password" autocomplete="off" required
                    placeholder="ghk_...";
                button type="submit" { "Sign in" }
            }
            p.muted {
                "Create one with " code { "guildhall keys create --name NAME --scope admin" }
                ". The key is checked once; the browser keeps only an 8-hour session."
            }
        }
    };
    respond(status, layout("Sign in", None, "", notice, body))
}

/// `GET /console/login`.
pub(super) async fn login_page() -> Response {
    login_form(StatusCode::OK, None)
}

/// `POST /console/login`: checks the key once (within the per-address login limit) and
/// sets the session cookie.
pub(super) async fn login(
    State(s): State<AppState>,
    addr: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
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
    let info = match s.gh.authenticate_api_key(f.key.trim()).await {
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

/// `POST /console/logout`: clears the session cookie.
pub(super) async fn logout(headers: HeaderMap, _posted: CsrfForm<NoFields>) -> Response {
    to_login(true, https(&headers))
}
