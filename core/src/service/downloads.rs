//! Game data download services (SPEC.md "Game data downloads"; rules in
//! `core/src/downloads/rules.rs`): uploads make a new version under the next global
//! version number with its SHA-256 as the ETag; reads give the current version, a
//! version's metadata, or the files changed since a version.

use super::Guildhall;
use crate::downloads::rules::{check_content_type, check_name};
use crate::downloads::{
    FileContent, FileList, FileListQuery, FileMeta, NewFile, PutFileRequest, StoredFile,
    DEFAULT_CONTENT_TYPE,
};
use crate::error::{Error, ErrorCode, Result};
use base64::Engine as _;
use sha2::{Digest, Sha256};

impl Guildhall {
    /// Stores `bytes` as the new current version of file `name` (operator call).
    /// Errors: `INVALID_ARGUMENT` (name, media type), `LIMIT_REACHED` (larger than
    /// `downloads.max_file_bytes`; `details.max_file_bytes`), `UNAVAILABLE`. Nothing is
    /// stored on an error.
    pub async fn put_file(
        &self,
        name: &str,
        content_type: Option<&str>,
        bytes: Vec<u8>,
    ) -> Result<FileMeta> {
        check_name(name)?;
        let content_type = content_type.unwrap_or(DEFAULT_CONTENT_TYPE);
        check_content_type(content_type)?;
        self.check_file_size(bytes.len() as u64)?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        self.store
            .put_file(NewFile {
                name: name.into(),
                content_type: content_type.into(),
                sha256,
                bytes,
                created_at: self.clock.now(),
            })
            .await
    }

    /// Refuses a size past `downloads.max_file_bytes`: `LIMIT_REACHED`.
    pub fn check_file_size(&self, size: u64) -> Result<()> {
        let max = self.config.downloads.max_file_bytes;
        if size > max {
            return Err(Error::new(
                ErrorCode::LimitReached,
                format!("the file is {size} bytes; downloads.max_file_bytes is {max}"),
            )
            .with_details(serde_json::json!({ "size": size, "max_file_bytes": max })));
        }
        Ok(())
    }

    /// [`Guildhall::put_file`] from a JSON surface: the bytes in base64. Errors: as
    /// `put_file`, and `INVALID_ARGUMENT` when `content_base64` is not base64.
    pub async fn upload_file(&self, req: PutFileRequest) -> Result<FileMeta> {
        // A base64 text is 4/3 of its bytes: refuse an oversize one before decoding it.
        self.check_file_size((req.content_base64.len() as u64 / 4) * 3)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(req.content_base64.trim())
            .map_err(|_| Error::invalid("content_base64", "content_base64 is standard base64"))?;
        self.put_file(&req.name, req.content_type.as_deref(), bytes)
            .await
    }

    /// The current version of a file with its bytes (`version`: that version instead).
    /// Errors: `NOT_FOUND`, `INVALID_ARGUMENT` (name).
    pub async fn file(&self, name: &str, version: Option<i64>) -> Result<StoredFile> {
        check_name(name)?;
        self.store
            .file(name, version)
            .await?
            .ok_or_else(|| Error::not_found("file", name))
    }

    /// [`Guildhall::file`] for a JSON surface: the bytes in base64.
    pub async fn file_content(&self, name: &str) -> Result<FileContent> {
        let f = self.file(name, None).await?;
        Ok(FileContent {
            file: f.meta,
            content_base64: base64::engine::general_purpose::STANDARD.encode(&f.bytes),
        })
    }

    /// The current version of every file changed since `since` (SPEC.md: "list the files
    /// changed since a version"), oldest change first. Errors: `INVALID_ARGUMENT` (a
    /// negative `since`, limit out of 1-1000).
    pub async fn files(&self, query: FileListQuery) -> Result<FileList> {
        let since = query.since.unwrap_or(0);
        if since < 0 {
            return Err(Error::invalid("since", "since is a version, 0 or more"));
        }
        let limit = query.limit.unwrap_or(200);
        if !(1..=1000).contains(&limit) {
            return Err(Error::invalid("limit", "limit is 1 to 1000"));
        }
        let mut files = self.store.files_changed(since, limit + 1).await?;
        let more = files.len() > limit as usize;
        files.truncate(limit as usize);
        let latest = files.last().map_or(since, |f| f.version);
        Ok(FileList {
            files,
            latest,
            more,
        })
    }

    /// Every version of a file, newest first (at most 1000). Errors: `NOT_FOUND`.
    pub async fn file_versions(&self, name: &str) -> Result<Vec<FileMeta>> {
        check_name(name)?;
        let v = self.store.file_versions(name, 1000).await?;
        if v.is_empty() {
            return Err(Error::not_found("file", name));
        }
        Ok(v)
    }
}
