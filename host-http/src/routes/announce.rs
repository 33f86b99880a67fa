//! Announcement routes (SPEC.md Announcements): templates and their previews, trigger
//! rules, and firing an event for a player (admin routes).

use super::ApiResult;
use crate::error::AppError;
use crate::extract::{player, ApiJson, ApiPath, OptionalJson};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use guildhall_core::announce::{
    AudienceKind, FireRequest, FrequencyCap, Location, Message, MessageKind, Template, Trigger,
};
use guildhall_core::Error;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
