//! Mail routes (SPEC.md Mail).
//!
//! Player routes act as the player in the path: the mailbox listing, sending a player
//! mail (daily limit, no attachments), opening, claiming and deleting. Admin routes send
//! system or admin mail with attachments and broadcast.

use super::{ApiResult, Replay};
use crate::auth::Acting;
use crate::extract::{player, ApiJson, ApiPath, IdempotencyKey, OptionalJson};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use guildhall_core::mail::{
    Broadcast, BroadcastRequest, ClaimResult, Mail, SendMailRequest, SendMailResult, Sender,
};
use guildhall_core::Error;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A player's mailbox listing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MailboxView {
    /// The player.
    pub player: String,
    /// Newest first, expired mails left out, at most `mail.list_cap` (default 30).
    pub mails: Vec<Mail>,
}

/// Body of `POST /v1/players/{player}/mail`: a mail from this player.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlayerMailBody {
    /// Recipient player id.
    pub to: String,
    /// Subject, 1 to `mail.max_subject` bytes.
    pub subject: String,
    /// Body text, up to `mail.max_body` bytes.
    #[serde(default)]
    pub body: String,
    /// Seconds until the mail expires; omit: never.
    #[serde(default)]
    pub expires_in_secs: Option<i64>,
    /// Idempotency key, scoped to the sending player.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of `POST /v1/players/{player}/mail/{mail_id}/claim` (may be empty).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimBody {
    /// Idempotency key, scoped to the player.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// A player's mailbox: newest first, at most `mail.list_cap`; broadcasts not yet seen
/// are copied in first.
#[utoipa::path(get, path = "/v1/players/{player}/mail", tag = "mail",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = MailboxView), (status = 400, body = Error)))]
pub async fn mailbox(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<MailboxView>> {
    let pid = player(p)?;
    let mails = s.gh.mailbox(&pid).await?;
    Ok(Json(MailboxView {
        player: pid.to_string(),
        mails,
    }))
}

/// Sends a mail from this player (no attachments; counts against the daily limit).
#[utoipa::path(post, path = "/v1/players/{player}/mail", tag = "mail",
    params(("player" = String, Path, description = "Sending player id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = PlayerMailBody,
    responses((status = 200, body = SendMailResult), (status = 400, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "MAIL_SEND_LIMIT")))]
pub async fn send_player_mail(
    Acting(gh): Acting,
    ApiPath(p): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<PlayerMailBody>,
) -> ApiResult<Replay<SendMailResult>> {
    let from = player(p)?;
    let req = SendMailRequest {
        from: Sender::player(&from),
        to: player(b.to)?,
        subject: b.subject,
        body: b.body,
        attachments: Default::default(),
        expires_in_secs: b.expires_in_secs,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = gh.send_mail(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// Opens a mail and marks it read (the first read time is kept).
#[utoipa::path(post, path = "/v1/players/{player}/mail/{mail_id}/open", tag = "mail",
    params(("player" = String, Path, description = "Player id"), ("mail_id" = String, Path, description = "Mail id")),
    responses((status = 200, body = Mail), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn open_mail(
    State(s): State<AppState>,
    ApiPath((p, mail_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<Mail>> {
    Ok(Json(s.gh.open_mail(&player(p)?, &mail_id).await?))
}

/// Claims a read mail's attachments into the wallet and inventory, exactly once.
#[utoipa::path(post, path = "/v1/players/{player}/mail/{mail_id}/claim", tag = "mail",
    params(("player" = String, Path, description = "Player id"), ("mail_id" = String, Path, description = "Mail id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = ClaimBody, description = "May be empty"),
    responses((status = 200, body = ClaimResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "ALREADY_CLAIMED, IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "MAIL_NOT_READ, BALANCE_LIMIT, STACK_LIMIT")))]
pub async fn claim_mail(
    Acting(gh): Acting,
    ApiPath((p, mail_id)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<ClaimBody>,
) -> ApiResult<Replay<ClaimResult>> {
    let key = key.merge(b.idempotency_key)?;
    let r = gh.claim_mail(&player(p)?, &mail_id, key).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// Deletes a read mail whose attachments are claimed (or that has none).
#[utoipa::path(delete, path = "/v1/players/{player}/mail/{mail_id}", tag = "mail",
    params(("player" = String, Path, description = "Player id"), ("mail_id" = String, Path, description = "Mail id")),
    responses((status = 204, description = "Deleted"), (status = 400, body = Error), (status = 404, body = Error),
        (status = 422, body = Error, description = "MAIL_NOT_READ, UNCLAIMED_ATTACHMENTS")))]
pub async fn delete_mail(
    State(s): State<AppState>,
    ApiPath((p, mail_id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    s.gh.delete_mail(&player(p)?, &mail_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends one mail as the system, an admin or (acting for them) a player; system and admin
/// mail may carry attachments and has no daily limit.
#[utoipa::path(post, path = "/v1/mail", tag = "mail",
    params(("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = SendMailRequest,
    responses((status = 200, body = SendMailResult), (status = 400, body = Error),
        (status = 404, body = Error, description = "An attached catalog item does not exist"),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "MAIL_SEND_LIMIT (player sender)")))]
pub async fn send_mail(
    Acting(gh): Acting,
    key: IdempotencyKey,
    ApiJson(mut req): ApiJson<SendMailRequest>,
) -> ApiResult<Replay<SendMailResult>> {
    req.idempotency_key = key.merge(req.idempotency_key.take())?;
    let r = gh.send_mail(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// Broadcasts a mail to every player who exists when it is sent (or to the listed ones):
/// stored once, copied into each box the next time that box is read. A retry with the
/// same idempotency key (body or header) returns the stored broadcast, `replayed`, and
/// stores nothing.
#[utoipa::path(post, path = "/v1/mail/broadcasts", tag = "mail",
    params(("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = BroadcastRequest,
    responses((status = 200, body = Broadcast), (status = 400, body = Error),
        (status = 404, body = Error, description = "An attached catalog item does not exist"),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT")))]
pub async fn broadcast(
    Acting(gh): Acting,
    key: IdempotencyKey,
    ApiJson(mut req): ApiJson<BroadcastRequest>,
) -> ApiResult<Replay<Broadcast>> {
    req.idempotency_key = key.merge(req.idempotency_key.take())?;
    let b = gh.broadcast_mail(req).await?;
    Ok(Replay {
        replayed: b.replayed,
        body: b,
    })
}
