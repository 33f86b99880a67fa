//! Seed 002 compatibility routes under `/api/v1` (SPEC.md "Seed 002 compatibility
//! routes"), served over the same services in the default (first configured) currency.
//!
//! A catalog item's id is the `{product_id}`. A `user_id` may be a JSON string or a JSON
//! integer; an integer is the player id written in decimal (`42` is player `"42"`). Answers
//! echo `user_id` as given: from a body in the JSON type it was sent in; from a path as an
//! integer when it is a canonical decimal integer that fits `i64`, else as a string.
//! Unknown body fields are ignored here, as the seed's clients expect. Errors use
//! guildhall's JSON error body and statuses.

use crate::auth::{acting, Acting, Principal};
use crate::error::AppError;
use crate::extract::{player, ApiJson, ApiPath, ApiQuery, IdempotencyKey};
use crate::routes::health::Status;
use crate::routes::inventory::names;
use crate::routes::{ApiResult, Replay};
use crate::AppState;
use axum::extract::State;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use guildhall_core::economy::GrantRequest;
use guildhall_core::inventory::{PurchaseRequest, UseItemRequest};
use guildhall_core::types::{ItemKind, PlayerId};
use guildhall_core::{Error, PopularItemsQuery};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A seed 002 user id: the player id, and the JSON form to echo back.
#[derive(Debug, Clone, PartialEq)]
pub struct UserId {
    /// The player.
    pub player: PlayerId,
    /// As sent (number or string).
    pub json: serde_json::Value,
}

impl utoipa::PartialSchema for UserId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::String))
            .item(ObjectBuilder::new().schema_type(Type::Integer))
            .description(Some(
                "A user id: a string, or an integer as seed 002 clients send it (echoed as sent)",
            ))
            .into()
    }
}

impl utoipa::ToSchema for UserId {}

impl UserId {
    /// From a path segment: an integer when canonical decimal within `i64`.
    pub fn from_path(s: String) -> Result<Self, AppError> {
        let json = match s.parse::<i64>() {
            Ok(n) if n.to_string() == s => serde_json::Value::from(n),
            _ => serde_json::Value::String(s.clone()),
        };
        Ok(UserId {
            player: player(s)?,
            json,
        })
    }
}

impl Serialize for UserId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

impl<'de> Deserialize<'de> for UserId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = UserId;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a user id: a string or an integer")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<UserId, E> {
                Ok(UserId {
                    player: PlayerId::new(v.to_string()).map_err(E::custom)?,
                    json: v.into(),
                })
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<UserId, E> {
                Ok(UserId {
                    player: PlayerId::new(v.to_string()).map_err(E::custom)?,
                    json: v.into(),
                })
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<UserId, E> {
                Ok(UserId {
                    player: PlayerId::new(v).map_err(|e| E::custom(e.message))?,
                    json: v.into(),
                })
            }
        }
        d.deserialize_any(V)
    }
}

fn one() -> i64 {
    1
}

/// Body of the purchase and use routes.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ProductBody {
    /// The user: a string or an integer.
    pub user_id: UserId,
    /// Units, >= 1 (default 1).
    #[serde(default = "one")]
    pub quantity: i64,
    /// Optional idempotency key (or the `Idempotency-Key` header).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Answer of `POST /api/v1/products/{product_id}/purchase`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PurchaseAnswer {
    /// The purchase's transaction id.
    pub transaction_id: String,
    /// The user, as given.
    pub user_id: UserId,
    /// The catalog item id.
    pub product_id: String,
    /// Units bought.
    pub quantity: i64,
    /// Total paid, smallest units of the item's price currency.
    pub amount: i64,
    /// The user's balance after, same currency.
    pub balance: i64,
}

/// Answer of `POST /api/v1/products/{product_id}/use`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UseAnswer {
    /// The user, as given.
    pub user_id: UserId,
    /// The catalog item id.
    pub product_id: String,
    /// Units left.
    pub remaining: i64,
}

/// One inventory item in seed 002's shape.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InventoryItem {
    /// The catalog item id.
    pub product_id: String,
    /// Its name.
    pub name: String,
    /// `consumable` or `permanent` (a durable).
    #[serde(rename = "type")]
    pub kind: String,
    /// Units held.
    pub quantity: i64,
}

/// Answer of `GET /api/v1/users/{user_id}/inventory`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InventoryAnswer {
    /// The user.
    pub user_id: UserId,
    /// Items held.
    pub items: Vec<InventoryItem>,
}

/// Body of `POST /api/v1/users/{user_id}/add-funds`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AddFundsBody {
    /// Smallest units of the default currency, > 0 (an integer).
    pub amount: i64,
    /// Idempotency key (or the `Idempotency-Key` header): a repeat credits once.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Answer of `POST /api/v1/users/{user_id}/add-funds`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AddFundsAnswer {
    /// The user.
    pub user_id: UserId,
    /// Balance after, smallest units of the default currency.
    pub balance: i64,
}

/// One entry of `GET /api/v1/analytics/popular-products`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PopularProduct {
    /// The catalog item id.
    pub product_id: String,
    /// Its name.
    pub name: String,
    /// Units bought, all time.
    pub total_quantity: i64,
    /// Number of purchases, all time.
    pub purchases: i64,
}

/// Query of `GET /api/v1/analytics/popular-products`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PopularProductsQuery {
    /// How many, 1-100 (default 10).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Service health: `{"status": "ok"}`.
#[utoipa::path(get, path = "/api/v1/health", tag = "seed-002", responses((status = 200, body = Status)))]
pub async fn health() -> Json<Status> {
    Json(Status {
        status: "ok".into(),
    })
}

/// The seed 002 routes' check of the body's user: the caller may act for them
/// ([`acting`]), or, for a caller the guard let in without credentials (`[compat]
/// anonymous_from`), the user is not banned. Errors: `FORBIDDEN`, `BANNED`.
async fn compat_acting(
    gh: &guildhall_core::Guildhall,
    who: Option<Extension<Principal>>,
    player: &PlayerId,
) -> Result<(), AppError> {
    match who {
        Some(Extension(who)) => acting(gh, &who, player, "economy:write").await,
        None => Ok(gh.check_player_access(player, None).await?),
    }
}

/// Buys a product for a user.
#[utoipa::path(post, path = "/api/v1/products/{product_id}/purchase", tag = "seed-002",
    params(("product_id" = String, Path, description = "Catalog item id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional idempotency key")),
    request_body = ProductBody,
    responses((status = 200, body = PurchaseAnswer), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "ALREADY_OWNED"), (status = 422, body = Error, description = "INSUFFICIENT_FUNDS")))]
pub async fn purchase(
    State(s): State<AppState>,
    Acting(gh): Acting,
    who: Option<Extension<Principal>>,
    ApiPath(product_id): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<ProductBody>,
) -> ApiResult<Replay<PurchaseAnswer>> {
    compat_acting(&s.gh, who, &b.user_id.player).await?;
    let req = PurchaseRequest {
        player: b.user_id.player.clone(),
        item_id: product_id,
        quantity: b.quantity,
        metadata: serde_json::Value::Null,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = gh.purchase(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: PurchaseAnswer {
            transaction_id: r.transaction_id,
            user_id: b.user_id,
            product_id: r.item_id,
            quantity: r.quantity,
            amount: r.amount,
            balance: r.balance,
        },
    })
}

/// Uses up a consumable product.
#[utoipa::path(post, path = "/api/v1/products/{product_id}/use", tag = "seed-002",
    params(("product_id" = String, Path, description = "Catalog item id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional idempotency key")),
    request_body = ProductBody,
    responses((status = 200, body = UseAnswer), (status = 400, body = Error), (status = 404, body = Error),
        (status = 422, body = Error, description = "NOT_CONSUMABLE, NOT_OWNED, INSUFFICIENT_QUANTITY")))]
pub async fn use_product(
    State(s): State<AppState>,
    Acting(gh): Acting,
    who: Option<Extension<Principal>>,
    ApiPath(product_id): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<ProductBody>,
) -> ApiResult<Replay<UseAnswer>> {
    compat_acting(&s.gh, who, &b.user_id.player).await?;
    let req = UseItemRequest {
        player: b.user_id.player.clone(),
        item_id: product_id,
        quantity: b.quantity,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = gh.use_item(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: UseAnswer {
            user_id: b.user_id,
            product_id: r.item_id,
            remaining: r.remaining,
        },
    })
}

/// A user's inventory; `type` is `consumable` or `permanent`.
#[utoipa::path(get, path = "/api/v1/users/{user_id}/inventory", tag = "seed-002",
    params(("user_id" = String, Path, description = "User (player) id")),
    responses((status = 200, body = InventoryAnswer), (status = 400, body = Error)))]
pub async fn inventory(
    State(s): State<AppState>,
    ApiPath(user): ApiPath<String>,
) -> ApiResult<Json<InventoryAnswer>> {
    let user_id = UserId::from_path(user)?;
    let items =
        s.gh.inventory(&user_id.player)
            .await?
            .into_iter()
            .map(|e| InventoryItem {
                product_id: e.item_id,
                name: e.name,
                kind: match e.kind {
                    ItemKind::Consumable => "consumable".into(),
                    ItemKind::Durable => "permanent".into(),
                },
                quantity: e.quantity,
            })
            .collect();
    Ok(Json(InventoryAnswer { user_id, items }))
}

/// Credits a user's default-currency balance (ledger source `system:deposits`,
/// reason `add_funds`).
#[utoipa::path(post, path = "/api/v1/users/{user_id}/add-funds", tag = "seed-002",
    params(("user_id" = String, Path, description = "User (player) id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = AddFundsBody,
    responses((status = 200, body = AddFundsAnswer), (status = 400, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"), (status = 422, body = Error, description = "BALANCE_LIMIT")))]
pub async fn add_funds(
    State(s): State<AppState>,
    Acting(gh): Acting,
    ApiPath(user): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<AddFundsBody>,
) -> ApiResult<Replay<AddFundsAnswer>> {
    let user_id = UserId::from_path(user)?;
    let req = GrantRequest {
        player: user_id.player.clone(),
        currency: s.gh.config().default_currency().code.clone(),
        amount: b.amount,
        source: Some("deposits".into()),
        reason: Some("add_funds".into()),
        metadata: serde_json::Value::Null,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = gh.grant(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: AddFundsAnswer {
            user_id,
            balance: r.balance,
        },
    })
}

/// Products by units bought, all time.
#[utoipa::path(get, path = "/api/v1/analytics/popular-products", tag = "seed-002", params(PopularProductsQuery),
    responses((status = 200, body = Vec<PopularProduct>), (status = 400, body = Error)))]
pub async fn popular_products(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<PopularProductsQuery>,
) -> ApiResult<Json<Vec<PopularProduct>>> {
    // Seed 002 ranks over all time: the window starts at the epoch and ends now.
    let query = PopularItemsQuery {
        from: Some(DateTime::<Utc>::UNIX_EPOCH),
        to: None,
        limit: q.limit,
    };
    let items = s.gh.popular_items(&query).await?;
    let names = names(&s).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|i| PopularProduct {
                name: names.get(&i.item_id).cloned().unwrap_or_default(),
                product_id: i.item_id,
                total_quantity: i.total_quantity,
                purchases: i.purchases,
            })
            .collect(),
    ))
}
