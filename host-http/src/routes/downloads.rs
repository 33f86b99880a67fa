//! Game data download routes (SPEC.md "Game data downloads"): operators upload a new
//! version of a file as the raw body (`PUT /v1/admin/files/{name}`, admin scope, up to
//! `[downloads] max_file_bytes`, past it `413 LIMIT_REACHED`); every signed-in caller
//! lists the files changed since a version (`GET /v1/files?since=N`) and downloads the
//! current one (`GET /v1/files/{name}`) with its SHA-256 as a strong ETag,
//! `If-None-Match` (304) and one byte range (206 with `Content-Range`, 416 past the end).

use super::ApiResult;
use crate::error::AppError;
use crate::extract::{ApiPath, ApiQuery};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use guildhall_core::downloads::rules::{etag, none_match, parse_range, RangeAnswer};
use guildhall_core::downloads::{FileList, FileListQuery, FileMeta};
use guildhall_core::Error;

/// Header naming the version served.
pub const FILE_VERSION_HEADER: &str = "x-file-version";
/// Header with the upload time of the version served (RFC 3339, UTC).
pub const FILE_CREATED_HEADER: &str = "x-file-created-at";

/// The routes of this module, merged into the host's router by `server::app`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/files", get(list))
        .route("/v1/files/{name}", get(download))
        .route(
            "/v1/admin/files/{name}",
            // The upload reads its body itself, up to `[downloads] max_file_bytes`.
            put(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/v1/admin/files/{name}/versions", get(versions))
}

fn too_large(e: Error) -> AppError {
    AppError::from(e).with_status(StatusCode::PAYLOAD_TOO_LARGE)
}

/// Operator: uploads a new version of a file (CSV, JSON, SQLite, binary), the raw body
/// with its `Content-Type` (default `application/octet-stream`). Each upload is a new
/// version under the next global version number; its SHA-256 is its ETag.
#[utoipa::path(put, path = "/v1/admin/files/{name}", tag = "downloads",
    params(("name" = String, Path, description = "File name, 1-128 of [A-Za-z0-9._-]")),
    request_body(content = Vec<u8>, description = "The file's bytes", content_type = "application/octet-stream"),
    responses((status = 200, body = FileMeta), (status = 400, body = Error),
        (status = 413, body = Error, description = "LIMIT_REACHED: larger than downloads.max_file_bytes")))]
pub async fn upload(
    State(s): State<AppState>,
    ApiPath(name): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<FileMeta>> {
    let max = s.gh.config().downloads.max_file_bytes;
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        s.gh.check_file_size(len).map_err(too_large)?;
    }
    let limit = usize::try_from(max.saturating_add(1)).unwrap_or(usize::MAX);
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large(s.gh.check_file_size(max.saturating_add(1)).unwrap_err()))?;
    s.gh.check_file_size(bytes.len() as u64)
        .map_err(too_large)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    Ok(Json(
        s.gh.put_file(&name, content_type, bytes.to_vec()).await?,
    ))
}

/// Files whose current version is above `since`, oldest change first: a client keeps
/// the `latest` it saw and asks again with it to learn what changed.
#[utoipa::path(get, path = "/v1/files", tag = "downloads", params(FileListQuery),
    responses((status = 200, body = FileList), (status = 400, body = Error)))]
pub async fn list(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<FileListQuery>,
) -> ApiResult<Json<FileList>> {
    Ok(Json(s.gh.files(q).await?))
}

/// Operator: every version of a file, newest first.
#[utoipa::path(get, path = "/v1/admin/files/{name}/versions", tag = "downloads",
    params(("name" = String, Path)),
    responses((status = 200, body = [FileMeta]), (status = 404, body = Error)))]
pub async fn versions(
    State(s): State<AppState>,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<Vec<FileMeta>>> {
    Ok(Json(s.gh.file_versions(&name).await?))
}

/// Downloads the current version of a file: 200 with the bytes, `ETag`,
/// `Content-Type`, `Accept-Ranges: bytes`, `X-File-Version` and `X-File-Created-At`; 304 when
/// `If-None-Match` names the current ETag; 206 with `Content-Range` for one
/// `Range: bytes=...`; 416 when no byte of the range exists.
#[utoipa::path(get, path = "/v1/files/{name}", tag = "downloads",
    params(("name" = String, Path), ("If-None-Match" = Option<String>, Header), ("Range" = Option<String>, Header)),
    responses((status = 200, description = "The bytes, with the content type given at upload (any type)", content_type = "*/*"),
        (status = 206, description = "The range asked for, with the content type given at upload", content_type = "*/*"), (status = 304, description = "Not modified"),
        (status = 404, body = Error), (status = 416, description = "Range not satisfiable")))]
pub async fn download(
    State(s): State<AppState>,
    ApiPath(name): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let f = s.gh.file(&name, None).await?;
    let tag = etag(&f.meta.sha256);
    let mut common = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        common.insert(header::ETAG, v);
    }
    common.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    common.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    common.insert(FILE_VERSION_HEADER, HeaderValue::from(f.meta.version));
    if let Ok(v) = HeaderValue::from_str(
        &f.meta
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    ) {
        common.insert(FILE_CREATED_HEADER, v);
    }
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        if none_match(inm, &tag) {
            return Ok((StatusCode::NOT_MODIFIED, common).into_response());
        }
    }
    let len = f.bytes.len() as u64;
    // A range applies only while the client's copy is this version (If-Range).
    let range = match headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()) {
        Some(ir) if ir.trim() != tag => None,
        _ => headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
    };
    if let Ok(ct) = HeaderValue::from_str(&f.meta.content_type) {
        common.insert(header::CONTENT_TYPE, ct);
    }
    Ok(match parse_range(range, len) {
        RangeAnswer::Full => (StatusCode::OK, common, Bytes::from(f.bytes)).into_response(),
        RangeAnswer::Partial { start, end } => {
            let part = Bytes::from(f.bytes).slice(start as usize..=end as usize);
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
                common.insert(header::CONTENT_RANGE, v);
            }
            (StatusCode::PARTIAL_CONTENT, common, part).into_response()
        }
        RangeAnswer::Unsatisfiable => {
            common.remove(header::CONTENT_TYPE);
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                common.insert(header::CONTENT_RANGE, v);
            }
            let e = AppError::from(Error::invalid("range", format!("the file has {len} bytes")))
                .with_status(StatusCode::RANGE_NOT_SATISFIABLE);
            let mut res = e.into_response();
            res.headers_mut().extend(common);
            res
        }
    })
}
