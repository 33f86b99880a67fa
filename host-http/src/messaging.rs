//! Mail and announcement routes (SPEC.md Mail, Announcements).
//!
//! Player routes act as the player in the path: the mailbox listing, sending a player
//! mail (daily limit, no attachments), opening, claiming and deleting. Admin routes send
//! system or admin mail with attachments, broadcast, manage templates and triggers, and
//! fire events for a player.

use crate::api::{ApiResult, Replay};
use crate::auth::Acting;
use crate::error::AppError;
use crate::extract::{player, ApiJson, ApiPath, IdempotencyKey, OptionalJson};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use guildhall_core::announce::{
    AudienceKind, FireRequest, FrequencyCap, Location, Message, MessageKind, Template, Trigger,
};
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

/// Body of `PUT /v1/templates/{template_id}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    /// Must equal `{template_id}` when given.
    #[serde(default)]
    pub id: Option<String>,
    /// Text with `{name}` placeholders; `{{` and `}}` are literal braces.
    pub body: String,
}

/// Body of `POST /v1/templates/{template_id}/preview` (may be empty).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewBody {
    /// Values for the placeholders.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub variables: serde_json::Map<String, serde_json::Value>,
}

/// A rendered preview.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreviewView {
    /// The template.
    pub template_id: String,
    /// The rendered text.
    pub text: String,
}

/// Body of `PUT /v1/triggers/{trigger_id}`: a trigger rule; `id` may be left out and
/// must equal the path's when given.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerBody {
    /// Must equal `{trigger_id}` when given.
    #[serde(default)]
    pub id: Option<String>,
    /// Event name: `login`, `register`, `password_changed`, `name_changed`, `online`, or custom.
    pub event: String,
    /// Template id; its placeholders must be covered by `variables`.
    pub template_id: String,
    /// Values for the template's placeholders.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub variables: serde_json::Map<String, serde_json::Value>,
    /// `lobby`, `server`, `room`, `party` or `player`.
    pub audience: AudienceKind,
    /// Audience target id; omit: any.
    #[serde(default)]
    pub target: Option<String>,
    /// `marquee`, `announcement`, `mail`, `chat` or `in_game`.
    pub kind: MessageKind,
    /// Not shown before this instant.
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    /// Not shown from this instant.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    /// Frequency cap per player, e.g. `{"every": "once"}`, `{"every": "per_day", "times": 3}`.
    pub cap: FrequencyCap,
    /// Higher first.
    #[serde(default)]
    pub priority: i32,
    /// A cancelled trigger never fires.
    #[serde(default)]
    pub cancelled: bool,
    /// For a scheduled announcement: when it goes out, once, to its connected audience.
    #[serde(default)]
    pub send_at: Option<DateTime<Utc>>,
}

/// Body of `POST /v1/players/{player}/events/fire`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FireBody {
    /// Event name.
    pub event: String,
    /// Where the player is; omit: from the player's session.
    #[serde(default)]
    pub location: Option<Location>,
    /// Values overriding the triggers' variables (e.g. the player's display name).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub variables: serde_json::Map<String, serde_json::Value>,
}

/// The messages an event produced for a player.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FireView {
    /// The player.
    pub player: String,
    /// Rendered messages, highest priority first, then oldest trigger.
    pub messages: Vec<Message>,
}

// ----- Player mail -----

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

// ----- System and admin mail -----

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

/// Broadcasts a mail to every player (or the listed ones): stored once, copied into each
/// box the next time that box is read.
#[utoipa::path(post, path = "/v1/mail/broadcasts", tag = "mail",
    request_body = BroadcastRequest,
    responses((status = 200, body = Broadcast), (status = 400, body = Error),
        (status = 404, body = Error, description = "An attached catalog item does not exist")))]
pub async fn broadcast(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<BroadcastRequest>,
) -> ApiResult<Json<Broadcast>> {
    Ok(Json(s.gh.broadcast_mail(req).await?))
}

// ----- Templates -----

/// Every template, by id.
#[utoipa::path(get, path = "/v1/templates", tag = "announcements",
    responses((status = 200, body = Vec<Template>)))]
pub async fn templates(State(s): State<AppState>) -> ApiResult<Json<Vec<Template>>> {
    Ok(Json(s.gh.templates().await?))
}

/// One template.
#[utoipa::path(get, path = "/v1/templates/{template_id}", tag = "announcements",
    params(("template_id" = String, Path, description = "Template id")),
    responses((status = 200, body = Template), (status = 404, body = Error)))]
pub async fn template(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Template>> {
    Ok(Json(s.gh.template(&id).await?))
}

/// Inserts or replaces a template.
#[utoipa::path(put, path = "/v1/templates/{template_id}", tag = "announcements",
    params(("template_id" = String, Path, description = "Template id")),
    request_body = TemplateBody,
    responses((status = 200, body = Template), (status = 400, body = Error, description = "Bad id, body or placeholders")))]
pub async fn put_template(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<TemplateBody>,
) -> ApiResult<Json<Template>> {
    same_id(&b.id, &id)?;
    Ok(Json(
        s.gh.put_template(Template { id, body: b.body }).await?,
    ))
}

/// Renders a template with variables, storing nothing.
#[utoipa::path(post, path = "/v1/templates/{template_id}/preview", tag = "announcements",
    params(("template_id" = String, Path, description = "Template id")),
    request_body(content = PreviewBody, description = "May be empty"),
    responses((status = 200, body = PreviewView), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn preview(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    OptionalJson(b): OptionalJson<PreviewBody>,
) -> ApiResult<Json<PreviewView>> {
    let text = s.gh.preview(&id, &b.variables).await?;
    Ok(Json(PreviewView {
        template_id: id,
        text,
    }))
}

// ----- Triggers -----

/// Every trigger, by id.
#[utoipa::path(get, path = "/v1/triggers", tag = "announcements",
    responses((status = 200, body = Vec<Trigger>)))]
pub async fn triggers(State(s): State<AppState>) -> ApiResult<Json<Vec<Trigger>>> {
    Ok(Json(s.gh.triggers().await?))
}

/// One trigger.
#[utoipa::path(get, path = "/v1/triggers/{trigger_id}", tag = "announcements",
    params(("trigger_id" = String, Path, description = "Trigger id")),
    responses((status = 200, body = Trigger), (status = 404, body = Error)))]
pub async fn trigger(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Trigger>> {
    Ok(Json(s.gh.trigger(&id).await?))
}

/// Inserts or replaces a trigger; rejected when its variables do not cover its
/// template's placeholders. A replaced trigger keeps its creation time.
#[utoipa::path(put, path = "/v1/triggers/{trigger_id}", tag = "announcements",
    params(("trigger_id" = String, Path, description = "Trigger id")),
    request_body = TriggerBody,
    responses((status = 200, body = Trigger), (status = 400, body = Error),
        (status = 404, body = Error, description = "No such template")))]
pub async fn put_trigger(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<TriggerBody>,
) -> ApiResult<Json<Trigger>> {
    same_id(&b.id, &id)?;
    let t = Trigger {
        id,
        event: b.event,
        template_id: b.template_id,
        variables: b.variables,
        audience: b.audience,
        target: b.target,
        kind: b.kind,
        starts_at: b.starts_at,
        ends_at: b.ends_at,
        cap: b.cap,
        priority: b.priority,
        cancelled: b.cancelled,
        send_at: b.send_at,
        sent_at: None,
        created_at: DateTime::<Utc>::UNIX_EPOCH,
    };
    Ok(Json(s.gh.put_trigger(t).await?))
}

/// Cancels a trigger: it never fires again.
#[utoipa::path(post, path = "/v1/triggers/{trigger_id}/cancel", tag = "announcements",
    params(("trigger_id" = String, Path, description = "Trigger id")),
    responses((status = 200, body = Trigger), (status = 404, body = Error)))]
pub async fn cancel_trigger(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Trigger>> {
    Ok(Json(s.gh.cancel_trigger(&id).await?))
}

/// Fires an event for a player: the messages of the live, matching triggers whose cap is
/// not used up. Kind `mail` lands in the mailbox; the others also go out as
/// `announcement` events on the player's event stream.
#[utoipa::path(post, path = "/v1/players/{player}/events/fire", tag = "announcements",
    params(("player" = String, Path, description = "Player id")),
    request_body = FireBody,
    responses((status = 200, body = FireView), (status = 400, body = Error)))]
pub async fn fire(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
    ApiJson(b): ApiJson<FireBody>,
) -> ApiResult<Json<FireView>> {
    let pid = player(p)?;
    let messages =
        s.gh.fire(FireRequest {
            player: pid.clone(),
            event: b.event,
            location: b.location,
            variables: b.variables,
        })
        .await?;
    Ok(Json(FireView {
        player: pid.to_string(),
        messages,
    }))
}

fn same_id(body: &Option<String>, path: &str) -> Result<(), AppError> {
    if matches!(body, Some(b) if b != path) {
        return Err(AppError::invalid(
            "id",
            "the body's id differs from the path's id",
        ));
    }
    Ok(())
}
