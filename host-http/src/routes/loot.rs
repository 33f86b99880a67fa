//! Loot routes (SPEC.md Loot tables): tables put, read and replayed by operators
//! (`/v1/admin/loot/...`, admin scope); rolls by trusted servers for a player (a key
//! with the `loot` scope: a player's own token may not roll its own loot, or a client
//! could roll until it likes the drop); a party roll readable by anyone signed in and
//! chosen by the member's own token (or a key with the `loot` scope).

use super::{ApiResult, Replay};
use crate::auth::Acting;
use crate::extract::{player, ApiJson, ApiPath, IdempotencyKey};
use crate::AppState;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use guildhall_core::loot::{
    LootChoiceRequest, LootPreview, LootResult, LootRoll, LootRollResult, LootTable,
    ReplayLootRequest, RollChoice, RollLootRequest,
};
use guildhall_core::Error;
use serde::Deserialize;
use utoipa::ToSchema;

/// The routes of this module, merged into the host's router by `server::app`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/loot/tables", get(list_tables))
        .route(
            "/v1/admin/loot/tables/{table_id}",
            get(get_table).put(put_table).delete(delete_table),
        )
        .route("/v1/admin/loot/replay", post(replay))
        .route("/v1/admin/loot/resolve", post(resolve))
        .route("/v1/admin/loot/results/{result_id}", get(get_result))
        .route("/v1/players/{player}/loot", post(roll))
        .route("/v1/loot/rolls/{roll_id}", get(get_roll))
        .route("/v1/players/{player}/loot/rolls/{roll_id}", post(choose))
}

/// Body of `POST /v1/players/{player}/loot`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollBody {
    /// The table to roll.
    pub table_id: String,
    /// True: items dropped open need/greed rolls for the player's party.
    #[serde(default)]
    pub party: bool,
    /// Idempotency key (1-255 bytes), scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of `POST /v1/players/{player}/loot/rolls/{roll_id}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceBody {
    /// `need`, `greed` or `pass`.
    pub choice: RollChoice,
    /// Idempotency key (1-255 bytes), scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Operator: every loot table, by id.
#[utoipa::path(get, path = "/v1/admin/loot/tables", tag = "loot",
    responses((status = 200, body = [LootTable])))]
pub async fn list_tables(State(s): State<AppState>) -> ApiResult<Json<Vec<LootTable>>> {
    Ok(Json(s.gh.loot_tables().await?))
}

/// Operator: one loot table.
#[utoipa::path(get, path = "/v1/admin/loot/tables/{table_id}", tag = "loot",
    params(("table_id" = String, Path, description = "Table id")),
    responses((status = 200, body = LootTable), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn get_table(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<LootTable>> {
    Ok(Json(s.gh.loot_table(&id).await?))
}

/// Operator: puts (inserts or replaces) a loot table. The body is the table; its `id`
/// may be left out (the path's), and must equal the path's when given. A cycle of
/// nested tables is refused (`INVALID_ARGUMENT`, `details.cycle`).
#[utoipa::path(put, path = "/v1/admin/loot/tables/{table_id}", tag = "loot",
    params(("table_id" = String, Path, description = "Table id")),
    request_body = LootTable,
    responses((status = 200, body = LootTable), (status = 400, body = Error),
        (status = 404, body = Error, description = "A nested table or an item that does not exist"),
        (status = 422, body = Error, description = "LIMIT_REACHED")))]
pub async fn put_table(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Json<LootTable>> {
    let table: LootTable = super::body_with_path_id(body, id, "a loot table")?;
    Ok(Json(s.gh.put_loot_table(table).await?))
}

/// Operator: deletes a loot table (refused while another nests it).
#[utoipa::path(delete, path = "/v1/admin/loot/tables/{table_id}", tag = "loot",
    params(("table_id" = String, Path, description = "Table id")),
    responses((status = 200, body = LootTable, description = "The deleted table"),
        (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn delete_table(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<LootTable>> {
    Ok(Json(s.gh.delete_loot_table(&id).await?))
}

/// Operator: a dry run granting nothing: a stored result again on its stored tables
/// and seed (`matches`), or a table with a seed on the current tables.
#[utoipa::path(post, path = "/v1/admin/loot/replay", tag = "loot",
    request_body = ReplayLootRequest,
    responses((status = 200, body = LootPreview), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn replay(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<ReplayLootRequest>,
) -> ApiResult<Json<LootPreview>> {
    Ok(Json(s.gh.replay_loot(req).await?))
}

/// Operator: resolves the party rolls whose window has ended now (the host's scheduler
/// does this every few seconds).
#[utoipa::path(post, path = "/v1/admin/loot/resolve", tag = "loot",
    responses((status = 200, body = [LootRoll], description = "The rolls this call resolved")))]
pub async fn resolve(State(s): State<AppState>) -> ApiResult<Json<Vec<LootRoll>>> {
    Ok(Json(s.gh.resolve_loot_rolls().await?))
}

/// Operator or trusted server: a stored loot result (seed, tables, drops).
#[utoipa::path(get, path = "/v1/admin/loot/results/{result_id}", tag = "loot",
    params(("result_id" = String, Path, description = "Result id")),
    responses((status = 200, body = LootResult), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn get_result(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<LootResult>> {
    Ok(Json(s.gh.loot_result(&id).await?))
}

/// Trusted server: rolls a table for the player and grants the drops in the same
/// commit as the stored seed (`loot_granted`); with `party`, items open need/greed rolls
/// (`loot_roll_started`).
#[utoipa::path(post, path = "/v1/players/{player}/loot", tag = "loot",
    params(("player" = String, Path, description = "Player id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = RollBody,
    responses((status = 200, body = LootResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "NOT_IN_PARTY")))]
pub async fn roll(
    Acting(gh): Acting,
    ApiPath(p): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<RollBody>,
) -> ApiResult<Replay<LootResult>> {
    let req = RollLootRequest {
        player: player(p)?,
        table_id: b.table_id,
        party: b.party,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = gh.roll_loot(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// A party roll: the item, the members' choices, and once resolved the winner and the
/// draw that broke a tie.
#[utoipa::path(get, path = "/v1/loot/rolls/{roll_id}", tag = "loot",
    params(("roll_id" = String, Path, description = "Roll id")),
    responses((status = 200, body = LootRoll), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn get_roll(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<LootRoll>> {
    Ok(Json(s.gh.loot_roll(&id).await?))
}

/// A member's need, greed or pass; the last member's choice resolves the roll
/// (`loot_roll_won`, the item granted to the winner).
#[utoipa::path(post, path = "/v1/players/{player}/loot/rolls/{roll_id}", tag = "loot",
    params(("player" = String, Path, description = "Player id"),
        ("roll_id" = String, Path, description = "Roll id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = ChoiceBody,
    responses((status = 200, body = LootRollResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "NOT_IN_PARTY: not a member of the roll")))]
pub async fn choose(
    Acting(gh): Acting,
    ApiPath((p, roll_id)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<ChoiceBody>,
) -> ApiResult<Replay<LootRollResult>> {
    let req = LootChoiceRequest {
        roll_id,
        player: player(p)?,
        choice: b.choice,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = gh.choose_loot_roll(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}
