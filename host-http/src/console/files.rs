//! The game data page `/console/files`: every file's current version (name, version,
//! size, media type, SHA-256), one file's versions (`?name=`), and an upload form (text
//! pasted, or a chosen file the console's script reads into base64). Uploads go through
//! the same core service as `PUT /v1/admin/files/{name}`; through the console they are
//! limited by the host's request body limit as well (larger files: the admin API).

use super::{
    enc, inline_error, layout, respond, section, status_of, time, CsrfForm, DoneQuery, Notice,
    Operator,
};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use guildhall_core::downloads::{FileListQuery, FileMeta};
use guildhall_core::Error;
use maud::{html, Markup};
use serde::Deserialize;

/// Query of `/console/files`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct FilesQuery {
    name: String,
    done: Option<String>,
}

/// The upload form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct UploadForm {
    name: String,
    content_type: String,
    /// `text` (the content as typed) or `base64`.
    encoding: String,
    content: String,
}

fn table(files: &[FileMeta]) -> Markup {
    html! {
        table {
            thead { tr { th { "Name" } th.num { "Version" } th.num { "Bytes" } th { "Type" } th { "SHA-256 (ETag)" } th { "Uploaded" } } }
            tbody {
                @for f in files {
                    tr {
                        td { a href=(format!("/console/files?name={}", enc(&f.name))) { code { (f.name) } } }
                        td.num { (f.version) }
                        td.num { (f.size) }
                        td { (f.content_type) }
                        td { code { (f.sha256) } }
                        td { (time(&f.created_at)) }
                    }
                }
            }
        }
    }
}

/// `GET /console/files[?name=...]`.
pub(super) async fn files_page(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<FilesQuery>,
) -> Response {
    let notice = DoneQuery {
        done: q.done.clone(),
    }
    .notice();
    render(
        &s,
        &op,
        notice,
        StatusCode::OK,
        &q.name,
        &UploadForm::default(),
    )
    .await
}

async fn render(
    s: &AppState,
    op: &Operator,
    notice: Option<Notice>,
    status: StatusCode,
    name: &str,
    draft: &UploadForm,
) -> Response {
    let mut all = Vec::new();
    let mut since = 0;
    let listed = loop {
        match s
            .gh
            .files(FileListQuery {
                since: Some(since),
                limit: Some(1000),
            })
            .await
        {
            Ok(page) => {
                all.extend(page.files);
                since = page.latest;
                if !page.more {
                    break Ok(());
                }
            }
            Err(e) => break Err(e),
        }
    };
    let files = match listed {
        Ok(()) => section(
            "Game data files",
            html! {
                @if all.is_empty() { p.muted { "No file has been uploaded yet." } }
                @else { (table(&all)) }
            },
        ),
        Err(e) => inline_error(&e),
    };
    let versions = if name.is_empty() {
        html! {}
    } else {
        match s.gh.file_versions(name).await {
            Ok(v) => section(&format!("Versions of {name}"), table(&v)),
            Err(e) => inline_error(&e),
        }
    };
    let max = s.gh.config().downloads.max_file_bytes;
    let upload = html! {
        section.card {
            h2 { "Upload a new version" }
            form.stack method="post" action="/console/files" {
                (op.csrf_field())
                label for="file-name" { "Name ([A-Za-z0-9._-], e.g. items.csv)" }
                input id="file-name" name="name" value=(if draft.name.is_empty() { name } else { draft.name.as_str() }) required;
                label for="file-type" { "Media type (e.g. text/csv, application/json, application/vnd.sqlite3)" }
                input id="file-type" name="content_type" value=(draft.content_type) placeholder="application/octet-stream";
                label for="file-pick" { "A file (read into the field below as base64)" }
                input id="file-pick" type="file" data-base64-into="file-content" data-encoding-field="file-encoding";
                label for="file-encoding" { "Content is" }
                select id="file-encoding" name="encoding" {
                    option value="text" selected[draft.encoding != "base64"] { "text as typed" }
                    option value="base64" selected[draft.encoding == "base64"] { "base64" }
                }
                label for="file-content" { "Content" }
                textarea id="file-content" name="content" rows="10" { (draft.content) }
                p.muted { "At most " (max) " bytes (downloads.max_file_bytes)." }
                button type="submit" { "Upload" }
            }
        }
    };
    respond(
        status,
        layout(
            "Game data",
            Some(op),
            "/console/files",
            notice.as_ref(),
            html! { (files) (versions) (upload) },
        ),
    )
}

/// `POST /console/files`: stores the posted content as a new version.
pub(super) async fn upload(
    State(s): State<AppState>,
    CsrfForm { op, form }: CsrfForm<UploadForm>,
) -> Response {
    let outcome = async {
        let bytes = if form.encoding == "base64" {
            let clean: String = form
                .content
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(clean)
                .map_err(|_| Error::invalid("content", "the content is not base64"))?
        } else {
            form.content.clone().into_bytes()
        };
        let ct = Some(form.content_type.trim()).filter(|c| !c.is_empty());
        s.gh.put_file(form.name.trim(), ct, bytes).await
    }
    .await;
    match outcome {
        Ok(meta) => Redirect::to(&format!(
            "/console/files?name={}&done={}",
            enc(&meta.name),
            enc(&format!(
                "Stored {} version {} ({} bytes).",
                meta.name, meta.version, meta.size
            ))
        ))
        .into_response(),
        Err(e) => {
            let st = status_of(&e);
            render(&s, &op, Some(Notice::Refused(e)), st, "", &form).await
        }
    }
}
