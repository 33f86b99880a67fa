//! Character, account bank and equipment routes (SPEC.md "Characters and the account
//! bank"). An account's characters live under `/v1/players/{player}/characters`, where
//! `{player}` is the account (its own token, or a key with the `characters` scope);
//! selecting one answers an access token for the character, so a client can switch.
//! The bank and equipment routes name the character as `{player}`: the account's token
//! reaches its live characters (`auth::acting`), the character's own token reaches
//! itself, a key with the scope any of them.

use super::{ApiResult, Replay};
use crate::auth::Acting;
use crate::extract::{player, ApiJson, ApiPath, IdempotencyKey, OptionalJson};
use crate::AppState;
use axum::extract::State;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use guildhall_core::characters::{
    AccountBank, BankMoveRequest, BankMoveResult, Character, CharacterActionRequest, CharacterList,
    CharacterResult, CharacterSelection, CreateCharacterRequest, EquipRequest, EquipResult,
    Equipment, RenameCharacterRequest, UnequipRequest,
};
use guildhall_core::Error;
use serde::Deserialize;
use utoipa::ToSchema;

/// The routes of this module, merged into the host's router by `server::app`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/players/{player}/characters", get(list).post(create))
        .route(
            "/v1/players/{player}/characters/{character}",
            delete(remove),
        )
        .route("/v1/characters/{player}", get(get_one))
        .route(
            "/v1/players/{player}/characters/{character}/rename",
            post(rename),
        )
        .route(
            "/v1/players/{player}/characters/{character}/restore",
            post(restore),
        )
        .route(
            "/v1/players/{player}/characters/{character}/select",
            post(select),
        )
        .route("/v1/players/{player}/bank", get(bank))
        .route("/v1/players/{player}/bank/deposit", post(deposit))
        .route("/v1/players/{player}/bank/withdraw", post(withdraw))
        .route("/v1/players/{player}/equipment", get(equipment).post(equip))
        .route("/v1/players/{player}/equipment/{slot}", delete(unequip))
}

/// Body of `POST /v1/players/{player}/characters`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCharacterBody {
    /// 1 to 32 characters: letters, digits, spaces, `_ - ' .`; unique without regard to case.
    pub name: String,
    /// Idempotency key (1-255 bytes), scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of a rename.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameCharacterBody {
    /// The new name.
    pub name: String,
    /// Idempotency key (1-255 bytes), scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Optional body of a delete, restore or select.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CharacterActionBody {
    /// Idempotency key (1-255 bytes), scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of a bank deposit or withdrawal: `currency` and `amount`, or `item_id` (and
/// `quantity`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankMoveBody {
    /// Currency code (with `amount`).
    #[serde(default)]
    pub currency: Option<String>,
    /// Smallest currency units, > 0.
    #[serde(default)]
    pub amount: Option<i64>,
    /// Catalog item id.
    #[serde(default)]
    pub item_id: Option<String>,
    /// Units of the item (default 1; a durable moves whole).
    #[serde(default)]
    pub quantity: Option<i64>,
    /// Ledger reason, 1-64 bytes.
    #[serde(default)]
    pub reason: Option<String>,
    /// Idempotency key (1-255 bytes), scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of `POST /v1/players/{player}/equipment`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EquipBody {
    /// Catalog item id of a durable whose metadata names a slot.
    pub item_id: String,
    /// Idempotency key (1-255 bytes), scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

fn replay<T>(body: T, replayed: bool) -> Replay<T> {
    Replay { body, replayed }
}

/// The account's characters: live ones and deleted ones still restorable (with
/// `purge_at`), and the selected one.
#[utoipa::path(get, path = "/v1/players/{player}/characters", tag = "characters",
    params(("player" = String, Path, description = "Account (player id)")),
    responses((status = 200, body = CharacterList), (status = 400, body = Error)))]
pub async fn list(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<CharacterList>> {
    Ok(Json(s.gh.characters(&player(p)?).await?))
}

/// Creates a character of the account under a new player id (`character_created`).
#[utoipa::path(post, path = "/v1/players/{player}/characters", tag = "characters",
    params(("player" = String, Path, description = "Account (player id)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = CreateCharacterBody,
    responses((status = 200, body = CharacterResult), (status = 400, body = Error),
        (status = 404, body = Error, description = "No such account"),
        (status = 409, body = Error, description = "NAME_TAKEN, IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "LIMIT_REACHED")))]
pub async fn create(
    Acting(gh): Acting,
    ApiPath(p): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<CreateCharacterBody>,
) -> ApiResult<Replay<CharacterResult>> {
    let r = gh
        .create_character(CreateCharacterRequest {
            account: player(p)?,
            name: b.name,
            idempotency_key: key.merge(b.idempotency_key)?,
        })
        .await?;
    Ok(replay(r.clone(), r.replayed))
}

/// One character (live or still restorable): its account's token, its own, or a key.
#[utoipa::path(get, path = "/v1/characters/{player}", tag = "characters",
    params(("player" = String, Path, description = "Character (player id)")),
    responses((status = 200, body = Character), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiPath(c): ApiPath<String>,
) -> ApiResult<Json<Character>> {
    Ok(Json(s.gh.character(&player(c)?).await?))
}

fn action(
    account: String,
    character: String,
    key: IdempotencyKey,
    b: CharacterActionBody,
) -> ApiResult<CharacterActionRequest> {
    Ok(CharacterActionRequest {
        account: player(account)?,
        character: player(character)?,
        idempotency_key: key.merge(b.idempotency_key)?,
    })
}

/// Soft-deletes a character: restorable (its name kept) for `[characters]
/// restore_days`; `character_deleted`.
#[utoipa::path(delete, path = "/v1/players/{player}/characters/{character}", tag = "characters",
    params(("player" = String, Path, description = "Account (player id)"),
        ("character" = String, Path, description = "Character (player id)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = CharacterActionBody, description = "May be empty"),
    responses((status = 200, body = CharacterResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT")))]
pub async fn remove(
    Acting(gh): Acting,
    ApiPath((p, c)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<CharacterActionBody>,
) -> ApiResult<Replay<CharacterResult>> {
    let r = gh.delete_character(action(p, c, key, b)?).await?;
    Ok(replay(r.clone(), r.replayed))
}

/// Renames a live character; the old name is freed (`character_renamed`).
#[utoipa::path(post, path = "/v1/players/{player}/characters/{character}/rename", tag = "characters",
    params(("player" = String, Path, description = "Account (player id)"),
        ("character" = String, Path, description = "Character (player id)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = RenameCharacterBody,
    responses((status = 200, body = CharacterResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "NAME_TAKEN, IDEMPOTENCY_CONFLICT")))]
pub async fn rename(
    Acting(gh): Acting,
    ApiPath((p, c)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<RenameCharacterBody>,
) -> ApiResult<Replay<CharacterResult>> {
    let r = gh
        .rename_character(RenameCharacterRequest {
            account: player(p)?,
            character: player(c)?,
            name: b.name,
            idempotency_key: key.merge(b.idempotency_key)?,
        })
        .await?;
    Ok(replay(r.clone(), r.replayed))
}

/// Restores a deleted character inside its restore window, when a slot is free
/// (`character_restored`).
#[utoipa::path(post, path = "/v1/players/{player}/characters/{character}/restore", tag = "characters",
    params(("player" = String, Path, description = "Account (player id)"),
        ("character" = String, Path, description = "Character (player id)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = CharacterActionBody, description = "May be empty"),
    responses((status = 200, body = CharacterResult), (status = 400, body = Error),
        (status = 404, body = Error, description = "Not deleted, or past the restore window"),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "LIMIT_REACHED")))]
pub async fn restore(
    Acting(gh): Acting,
    ApiPath((p, c)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<CharacterActionBody>,
) -> ApiResult<Replay<CharacterResult>> {
    let r = gh.restore_character(action(p, c, key, b)?).await?;
    Ok(replay(r.clone(), r.replayed))
}

/// Marks a live character as the account's current one and answers an access token
/// for it (`access_token`, `expires_in`), with which the client acts as the character.
#[utoipa::path(post, path = "/v1/players/{player}/characters/{character}/select", tag = "characters",
    params(("player" = String, Path, description = "Account (player id)"),
        ("character" = String, Path, description = "Character (player id)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = CharacterActionBody, description = "May be empty"),
    responses((status = 200, body = CharacterSelection), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT")))]
pub async fn select(
    State(s): State<AppState>,
    Acting(gh): Acting,
    ApiPath((p, c)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<CharacterActionBody>,
) -> ApiResult<Replay<CharacterSelection>> {
    let mut r = gh.select_character(action(p, c, key, b)?).await?;
    let (token, ttl) = s.auth.tokens.issue(&r.character.id, s.gh.clock().now())?;
    r.access_token = Some(token);
    r.expires_in = Some(ttl);
    Ok(replay(r.clone(), r.replayed))
}

/// The account bank of `{player}` (the account, or one of its characters): every
/// currency and the item stacks.
#[utoipa::path(get, path = "/v1/players/{player}/bank", tag = "characters",
    params(("player" = String, Path, description = "Account or character (player id)")),
    responses((status = 200, body = AccountBank), (status = 400, body = Error)))]
pub async fn bank(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<AccountBank>> {
    Ok(Json(s.gh.account_bank(&player(p)?).await?))
}

fn bank_req(p: String, key: IdempotencyKey, b: BankMoveBody) -> ApiResult<BankMoveRequest> {
    Ok(BankMoveRequest {
        character: player(p)?,
        currency: b.currency,
        amount: b.amount,
        item_id: b.item_id,
        quantity: b.quantity,
        reason: b.reason,
        idempotency_key: key.merge(b.idempotency_key)?,
    })
}

/// A live character moves currency (one ledger entry to `account:<id>`) or an item
/// into its account's bank; an equipped item is unequipped in the same commit.
#[utoipa::path(post, path = "/v1/players/{player}/bank/deposit", tag = "characters",
    params(("player" = String, Path, description = "Character (player id)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = BankMoveBody,
    responses((status = 200, body = BankMoveResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "ALREADY_OWNED, IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "INSUFFICIENT_FUNDS, INSUFFICIENT_QUANTITY, BALANCE_LIMIT")))]
pub async fn deposit(
    Acting(gh): Acting,
    ApiPath(p): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<BankMoveBody>,
) -> ApiResult<Replay<BankMoveResult>> {
    let r = gh.bank_deposit(bank_req(p, key, b)?).await?;
    Ok(replay(r.clone(), r.replayed))
}

/// A live character takes currency or an item from its account's bank.
#[utoipa::path(post, path = "/v1/players/{player}/bank/withdraw", tag = "characters",
    params(("player" = String, Path, description = "Character (player id)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = BankMoveBody,
    responses((status = 200, body = BankMoveResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "ALREADY_OWNED, IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "INSUFFICIENT_FUNDS, INSUFFICIENT_QUANTITY, BALANCE_LIMIT, STACK_LIMIT")))]
pub async fn withdraw(
    Acting(gh): Acting,
    ApiPath(p): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<BankMoveBody>,
) -> ApiResult<Replay<BankMoveResult>> {
    let r = gh.bank_withdraw(bank_req(p, key, b)?).await?;
    Ok(replay(r.clone(), r.replayed))
}

/// The player's equipment: one item per slot, only items it still holds.
#[utoipa::path(get, path = "/v1/players/{player}/equipment", tag = "characters",
    params(("player" = String, Path, description = "Character (player id)")),
    responses((status = 200, body = Equipment), (status = 400, body = Error)))]
pub async fn equipment(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<Equipment>> {
    Ok(Json(s.gh.equipment(&player(p)?).await?))
}

/// Equips an owned durable into the slot its catalog metadata names; the item there
/// before is unequipped.
#[utoipa::path(post, path = "/v1/players/{player}/equipment", tag = "characters",
    params(("player" = String, Path, description = "Character (player id)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = EquipBody,
    responses((status = 200, body = EquipResult), (status = 400, body = Error, description = "INVALID_ARGUMENT: the item names no slot"),
        (status = 404, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "NOT_OWNED")))]
pub async fn equip(
    Acting(gh): Acting,
    ApiPath(p): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<EquipBody>,
) -> ApiResult<Replay<EquipResult>> {
    let r = gh
        .equip_item(EquipRequest {
            player: player(p)?,
            item_id: b.item_id,
            idempotency_key: key.merge(b.idempotency_key)?,
        })
        .await?;
    Ok(replay(r.clone(), r.replayed))
}

/// Empties a slot.
#[utoipa::path(delete, path = "/v1/players/{player}/equipment/{slot}", tag = "characters",
    params(("player" = String, Path, description = "Character (player id)"),
        ("slot" = String, Path, description = "Slot name"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = CharacterActionBody, description = "May be empty"),
    responses((status = 200, body = EquipResult), (status = 400, body = Error),
        (status = 404, body = Error, description = "Nothing equipped there"),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT")))]
pub async fn unequip(
    Acting(gh): Acting,
    ApiPath((p, slot)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<CharacterActionBody>,
) -> ApiResult<Replay<EquipResult>> {
    let r = gh
        .unequip_item(UnequipRequest {
            player: player(p)?,
            slot,
            idempotency_key: key.merge(b.idempotency_key)?,
        })
        .await?;
    Ok(replay(r.clone(), r.replayed))
}
