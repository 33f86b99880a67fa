//! Game data downloads against a real listening host (SPEC.md "Game data downloads"):
//! an operator uploads versions (raw body, content type), a client downloads the current
//! one with its ETag (304 on If-None-Match), one byte range (206, the right bytes; 416
//! past the end), lists what changed since a version; an oversize upload is refused
//! with a clear code and stores nothing.

use crate::common::{client_with, spawn_app_with, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

async fn app() -> TestApp {
    spawn_app_with(|s| s.core.downloads.max_file_bytes = 4096).await
}

async fn upload(app: &TestApp, name: &str, ct: &str, bytes: &[u8]) -> crate::common::Res {
    app.send(
        app.req(Method::PUT, &format!("/v1/admin/files/{name}"))
            .header("content-type", ct)
            .body(bytes.to_vec()),
    )
    .await
}

async fn player_client(app: &TestApp) -> reqwest::Client {
    let r = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/register", app.url))
                .json(&json!({ "username": "downloader", "password": "correct horse battery" })),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    client_with(r.body["access_token"].as_str().unwrap())
}

#[tokio::test]
async fn clients_download_the_current_version_with_etags_and_ranges() {
    let app = app().await;
    let csv = b"id,name,price\n1,Potion,10\n2,Sword,100\n";
    let v1 = upload(&app, "items.csv", "text/csv", csv).await;
    let v1 = v1.ok().clone();
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["size"], csv.len());
    assert_eq!(v1["sha256"], hex::encode(Sha256::digest(csv)));
    assert_eq!(v1["content_type"], "text/csv");

    let player = player_client(&app).await;
    let get = |headers: Vec<(&'static str, String)>| {
        let mut req = player.get(format!("{}/v1/files/items.csv", app.url));
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    let r = get(vec![]).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, format!("\"{}\"", v1["sha256"].as_str().unwrap()));
    assert_eq!(r.headers()["accept-ranges"], "bytes");
    assert_eq!(r.headers()["content-type"], "text/csv");
    assert_eq!(r.headers()["x-file-version"], "1");
    assert_eq!(&r.bytes().await.unwrap()[..], csv);

    // The current ETag: 304, no body.
    let r = get(vec![("if-none-match", etag.clone())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(r.headers()["etag"], etag.as_str());
    assert!(r.bytes().await.unwrap().is_empty());
    // Another ETag: the file.
    let r = get(vec![("if-none-match", "\"stale\"".into())])
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // A range: 206 with the right bytes and Content-Range.
    let r = get(vec![("range", "bytes=3-6".into())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 3-6/{}", csv.len())
    );
    assert_eq!(&r.bytes().await.unwrap()[..], &csv[3..=6]);
    let r = get(vec![("range", "bytes=-4".into())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(&r.bytes().await.unwrap()[..], &csv[csv.len() - 4..]);
    // Past the end: 416 with the length.
    let r = get(vec![("range", format!("bytes={}-", csv.len()))])
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes */{}", csv.len())
    );
    // A range for an older copy (If-Range names another ETag): the whole new file.
    let r = get(vec![
        ("range", "bytes=0-1".into()),
        ("if-range", "\"old\"".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // A new version: new ETag, the old one no longer matches.
    let v2 = upload(&app, "items.csv", "text/csv", b"id,name\n").await;
    assert_eq!(v2.ok()["version"], 2);
    let r = get(vec![("if-none-match", etag.clone())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(&r.bytes().await.unwrap()[..], b"id,name\n");
    let versions = app.get("/v1/admin/files/items.csv/versions").await;
    let versions: Vec<i64> = versions
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [2, 1]);

    // Anonymous callers and players uploading are refused; unknown files are 404.
    let r = app
        .send(app.anon.get(format!("{}/v1/files/items.csv", app.url)))
        .await;
    r.assert_error(401, "UNAUTHENTICATED");
    let r = app
        .send(
            player
                .put(format!("{}/v1/admin/files/x.bin", app.url))
                .body("x"),
        )
        .await;
    r.assert_error(403, "FORBIDDEN");
    let r = app
        .send(player.get(format!("{}/v1/files/nope.json", app.url)))
        .await;
    r.assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn clients_list_the_files_changed_since_a_version() {
    let app = app().await;
    upload(&app, "a.json", "application/json", br#"{"a":1}"#)
        .await
        .ok();
    upload(
        &app,
        "b.sqlite",
        "application/vnd.sqlite3",
        b"SQLite format 3\0...",
    )
    .await
    .ok();
    upload(
        &app,
        "c.bin",
        "application/octet-stream",
        &[0, 159, 146, 150],
    )
    .await
    .ok();
    upload(&app, "a.json", "application/json", br#"{"a":2}"#)
        .await
        .ok();

    let all = app.get("/v1/files").await;
    let all = all.ok().clone();
    let names: Vec<(&str, i64)> = all["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["version"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        names,
        [("b.sqlite", 2), ("c.bin", 3), ("a.json", 4)],
        "current versions, oldest change first"
    );
    assert_eq!(all["latest"], 4);
    assert_eq!(all["more"], false);

    let since = app.get("/v1/files?since=3").await;
    let since: Vec<Value> = since.ok()["files"].as_array().unwrap().clone();
    assert_eq!(since.len(), 1);
    assert_eq!(since[0]["name"], "a.json");
    let none = app.get("/v1/files?since=4").await;
    assert_eq!(none.ok()["files"].as_array().unwrap().len(), 0);
    assert_eq!(none.ok()["latest"], 4);
    // Pages.
    let page = app.get("/v1/files?since=0&limit=2").await;
    assert_eq!(page.ok()["more"], true);
    assert_eq!(page.ok()["latest"], 3);
    app.get("/v1/files?since=-1")
        .await
        .assert_error(400, "INVALID_ARGUMENT");

    // Binary bytes come back as stored.
    let r = app
        .req(Method::GET, "/v1/files/c.bin")
        .send()
        .await
        .unwrap();
    assert_eq!(&r.bytes().await.unwrap()[..], &[0, 159, 146, 150]);
}

#[tokio::test]
async fn an_oversize_or_misnamed_upload_is_refused_and_stores_nothing() {
    let app = app().await;
    let big = vec![7u8; 4097];
    let r = upload(&app, "big.bin", "application/octet-stream", &big).await;
    r.assert_error(413, "LIMIT_REACHED");
    assert_eq!(r.body["details"]["max_file_bytes"], 4096);
    // Exactly the limit is accepted.
    upload(&app, "fits.bin", "application/octet-stream", &big[..4096])
        .await
        .ok();
    upload(&app, ".hidden", "text/plain", b"x")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    upload(&app, "ok.txt", "nonsense", b"x")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    let list = app.get("/v1/files").await;
    let names: Vec<&str> = list.ok()["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["fits.bin"]);
    app.get("/v1/files/big.bin")
        .await
        .assert_error(404, "NOT_FOUND");
}
