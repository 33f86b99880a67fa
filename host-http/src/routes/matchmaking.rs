//! Matchmaking routes (SPEC.md Matchmaking): tickets, pools, match results and ratings.
//! Matches are formed by the host's matchmaking tick ([`crate::scheduler`]); each
//! matched player gets `match_found` on their event stream.

use super::{ApiResult, Replay};
use crate::auth::{acting, members_only, Principal};
use crate::extract::{player, ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use axum::extract::State;
use axum::{Extension, Json};
use guildhall_core::matchmaking::{MatchRecord, QueueConfig, QueueRequest, Rating, Ticket};
use guildhall_core::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// Body of `POST /v1/queues/{queue}/tickets`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketBody {
    /// The player (a party's leader, with `with_party`, queues the whole party).
    pub player: String,
    /// Queue the player's whole party (leader only).
    #[serde(default)]
    pub with_party: bool,
    /// Values of the queue's properties (e.g. `region`), exactly those configured.
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

/// Body of `POST /v1/matches/{match_id}/result`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultBody {
    /// Rank per team, in team order: 0 = first; equal ranks draw.
    pub ranks: Vec<usize>,
}

/// The tickets waiting in a queue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PoolView {
    /// Queue name.
    pub queue: String,
    /// Oldest first.
    pub tickets: Vec<Ticket>,
}

/// A player's matches.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MatchHistoryView {
    /// The player.
    pub player: String,
    /// Newest first.
    pub matches: Vec<MatchRecord>,
}

/// A player's active ticket and how it stands now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TicketStatusView {
    /// The ticket.
    pub ticket: Ticket,
    /// Seconds waited so far.
    pub waited_secs: i64,
    /// Current rating window width.
    pub window: f64,
}

/// The outcome of reporting a match result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportView {
    /// The match with its result and rating changes.
    pub record: MatchRecord,
    /// True when this result had been reported before (nothing updated twice).
    pub replayed: bool,
}

/// A player's rating in a queue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RatingView {
    /// The player.
    pub player: String,
    /// Queue name.
    pub queue: String,
    /// The rating (the system's initial one when unrated).
    pub rating: Rating,
}

/// Query of `GET /v1/players/{player}/matches`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// How many, 1-100 (default 20).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// The configured queues.
#[utoipa::path(get, path = "/v1/queues", tag = "matchmaking",
    responses((status = 200, body = Vec<QueueConfig>)))]
pub async fn queues(State(s): State<AppState>) -> Json<Vec<QueueConfig>> {
    Json(s.gh.config().queues.clone())
}

/// Queues a player, or a whole party from its leader (one active ticket per player).
#[utoipa::path(post, path = "/v1/queues/{queue}/tickets", tag = "matchmaking",
    params(("queue" = String, Path, description = "Queue name")),
    request_body = TicketBody,
    responses((status = 200, body = Ticket), (status = 400, body = Error, description = "Party size not allowed, missing or extra properties"),
        (status = 404, body = Error, description = "No such queue"),
        (status = 409, body = Error, description = "TICKET_EXISTS"),
        (status = 422, body = Error, description = "NOT_PARTY_LEADER, NOT_IN_PARTY")))]
pub async fn queue(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(queue): ApiPath<String>,
    ApiJson(b): ApiJson<TicketBody>,
) -> ApiResult<Json<Ticket>> {
    let pid = player(b.player)?;
    acting(&s.gh, &who, &pid, "matchmaking").await?;
    let req = QueueRequest {
        player: pid,
        queue,
        with_party: b.with_party,
        properties: b.properties,
    };
    Ok(Json(s.gh.queue(req).await?))
}

/// The player's active ticket, how long it has waited and its current rating window.
#[utoipa::path(get, path = "/v1/players/{player}/ticket", tag = "matchmaking",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = TicketStatusView), (status = 400, body = Error),
        (status = 404, body = Error, description = "No active ticket")))]
pub async fn ticket(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<TicketStatusView>> {
    let pid = player(p)?;
    match s.gh.ticket_status(&pid).await? {
        Some(t) => Ok(Json(TicketStatusView {
            ticket: t.ticket,
            waited_secs: t.waited_secs,
            window: t.window,
        })),
        None => Err(Error::not_found("ticket of player", pid.as_str()).into()),
    }
}

/// Cancels the player's active ticket (any member may cancel a party's).
#[utoipa::path(delete, path = "/v1/players/{player}/ticket", tag = "matchmaking",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = Ticket, description = "The cancelled ticket"), (status = 400, body = Error),
        (status = 404, body = Error, description = "No active ticket")))]
pub async fn cancel_ticket(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<Ticket>> {
    Ok(Json(s.gh.cancel_ticket(&player(p)?).await?))
}

/// The tickets waiting in a queue, oldest first.
#[utoipa::path(get, path = "/v1/queues/{queue}/pool", tag = "matchmaking",
    params(("queue" = String, Path, description = "Queue name")),
    responses((status = 200, body = PoolView), (status = 404, body = Error)))]
pub async fn pool(
    State(s): State<AppState>,
    ApiPath(queue): ApiPath<String>,
) -> ApiResult<Json<PoolView>> {
    let tickets = s.gh.pool(&queue).await?;
    Ok(Json(PoolView { queue, tickets }))
}

/// Reports a match result; every player's rating is updated once. Reporting the same
/// ranks again is a replay (`Idempotent-Replayed: true`); different ranks are
/// `IDEMPOTENCY_CONFLICT`.
#[utoipa::path(post, path = "/v1/matches/{match_id}/result", tag = "matchmaking",
    params(("match_id" = String, Path, description = "Match id")),
    request_body = ResultBody,
    responses((status = 200, body = ReportView), (status = 400, body = Error, description = "Bad ranks"),
        (status = 404, body = Error), (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT")))]
pub async fn report(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<ResultBody>,
) -> ApiResult<Replay<ReportView>> {
    let r = s.gh.report_match(&id, b.ranks).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: ReportView {
            record: r.record,
            replayed: r.replayed,
        },
    })
}

/// One match: teams, tickets, and its result and rating changes once reported.
#[utoipa::path(get, path = "/v1/matches/{match_id}", tag = "matchmaking",
    params(("match_id" = String, Path, description = "Match id")),
    responses((status = 200, body = MatchRecord), (status = 404, body = Error),
        (status = 403, body = Error, description = "FORBIDDEN: not a member")))]
pub async fn match_record(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<MatchRecord>> {
    let record = s.gh.match_record(&id).await?;
    let players: Vec<_> = record.teams.iter().flatten().cloned().collect();
    members_only(&s.gh, &who, &players, "match").await?;
    Ok(Json(record))
}

/// A player's matches, newest first.
#[utoipa::path(get, path = "/v1/players/{player}/matches", tag = "matchmaking",
    params(("player" = String, Path, description = "Player id"), HistoryQuery),
    responses((status = 200, body = MatchHistoryView), (status = 400, body = Error)))]
pub async fn match_history(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<MatchHistoryView>> {
    let pid = player(p)?;
    let matches = s.gh.match_history(&pid, q.limit).await?;
    Ok(Json(MatchHistoryView {
        player: pid.to_string(),
        matches,
    }))
}

/// A player's rating in a queue.
#[utoipa::path(get, path = "/v1/players/{player}/ratings/{queue}", tag = "matchmaking",
    params(("player" = String, Path, description = "Player id"), ("queue" = String, Path, description = "Queue name")),
    responses((status = 200, body = RatingView), (status = 400, body = Error), (status = 404, body = Error, description = "No such queue")))]
pub async fn rating(
    State(s): State<AppState>,
    ApiPath((p, queue)): ApiPath<(String, String)>,
) -> ApiResult<Json<RatingView>> {
    let pid = player(p)?;
    let rating = s.gh.rating(&pid, &queue).await?;
    Ok(Json(RatingView {
        player: pid.to_string(),
        queue,
        rating,
    }))
}
