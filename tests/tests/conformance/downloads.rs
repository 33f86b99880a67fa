//! Game data files on every store: versions are one global sequence (uploads from two
//! services at once get distinct versions), the current version is the newest, the
//! listing since a version gives each changed file once at its current version, and an
//! oversize upload stores nothing.

use super::*;
use guildhall_core::downloads::FileListQuery;

conformance!(
    downloads_versions_are_global_and_listed_since_a_version => payments_config,
    downloads_concurrent_uploads_get_distinct_versions => payments_config,
);

async fn downloads_versions_are_global_and_listed_since_a_version(fx: Fixture) {
    let gh = &fx.gh;
    let a1 = gh
        .put_file("a.csv", Some("text/csv"), b"x,y\n1,2\n".to_vec())
        .await
        .unwrap();
    let b1 = gh
        .put_file("b.bin", None, vec![0, 1, 2, 255])
        .await
        .unwrap();
    let a2 = gh
        .put_file("a.csv", Some("text/csv"), b"x,y\n3,4\n".to_vec())
        .await
        .unwrap();
    assert_eq!((a1.version, b1.version, a2.version), (1, 2, 3));
    assert_eq!(b1.content_type, "application/octet-stream");
    assert_eq!(a2.sha256.len(), 64);
    let cur = gh.file("a.csv", None).await.unwrap();
    assert_eq!(
        (cur.meta.version, cur.bytes.as_slice()),
        (3, &b"x,y\n3,4\n"[..])
    );
    assert_eq!(
        gh.file("a.csv", Some(1)).await.unwrap().bytes,
        b"x,y\n1,2\n"
    );
    assert_eq!(
        gh.file("b.bin", None).await.unwrap().bytes,
        vec![0, 1, 2, 255]
    );
    let all = gh.files(FileListQuery::default()).await.unwrap();
    let listed: Vec<(String, i64)> = all
        .files
        .iter()
        .map(|f| (f.name.clone(), f.version))
        .collect();
    assert_eq!(listed, [("b.bin".to_string(), 2), ("a.csv".to_string(), 3)]);
    assert_eq!(all.latest, 3);
    let since = gh
        .files(FileListQuery {
            since: Some(2),
            limit: None,
        })
        .await
        .unwrap();
    assert_eq!(since.files.len(), 1);
    assert_eq!(
        gh.files(FileListQuery {
            since: Some(3),
            limit: None
        })
        .await
        .unwrap()
        .files
        .len(),
        0
    );
    let versions: Vec<i64> = gh
        .file_versions("a.csv")
        .await
        .unwrap()
        .iter()
        .map(|f| f.version)
        .collect();
    assert_eq!(versions, [3, 1]);
    expect_code(gh.file("none.csv", None).await, ErrorCode::NotFound);
    expect_code(
        gh.put_file("big", None, vec![0; 1025]).await,
        ErrorCode::LimitReached,
    );
    expect_code(
        gh.put_file("../x", None, vec![0]).await,
        ErrorCode::InvalidArgument,
    );
    assert_eq!(
        gh.files(FileListQuery::default())
            .await
            .unwrap()
            .files
            .len(),
        2
    );
}

async fn downloads_concurrent_uploads_get_distinct_versions(fx: Fixture) {
    let other = fx.second_service().await;
    let mut calls = Vec::new();
    for i in 0..12 {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        calls.push(spawn_call(gh, move |gh| async move {
            gh.put_file(
                &format!("f{}.json", i % 3),
                Some("application/json"),
                format!("{{\"n\":{i}}}").into_bytes(),
            )
            .await
        }));
    }
    let mut versions = Vec::new();
    for c in calls {
        versions.push(c.await.unwrap().expect("upload").version);
    }
    versions.sort_unstable();
    assert_eq!(versions, (1..=12).collect::<Vec<_>>());
    let list = fx.gh.files(FileListQuery::default()).await.unwrap();
    assert_eq!(list.files.len(), 3);
    for f in &list.files {
        assert_eq!(
            fx.gh.file(&f.name, None).await.unwrap().meta.version,
            f.version
        );
    }
}
