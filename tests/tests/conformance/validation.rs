//! Arguments checked before anything is read or written: bad amounts, currencies,
//! items, player ids and key lengths change nothing.

use super::*;

conformance!(
    invalid_arguments_change_nothing,
    player_ids_and_key_lengths_are_validated,
);

async fn invalid_arguments_change_nothing(fx: Fixture) {
    let (alice, bob) = (pid("alice"), pid("bob"));
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    fx.gh.grant(grant("alice", "gems", 100)).await.unwrap();
    fx.gh
        .purchase(purchase("alice", "potion", 2))
        .await
        .unwrap();
    fx.gh.purchase(purchase("alice", "sword", 1)).await.unwrap();
    let players = [&alice, &bob];
    let before = fx.snapshot(&players).await;
    let bad = ErrorCode::InvalidArgument;

    for amount in [0, -1, i64::MIN] {
        refused!(
            fx,
            before,
            &players,
            bad,
            "grant amount <= 0",
            fx.gh.grant(grant("alice", "gold", amount))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "spend amount <= 0",
            fx.gh.spend(spend("alice", "gold", amount))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "transfer amount <= 0",
            fx.gh.transfer(transfer("alice", "bob", "gold", amount))
        );
    }
    let e = refused!(
        fx,
        before,
        &players,
        bad,
        "grant unknown currency",
        fx.gh.grant(grant("alice", "silver", 5))
    );
    assert_eq!(e.details["field"], json!("currency"));
    refused!(
        fx,
        before,
        &players,
        bad,
        "spend unknown currency",
        fx.gh.spend(spend("alice", "silver", 5))
    );
    refused!(
        fx,
        before,
        &players,
        bad,
        "transfer unknown currency",
        fx.gh.transfer(transfer("alice", "bob", "silver", 5))
    );
    expect_code(fx.gh.balance(&alice, "silver").await, bad);
    let e = refused!(
        fx,
        before,
        &players,
        bad,
        "self-transfer",
        fx.gh.transfer(transfer("alice", "alice", "gold", 5))
    );
    assert_eq!(e.details["field"], json!("to"));

    // Reasons, system account names, metadata.
    let mut r = grant("alice", "gold", 5);
    r.reason = Some(String::new());
    refused!(fx, before, &players, bad, "empty reason", fx.gh.grant(r));
    let mut r = spend("alice", "gold", 5);
    r.reason = Some("x".repeat(65));
    refused!(fx, before, &players, bad, "65-byte reason", fx.gh.spend(r));
    let mut r = transfer("alice", "bob", "gold", 5);
    r.reason = Some("tab\there".into());
    refused!(
        fx,
        before,
        &players,
        bad,
        "reason with a control character",
        fx.gh.transfer(r)
    );
    let mut r = grant("alice", "gold", 5);
    r.source = Some("Bad Source".into());
    refused!(fx, before, &players, bad, "bad source name", fx.gh.grant(r));
    let mut r = spend("alice", "gold", 5);
    r.sink = Some(String::new());
    refused!(fx, before, &players, bad, "empty sink name", fx.gh.spend(r));
    let mut r = grant("alice", "gold", 5);
    r.metadata = json!([1, 2]);
    refused!(fx, before, &players, bad, "array metadata", fx.gh.grant(r));
    let mut r = transfer("alice", "bob", "gold", 5);
    r.metadata = json!("text");
    refused!(
        fx,
        before,
        &players,
        bad,
        "string metadata",
        fx.gh.transfer(r)
    );
    let mut r = purchase("alice", "potion", 1);
    r.metadata = json!(3);
    refused!(
        fx,
        before,
        &players,
        bad,
        "number metadata on purchase",
        fx.gh.purchase(r)
    );

    // Quantities and item ids.
    for q in [0, -1] {
        refused!(
            fx,
            before,
            &players,
            bad,
            "purchase quantity < 1",
            fx.gh.purchase(purchase("alice", "potion", q))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "use quantity < 1",
            fx.gh.use_item(use_item("alice", "potion", q))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "grant_item quantity < 1",
            fx.gh.grant_item(grant_item("alice", "potion", q))
        );
    }
    refused!(
        fx,
        before,
        &players,
        bad,
        "durable quantity 2",
        fx.gh.purchase(purchase("bob", "sword", 2))
    );
    refused!(
        fx,
        before,
        &players,
        bad,
        "durable grant quantity 2",
        fx.gh.grant_item(grant_item("bob", "relic", 2))
    );
    refused!(
        fx,
        before,
        &players,
        bad,
        "empty item id",
        fx.gh.purchase(purchase("alice", "", 1))
    );
    refused!(
        fx,
        before,
        &players,
        bad,
        "129-byte item id",
        fx.gh.purchase(purchase("alice", &"i".repeat(129), 1))
    );
    refused!(
        fx,
        before,
        &players,
        bad,
        "empty item id on use",
        fx.gh.use_item(use_item("alice", "", 1))
    );
    refused!(
        fx,
        before,
        &players,
        bad,
        "empty item id on grant_item",
        fx.gh.grant_item(grant_item("alice", "", 1))
    );
    refused!(
        fx,
        before,
        &players,
        bad,
        "total price overflowing i64",
        fx.gh.purchase(purchase("alice", "elixir", i64::MAX / 2))
    );
}

async fn player_ids_and_key_lengths_are_validated(fx: Fixture) {
    for bad in [
        String::new(),
        "x".repeat(129),
        "a\nb".into(),
        "nul\0".into(),
        "del\u{7f}".into(),
        "é".repeat(65),
    ] {
        let e = expect_code(PlayerId::new(bad.clone()), ErrorCode::InvalidArgument);
        assert_eq!(e.details["field"], json!("player"), "{bad:?}");
        assert!(bad.parse::<PlayerId>().is_err());
    }
    // Ids that are prefixes of each other or contain quotes and LIKE wildcards stay apart.
    let goods: Vec<String> = vec![
        "x".repeat(128),
        "é".repeat(64),
        "123456789012345678".into(),
        "steam:7656119".into(),
        "日本語 プレイヤー".into(),
        "p1".into(),
        "p10".into(),
        "p%".into(),
        "p_".into(),
        "o'neil \"x\" \\".into(),
    ];
    for good in goods {
        let p = PlayerId::new(good.clone())
            .unwrap_or_else(|e| panic!("{good:?} is a valid player id: {e}"));
        let r = fx
            .gh
            .grant(grant(p.as_str(), "gold", 3))
            .await
            .expect("grant to a long or non-ASCII id");
        assert_eq!(r.player, p);
        assert_eq!(fx.gh.balance(&p, "gold").await.unwrap(), 3);
        assert_eq!(fx.full_history(&p).await.len(), 1);
    }

    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    fx.gh
        .purchase(purchase("alice", "potion", 3))
        .await
        .unwrap();
    let players = [&alice];
    let before = fx.snapshot(&players).await;
    let bad = ErrorCode::InvalidArgument;
    // Keys are 1-255 bytes (bytes, not characters) without control characters.
    for key in [
        String::new(),
        "k".repeat(256),
        "é".repeat(128),
        "line\nbreak".into(),
    ] {
        let e = refused!(
            fx,
            before,
            &players,
            bad,
            "grant with bad key",
            fx.gh.grant(grant("alice", "gold", 1).key(&key))
        );
        assert_eq!(e.details["field"], json!("idempotency_key"), "{key:?}");
        refused!(
            fx,
            before,
            &players,
            bad,
            "spend with bad key",
            fx.gh.spend(spend("alice", "gold", 1).key(&key))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "transfer with bad key",
            fx.gh
                .transfer(transfer("alice", "bob", "gold", 1).key(&key))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "purchase with bad key",
            fx.gh.purchase(purchase("alice", "potion", 1).key(&key))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "use with bad key",
            fx.gh.use_item(use_item("alice", "potion", 1).key(&key))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "grant_item with bad key",
            fx.gh.grant_item(grant_item("alice", "potion", 1).key(&key))
        );
    }
    for key in [
        "k".to_string(),
        "k".repeat(255),
        format!("{}a", "é".repeat(127)),
    ] {
        let r = fx
            .gh
            .grant(grant("alice", "gold", 1).key(&key))
            .await
            .unwrap_or_else(|e| panic!("key of {} bytes: {e}", key.len()));
        assert!(!r.replayed);
        assert!(
            fx.gh
                .grant(grant("alice", "gold", 1).key(&key))
                .await
                .unwrap()
                .replayed
        );
    }
    assert_eq!(fx.gh.balance(&alice, "gold").await.unwrap(), 1000 - 30 + 3);
}
