//! Leaderboard and tournament routes (SPEC.md Leaderboards and tournaments).
//!
//! * Operators define boards with `PUT /v1/admin/leaderboards/{board}` and run due
//!   resets at once with `POST /v1/admin/leaderboards/resets` (the host's scheduler runs
//!   them every 5 s anyway).
//! * Trusted game servers (a key with the `leaderboards` scope) submit scores with
//!   `POST /v1/leaderboards/{board}/scores`: a player's own token may not, so a client
//!   cannot post its own score.
//! * A player joins a tournament with `POST /v1/leaderboards/{board}/join` (the body
//!   names the player; a player's token joins only as that player).
//! * Any authenticated caller reads boards, standings (top N and cursor pages), a
//!   player's rank with neighbours, and the periods with their granted rewards.

use super::{ApiResult, Replay};
use crate::auth::{acting, Acting, Principal};
use crate::extract::{player, ApiJson, ApiPath, ApiQuery, IdempotencyKey};
use crate::AppState;
use axum::extract::State;
use axum::{Extension, Json};
use guildhall_core::leaderboards::{
    JoinTournamentRequest, JoinTournamentResult, Leaderboard, LeaderboardPeriod, PlayerStanding,
    PlayerStandingQuery, PutLeaderboardRequest, StandingsPage, StandingsQuery, SubmitScoreRequest,
    SubmitScoreResult,
};
use guildhall_core::Error;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Query of the standings route.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StandingsParams {
    /// Partition (required on a partitioned board), e.g. `class:mage`.
    #[serde(default)]
    pub partition: Option<String>,
    /// Period key (default: the current period; an archived period by its key).
    #[serde(default)]
    pub period: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[serde(default)]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Query of a player's standing.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StandingParams {
    /// Partition (required on a partitioned board).
    #[serde(default)]
    pub partition: Option<String>,
    /// Period key (default: the current period).
    #[serde(default)]
    pub period: Option<String>,
    /// Records above and below, 0 to 50 (default 5).
    #[serde(default)]
    pub neighbours: Option<u32>,
}

/// Query of the periods route.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodsParams {
    /// Only this partition (none on a partitioned board: every partition).
    #[serde(default)]
    pub partition: Option<String>,
}

/// Body of `POST /v1/leaderboards/{board}/scores`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreBody {
    /// The player.
    pub player: String,
    /// The score (for `increment` boards: the amount added).
    pub score: i64,
    /// Partition (required on a partitioned board).
    #[serde(default)]
    pub partition: Option<String>,
    /// Optional idempotency key (or the `Idempotency-Key` header).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of `POST /v1/leaderboards/{board}/join`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinBody {
    /// The joining player.
    pub player: String,
    /// Optional idempotency key (or the `Idempotency-Key` header).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Answer of `POST /v1/admin/leaderboards/resets`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResetsView {
    /// The periods this call archived (their rewards granted).
    pub reset: Vec<LeaderboardPeriod>,
}

/// Defines or redefines a board (operators). The body is the definition; its `id` may
/// be left out (the path's) and must match the path when given.
#[utoipa::path(put, path = "/v1/admin/leaderboards/{board}", tag = "leaderboards",
    params(("board" = String, Path, description = "Board id")),
    request_body = PutLeaderboardRequest,
    responses((status = 200, body = Leaderboard), (status = 400, body = Error)))]
pub async fn put_board(
    State(s): State<AppState>,
    ApiPath(board): ApiPath<String>,
    ApiJson(mut body): ApiJson<serde_json::Value>,
) -> ApiResult<Json<Leaderboard>> {
    let obj = body
        .as_object_mut()
        .ok_or_else(|| Error::invalid("body", "the definition is a JSON object"))?;
    match obj.get("id") {
        None => {
            obj.insert("id".into(), serde_json::Value::String(board));
        }
        Some(serde_json::Value::String(id)) if *id == board => {}
        Some(_) => {
            return Err(Error::invalid("id", "the body's id differs from the path's board").into())
        }
    }
    let req: PutLeaderboardRequest = serde_json::from_value(body)
        .map_err(|e| Error::invalid("body", format!("not a board definition: {e}")))?;
    Ok(Json(s.gh.put_leaderboard(req).await?))
}

/// Every board.
#[utoipa::path(get, path = "/v1/leaderboards", tag = "leaderboards",
    responses((status = 200, body = Vec<Leaderboard>)))]
pub async fn list(State(s): State<AppState>) -> ApiResult<Json<Vec<Leaderboard>>> {
    Ok(Json(s.gh.leaderboards().await?))
}

/// One board's definition.
#[utoipa::path(get, path = "/v1/leaderboards/{board}", tag = "leaderboards",
    params(("board" = String, Path, description = "Board id")),
    responses((status = 200, body = Leaderboard), (status = 400, body = Error),
        (status = 404, body = Error)))]
pub async fn get_board(
    State(s): State<AppState>,
    ApiPath(board): ApiPath<String>,
) -> ApiResult<Json<Leaderboard>> {
    Ok(Json(s.gh.leaderboard(&board).await?))
}

/// A page of standings, best first (top N: the first page).
#[utoipa::path(get, path = "/v1/leaderboards/{board}/standings", tag = "leaderboards",
    params(("board" = String, Path, description = "Board id"), StandingsParams),
    responses((status = 200, body = StandingsPage), (status = 400, body = Error),
        (status = 404, body = Error)))]
pub async fn standings(
    State(s): State<AppState>,
    ApiPath(board): ApiPath<String>,
    ApiQuery(q): ApiQuery<StandingsParams>,
) -> ApiResult<Json<StandingsPage>> {
    Ok(Json(
        s.gh.leaderboard_standings(StandingsQuery {
            board,
            partition: q.partition,
            period: q.period,
            limit: q.limit,
            cursor: q.cursor,
        })
        .await?,
    ))
}

/// A player's rank and the records around it.
#[utoipa::path(get, path = "/v1/leaderboards/{board}/players/{player}", tag = "leaderboards",
    params(("board" = String, Path, description = "Board id"),
        ("player" = String, Path, description = "Player id"), StandingParams),
    responses((status = 200, body = PlayerStanding), (status = 400, body = Error),
        (status = 404, body = Error, description = "NOT_FOUND: no such board, or no score of the player")))]
pub async fn standing(
    State(s): State<AppState>,
    ApiPath((board, p)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<StandingParams>,
) -> ApiResult<Json<PlayerStanding>> {
    Ok(Json(
        s.gh.leaderboard_standing(PlayerStandingQuery {
            board,
            partition: q.partition,
            period: q.period,
            player: player(p)?,
            neighbours: q.neighbours,
        })
        .await?,
    ))
}

/// A board's periods: open ones and the archive with the rewards granted.
#[utoipa::path(get, path = "/v1/leaderboards/{board}/periods", tag = "leaderboards",
    params(("board" = String, Path, description = "Board id"), PeriodsParams),
    responses((status = 200, body = Vec<LeaderboardPeriod>), (status = 400, body = Error),
        (status = 404, body = Error)))]
pub async fn periods(
    State(s): State<AppState>,
    ApiPath(board): ApiPath<String>,
    ApiQuery(q): ApiQuery<PeriodsParams>,
) -> ApiResult<Json<Vec<LeaderboardPeriod>>> {
    Ok(Json(s.gh.leaderboard_periods(&board, q.partition).await?))
}

/// Submits a score (trusted servers): the board's operator applied atomically.
#[utoipa::path(post, path = "/v1/leaderboards/{board}/scores", tag = "leaderboards",
    params(("board" = String, Path, description = "Board id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = ScoreBody,
    responses((status = 200, body = SubmitScoreResult), (status = 400, body = Error),
        (status = 404, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "TOURNAMENT_CLOSED")))]
pub async fn submit(
    Acting(gh): Acting,
    ApiPath(board): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<ScoreBody>,
) -> ApiResult<Replay<SubmitScoreResult>> {
    let r = gh
        .submit_score(SubmitScoreRequest {
            board,
            partition: b.partition,
            player: player(b.player)?,
            score: b.score,
            idempotency_key: key.merge(b.idempotency_key)?,
        })
        .await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// Joins a tournament, spending its entry fee.
#[utoipa::path(post, path = "/v1/leaderboards/{board}/join", tag = "leaderboards",
    params(("board" = String, Path, description = "Tournament id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = JoinBody,
    responses((status = 200, body = JoinTournamentResult), (status = 400, body = Error),
        (status = 404, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "TOURNAMENT_CLOSED, TOURNAMENT_FULL, INSUFFICIENT_FUNDS")))]
pub async fn join(
    Acting(gh): Acting,
    Extension(who): Extension<Principal>,
    ApiPath(board): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<JoinBody>,
) -> ApiResult<Replay<JoinTournamentResult>> {
    let pid = player(b.player)?;
    acting(&gh, &who, &pid, "leaderboards").await?;
    let r = gh
        .join_tournament(JoinTournamentRequest {
            board,
            player: pid,
            idempotency_key: key.merge(b.idempotency_key)?,
        })
        .await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// Runs the due resets now (operators): each finished period archived and its rewards
/// granted once.
#[utoipa::path(post, path = "/v1/admin/leaderboards/resets", tag = "leaderboards",
    responses((status = 200, body = ResetsView)))]
pub async fn run_resets(State(s): State<AppState>) -> ApiResult<Json<ResetsView>> {
    Ok(Json(ResetsView {
        reset: s.gh.run_leaderboard_resets().await?,
    }))
}
