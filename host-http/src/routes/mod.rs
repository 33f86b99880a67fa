//! The REST API under `/v1`, a file per core module it serves (`economy`, `inventory`
//! with the catalog and its analytics, `mail`, `announce`, `presence`, `party`, `groups`,
//! with the catalog and its analytics, `mail`, `announce`, `presence`, `party`, `chat`,
//! `matchmaking`, `access`, `events`) and the health routes: one route per core
//! operation. Amounts are `i64` in the currency's smallest unit; times are RFC 3339 UTC;
//! errors are `{code, message, details}`.
//!
//! Every mutating route takes an optional idempotency key, in the body's
//! `idempotency_key` or the `Idempotency-Key` header (not both with different values).
//! A repeated call with the same key and request answers the stored original result with
//! `replayed: true`, the same status and an `Idempotent-Replayed: true` header.

use crate::error::AppError;
use crate::extract::IDEMPOTENT_REPLAYED;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

pub mod access;
pub mod achievements;
pub mod announce;
pub mod characters;
pub mod chat;
pub mod downloads;
pub mod economy;
pub mod events;
pub mod friends;
pub mod groups;
pub mod health;
pub mod inventory;
pub mod leaderboards;
pub mod loot;
pub mod mail;
pub mod matchmaking;
pub mod ops;
pub mod party;
pub mod payments;
pub mod presence;
pub mod recovery;
pub mod rooms;
pub mod trade;
pub mod webhooks;

/// A JSON result that may be a replay: adds `Idempotent-Replayed: true` when it is.
#[derive(Debug)]
pub struct Replay<T> {
    /// The result.
    pub body: T,
    /// Whether it is the stored original of an earlier call.
    pub replayed: bool,
}

impl<T: Serialize> IntoResponse for Replay<T> {
    fn into_response(self) -> Response {
        let mut res = Json(self.body).into_response();
        if self.replayed {
            res.headers_mut()
                .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
        }
        res
    }
}

fn null() -> serde_json::Value {
    serde_json::Value::Null
}
fn one() -> i64 {
    1
}
fn yes() -> bool {
    true
}

/// Result type of the handlers.
pub type ApiResult<T> = Result<T, AppError>;

/// An operator's definition put at a path that names its id (`PUT .../{id}`): the body is
/// a JSON object whose `id` may be left out (the path's is used) and must equal the path's
/// when given; `what` names the shape in refusals ("a loot table"). Errors:
/// `INVALID_ARGUMENT` (`body`: not an object or not of the shape; `id`: another id).
pub fn body_with_path_id<T: serde::de::DeserializeOwned>(
    mut body: serde_json::Value,
    id: String,
    what: &str,
) -> Result<T, AppError> {
    use guildhall_core::Error;
    let Some(obj) = body.as_object_mut() else {
        return Err(Error::invalid("body", format!("the body is {what} (a JSON object)")).into());
    };
    match obj.get("id") {
        None => {
            obj.insert("id".into(), serde_json::Value::String(id));
        }
        Some(given) if given.as_str() == Some(id.as_str()) => {}
        Some(_) => {
            return Err(Error::invalid("id", "the body's id differs from the path's").into())
        }
    }
    serde_json::from_value(body)
        .map_err(|e| Error::invalid("body", format!("not {what}: {e}")).into())
}
