//! The one place where errors become HTTP responses: status from
//! [`ErrorCode::http_status`], body `{code, message, details}` (SPEC.md "Error codes").

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use guildhall_core::{Error, ErrorCode};

/// An error answered as JSON `{code, message, details}`.
///
/// The status is `error.code.http_status()` unless `status` overrides it (only the
/// transport-level answers do: `413` for a body over the limit, `405`, timeouts).
/// `RATE_LIMITED` errors carry a `Retry-After` header from `details.retry_after_seconds`.
#[derive(Debug, Clone)]
pub struct AppError {
    /// The guildhall error sent as the body.
    pub error: Error,
    /// A transport-level status that replaces the code's own.
    pub status: Option<StatusCode>,
}

impl AppError {
    /// `INVALID_ARGUMENT` naming `field`, answered with 400.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::invalid(field, message).into()
    }

    /// Replaces the HTTP status (the body's code stays).
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// The status this error is answered with.
    pub fn status(&self) -> StatusCode {
        self.status.unwrap_or_else(|| {
            StatusCode::from_u16(self.error.code.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        })
    }
}

impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        AppError {
            error,
            status: None,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        // Logged inside the request's span, so the line carries its request id. The
        // message is the rule's own text; a body parse error may quote the body (which
        // can hold a password or token), so its message is not logged.
        let code = self.error.code.as_str();
        let quotes_body = self.error.details.get("field").and_then(|f| f.as_str()) == Some("body");
        let error_message: &str = if quotes_body {
            "the request body could not be read (text not logged)"
        } else {
            &self.error.message
        };
        if status.is_server_error() {
            tracing::warn!(
                code,
                status = status.as_u16(),
                error_message,
                "request failed"
            );
        } else {
            tracing::info!(
                code,
                status = status.as_u16(),
                error_message,
                "request refused"
            );
        }
        let retry_after = (self.error.code == ErrorCode::RateLimited)
            .then(|| {
                self.error
                    .details
                    .get("retry_after_seconds")
                    .and_then(|v| v.as_u64())
            })
            .flatten();
        let tag = ErrorCodeTag(self.error.code);
        let mut res = (status, Json(self.error)).into_response();
        res.extensions_mut().insert(tag);
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

/// The error code of an error response, kept in the response's extensions so the
/// request metrics can label the answer with it (`code="INSUFFICIENT_FUNDS"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCodeTag(pub ErrorCode);

/// The code a transport-level status stands for, when the framework (not a handler)
/// produced an error response without a JSON body.
pub(crate) fn code_for_status(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        409 => ErrorCode::Conflict,
        429 => ErrorCode::RateLimited,
        408 | 500..=599 => ErrorCode::Unavailable,
        _ => ErrorCode::InvalidArgument,
    }
}
