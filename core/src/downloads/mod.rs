//! Game data downloads (SPEC.md "Game data downloads"; seed 003 下载数据): versioned
//! files (CSV, JSON, SQLite, binary assets) put by operators, downloaded by clients with
//! ETag / If-None-Match and byte ranges, and listed by what changed since a version.
//! Pure parts in [`rules`] (names, ranges, ETags); orchestration in
//! `core/src/service/downloads.rs`.
//!
//! State: the stores' `game_files` table (migration 0005 of SQLite and PostgreSQL, a map
//! in the memory store), one row per version with its bytes. Every upload takes the next
//! number of ONE global sequence, so "changed since N" is a range read, and versions
//! become visible in their order (a reader never sees N+1 before N).

pub mod rules;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Media type of an upload that names none.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// `[downloads]`; missing keys keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DownloadsConfig {
    /// Largest file accepted, bytes (default 32 MiB; 1 to 1 GiB). Larger uploads are
    /// refused with `LIMIT_REACHED` and store nothing.
    pub max_file_bytes: u64,
}

impl Default for DownloadsConfig {
    fn default() -> Self {
        Self {
            max_file_bytes: 32 * 1024 * 1024,
        }
    }
}

impl DownloadsConfig {
    /// Checks the values. Errors: `INVALID_ARGUMENT` naming `downloads.max_file_bytes`.
    pub fn check(&self) -> crate::Result<()> {
        if !(1..=1 << 30).contains(&self.max_file_bytes) {
            return Err(crate::Error::invalid(
                "downloads.max_file_bytes",
                "downloads.max_file_bytes must be between 1 and 1073741824",
            ));
        }
        Ok(())
    }
}

/// One stored version of a file, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FileMeta {
    /// File name, 1-128 of `[A-Za-z0-9._-]` (not starting with `.`).
    pub name: String,
    /// Global version number (monotonic over every file; the newest version of a name
    /// is its current one).
    pub version: i64,
    /// Media type given at upload (default `application/octet-stream`).
    pub content_type: String,
    /// Size, bytes.
    pub size: i64,
    /// SHA-256 of the bytes, lower-case hex: the ETag (quoted in HTTP).
    pub sha256: String,
    /// When uploaded, UTC.
    pub created_at: DateTime<Utc>,
}

/// A version with its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The version.
    pub meta: FileMeta,
    /// The content.
    pub bytes: Vec<u8>,
}

/// A file to store (the store assigns the version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    /// Name ([`rules::check_name`]).
    pub name: String,
    /// Media type.
    pub content_type: String,
    /// SHA-256 hex of `bytes`.
    pub sha256: String,
    /// The content.
    pub bytes: Vec<u8>,
    /// Upload time, UTC.
    pub created_at: DateTime<Utc>,
}

/// An upload from a JSON surface (Node, Python): the bytes in base64. The HTTP host
/// takes the raw body instead (`PUT /v1/admin/files/{name}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutFileRequest {
    /// File name, 1-128 of `[A-Za-z0-9._-]`, not starting with `.`.
    pub name: String,
    /// Media type, e.g. `text/csv`, `application/json`, `application/vnd.sqlite3`
    /// (default `application/octet-stream`).
    #[serde(default)]
    pub content_type: Option<String>,
    /// The bytes, standard base64.
    pub content_base64: String,
}

/// A version with its bytes in base64 (JSON surfaces).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FileContent {
    /// The version.
    pub file: FileMeta,
    /// The bytes, standard base64.
    pub content_base64: String,
}

/// Files whose current version is newer than a version, oldest change first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FileList {
    /// The current version of each changed file, by version ascending.
    pub files: Vec<FileMeta>,
    /// Pass as `since` to get what changes after this page (the last version listed,
    /// or the `since` given when nothing changed).
    pub latest: i64,
    /// True when more changed files follow (call again with `since = latest`).
    pub more: bool,
}

/// Query of the listing.
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    utoipa::IntoParams,
)]
#[serde(deny_unknown_fields)]
pub struct FileListQuery {
    /// Only files whose current version is above this (default 0: every file).
    #[serde(default)]
    pub since: Option<i64>,
    /// Page size, 1-1000 (default 200).
    #[serde(default)]
    pub limit: Option<u32>,
}
