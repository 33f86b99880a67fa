//! Mail: box caps and eviction, expiry, the daily send limit, read marks, claims,
//! deletes, broadcasts, concurrent claims, sends and deliveries.

use super::*;

conformance!(
    mail_full_box_evicts_to_29_and_delivers_unclaimed_attachments => modules_config,
    mail_expired_is_hidden_unclaimable_and_purged_on_delivery => modules_config,
    mail_send_limit_counts_days_of_the_reset_zone => modules_config,
    mail_read_marks_claims_and_deletes => modules_config,
    mail_claim_over_a_limit_changes_nothing => modules_config,
    mail_broadcast_is_stored_once_and_copied_on_read => modules_config,
    mail_broadcast_reaches_players_who_existed_when_it_was_sent => modules_config,
    mail_broadcast_with_a_repeated_key_is_stored_and_paid_once => modules_config,
    mail_concurrent_claims_credit_once => modules_config,
    mail_concurrent_sends_never_pass_the_daily_limit => modules_config,
    mail_concurrent_deliveries_never_overfill_a_box => modules_config,
);

async fn mail_full_box_evicts_to_29_and_delivers_unclaimed_attachments(fx: Fixture) {
    let ann = pid("ann");
    let mut sent = Vec::new();
    for i in 0..50 {
        // m0, m1, m2 carry 7 gold each, m3 a stack of 3 potions and m4 5 gold that is
        // claimed before the box fills; the others carry nothing.
        let req = match i {
            0..=2 => gift_mail("ann", &format!("m{i}"), 7, &[]),
            3 => gift_mail("ann", "m3", 0, &[("potion", 3)]),
            4 => gift_mail("ann", "m4", 5, &[]),
            _ => system_mail("ann", &format!("m{i}")),
        };
        let r = fx.gh.send_mail(req).await.expect("send");
        assert!(r.evicted.is_empty(), "no eviction below the cap (mail {i})");
        sent.push(r.mail.id);
        fx.clock.advance_secs(1);
    }
    fx.gh.open_mail(&ann, &sent[4]).await.unwrap();
    fx.gh.claim_mail(&ann, &sent[4], None).await.unwrap();
    assert_eq!(fx.gh.balance(&ann, "gold").await.unwrap(), 5);
    assert_eq!(fx.stored_mails(&ann).await.len(), 50, "a box stores 50");
    let list = fx.gh.mailbox(&ann).await.unwrap();
    assert_eq!(list.len(), 30, "a listing shows the newest 30");
    assert_eq!(list[0].subject, "m49");
    assert_eq!(list[29].subject, "m20");

    let r = fx.gh.send_mail(system_mail("ann", "m50")).await.unwrap();
    assert_eq!(
        r.evicted,
        sent[..21].to_vec(),
        "the oldest go until 29 remain"
    );
    let stored = fx.stored_mails(&ann).await;
    assert_eq!(stored.len(), 30, "29 kept plus the new one");
    assert_eq!(stored[0].subject, "m21");
    assert_eq!(stored[29].id, r.mail.id);
    let list = fx.gh.mailbox(&ann).await.unwrap();
    assert_eq!(list.len(), 30);
    assert_eq!(list[0].subject, "m50");
    assert_eq!(list[29].subject, "m21");

    // Unclaimed attachments are delivered (21 gold, 3 potions); the claimed one is not again.
    assert_eq!(fx.gh.balance(&ann, "gold").await.unwrap(), 5 + 21);
    let inv = fx.gh.inventory(&ann).await.unwrap();
    assert_eq!(
        inv.iter()
            .map(|i| (i.item_id.as_str(), i.quantity))
            .collect::<Vec<_>>(),
        [("potion", 3)]
    );
    let h = fx.full_history(&ann).await;
    let evicted: Vec<_> = h.iter().filter(|e| e.reason == "mail_evicted").collect();
    assert_eq!(evicted.len(), 3, "{h:?}");
    for e in &evicted {
        assert_eq!(
            (e.kind, &e.debit, &e.credit, e.amount),
            (
                EntryKind::Grant,
                &system_account("mail"),
                &player_account("ann"),
                7
            )
        );
    }
    assert_eq!(
        h.iter().filter(|e| e.reason == "mail_claim").count(),
        1,
        "the claim of m4 only"
    );
    let ev = fx.events_of("mail_evicted").await;
    assert_eq!(ev.len(), 21);
    for (e, id) in ev.iter().zip(&sent[..21]) {
        assert_eq!(e.payload["mail_id"], json!(id));
        assert_eq!(players_of(e), set(&["ann"]));
        let unclaimed = [0, 1, 2, 3].iter().any(|i| &sent[*i] == id);
        assert_eq!(
            e.payload["attachments_delivered"],
            json!(unclaimed),
            "mail {id}"
        );
    }
    assert_eq!(fx.events_of("mail_received").await.len(), 51);
    fx.assert_ledger_ok().await;

    // 30 in the box: the next deliveries evict nothing until it is full again.
    for i in 51..71 {
        let r = fx
            .gh
            .send_mail(system_mail("ann", &format!("m{i}")))
            .await
            .unwrap();
        assert!(r.evicted.is_empty());
    }
    assert_eq!(fx.stored_mails(&ann).await.len(), 50);
    let r = fx.gh.send_mail(system_mail("ann", "m71")).await.unwrap();
    assert_eq!(r.evicted.len(), 21);
    assert_eq!(fx.stored_mails(&ann).await.len(), 30);
    assert_eq!(fx.gh.balance(&ann, "gold").await.unwrap(), 26);
    fx.assert_ledger_ok().await;
}

async fn mail_expired_is_hidden_unclaimable_and_purged_on_delivery(fx: Fixture) {
    let bo = pid("bo");
    let mut soon = gift_mail("bo", "soon gone", 5, &[]);
    soon.expires_in_secs = Some(60);
    let soon = fx.gh.send_mail(soon).await.unwrap().mail;
    assert_eq!(soon.expires_at, Some(fx.now() + secs(60)));
    let kept = fx
        .gh
        .send_mail(gift_mail("bo", "kept", 9, &[]))
        .await
        .unwrap()
        .mail;
    fx.gh.open_mail(&bo, &soon.id).await.unwrap();
    fx.clock.advance_secs(59);
    assert_eq!(fx.gh.mailbox(&bo).await.unwrap().len(), 2);
    fx.clock.advance_secs(1);
    assert_eq!(
        subjects(&fx.gh.mailbox(&bo).await.unwrap()),
        ["kept"],
        "an expired mail is not listed"
    );
    let before = fx.snapshot(&[&bo]).await;
    refused!(
        fx,
        before,
        &[&bo],
        ErrorCode::NotFound,
        "claim of an expired mail",
        fx.gh.claim_mail(&bo, &soon.id, None)
    );
    refused!(
        fx,
        before,
        &[&bo],
        ErrorCode::NotFound,
        "open of an expired mail",
        fx.gh.open_mail(&bo, &soon.id)
    );
    assert_eq!(
        fx.stored_mails(&bo).await.len(),
        2,
        "still stored until a delivery"
    );

    // A delivery purges it; its attachments are not delivered (it cannot be claimed).
    let r = fx.gh.send_mail(system_mail("bo", "next")).await.unwrap();
    assert!(r.evicted.is_empty());
    assert_eq!(
        subjects(&fx.stored_mails(&bo).await),
        ["kept", "next"],
        "the expired mail is gone"
    );
    assert_eq!(fx.gh.balance(&bo, "gold").await.unwrap(), 0);
    assert!(fx.events_of("mail_evicted").await.is_empty());
    fx.gh.open_mail(&bo, &kept.id).await.unwrap();
    fx.gh.claim_mail(&bo, &kept.id, None).await.unwrap();
    assert_eq!(fx.gh.balance(&bo, "gold").await.unwrap(), 9);

    // Expired mails do not count against the cap: 50 expired, then one more evicts nothing.
    let cy = pid("cy");
    for i in 0..50 {
        let mut m = gift_mail("cy", &format!("e{i}"), 1, &[]);
        m.expires_in_secs = Some(10);
        fx.gh.send_mail(m).await.unwrap();
    }
    fx.clock.advance_secs(10);
    assert!(fx.gh.mailbox(&cy).await.unwrap().is_empty());
    // An expired mail may be deleted, read or not.
    let first = fx.stored_mails(&cy).await[0].id.clone();
    fx.gh.delete_mail(&cy, &first).await.unwrap();
    let r = fx.gh.send_mail(system_mail("cy", "fresh")).await.unwrap();
    assert!(
        r.evicted.is_empty(),
        "expired mails are purged, not evicted"
    );
    assert_eq!(subjects(&fx.stored_mails(&cy).await), ["fresh"]);
    assert_eq!(fx.gh.balance(&cy, "gold").await.unwrap(), 0);
    fx.assert_ledger_ok().await;
}

async fn mail_send_limit_counts_days_of_the_reset_zone(fx: Fixture) {
    let dee = pid("dee");
    // 20:00 UTC on Tuesday 2026-03-10 is 23:00 in Moscow.
    fx.clock.set(utc(2026, 3, 10, 20, 0, 0));
    let keyed = fx
        .gh
        .send_mail(player_mail("dee", "eve", "hi").key("s1"))
        .await
        .unwrap();
    for _ in 0..3 {
        let again = fx
            .gh
            .send_mail(player_mail("dee", "eve", "hi").key("s1"))
            .await
            .unwrap();
        assert!(again.replayed, "a replay is not a new send");
        assert_eq!(again.mail.id, keyed.mail.id);
    }
    for i in 1..10 {
        // The limit is per sender, whoever receives.
        let to = if i % 2 == 0 { "eve" } else { "fay" };
        fx.gh
            .send_mail(player_mail("dee", to, &format!("n{i}")))
            .await
            .unwrap_or_else(|e| panic!("send {i}: {e}"));
    }
    let (eve, fay) = (pid("eve"), pid("fay"));
    assert_eq!(fx.stored_mails(&eve).await.len(), 5);
    assert_eq!(fx.stored_mails(&fay).await.len(), 5);
    let before = fx.snapshot(&[&dee, &eve, &fay]).await;
    let e = refused!(
        fx,
        before,
        &[&dee, &eve, &fay],
        ErrorCode::MailSendLimit,
        "11th send",
        fx.gh.send_mail(player_mail("dee", "eve", "one too many"))
    );
    assert_eq!(e.details["limit"], json!(10));
    // System and admin mail have no limit; other players have their own.
    fx.gh.send_mail(system_mail("eve", "sys")).await.unwrap();
    let mut admin = system_mail("eve", "adm");
    admin.from = Sender::admin("ops");
    fx.gh.send_mail(admin).await.unwrap();
    fx.gh
        .send_mail(player_mail("eve", "dee", "reply"))
        .await
        .unwrap();

    // 20:59:59 UTC is still the same Moscow day.
    fx.clock.set(utc(2026, 3, 10, 20, 59, 59));
    expect_code(
        fx.gh.send_mail(player_mail("dee", "eve", "late")).await,
        ErrorCode::MailSendLimit,
    );
    // 21:00 UTC is midnight in Moscow: a new day, although UTC is still on the 10th.
    fx.clock.set(utc(2026, 3, 10, 21, 0, 0));
    for i in 0..10 {
        fx.gh
            .send_mail(player_mail("dee", "eve", &format!("d2-{i}")))
            .await
            .unwrap_or_else(|e| panic!("send {i} of the new Moscow day: {e}"));
    }
    expect_code(
        fx.gh.send_mail(player_mail("dee", "eve", "d2-over")).await,
        ErrorCode::MailSendLimit,
    );
    // Midnight UTC is 03:00 in Moscow: the same day, still over the limit.
    fx.clock.set(utc(2026, 3, 11, 0, 30, 0));
    expect_code(
        fx.gh
            .send_mail(player_mail("dee", "eve", "utc-midnight"))
            .await,
        ErrorCode::MailSendLimit,
    );
    fx.clock.set(utc(2026, 3, 11, 21, 0, 0));
    fx.gh
        .send_mail(player_mail("dee", "eve", "d3"))
        .await
        .unwrap();
    expect_code(
        fx.gh.send_mail(player_mail("dee", "dee", "self")).await,
        ErrorCode::InvalidArgument,
    );
    let mut with_gold = player_mail("dee", "eve", "gold");
    with_gold.attachments = attachments(1, &[]);
    expect_code(fx.gh.send_mail(with_gold).await, ErrorCode::InvalidArgument);
}

async fn mail_read_marks_claims_and_deletes(fx: Fixture) {
    let gus = pid("gus");
    fx.gh
        .grant_item(grant_item("gus", "sword", 1))
        .await
        .unwrap();
    let gift = fx
        .gh
        .send_mail(gift_mail(
            "gus",
            "reward",
            100,
            &[("potion", 3), ("sword", 1), ("relic", 1)],
        ))
        .await
        .unwrap()
        .mail;
    fx.clock.advance_secs(1);
    let note = fx
        .gh
        .send_mail(system_mail("gus", "note"))
        .await
        .unwrap()
        .mail;
    let t0 = fx.now();
    let before = fx.snapshot(&[&gus]).await;
    refused!(
        fx,
        before,
        &[&gus],
        ErrorCode::MailNotRead,
        "claim before reading",
        fx.gh.claim_mail(&gus, &gift.id, Some("c1".into()))
    );
    refused!(
        fx,
        before,
        &[&gus],
        ErrorCode::MailNotRead,
        "delete before reading",
        fx.gh.delete_mail(&gus, &gift.id)
    );
    refused!(
        fx,
        before,
        &[&gus],
        ErrorCode::NotFound,
        "open of an unknown mail",
        fx.gh.open_mail(&gus, "no-such-mail")
    );
    refused!(
        fx,
        before,
        &[&gus],
        ErrorCode::NotFound,
        "claim of an unknown mail",
        fx.gh.claim_mail(&gus, "no-such-mail", None)
    );
    refused!(
        fx,
        before,
        &[&gus],
        ErrorCode::NotFound,
        "another player's mail",
        fx.gh.open_mail(&pid("hal"), &gift.id)
    );

    fx.clock.advance_secs(5);
    let opened = fx.gh.open_mail(&gus, &gift.id).await.unwrap();
    assert_eq!(opened.read_at, Some(t0 + secs(5)));
    fx.clock.advance_secs(5);
    assert_eq!(
        fx.gh.open_mail(&gus, &gift.id).await.unwrap().read_at,
        Some(t0 + secs(5)),
        "the first read time is kept"
    );
    let stored = fx.stored_mails(&gus).await;
    assert_eq!(
        stored[0].read_at,
        Some(t0 + secs(5)),
        "the read mark is stored"
    );
    assert_eq!(stored[1].read_at, None);
    assert_eq!(
        fx.gh.mailbox(&gus).await.unwrap()[1].read_at,
        Some(t0 + secs(5))
    );

    let before = fx.snapshot(&[&gus]).await;
    refused!(
        fx,
        before,
        &[&gus],
        ErrorCode::UnclaimedAttachments,
        "delete before claiming",
        fx.gh.delete_mail(&gus, &gift.id)
    );
    let c = fx
        .gh
        .claim_mail(&gus, &gift.id, Some("c1".into()))
        .await
        .unwrap();
    assert!(!c.replayed);
    assert_eq!(c.mail.claimed_at, Some(fx.now()));
    assert_eq!(c.balances.len(), 1);
    assert_eq!(
        (c.balances[0].currency.as_str(), c.balances[0].amount),
        ("gold", 100)
    );
    assert_eq!(
        c.skipped_items,
        ["sword"],
        "a durable already owned is skipped"
    );
    let inv = fx.gh.inventory(&gus).await.unwrap();
    assert_eq!(
        inv.iter()
            .map(|i| (i.item_id.as_str(), i.quantity))
            .collect::<Vec<_>>(),
        [("potion", 3), ("relic", 1), ("sword", 1)]
    );
    let h = fx.full_history(&gus).await;
    assert_eq!(h.len(), 1);
    assert_eq!(
        (&h[0].debit, h[0].amount, h[0].reason.as_str()),
        (&system_account("mail"), 100, "mail_claim")
    );
    let claimed = fx.events_of("mail_claimed").await;
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].payload["mail_id"], json!(gift.id));
    assert_eq!(players_of(&claimed[0]), set(&["gus"]));

    // The same key replays the stored result; nothing happens twice.
    let after_claim = fx.snapshot(&[&gus]).await;
    let replay = fx
        .gh
        .claim_mail(&gus, &gift.id, Some("c1".into()))
        .await
        .unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.mail, c.mail);
    assert_eq!(replay.balances, c.balances);
    fx.assert_unchanged(&after_claim, &[&gus], "claim replay")
        .await;
    refused!(
        fx,
        after_claim,
        &[&gus],
        ErrorCode::AlreadyClaimed,
        "second claim",
        fx.gh.claim_mail(&gus, &gift.id, None)
    );
    refused!(
        fx,
        after_claim,
        &[&gus],
        ErrorCode::AlreadyClaimed,
        "second claim, new key",
        fx.gh.claim_mail(&gus, &gift.id, Some("c2".into()))
    );
    fx.gh.open_mail(&gus, &note.id).await.unwrap();
    let after_claim = fx.snapshot(&[&gus]).await;
    refused!(
        fx,
        after_claim,
        &[&gus],
        ErrorCode::IdempotencyConflict,
        "key reused for another mail",
        fx.gh.claim_mail(&gus, &note.id, Some("c1".into()))
    );
    refused!(
        fx,
        after_claim,
        &[&gus],
        ErrorCode::InvalidArgument,
        "claim of a mail without attachments",
        fx.gh.claim_mail(&gus, &note.id, None)
    );

    fx.gh.delete_mail(&gus, &gift.id).await.unwrap();
    fx.gh.delete_mail(&gus, &note.id).await.unwrap();
    assert!(fx.gh.mailbox(&gus).await.unwrap().is_empty());
    assert!(fx.stored_mails(&gus).await.is_empty());
    expect_code(fx.gh.delete_mail(&gus, &gift.id).await, ErrorCode::NotFound);
    fx.assert_ledger_ok().await;
}

async fn mail_claim_over_a_limit_changes_nothing(fx: Fixture) {
    let ivy = pid("ivy");
    fx.gh
        .grant_item(grant_item("ivy", "potion", 18))
        .await
        .unwrap();
    let m = fx
        .gh
        .send_mail(gift_mail("ivy", "too many", 50, &[("potion", 3)]))
        .await
        .unwrap()
        .mail;
    fx.gh.open_mail(&ivy, &m.id).await.unwrap();
    let before = fx.snapshot(&[&ivy]).await;
    let e = refused!(
        fx,
        before,
        &[&ivy],
        ErrorCode::StackLimit,
        "claim over the stack limit",
        fx.gh.claim_mail(&ivy, &m.id, Some("k".into()))
    );
    assert_eq!(e.details["max_stack"], json!(POTION_MAX_STACK));
    assert!(fx.stored_mails(&ivy).await[0].claimed_at.is_none());

    // Over the balance limit of gems.
    fx.gh
        .grant(grant("ivy", "gems", GEMS_MAX - 5))
        .await
        .unwrap();
    let mut gems = system_mail("ivy", "gems");
    gems.attachments.currencies = vec![guildhall_core::mail::CurrencyAttachment {
        currency: "gems".into(),
        amount: 10,
    }];
    let g = fx.gh.send_mail(gems).await.unwrap().mail;
    fx.gh.open_mail(&ivy, &g.id).await.unwrap();
    let before = fx.snapshot(&[&ivy]).await;
    refused!(
        fx,
        before,
        &[&ivy],
        ErrorCode::BalanceLimit,
        "claim over the balance limit",
        fx.gh.claim_mail(&ivy, &g.id, None)
    );

    // With room made, the same claim (and the failed key) go through.
    fx.gh.use_item(use_item("ivy", "potion", 1)).await.unwrap();
    let c = fx
        .gh
        .claim_mail(&ivy, &m.id, Some("k".into()))
        .await
        .unwrap();
    assert!(!c.replayed);
    assert_eq!(fx.gh.inventory(&ivy).await.unwrap()[0].quantity, 20);
    assert_eq!(fx.gh.balance(&ivy, "gold").await.unwrap(), 50);
    fx.assert_ledger_ok().await;
}

async fn mail_broadcast_is_stored_once_and_copied_on_read(fx: Fixture) {
    let (gus, hal, ivy) = (pid("gus"), pid("hal"), pid("ivy"));
    // A broadcast reaches the players who exist when it is sent.
    for who in ["gus", "hal", "ivy", "jo"] {
        fx.gh
            .grant_item(grant_item(who, "potion", 1))
            .await
            .unwrap();
    }
    let b = fx
        .gh
        .broadcast_mail(broadcast("gift for all", 10, None))
        .await
        .unwrap();
    assert!(b.seq > 0);
    assert!(
        fx.events_of("mail_received").await.is_empty(),
        "nothing per player until a box is read"
    );
    assert!(
        fx.stored_mails(&gus).await.is_empty(),
        "stored once, not per box"
    );
    fx.clock.advance_secs(1);
    let only_gus = fx
        .gh
        .broadcast_mail(broadcast("just gus", 0, Some(&["gus"])))
        .await
        .unwrap();
    assert!(only_gus.seq > b.seq);
    fx.clock.advance_secs(1);
    let mut gone = broadcast("gone soon", 3, None);
    gone.expires_in_secs = Some(30);
    let gone = fx.gh.broadcast_mail(gone).await.unwrap();

    let list = fx.gh.mailbox(&gus).await.unwrap();
    assert_eq!(subjects(&list), ["gone soon", "just gus", "gift for all"]);
    assert_eq!(list[2].id, format!("{}:gus", b.id));
    assert_eq!(list[2].broadcast_id.as_deref(), Some(b.id.as_str()));
    // A copy is delivered when the box is read: it is the box's newest mail then.
    assert_eq!(
        list[2].sent_at,
        guildhall_core::ports::Clock::now(fx.clock.as_ref())
    );
    assert!(list[2].sent_at > b.sent_at);
    assert_eq!(list[1].broadcast_id.as_deref(), Some(only_gus.id.as_str()));
    assert_eq!(fx.stored_mails(&gus).await.len(), 3);
    // Reading again copies nothing twice.
    assert_eq!(fx.gh.mailbox(&gus).await.unwrap().len(), 3);
    assert_eq!(fx.stored_mails(&gus).await.len(), 3);
    assert_eq!(
        fx.gh.store().mailbox(&gus).await.unwrap().0.broadcast_seq,
        gone.seq,
        "the box remembers the last broadcast copied"
    );

    // Only to recipients; an expired broadcast is not copied.
    fx.clock.advance_secs(30);
    let list = fx.gh.mailbox(&hal).await.unwrap();
    assert_eq!(
        subjects(&list),
        ["gift for all"],
        "hal is not a recipient of 'just gus'"
    );
    assert_eq!(
        fx.gh.store().mailbox(&hal).await.unwrap().0.broadcast_seq,
        gone.seq,
        "passed-over broadcasts are not looked at again"
    );
    // Any call on a box copies first: a delivery, an open, a claim.
    fx.gh.send_mail(system_mail("ivy", "direct")).await.unwrap();
    assert_eq!(
        subjects(&fx.stored_mails(&ivy).await),
        ["gift for all", "direct"]
    );
    let copy = format!("{}:ivy", b.id);
    fx.gh.open_mail(&ivy, &copy).await.unwrap();
    let c = fx.gh.claim_mail(&ivy, &copy, None).await.unwrap();
    assert_eq!(c.balances[0].amount, 10);
    expect_code(
        fx.gh.claim_mail(&ivy, &copy, None).await,
        ErrorCode::AlreadyClaimed,
    );
    for who in [&gus, &hal] {
        let id = format!("{}:{who}", b.id);
        fx.gh.open_mail(who, &id).await.unwrap();
        fx.gh.claim_mail(who, &id, None).await.unwrap();
        assert_eq!(fx.gh.balance(who, "gold").await.unwrap(), 10);
    }
    let received = fx.events_of("mail_received").await;
    let per_player: BTreeMap<String, usize> = received.iter().fold(BTreeMap::new(), |mut m, e| {
        *m.entry(e.players[0].to_string()).or_default() += 1;
        m
    });
    assert_eq!(
        per_player,
        [
            ("gus".to_string(), 3),
            ("hal".to_string(), 1),
            ("ivy".to_string(), 2)
        ]
        .into()
    );
    expect_code(
        fx.gh
            .broadcast_mail({
                let mut r = broadcast("from a player", 0, None);
                r.from = Sender::player(&gus);
                r
            })
            .await,
        ErrorCode::InvalidArgument,
    );

    // Concurrent first reads of one box copy a broadcast once.
    let b2 = fx
        .gh
        .broadcast_mail(broadcast("second", 1, None))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        tasks.push(spawn_call(&fx.gh, |gh| async move {
            gh.mailbox(&pid("jo")).await
        }));
    }
    for t in tasks {
        let list = t.await.expect("task").expect("mailbox");
        assert_eq!(subjects(&list), ["second", "gift for all"]);
    }
    let jo = pid("jo");
    assert_eq!(fx.stored_mails(&jo).await.len(), 2);
    let jo_received = fx
        .player_events(&jo, 100)
        .await
        .into_iter()
        .filter(|e| e.kind == "mail_received")
        .count();
    assert_eq!(jo_received, 2, "each copy delivered once");

    // A copy into a full box applies the same caps.
    for i in 0..48 {
        fx.gh
            .send_mail(gift_mail(
                "jo",
                &format!("f{i}"),
                if i == 0 { 4 } else { 0 },
                &[],
            ))
            .await
            .unwrap();
        fx.clock.advance_micros(1);
    }
    assert_eq!(fx.stored_mails(&jo).await.len(), 50);
    fx.gh
        .broadcast_mail(broadcast("third", 0, None))
        .await
        .unwrap();
    let list = fx.gh.mailbox(&jo).await.unwrap();
    assert_eq!(list.len(), 30);
    assert_eq!(list[0].subject, "third");
    let stored = fx.stored_mails(&jo).await;
    assert_eq!(stored.len(), 30);
    assert!(stored
        .iter()
        .all(|m| m.broadcast_id.as_deref() != Some(b2.id.as_str())));
    // Evicted unclaimed: gift for all (10), second (1), f0 (4).
    assert_eq!(fx.gh.balance(&jo, "gold").await.unwrap(), 15);
    fx.assert_ledger_ok().await;
}

/// SPEC.md Clarifications: a broadcast reaches the players who existed when it was sent
/// (an account, or any stored state) unless it names recipients.
async fn mail_broadcast_reaches_players_who_existed_when_it_was_sent(fx: Fixture) {
    let (ann, bob, cy, zed, leg) = (pid("ann"), pid("bob"), pid("cy"), pid("zed"), pid("leg"));
    // ann exists (a grant); leg has state written before first-seen markers existed
    // (an inventory row stored directly, as data from an older version would be).
    fx.gh.grant(grant("ann", "gold", 1)).await.unwrap();
    fx.gh
        .store()
        .commit(guildhall_core::ports::ChangeSet {
            items: vec![guildhall_core::ports::ItemWrite {
                player: leg.clone(),
                item_id: "potion".into(),
                expected_version: 0,
                quantity: 1,
                acquired_at: fx.now(),
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    fx.clock.advance_secs(1);
    let before_bob = fx
        .gh
        .broadcast_mail(broadcast("before bob", 10, None))
        .await
        .unwrap();
    let named = fx
        .gh
        .broadcast_mail(broadcast("for zed", 0, Some(&["zed"])))
        .await
        .unwrap();
    fx.clock.advance_secs(1);
    // bob begins to exist now, after both broadcasts.
    fx.gh.grant(grant("bob", "gold", 1)).await.unwrap();
    assert!(
        fx.gh.mailbox(&bob).await.unwrap().is_empty(),
        "a player who did not exist when a broadcast was sent does not receive it"
    );
    assert!(
        fx.gh.mailbox(&cy).await.unwrap().is_empty(),
        "a player id never seen before receives no earlier broadcast"
    );
    assert_eq!(
        subjects(&fx.gh.mailbox(&zed).await.unwrap()),
        ["for zed"],
        "a named recipient receives it whenever it began to exist"
    );
    assert_eq!(
        subjects(&fx.gh.mailbox(&ann).await.unwrap()),
        ["before bob"]
    );
    assert_eq!(
        subjects(&fx.gh.mailbox(&leg).await.unwrap()),
        ["before bob"],
        "state stored before the upgrade counts as existing"
    );
    // cy's first read was a read only: cy exists from then on, like bob.
    fx.clock.advance_secs(1);
    let after = fx
        .gh
        .broadcast_mail(broadcast("after bob", 2, None))
        .await
        .unwrap();
    for who in [&ann, &bob, &cy, &zed, &leg] {
        assert!(
            fx.gh
                .mailbox(who)
                .await
                .unwrap()
                .iter()
                .any(|m| m.broadcast_id.as_deref() == Some(after.id.as_str())),
            "{who} existed when 'after bob' was sent"
        );
    }
    // A second service (another host) decides the same from the store alone.
    let other = fx.second_service().await;
    assert!(other
        .mailbox(&bob)
        .await
        .unwrap()
        .iter()
        .all(
            |m| m.broadcast_id.as_deref() != Some(before_bob.id.as_str())
                && m.broadcast_id.as_deref() != Some(named.id.as_str())
        ));
    // Money: bob claims only what reached him.
    let copy = format!("{}:bob", after.id);
    fx.gh.open_mail(&bob, &copy).await.unwrap();
    fx.gh.claim_mail(&bob, &copy, None).await.unwrap();
    assert_eq!(fx.gh.balance(&bob, "gold").await.unwrap(), 3);
    expect_code(
        fx.gh
            .open_mail(&bob, &format!("{}:bob", before_bob.id))
            .await,
        ErrorCode::NotFound,
    );
    fx.assert_ledger_ok().await;
}

/// SPEC.md Clarifications: a broadcast takes an idempotency key like every other write.
async fn mail_broadcast_with_a_repeated_key_is_stored_and_paid_once(fx: Fixture) {
    let ann = pid("ann");
    fx.gh.grant(grant("ann", "gold", 1)).await.unwrap();
    fx.clock.advance_secs(1);
    let mut req = broadcast("gift", 25, None);
    req.idempotency_key = Some("gift-2026-11".into());
    let first = fx.gh.broadcast_mail(req.clone()).await.unwrap();
    assert!(!first.replayed);
    assert!(first.seq > 0);
    let stored = fx.gh.store().broadcasts_after(0, 100).await.unwrap();
    assert_eq!(stored.len(), 1);
    fx.clock.advance_secs(5);
    let before = fx.snapshot(&[&ann]).await;
    let again = fx.gh.broadcast_mail(req.clone()).await.unwrap();
    assert!(again.replayed, "the retry is a replay");
    assert_eq!(
        (again.id.as_str(), again.seq, again.sent_at),
        (first.id.as_str(), first.seq, first.sent_at)
    );
    fx.assert_unchanged(&before, &[&ann], "a replayed broadcast")
        .await;
    assert_eq!(
        fx.gh.store().broadcasts_after(0, 100).await.unwrap().len(),
        1,
        "a retried broadcast is stored once"
    );
    // Concurrent retries, from this host and another: still one.
    let other = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let gh = if i % 2 == 0 {
            fx.gh.clone()
        } else {
            other.clone()
        };
        let req = req.clone();
        tasks.push(tokio::spawn(async move { gh.broadcast_mail(req).await }));
    }
    for t in tasks {
        let b = t.await.expect("task").expect("broadcast");
        assert_eq!((b.id.as_str(), b.replayed), (first.id.as_str(), true));
    }
    // The same key for another broadcast is refused, and stores nothing.
    let mut other_req = broadcast("another gift", 25, None);
    other_req.idempotency_key = req.idempotency_key.clone();
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::IdempotencyConflict,
        "same key, other broadcast",
        fx.gh.broadcast_mail(other_req)
    );
    assert_eq!(
        fx.gh.store().broadcasts_after(0, 100).await.unwrap().len(),
        1
    );
    // The player gets one copy and is paid once.
    let list = fx.gh.mailbox(&ann).await.unwrap();
    assert_eq!(subjects(&list), ["gift"]);
    fx.gh.open_mail(&ann, &list[0].id).await.unwrap();
    fx.gh.claim_mail(&ann, &list[0].id, None).await.unwrap();
    assert_eq!(fx.gh.balance(&ann, "gold").await.unwrap(), 26);
    assert_eq!(fx.gh.mailbox(&ann).await.unwrap().len(), 1);
    fx.assert_ledger_ok().await;
}

async fn mail_concurrent_claims_credit_once(fx: Fixture) {
    let kim = pid("kim");
    let a = fx
        .gh
        .send_mail(gift_mail("kim", "a", 250, &[("potion", 2)]))
        .await
        .unwrap()
        .mail;
    let b = fx
        .gh
        .send_mail(gift_mail("kim", "b", 40, &[]))
        .await
        .unwrap()
        .mail;
    fx.gh.open_mail(&kim, &a.id).await.unwrap();
    fx.gh.open_mail(&kim, &b.id).await.unwrap();
    let other = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let id = a.id.clone();
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        tasks.push(spawn_call(gh, move |gh| async move {
            gh.claim_mail(&pid("kim"), &id, None).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(r) => {
                ok += 1;
                assert!(!r.replayed);
                assert_eq!(r.balances[0].amount, 250);
            }
            Err(e) => assert_eq!(e.code, ErrorCode::AlreadyClaimed, "{e}"),
        }
    }
    assert_eq!(ok, 1, "exactly one claim succeeds");
    assert_eq!(fx.gh.balance(&kim, "gold").await.unwrap(), 250);
    assert_eq!(fx.gh.inventory(&kim).await.unwrap()[0].quantity, 2);

    // Under one idempotency key: one executes, the others replay it.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let id = b.id.clone();
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        tasks.push(spawn_call(gh, move |gh| async move {
            gh.claim_mail(&pid("kim"), &id, Some("claim-b".into()))
                .await
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("task").expect("same-key claim"));
    }
    assert_eq!(results.iter().filter(|r| !r.replayed).count(), 1);
    assert!(results
        .iter()
        .all(|r| r.balances[0].amount == 290 && r.mail.claimed_at == results[0].mail.claimed_at));
    assert_eq!(fx.gh.balance(&kim, "gold").await.unwrap(), 290);
    let h = fx.full_history(&kim).await;
    assert_eq!(h.len(), 2, "one ledger entry per mail: {h:?}");
    assert_eq!(fx.events_of("mail_claimed").await.len(), 2);
    fx.assert_ledger_ok().await;
}

async fn mail_concurrent_sends_never_pass_the_daily_limit(fx: Fixture) {
    for i in 0..7 {
        fx.gh
            .send_mail(player_mail("lee", "mo", &format!("s{i}")))
            .await
            .unwrap();
    }
    let other = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        tasks.push(spawn_call(gh, move |gh| async move {
            gh.send_mail(player_mail("lee", &format!("r{i:02}"), "race"))
                .await
        }));
    }
    let (mut ok, mut conflicts) = (0, 0);
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => ok += 1,
            Err(e) if e.code == ErrorCode::Conflict => conflicts += 1,
            Err(e) => assert_eq!(e.code, ErrorCode::MailSendLimit, "{e}"),
        }
    }
    assert!(ok <= 3, "{ok} sends passed a limit that had 3 left");
    assert_eq!(conflicts, 0, "retries resolve contention on one counter");
    assert_eq!(ok, 3);
    let mut delivered = 0;
    for i in 0..16 {
        delivered += fx.stored_mails(&pid(&format!("r{i:02}"))).await.len();
    }
    assert_eq!(delivered, 3, "exactly the accepted sends were delivered");
    assert_eq!(fx.events_of("mail_received").await.len(), 10);
    expect_code(
        fx.gh.send_mail(player_mail("lee", "mo", "after")).await,
        ErrorCode::MailSendLimit,
    );
}

async fn mail_concurrent_deliveries_never_overfill_a_box(fx: Fixture) {
    let ned = pid("ned");
    for i in 0..45 {
        fx.gh
            .send_mail(gift_mail(
                "ned",
                &format!("p{i}"),
                if i < 10 { 3 } else { 0 },
                &[],
            ))
            .await
            .unwrap();
        fx.clock.advance_micros(1);
    }
    let other = fx.second_service().await;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let done = done.clone();
        spawn_call(&fx.gh, move |gh| async move {
            let mut most = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let n = gh
                    .store()
                    .mailbox(&pid("ned"))
                    .await
                    .expect("mailbox")
                    .1
                    .len();
                most = most.max(n);
                tokio::task::yield_now().await;
            }
            most
        })
    };
    let mut tasks = Vec::new();
    for i in 0..16 {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        tasks.push(spawn_call(gh, move |gh| async move {
            gh.send_mail(gift_mail("ned", &format!("c{i}"), 1, &[]))
                .await
        }));
    }
    let mut evicted = BTreeSet::new();
    for t in tasks {
        let r = t.await.expect("task").expect("concurrent delivery");
        for id in r.evicted {
            assert!(evicted.insert(id), "a mail evicted twice");
        }
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let most = watcher.await.expect("watcher");
    assert!(most <= 50, "the box held {most} mails at once");
    let stored = fx.stored_mails(&ned).await;
    // 45 + 5 fill the box; the 6th delivery leaves 29 + 1; ten more make 40.
    assert_eq!(stored.len(), 40);
    assert_eq!(evicted.len(), 21);
    assert!(stored.iter().all(|m| !evicted.contains(&m.id)));
    assert_eq!(fx.events_of("mail_evicted").await.len(), 21);
    assert_eq!(fx.events_of("mail_received").await.len(), 61);
    // The evicted were p0..p20: p0..p9 carried 3 gold each.
    let evicted_subjects: BTreeSet<String> = (0..21).map(|i| format!("p{i}")).collect();
    assert!(stored
        .iter()
        .all(|m| !evicted_subjects.contains(&m.subject)));
    assert_eq!(fx.gh.balance(&ned, "gold").await.unwrap(), 30);
    fx.assert_ledger_ok().await;
}
