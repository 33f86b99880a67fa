//! Authentication, authorization and abuse limits of the host (SPEC.md "Accounts and
//! access"; OWASP API Security Top 10, 2023: API1 object-level and API5 function-level
//! authorization, API2 authentication, API4 resource consumption).
//!
//! * Credentials: `Authorization: Bearer <token>`, where the token is a player's access
//!   token (a JWT, HS256 only, `typ: at+jwt`, issuer, audience and expiry checked, per
//!   RFC 8725 / RFC 9068) or a trusted server's API key (`ghk_<id>_<secret>`).
//! * Every route has an [`Access`] rule ([`access_rule`]); a route without one is
//!   refused (fail closed). A player token reaches only routes of its own player; an
//!   API key reaches what its scopes grant, for any player; admin routes need a key with
//!   the route's scope.
//! * Rate limits per player and per key (fixed one-minute windows in the Coordinator,
//!   so shared by every host when Redis is configured), and login attempts per account
//!   and per address. Over a limit: `429 RATE_LIMITED` with `Retry-After`.

use crate::error::AppError;
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeZone, Utc};
use guildhall_core::access::{scope_grants, ApiKeyInfo};
use guildhall_core::types::PlayerId;
use guildhall_core::{Caller, Error, ErrorCode, Guildhall};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;

/// The `typ` header of access tokens (RFC 9068), checked on every token.
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
// The secret rule, the minimum length and `[auth.rate_limits]` belong to the one config
// schema (guildhall_adapters::settings), which checks the file on every surface.
pub use guildhall_adapters::settings::{unsafe_secret, RateLimits, MIN_SECRET_LEN};

/// The resolved authentication settings of a host.
#[derive(Clone)]
pub struct AuthSettings {
    /// HMAC key of access tokens (at least [`MIN_SECRET_LEN`] bytes).
    pub secret: Vec<u8>,
    /// `iss` of issued tokens, required on presented ones.
    pub issuer: String,
    /// `aud` of issued tokens, required on presented ones.
    pub audience: String,
    /// Lifetime of access tokens, seconds (default 900).
    pub access_ttl_secs: i64,
    /// Origins allowed by CORS (e.g. `https://shop.example.com`); empty: no CORS headers.
    pub cors_origins: Vec<String>,
    /// Request limits.
    pub limits: RateLimits,
    /// Networks whose callers may use the seed 002 routes (`/api/v1/...`) without
    /// credentials (`[compat] anonymous_from`; SPEC.md "Clarifications (second round)").
    /// Empty (the default): every seed 002 route but health needs credentials.
    pub anonymous_compat_from: Vec<ipnet::IpNet>,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("secret", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_ttl_secs", &self.access_ttl_secs)
            .field("cors_origins", &self.cors_origins)
            .field("limits", &self.limits)
            .field("anonymous_compat_from", &self.anonymous_compat_from)
            .finish()
    }
}

impl AuthSettings {
    /// Settings with a random secret of this process (tokens die with it): for tests,
    /// embedding and `serve --dev`.
    pub fn ephemeral() -> Self {
        let secret = [
            uuid::Uuid::new_v4().into_bytes(),
            uuid::Uuid::new_v4().into_bytes(),
        ]
        .concat();
        Self {
            secret,
            issuer: "guildhall".into(),
            audience: "guildhall".into(),
            access_ttl_secs: 900,
            cors_origins: Vec::new(),
            limits: RateLimits::default(),
            anonymous_compat_from: Vec::new(),
        }
    }
}

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The player id.
    pub sub: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Not before, seconds since the Unix epoch.
    pub nbf: i64,
    /// Issued at, seconds since the Unix epoch.
    pub iat: i64,
    /// Issued at, milliseconds (compared with a sign-out instant).
    pub iat_ms: i64,
    /// Token id.
    pub jti: String,
}

/// Issues and checks access tokens.
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: i64,
}

impl Tokens {
    /// Over the settings' secret, issuer, audience and lifetime.
    pub fn new(s: &AuthSettings) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[&s.issuer]);
        validation.set_audience(&[&s.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(&s.secret),
            decoding: DecodingKey::from_secret(&s.secret),
            validation,
            issuer: s.issuer.clone(),
            audience: s.audience.clone(),
            ttl_secs: s.access_ttl_secs,
        }
    }

    /// A token for `player`, issued `now`; returns it and its lifetime in seconds.
    pub fn issue(&self, player: &PlayerId, now: DateTime<Utc>) -> Result<(String, i64), Error> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: player.to_string(),
            exp: now.timestamp() + self.ttl_secs,
            nbf: now.timestamp(),
            iat: now.timestamp(),
            iat_ms: now.timestamp_millis(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(ACCESS_TOKEN_TYPE.into());
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| Error::unavailable(format!("cannot sign a token: {e}")))?;
        Ok((token, self.ttl_secs))
    }

    /// Checks a token: signature (HS256 only), `typ`, issuer, audience, expiry,
    /// not-before. Errors: `UNAUTHENTICATED` (the message says which, never the token).
    pub fn verify(&self, token: &str) -> Result<(PlayerId, DateTime<Utc>), Error> {
        let unauth = |m: &str| Error::new(ErrorCode::Unauthenticated, m.to_string());
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                unauth(match e.kind() {
                    K::ExpiredSignature => "the access token has expired; refresh it",
                    K::ImmatureSignature => "the access token is not valid yet",
                    K::InvalidIssuer | K::InvalidAudience => {
                        "the access token was issued for another service"
                    }
                    K::InvalidAlgorithm => "the access token uses an algorithm not accepted here",
                    _ => "invalid access token",
                })
            })?;
        if data.header.typ.as_deref() != Some(ACCESS_TOKEN_TYPE) {
            return Err(unauth("this token is not an access token"));
        }
        let player = PlayerId::new(data.claims.sub).map_err(|_| unauth("invalid access token"))?;
        let issued = Utc
            .timestamp_millis_opt(data.claims.iat_ms)
            .single()
            .ok_or_else(|| unauth("invalid access token"))?;
        Ok((player, issued))
    }
}

/// Who is calling, after authentication.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A player with an access token.
    Player {
        /// The player.
        id: PlayerId,
        /// When the token was issued.
        issued_at: DateTime<Utc>,
    },
    /// A trusted server with an API key.
    Server(ApiKeyInfo),
}

fn forbidden(message: String) -> AppError {
    Error::new(ErrorCode::Forbidden, message).into()
}

impl Principal {
    /// A short label for logs and `by` fields: `player:<id>` or `key:<name>`.
    pub fn label(&self) -> String {
        match self {
            Principal::Player { id, .. } => format!("player:{id}"),
            Principal::Server(k) => format!("key:{}", k.name),
        }
    }

    /// Errors with `FORBIDDEN` unless this principal may act for `player` with `scope`: a
    /// player only for themself; a key when its scopes grant `scope`. The whole rule,
    /// with an account's token acting for its live characters, is [`acting`].
    pub fn may_act_for(&self, player: &PlayerId, scope: &str) -> Result<(), AppError> {
        match self {
            Principal::Player { id, .. } if id == player => Ok(()),
            Principal::Player { .. } => Err(forbidden(format!(
                "a player's token reaches only that player's own data, not {player}'s"
            ))),
            Principal::Server(k) => self.require_scope_of(k, scope),
        }
    }

    /// Errors with `FORBIDDEN` unless this is a key holding `scope`.
    pub fn require_scope(&self, scope: &str) -> Result<(), AppError> {
        match self {
            Principal::Player { .. } => Err(forbidden(format!(
                "this route is for trusted servers with the '{scope}' scope"
            ))),
            Principal::Server(k) => self.require_scope_of(k, scope),
        }
    }

    fn require_scope_of(&self, k: &ApiKeyInfo, scope: &str) -> Result<(), AppError> {
        if scope_grants(&k.scopes, scope) {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::Forbidden,
                format!("the API key '{}' lacks the '{scope}' scope", k.name),
            )
            .with_details(serde_json::json!({ "needed_scope": scope, "key_scopes": k.scopes }))
            .into())
        }
    }

    /// The caller this principal is for the core: the idempotency scope of its keys
    /// (SPEC.md "Clarifications (second round)": the API key's id, or the token's player).
    pub fn caller(&self) -> Caller {
        match self {
            Principal::Player { id, .. } => Caller::Player(id.clone()),
            Principal::Server(k) => Caller::ApiKey(k.id.clone()),
        }
    }

    /// When the token was issued (players), for sign-out checks.
    pub fn issued_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Principal::Player { issued_at, .. } => Some(*issued_at),
            Principal::Server(_) => None,
        }
    }
}

/// The core acting for the request's caller ([`Principal::caller`]; a request the guard
/// let in without credentials acts as [`Caller::Anonymous`]), so idempotency keys are
/// scoped to the caller. Every handler of a keyed write takes the core from here.
pub struct Acting(pub Guildhall);

impl FromRequestParts<AppState> for Acting {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = parts
            .extensions
            .get::<Principal>()
            .map(Principal::caller)
            .unwrap_or(Caller::Anonymous);
        Ok(Acting(state.gh.acting_as(caller)))
    }
}

/// Checks that `principal` may act for `player` (the path's or the body's) with
/// `scope`, and that the player is not banned: the one check of every route acting for
/// a player. A key needs the scope. A player's token acts for that player, and for the
/// live characters of its account (SPEC.md Characters: one lookup of the character,
/// `Guildhall::check_token_reach`); a character's own token (from selecting it) acts
/// only while the character is live. Errors: `FORBIDDEN`, `BANNED`, `UNAUTHENTICATED`.
pub async fn acting(
    gh: &Guildhall,
    principal: &Principal,
    player: &PlayerId,
    scope: &str,
) -> Result<(), AppError> {
    match principal {
        Principal::Player { id, issued_at } => {
            gh.check_token_reach(id, player, *issued_at).await?;
        }
        Principal::Server(_) => {
            principal.may_act_for(player, scope)?;
            gh.check_player_access(player, None).await?;
        }
    }
    Ok(())
}

/// Checks that `principal` may read a party's, a match's or a trade's record whose
/// players are `members`: a token that may act for one of them (the member itself, or
/// the account of a member that is its live character: the reach of
/// `Guildhall::check_token_reach`, so bans and sign-outs apply), or a key (whose scope
/// the guard checked, [`Access::Members`]). `what` names the record in the refusal.
/// Errors: `FORBIDDEN`, `BANNED`, `UNAUTHENTICATED`.
pub async fn members_only(
    gh: &Guildhall,
    principal: &Principal,
    members: &[PlayerId],
    what: &str,
) -> Result<(), AppError> {
    match principal {
        Principal::Server(_) => Ok(()),
        Principal::Player { id, issued_at } => {
            if members.contains(id) {
                gh.check_token_reach(id, id, *issued_at).await?;
                return Ok(());
            }
            for m in members {
                match gh.check_token_reach(id, m, *issued_at).await {
                    Ok(()) => return Ok(()),
                    Err(e) if e.code == ErrorCode::Forbidden => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Err(forbidden(format!("only its members may read this {what}")))
        }
    }
}

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (catalog, health, OpenAPI, logins).
    Public,
    /// Any authenticated caller (`/v1/auth/me`, password change).
    Authenticated,
    /// The path's `{player}` (or `{user_id}`): that player's token, or a key with the scope.
    OwnPlayer(&'static str),
    /// The acting player is named in the body; the handler checks it with [`acting`]. A
    /// player token passes here; a key needs the scope.
    BodyPlayer(&'static str),
    /// Trusted servers and operators: a key with the scope.
    Server(&'static str),
    /// A read of a party or a match: its members (the handler checks with
    /// [`members_only`]) and keys with the scope (SPEC.md "Clarifications (second
    /// round)").
    Members(&'static str),
}

/// The access rule of a route (method and path template as routed). `None`: the route
/// has no rule and is refused; a test checks that every documented route has one.
pub fn access_rule(method: &Method, path: &str) -> Option<Access> {
    use Access::*;
    let m = method.as_str();
    Some(match (m, path) {
        // Public.
        (_, "/healthz" | "/readyz" | "/openapi.json" | "/api/v1/health") => Public,
        ("GET", "/v1/currencies" | "/v1/catalog" | "/v1/catalog/{item_id}" | "/v1/queues") => {
            Public
        }
        (
            "POST",
            "/v1/auth/register" | "/v1/auth/login" | "/v1/auth/device" | "/v1/auth/refresh"
            | "/v1/auth/logout",
        ) => Public,
        ("GET", "/v1/auth/me") | ("POST", "/v1/auth/password" | "/v1/auth/sign-out") => {
            Authenticated
        }
        ("POST", "/v1/auth/vouch") => Server("accounts"),
        // A player's own data.
        (
            "GET",
            "/v1/players/{player}/wallet"
            | "/v1/players/{player}/balances/{currency}"
            | "/v1/players/{player}/history"
            | "/v1/players/{player}/inventory"
            | "/api/v1/users/{user_id}/inventory",
        ) => OwnPlayer("economy:read"),
        (
            "POST",
            "/v1/players/{player}/spend"
            | "/v1/players/{player}/purchases"
            | "/v1/players/{player}/items/{item_id}/use",
        ) => OwnPlayer("economy:write"),
        (
            "POST",
            "/v1/transfers"
            | "/api/v1/products/{product_id}/purchase"
            | "/api/v1/products/{product_id}/use",
        ) => BodyPlayer("economy:write"),
        ("GET" | "POST", "/v1/players/{player}/mail")
        | ("DELETE", "/v1/players/{player}/mail/{mail_id}")
        | (
            "POST",
            "/v1/players/{player}/mail/{mail_id}/open"
            | "/v1/players/{player}/mail/{mail_id}/claim",
        ) => OwnPlayer("mail"),
        ("GET", "/v1/players/{player}/events") => OwnPlayer("events"),
        ("GET" | "POST" | "DELETE", "/v1/players/{player}/session")
        | ("POST", "/v1/players/{player}/session/heartbeat") => OwnPlayer("presence"),
        ("GET", "/v1/players/{player}/party") => OwnPlayer("party"),
        (
            "GET",
            "/v1/players/{player}/friends"
            | "/v1/players/{player}/friend-requests"
            | "/v1/players/{player}/blocks",
        )
        | ("DELETE", "/v1/players/{player}/friends/{other}")
        | (
            "POST",
            "/v1/players/{player}/friend-requests"
            | "/v1/players/{player}/friend-requests/{other}/accept"
            | "/v1/players/{player}/friend-requests/{other}/decline",
        )
        | ("PUT" | "DELETE", "/v1/players/{player}/blocks/{other}") => OwnPlayer("friends"),
        ("GET", "/v1/parties/{party_id}") => Members("party"),
        ("GET", "/v1/matches/{match_id}") => Members("matchmaking"),
        (
            "POST",
            "/v1/parties"
            | "/v1/parties/{party_id}/invites"
            | "/v1/parties/{party_id}/accept"
            | "/v1/parties/{party_id}/decline"
            | "/v1/parties/{party_id}/join"
            | "/v1/parties/{party_id}/leave"
            | "/v1/parties/{party_id}/kick"
            | "/v1/parties/{party_id}/promote"
            | "/v1/parties/{party_id}/disband",
        ) => BodyPlayer("party"),
        ("POST", "/v1/chat/messages") => BodyPlayer("chat"),
        ("GET", "/v1/players/{player}/chat") => OwnPlayer("chat"),
        ("POST", "/v1/queues/{queue}/tickets") => BodyPlayer("matchmaking"),
        ("GET", "/v1/groups" | "/v1/groups/{group_id}") => Authenticated,
        ("GET", "/v1/players/{player}/groups") => OwnPlayer("groups"),
        ("GET", "/v1/groups/{group_id}/bank") => Members("groups"),
        (
            "POST",
            "/v1/groups"
            | "/v1/groups/{group_id}/join"
            | "/v1/groups/{group_id}/requests"
            | "/v1/groups/{group_id}/requests/accept"
            | "/v1/groups/{group_id}/requests/decline"
            | "/v1/groups/{group_id}/invites"
            | "/v1/groups/{group_id}/accept"
            | "/v1/groups/{group_id}/decline"
            | "/v1/groups/{group_id}/kick"
            | "/v1/groups/{group_id}/promote"
            | "/v1/groups/{group_id}/demote"
            | "/v1/groups/{group_id}/transfer"
            | "/v1/groups/{group_id}/leave"
            | "/v1/groups/{group_id}/disband"
            | "/v1/groups/{group_id}/bank/deposit"
            | "/v1/groups/{group_id}/bank/withdraw",
        ) => BodyPlayer("groups"),
        ("GET" | "DELETE", "/v1/players/{player}/ticket")
        | ("GET", "/v1/players/{player}/matches" | "/v1/players/{player}/ratings/{queue}") => {
            OwnPlayer("matchmaking")
        }
        // Trusted servers and operators.
        (
            "POST",
            "/v1/players/{player}/grant"
            | "/v1/players/{player}/items/{item_id}/grant"
            | "/api/v1/users/{user_id}/add-funds",
        ) => Server("economy:write"),
        ("POST", "/v1/mail" | "/v1/mail/broadcasts" | "/v1/players/{player}/events/fire")
        | (
            "GET",
            "/v1/templates"
            | "/v1/templates/{template_id}"
            | "/v1/triggers"
            | "/v1/triggers/{trigger_id}",
        )
        | ("PUT", "/v1/templates/{template_id}" | "/v1/triggers/{trigger_id}")
        | ("POST", "/v1/templates/{template_id}/preview" | "/v1/triggers/{trigger_id}/cancel") => {
            Server("mail:admin")
        }
        ("GET", "/v1/online") => Server("presence"),
        ("GET", "/v1/queues/{queue}/pool") | ("POST", "/v1/matches/{match_id}/result") => {
            Server("matchmaking")
        }
        ("GET", "/v1/events") => Server("events"),
        ("PUT", "/v1/catalog/{item_id}" | "/v1/catalog/{item_id}/active")
        | (
            "GET",
            "/v1/ledger/verify"
            | "/v1/analytics/popular-items"
            | "/v1/analytics/revenue"
            | "/api/v1/analytics/popular-products"
            | "/v1/admin/keys",
        )
        | ("POST", "/v1/maintenance/prune") => Server("admin"),
        ("GET", "/v1/admin/accounts/{player}" | "/v1/admin/identities/{provider}/{subject}")
        | (
            "POST",
            "/v1/admin/accounts/{player}/ban"
            | "/v1/admin/accounts/{player}/unban"
            | "/v1/admin/accounts/{player}/sign-out",
        )
        | ("PUT" | "DELETE", "/v1/admin/accounts/{player}/whitelist") => Server("admin"),
        ("GET", "/v1/admin/groups/by-name/{name}")
        | (
            "POST",
            "/v1/admin/groups/{group_id}/remove-member" | "/v1/admin/groups/{group_id}/disband",
        ) => Server("admin"),
        ("GET", "/v1/admin/chat/history") | ("PUT" | "DELETE", "/v1/admin/chat/mutes/{player}") => {
            Server("admin")
        }
        // Operations: the log filter at run time, the graceful drain (crate::ops).
        ("GET" | "PUT", "/v1/admin/log-level") | ("POST", "/v1/admin/drain") => Server("admin"),
        // Leaderboards and tournaments: standings are public to every signed-in caller;
        // scores come from trusted servers only (a client never posts its own score).
        (
            "GET",
            "/v1/leaderboards"
            | "/v1/leaderboards/{board}"
            | "/v1/leaderboards/{board}/standings"
            | "/v1/leaderboards/{board}/players/{player}"
            | "/v1/leaderboards/{board}/periods",
        ) => Authenticated,
        ("POST", "/v1/leaderboards/{board}/scores") => Server("leaderboards"),
        ("POST", "/v1/leaderboards/{board}/join") => BodyPlayer("leaderboards"),
        ("PUT", "/v1/admin/leaderboards/{board}") | ("POST", "/v1/admin/leaderboards/resets") => {
            Server("admin")
        }
        ("GET", "/metrics") => Server("metrics"),
        // Achievements and quests: definitions for everyone signed in, a player's own
        // standing and claims, explicit progress for servers, definitions by operators.
        ("GET", "/v1/achievements" | "/v1/achievements/{achievement_id}") => Authenticated,
        (
            "GET",
            "/v1/players/{player}/achievements"
            | "/v1/players/{player}/achievements/{achievement_id}",
        )
        | ("POST", "/v1/players/{player}/achievements/{achievement_id}/claim") => {
            OwnPlayer("achievements")
        }
        ("POST", "/v1/players/{player}/achievements/{achievement_id}/progress") => {
            Server("achievements")
        }
        ("PUT" | "DELETE", "/v1/admin/achievements/{achievement_id}") => Server("admin"),
        // Trade: the acting side named in the body (a player's token acts only as
        // itself), a trade read by its two players, a player's own trades; operators
        // list recent trades and run the expiry.
        (
            "POST",
            "/v1/trades"
            | "/v1/trades/{trade_id}/offer"
            | "/v1/trades/{trade_id}/confirm"
            | "/v1/trades/{trade_id}/cancel",
        ) => BodyPlayer("trade"),
        ("GET", "/v1/trades/{trade_id}" | "/v1/trades/{trade_id}/ledger") => Members("trade"),
        ("GET", "/v1/players/{player}/trades") => OwnPlayer("trade"),
        ("GET", "/v1/admin/trades") | ("POST", "/v1/admin/trades/expire") => Server("admin"),
        // Characters and the account bank: `{player}` is the account for its characters'
        // list and lifecycle, the character (or the account) for the bank and equipment;
        // an account's token reaches its live characters (`acting`).
        ("GET" | "POST", "/v1/players/{player}/characters")
        | ("DELETE", "/v1/players/{player}/characters/{character}")
        | ("GET", "/v1/characters/{player}")
        | (
            "POST",
            "/v1/players/{player}/characters/{character}/rename"
            | "/v1/players/{player}/characters/{character}/restore"
            | "/v1/players/{player}/characters/{character}/select"
            | "/v1/players/{player}/bank/deposit"
            | "/v1/players/{player}/bank/withdraw",
        )
        | ("GET", "/v1/players/{player}/bank")
        | ("GET" | "POST", "/v1/players/{player}/equipment")
        | ("DELETE", "/v1/players/{player}/equipment/{slot}") => OwnPlayer("characters"),
        // Loot: tables, results, replays and resolutions by operators; rolls by trusted
        // servers for a player (never a player's own token: it could roll until it liked
        // the drop); a party roll read by anyone signed in, chosen by the member.
        ("GET" | "PUT" | "DELETE", "/v1/admin/loot/tables/{table_id}")
        | ("GET", "/v1/admin/loot/tables" | "/v1/admin/loot/results/{result_id}")
        | ("POST", "/v1/admin/loot/replay" | "/v1/admin/loot/resolve") => Server("admin"),
        ("POST", "/v1/players/{player}/loot") => Server("loot"),
        ("GET", "/v1/loot/rolls/{roll_id}") => Authenticated,
        ("POST", "/v1/players/{player}/loot/rolls/{roll_id}") => OwnPlayer("loot"),
        // Rooms: created, entered and left by the player named in the body (a token acts
        // as itself; a key with `rooms` for anyone or, creating, for the system); rooms
        // and the lobby read by anyone signed in; destroy, log and sweep by operators.
        ("POST", "/v1/rooms" | "/v1/rooms/{room_id}/enter" | "/v1/rooms/{room_id}/leave")
        | ("POST", "/v1/lobby/push") => BodyPlayer("rooms"),
        ("GET", "/v1/rooms" | "/v1/rooms/{room_id}" | "/v1/lobby") => Authenticated,
        ("GET", "/v1/players/{player}/room") => OwnPlayer("rooms"),
        ("POST", "/v1/admin/rooms/{room_id}/destroy" | "/v1/admin/rooms/sweep")
        | ("GET", "/v1/admin/rooms/{room_id}/log") => Server("admin"),
        // The WebSocket authenticates in its handler (header, `?access_token=` or the
        // first message: browsers cannot set headers), see crate::ws.
        ("GET", "/v1/ws") => Public,
        // Payment webhooks: no credentials, the provider's signature authenticates each
        // delivery (checked by the core before anything is recorded); the log and the
        // records for operators. Game data: downloads for everyone signed in, uploads
        // for operators.
        ("POST", "/v1/webhooks/stripe" | "/v1/webhooks/hmac/{provider}") => Public,
        ("GET", "/v1/admin/payments" | "/v1/admin/payments/{provider}/{payment_id}")
        | ("PUT", "/v1/admin/files/{name}")
        | ("GET", "/v1/admin/files/{name}/versions") => Server("admin"),
        ("GET" | "HEAD", "/v1/files" | "/v1/files/{name}") => Authenticated,
        // Outbound webhooks: operators only. Account recovery: the reset and reopen
        // routes are public (limited per address), verification, closing and the
        // activity log are the player's own (or a key with `accounts`).
        ("GET" | "POST", "/v1/admin/webhooks")
        | ("GET" | "PUT" | "DELETE", "/v1/admin/webhooks/{webhook_id}")
        | (
            "POST",
            "/v1/admin/webhooks/{webhook_id}/replay" | "/v1/admin/accounts/{player}/reopen",
        ) => Server("admin"),
        ("POST", "/v1/auth/recovery/start" | "/v1/auth/recovery/reset" | "/v1/auth/reopen") => {
            Public
        }
        (
            "POST",
            "/v1/players/{player}/identities/verify/start"
            | "/v1/players/{player}/identities/verify"
            | "/v1/players/{player}/close",
        )
        | ("GET", "/v1/players/{player}/activity") => OwnPlayer("accounts"),
        // The operator's console authenticates with its own session cookie (no bearer
        // header from a browser) and checks the admin scope on every request itself
        // (crate::console::Operator).
        (_, p) if p == "/console" || p.starts_with("/console/") => Public,
        _ => return None,
    })
}

/// The token of an `Authorization: Bearer <token>` header (`None`: no header).
/// Errors: `UNAUTHENTICATED` (malformed header).
pub fn bearer(headers: &axum::http::HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| unauthenticated("the Authorization header is not text"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| unauthenticated("expected `Authorization: Bearer <token>`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(unauthenticated("expected `Authorization: Bearer <token>`"));
    }
    Ok(Some(token.trim().to_string()))
}

/// The routes that also take a player's access token as `?access_token=` (browsers'
/// `EventSource` and `WebSocket` cannot set headers): the event streams, nothing else.
pub const STREAM_ROUTES: [&str; 2] = ["/v1/players/{player}/events", "/v1/ws"];

/// The `access_token` of a stream route's query string: a player's access token only
/// (an API key in a URL is refused: keys go in the `Authorization` header).
/// Errors: `UNAUTHENTICATED`.
pub fn query_token(uri: &axum::http::Uri) -> Result<Option<String>, AppError> {
    if uri.query().is_none() {
        return Ok(None);
    }
    let query =
        axum::extract::Query::<std::collections::HashMap<String, String>>::try_from_uri(uri)
            .map_err(|_| AppError::invalid("query", "the query string is not valid"))?;
    match query.0.get("access_token").cloned() {
        None => Ok(None),
        Some(t) if t.trim().is_empty() => Err(unauthenticated("access_token is empty")),
        Some(t) if t.starts_with(guildhall_core::access::rules::API_KEY_PREFIX) => {
            Err(unauthenticated(
                "an API key goes in the `Authorization` header, never in a URL; `access_token` takes a player's access token",
            ))
        }
        Some(t) => Ok(Some(t.trim().to_string())),
    }
}

/// The caller a stream's token stands for (a WebSocket authenticates in its handler:
/// header, query or first message), with the per-player or per-key rate limit of every
/// request. Errors: `UNAUTHENTICATED`, `RATE_LIMITED`.
pub async fn stream_principal(state: &AppState, token: String) -> Result<Principal, AppError> {
    let principal = principal_of(state, Some(token)).await?;
    let limits = &state.auth.settings.limits;
    let (key, per_minute) = match &principal {
        Principal::Player { id, .. } => (format!("rl:player:{id}"), limits.player_per_minute),
        Principal::Server(k) => (format!("rl:key:{}", k.id), limits.key_per_minute),
    };
    limit(&state.gh, &key, per_minute, 60).await?;
    Ok(principal)
}

fn unauthenticated(message: &str) -> AppError {
    Error::new(ErrorCode::Unauthenticated, message.to_string()).into()
}

/// Resolves the caller from the `Authorization` header. Errors: `UNAUTHENTICATED`
/// (missing, malformed, expired, unknown, revoked).
pub async fn authenticate(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<Principal, AppError> {
    principal_of(state, bearer(headers)?).await
}

/// The caller a bearer token (`None`: no `Authorization` header) stands for.
async fn principal_of(state: &AppState, token: Option<String>) -> Result<Principal, AppError> {
    let token = token.ok_or_else(|| {
        unauthenticated("this route needs `Authorization: Bearer <access token or API key>`")
    })?;
    if token.starts_with(guildhall_core::access::rules::API_KEY_PREFIX) {
        let key = state.gh.authenticate_api_key(&token).await?;
        return Ok(Principal::Server(key));
    }
    let (id, issued_at) = state.auth.tokens.verify(&token)?;
    Ok(Principal::Player { id, issued_at })
}

/// Counts one hit against `key`; over `limit` per `window_secs`: `RATE_LIMITED` with
/// `details.retry_after_seconds` (answered with `Retry-After`). A failing coordinator
/// lets the request through (logged): limits protect the service, they must not take it
/// down with them.
pub async fn limit(
    gh: &Guildhall,
    key: &str,
    limit: u32,
    window_secs: u64,
) -> Result<(), AppError> {
    match gh.rate_hit(key, limit, window_secs).await {
        Ok(d) if d.allowed => Ok(()),
        Ok(d) => {
            tracing::info!(key, limit, window_secs, "rate limit reached");
            Err(Error::new(
                ErrorCode::RateLimited,
                format!(
                    "too many requests; try again in {} s",
                    d.retry_after_secs.max(1)
                ),
            )
            .with_details(serde_json::json!({
                "retry_after_seconds": d.retry_after_secs.max(1),
                "limit": limit,
                "window_seconds": window_secs,
            }))
            .into())
        }
        Err(e) => {
            tracing::warn!(error = %e, "rate limiter unavailable; request let through");
            Ok(())
        }
    }
}

/// The caller's address (the TCP peer; behind a proxy, the proxy's address, so limit
/// logins there too), set by [`guard`] on every routed request.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

fn peer_ip(req: &Request) -> Option<std::net::IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Whether a request without credentials from `ip` may use the seed 002 route `path`:
/// the route is one of seed 002's and `ip` is in a network of `[compat] anonymous_from`.
pub fn anonymous_compat(settings: &AuthSettings, path: &str, ip: Option<std::net::IpAddr>) -> bool {
    path.starts_with("/api/v1/")
        && ip.is_some_and(|ip| {
            let ip = match ip {
                std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
                v4 => v4,
            };
            settings
                .anonymous_compat_from
                .iter()
                .any(|n| n.contains(&ip))
        })
}

/// The middleware on every routed request: finds the route's [`Access`] rule,
/// authenticates, applies the per-player or per-key rate limit, checks the path's player
/// and the key's scope, checks the player is not banned, and hands the [`Principal`] to
/// the handler as a request extension.
pub async fn guard(
    State(state): State<AppState>,
    params: Result<RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
    mut req: Request,
    next: Next,
) -> Response {
    let player = match params {
        Ok(p) => Ok(p
            .iter()
            .find(|(k, _)| *k == "player" || *k == "user_id")
            .map(|(_, v)| v.to_string())),
        Err(rej) => Err(AppError::invalid("path", rej.body_text())),
    };
    let ip = peer_ip(&req);
    let addr = ClientAddr(ip.map_or_else(|| "unknown".into(), |ip| ip.to_string()));
    req.extensions_mut().insert(addr);
    let method = req.method().clone();
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    // Only the bearer token is taken from the headers: the request stays untouched.
    // Browsers' event streams cannot send headers: the token may come in the query.
    let token = match bearer(req.headers()) {
        Ok(None) if STREAM_ROUTES.contains(&path.as_str()) => query_token(req.uri()),
        token => token,
    };
    match check(&state, player, &method, &path, token, ip).await {
        Ok(Some(principal)) => {
            req.extensions_mut().insert(principal);
            next.run(req).await
        }
        Ok(None) => next.run(req).await,
        Err(e) => {
            let mut res = e.into_response();
            if res.status() == axum::http::StatusCode::UNAUTHORIZED {
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            res
        }
    }
}

async fn check(
    state: &AppState,
    path_player: Result<Option<String>, AppError>,
    method: &Method,
    path: &str,
    token: Result<Option<String>, AppError>,
    ip: Option<std::net::IpAddr>,
) -> Result<Option<Principal>, AppError> {
    // A path and method without a rule (a method the route does not serve, answered 405
    // by the router, or a route added without a rule) needs the admin scope: closed by
    // default.
    let rule = access_rule(method, path).unwrap_or(Access::Server("admin"));
    if rule == Access::Public {
        return Ok(None);
    }
    let settings = &state.auth.settings;
    if matches!(token, Ok(None)) && anonymous_compat(settings, path, ip) {
        // Seed 002 drop-in: an unmodified client on a listed network; limited per
        // address, and the handlers still refuse banned players.
        let addr = ip.map_or_else(String::new, |ip| ip.to_string());
        limit(
            &state.gh,
            &format!("rl:anon:{addr}"),
            settings.limits.player_per_minute,
            60,
        )
        .await?;
        return Ok(None);
    }
    let token = match token? {
        None if path.starts_with("/api/v1/") => {
            tracing::info!(
                path,
                "seed 002 route without credentials from an unlisted address"
            );
            return Err(unauthenticated(
                "this route needs `Authorization: Bearer <access token or API key>`; seed 002 clients without credentials are served only from the networks in [compat] anonymous_from",
            ));
        }
        token => token,
    };
    let principal = principal_of(state, token).await?;
    let limits = &state.auth.settings.limits;
    match &principal {
        Principal::Player { id, .. } => {
            limit(
                &state.gh,
                &format!("rl:player:{id}"),
                limits.player_per_minute,
                60,
            )
            .await?
        }
        Principal::Server(k) => {
            limit(
                &state.gh,
                &format!("rl:key:{}", k.id),
                limits.key_per_minute,
                60,
            )
            .await?
        }
    }
    match rule {
        Access::Public => {}
        // Who the caller is, its password, its sign-out: a player's token must still
        // be good (not signed out, its player not banned), as on every player route.
        Access::Authenticated => {
            if let Principal::Player { id, issued_at } = &principal {
                state.gh.check_token_reach(id, id, *issued_at).await?;
            }
        }
        Access::OwnPlayer(scope) => {
            let player =
                path_player?.ok_or_else(|| forbidden("this route names no player".into()))?;
            let player = PlayerId::new(player).map_err(AppError::from)?;
            acting(&state.gh, &principal, &player, scope).await?;
        }
        // The handler runs `acting` on the body's player (which for a player's token
        // also checks the ban and sign-out); a key is refused here without its scope.
        Access::BodyPlayer(scope) | Access::Members(scope) => {
            if let Principal::Server(_) = &principal {
                principal.require_scope(scope)?
            }
        }
        Access::Server(scope) => principal.require_scope(scope)?,
    }
    Ok(Some(principal))
}

/// What the auth middleware shares: the settings and the token issuer/checker.
#[derive(Clone)]
pub struct AuthState {
    /// The settings.
    pub settings: AuthSettings,
    /// Access tokens.
    pub tokens: Tokens,
}

impl AuthState {
    /// Over `settings`.
    pub fn new(settings: AuthSettings) -> Arc<Self> {
        Arc::new(Self {
            tokens: Tokens::new(&settings),
            settings,
        })
    }
}
