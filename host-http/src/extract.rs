//! Extractors whose rejections answer in guildhall's JSON error format with
//! `INVALID_ARGUMENT` (400): JSON bodies, path segments, query strings, and the
//! `Idempotency-Key` header.

use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use guildhall_core::types::PlayerId;
use serde::de::DeserializeOwned;

/// Header carrying an idempotency key, as an alternative to the body's `idempotency_key`.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Response header set to `true` when the result is the stored original of an earlier call.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// A JSON request body. Needs `Content-Type: application/json` (or `+json`).
/// Rejections: 400 `INVALID_ARGUMENT` with `details.field = "body"` (malformed JSON,
/// unknown or missing fields, wrong content type); 413 when over the body limit.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

/// Like [`ApiJson`], but an empty body (with or without a content type) reads as `{}`,
/// so `POST` without a body takes every default.
#[derive(Debug, Clone)]
pub struct OptionalJson<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

async fn read_json<T: DeserializeOwned, S: Send + Sync>(
    req: Request,
    state: &S,
    allow_empty: bool,
) -> Result<T, AppError> {
    let json = is_json(req.headers());
    let has_type = req.headers().contains_key(CONTENT_TYPE);
    let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
        let status = rej.status();
        let err = AppError::invalid("body", rej.body_text());
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            err.with_status(status)
        } else {
            err
        }
    })?;
    if allow_empty && bytes.iter().all(u8::is_ascii_whitespace) && (json || !has_type) {
        return parse(b"{}");
    }
    if !json {
        return Err(AppError::invalid(
            "body",
            "expected a JSON body with `Content-Type: application/json`",
        ));
    }
    parse(&bytes)
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let kind = if e.is_data() {
            "invalid request"
        } else {
            "malformed JSON"
        };
        AppError::invalid("body", format!("{kind}: {e}"))
    })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        read_json(req, state, false).await.map(ApiJson)
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        read_json(req, state, true).await.map(OptionalJson)
    }
}

/// Path parameters. Rejection: 400 `INVALID_ARGUMENT` with `details.field = "path"`.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|rej| AppError::invalid("path", rej.body_text()))
    }
}

/// A query string. Rejection: 400 `INVALID_ARGUMENT` with `details.field = "query"`
/// (unknown parameter, wrong type, bad time format).
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|rej| AppError::invalid("query", rej.body_text()))
    }
}

/// The optional `Idempotency-Key` header. Rejection: 400 when it is not UTF-8 text.
#[derive(Debug, Clone, Default)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        match parts.headers.get(IDEMPOTENCY_KEY) {
            None => Ok(IdempotencyKey(None)),
            Some(v) => v
                .to_str()
                .map(|s| IdempotencyKey(Some(s.to_string())))
                .map_err(|_| {
                    AppError::invalid(
                        "idempotency_key",
                        "the Idempotency-Key header is not visible ASCII text",
                    )
                }),
        }
    }
}

impl IdempotencyKey {
    /// The key to use: the header's or the body's. Errors: `INVALID_ARGUMENT` when both
    /// are given and differ.
    pub fn merge(self, body: Option<String>) -> Result<Option<String>, AppError> {
        match (self.0, body) {
            (Some(h), Some(b)) if h != b => Err(AppError::invalid(
                "idempotency_key",
                "the Idempotency-Key header and the body's idempotency_key differ",
            )),
            (h, b) => Ok(h.or(b)),
        }
    }
}

/// Validates a player id from a path or body. Errors: 400 `INVALID_ARGUMENT`.
pub fn player(id: impl Into<String>) -> Result<PlayerId, AppError> {
    PlayerId::new(id).map_err(AppError::from)
}
