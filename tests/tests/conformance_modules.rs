//! The store conformance suite for mail, announcements, presence, parties, matchmaking
//! and per-player events: every case runs once per store kind (`memory::case`,
//! `sqlite::case`, `postgres::case`), each with the config its case names (mostly
//! [`modules_config`]: reset time zone Europe/Moscow, the `duel` and `squad` queues).
//! `GUILDHALL_TEST_STORES` selects which kinds run (see the `guildhall_tests` harness).

use chrono::{DateTime, TimeZone, Utc};
use guildhall_core::announce::{AudienceKind, FrequencyCap, Location, MessageKind};
use guildhall_core::mail::{Mail, Sender};
use guildhall_core::types::{EntryKind, Event, PlayerId};
use guildhall_core::ErrorCode;
use guildhall_tests::*;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

macro_rules! cases_for_store {
    ($module:ident, $kind:expr, [$($case:ident => $config:ident),* $(,)?]) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    guildhall_tests::run_case_with(
                        $kind,
                        stringify!($case),
                        guildhall_tests::$config,
                        super::$case,
                    )
                    .await;
                }
            )*
        }
    };
}

/// Generates one test per (case, store kind); each case names its config function.
macro_rules! conformance {
    ($($case:ident => $config:ident),* $(,)?) => {
        cases_for_store!(memory, guildhall_tests::StoreKind::Memory, [$($case => $config),*]);
        cases_for_store!(sqlite, guildhall_tests::StoreKind::Sqlite, [$($case => $config),*]);
        cases_for_store!(postgres, guildhall_tests::StoreKind::Postgres, [$($case => $config),*]);
    };
}

conformance!(
    mail_full_box_evicts_to_29_and_delivers_unclaimed_attachments => modules_config,
    mail_expired_is_hidden_unclaimable_and_purged_on_delivery => modules_config,
    mail_send_limit_counts_days_of_the_reset_zone => modules_config,
    mail_read_marks_claims_and_deletes => modules_config,
    mail_claim_over_a_limit_changes_nothing => modules_config,
    mail_broadcast_is_stored_once_and_copied_on_read => modules_config,
    mail_concurrent_claims_credit_once => modules_config,
    mail_concurrent_sends_never_pass_the_daily_limit => modules_config,
    mail_concurrent_deliveries_never_overfill_a_box => modules_config,
    announce_triggers_are_validated_at_creation => modules_config,
    announce_fire_orders_by_priority_then_age => modules_config,
    announce_caps_follow_reset_zone_periods => modules_config,
    announce_caps_across_daylight_saving_change => berlin_config,
    announce_windows_cancel_and_audiences => modules_config,
    announce_mail_kind_lands_in_the_mailbox => modules_config,
    announce_concurrent_fires_pass_a_cap_of_once_once => modules_config,
    announce_scheduled_trigger_goes_out_once => modules_config,
    announce_scheduled_trigger_goes_out_once_under_concurrent_senders => modules_config,
    party_lifecycle_with_events_to_every_member => modules_config,
    party_invites_expire_and_full_parties_refuse => modules_config,
    party_concurrent_accepts_fill_the_last_slot_once => modules_config,
    party_concurrent_joins_of_two_parties_land_in_one => modules_config,
    party_succession_goes_to_the_longest_standing_member => modules_config,
    match_one_ticket_per_player_even_concurrently => modules_config,
    match_membership_change_cancels_the_party_ticket_in_the_same_commit => modules_config,
    match_tick_forms_matches_and_expires_tickets => modules_config,
    match_report_updates_every_rating_once => modules_config,
    match_party_ticket_plays_on_one_team => modules_config,
    events_player_events_after_returns_exactly_that_players_events => modules_config,
);

/// Asserts `$call` fails with `$code` and that the state of `$players` and the store is
/// what `$before` captured. Evaluates to the error.
macro_rules! refused {
    ($fx:expr, $before:expr, $players:expr, $code:expr, $what:expr, $call:expr) => {{
        let err = expect_code($call.await, $code);
        $fx.assert_unchanged(&$before, $players, $what).await;
        err
    }};
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

fn subjects(mails: &[Mail]) -> Vec<String> {
    mails.iter().map(|m| m.subject.clone()).collect()
}

fn kinds(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.kind.clone()).collect()
}

fn players_of(e: &Event) -> BTreeSet<String> {
    e.players.iter().map(|p| p.to_string()).collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn ids(msgs: &[guildhall_core::announce::Message]) -> Vec<String> {
    msgs.iter().map(|m| m.trigger_id.clone()).collect()
}

// ----- Mail -----

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

// ----- Announcements -----

async fn announce_triggers_are_validated_at_creation(fx: Fixture) {
    let before = fx.snapshot(&[]).await;
    for body in ["oops {name", "a lone } brace", "", "bad {na me}", "{}"] {
        refused!(
            fx,
            before,
            &[],
            ErrorCode::InvalidArgument,
            body,
            fx.gh.put_template(template("bad", body))
        );
    }
    fx.gh
        .put_template(template(
            "welcome",
            "Hi {name}, welcome to {game}! {{literal}}",
        ))
        .await
        .unwrap();
    let before = fx.snapshot(&[]).await;
    let e = refused!(
        fx,
        before,
        &[],
        ErrorCode::InvalidArgument,
        "uncovered placeholder",
        fx.gh.put_trigger(trigger(
            "t",
            "welcome",
            FrequencyCap::Once,
            0,
            &[("name", "x")]
        ))
    );
    assert_eq!(e.details["missing"], json!(["game"]));
    let e = refused!(
        fx,
        before,
        &[],
        ErrorCode::InvalidArgument,
        "no variables",
        fx.gh
            .put_trigger(trigger("t", "welcome", FrequencyCap::Once, 0, &[]))
    );
    assert_eq!(e.details["missing"], json!(["game", "name"]));
    refused!(
        fx,
        before,
        &[],
        ErrorCode::NotFound,
        "unknown template",
        fx.gh
            .put_trigger(trigger("t", "nope", FrequencyCap::Once, 0, &[]))
    );
    let mut window = trigger(
        "t",
        "welcome",
        FrequencyCap::Once,
        0,
        &[("name", "x"), ("game", "g")],
    );
    window.starts_at = Some(fx.now());
    window.ends_at = Some(fx.now());
    refused!(
        fx,
        before,
        &[],
        ErrorCode::InvalidArgument,
        "empty window",
        fx.gh.put_trigger(window)
    );
    refused!(
        fx,
        before,
        &[],
        ErrorCode::InvalidArgument,
        "per_week(0)",
        fx.gh.put_trigger(trigger(
            "t",
            "welcome",
            FrequencyCap::PerWeek(0),
            0,
            &[("name", "x"), ("game", "g")]
        ))
    );
    assert!(fx.gh.triggers().await.unwrap().is_empty());

    let t0 = fx.now();
    let t = fx
        .gh
        .put_trigger(trigger(
            "t",
            "welcome",
            FrequencyCap::Unlimited,
            0,
            &[("name", "friend"), ("game", "Guildhall")],
        ))
        .await
        .unwrap();
    assert_eq!(t.created_at, t0);
    assert_eq!(fx.gh.trigger("t").await.unwrap(), t);
    fx.clock.advance_secs(10);
    let replaced = fx
        .gh
        .put_trigger(trigger(
            "t",
            "welcome",
            FrequencyCap::Unlimited,
            3,
            &[("name", "friend"), ("game", "Guildhall")],
        ))
        .await
        .unwrap();
    assert_eq!(replaced.created_at, t0, "a replaced trigger keeps its age");
    assert_eq!(fx.gh.trigger("t").await.unwrap().priority, 3);
    assert_eq!(fx.gh.triggers().await.unwrap().len(), 1);
    assert_eq!(
        fx.gh.preview("welcome", &t.variables).await.unwrap(),
        "Hi friend, welcome to Guildhall! {literal}"
    );
    let mut req = fire("ann", "login");
    req.variables.insert("name".into(), json!("Ann"));
    let msgs = fx.gh.fire(req).await.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].text, "Hi Ann, welcome to Guildhall! {literal}");
    assert_eq!(fx.gh.templates().await.unwrap().len(), 1);
}

async fn announce_fire_orders_by_priority_then_age(fx: Fixture) {
    fx.gh.put_template(template("t", "msg {n}")).await.unwrap();
    for (id, prio) in [("a", 1), ("b", 5), ("c", 5), ("d", 5)] {
        fx.gh
            .put_trigger(trigger(
                id,
                "t",
                FrequencyCap::Unlimited,
                prio,
                &[("n", id)],
            ))
            .await
            .unwrap();
        fx.clock.advance_secs(1);
    }
    // Replacing b keeps its age: it stays ahead of c and d.
    fx.gh
        .put_trigger(trigger("b", "t", FrequencyCap::Unlimited, 5, &[("n", "B")]))
        .await
        .unwrap();
    let msgs = fx.gh.fire(fire("ann", "login")).await.unwrap();
    assert_eq!(ids(&msgs), ["b", "c", "d", "a"]);
    assert_eq!(
        msgs.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        ["msg B", "msg c", "msg d", "msg a"]
    );
    let ev = fx.events_of("announcement").await;
    assert_eq!(
        ev.iter()
            .map(|e| e.payload["message"]["trigger_id"]
                .as_str()
                .unwrap()
                .to_string())
            .collect::<Vec<_>>(),
        ["b", "c", "d", "a"],
        "events in the order shown"
    );
    assert!(ev.iter().all(|e| players_of(e) == set(&["ann"])));
    fx.gh
        .put_trigger(trigger("c", "t", FrequencyCap::Unlimited, 9, &[("n", "c")]))
        .await
        .unwrap();
    fx.gh
        .put_trigger(trigger(
            "a",
            "t",
            FrequencyCap::Unlimited,
            -1,
            &[("n", "a")],
        ))
        .await
        .unwrap();
    assert_eq!(
        ids(&fx.gh.fire(fire("bob", "login")).await.unwrap()),
        ["c", "b", "d", "a"]
    );
    assert!(fx.gh.fire(fire("bob", "logout")).await.unwrap().is_empty());
}

/// Fires `login` for `player` at `at` and returns the trigger ids shown.
async fn fire_at(fx: &Fixture, player: &str, at: DateTime<Utc>) -> Vec<String> {
    fx.clock.set(at);
    ids(&fx.gh.fire(fire(player, "login")).await.unwrap())
}

async fn announce_caps_follow_reset_zone_periods(fx: Fixture) {
    fx.gh.put_template(template("t", "news")).await.unwrap();
    for (id, cap, prio) in [
        ("once", FrequencyCap::Once, 5),
        ("day", FrequencyCap::PerDay(2), 4),
        ("week", FrequencyCap::PerWeek(1), 3),
        ("month", FrequencyCap::PerMonth(1), 2),
        ("any", FrequencyCap::Unlimited, 1),
    ] {
        fx.gh
            .put_trigger(trigger(id, "t", cap, prio, &[]))
            .await
            .unwrap();
    }
    // Sunday 2026-03-29 20:00 UTC is 23:00 in Moscow.
    let sun = utc(2026, 3, 29, 20, 0, 0);
    assert_eq!(
        fire_at(&fx, "ann", sun).await,
        ["once", "day", "week", "month", "any"]
    );
    assert_eq!(
        fire_at(&fx, "ann", sun).await,
        ["day", "any"],
        "per_day(2): twice"
    );
    assert_eq!(fire_at(&fx, "ann", sun).await, ["any"]);
    // Caps are per player.
    assert_eq!(
        fire_at(&fx, "bob", sun).await,
        ["once", "day", "week", "month", "any"]
    );
    assert_eq!(
        fire_at(&fx, "ann", utc(2026, 3, 29, 20, 59, 59)).await,
        ["any"]
    );
    // 21:00 UTC is midnight of Monday the 30th in Moscow (still Sunday in UTC): a new
    // day and a new week.
    assert_eq!(
        fire_at(&fx, "ann", utc(2026, 3, 29, 21, 0, 0)).await,
        ["day", "week", "any"]
    );
    assert_eq!(
        fire_at(&fx, "ann", utc(2026, 3, 31, 20, 59, 59)).await,
        ["day", "any"]
    );
    // 21:00 UTC on the 31st is April 1st in Moscow: a new month, the same week.
    assert_eq!(
        fire_at(&fx, "ann", utc(2026, 3, 31, 21, 0, 0)).await,
        ["day", "month", "any"]
    );
    assert_eq!(
        fire_at(&fx, "ann", utc(2026, 4, 1, 12, 0, 0)).await,
        ["day", "any"]
    );
    assert_eq!(
        fire_at(&fx, "ann", utc(2026, 4, 1, 13, 0, 0)).await,
        ["any"]
    );
    // Monday 2026-04-06 00:00 UTC is 03:00 Monday in Moscow: a new week.
    assert_eq!(
        fire_at(&fx, "ann", utc(2026, 4, 6, 0, 0, 0)).await,
        ["day", "week", "any"]
    );
    assert_eq!(
        fire_at(&fx, "ann", utc(2027, 1, 1, 0, 0, 0)).await,
        ["day", "week", "month", "any"]
    );
    let shown = fx.events_of("announcement").await;
    assert_eq!(shown.len(), 5 + 2 + 1 + 5 + 1 + 3 + 2 + 3 + 2 + 1 + 3 + 4);
}

async fn announce_caps_across_daylight_saving_change(fx: Fixture) {
    fx.gh.put_template(template("t", "news")).await.unwrap();
    for (id, cap, prio) in [
        ("day", FrequencyCap::PerDay(1), 3),
        ("week", FrequencyCap::PerWeek(1), 2),
        ("month", FrequencyCap::PerMonth(1), 1),
    ] {
        fx.gh
            .put_trigger(trigger(id, "t", cap, prio, &[]))
            .await
            .unwrap();
    }
    // Saturday 2026-03-28 23:59:59 in Berlin (UTC+1).
    assert_eq!(
        fire_at(&fx, "ann", utc(2026, 3, 28, 22, 59, 59)).await,
        ["day", "week", "month"]
    );
    // Sunday 00:00 in Berlin; clocks go forward at 02:00 that night.
    assert_eq!(
        fire_at(&fx, "ann", utc(2026, 3, 28, 23, 0, 0)).await,
        ["day"]
    );
    // Sunday 23:59:59 in Berlin, now UTC+2.
    assert!(fire_at(&fx, "ann", utc(2026, 3, 29, 21, 59, 59))
        .await
        .is_empty());
    // Monday 2026-03-30 00:00 in Berlin is 22:00 UTC on Sunday.
    assert_eq!(
        fire_at(&fx, "ann", utc(2026, 3, 29, 22, 0, 0)).await,
        ["day", "week"]
    );
    assert_eq!(
        fire_at(&fx, "ann", utc(2026, 3, 31, 21, 59, 59)).await,
        ["day"]
    );
    // April 1st 00:00 in Berlin is 22:00 UTC on March 31st.
    assert_eq!(
        fire_at(&fx, "ann", utc(2026, 3, 31, 22, 0, 0)).await,
        ["day", "month"]
    );
    assert!(fire_at(&fx, "ann", utc(2026, 4, 1, 21, 59, 59))
        .await
        .is_empty());
}

async fn announce_windows_cancel_and_audiences(fx: Fixture) {
    let t0 = fx.now();
    fx.gh.put_template(template("t", "news {x}")).await.unwrap();
    let mut win = trigger("win", "t", FrequencyCap::Unlimited, 0, &[("x", "w")]);
    win.event = "window".into();
    win.starts_at = Some(t0 + secs(10));
    win.ends_at = Some(t0 + secs(100));
    fx.gh.put_trigger(win).await.unwrap();
    let before = fx.snapshot(&[]).await;
    assert!(fx.gh.fire(fire("ann", "window")).await.unwrap().is_empty());
    fx.assert_unchanged(&before, &[], "a fire that shows nothing")
        .await;
    for (at, shown) in [(9, false), (10, true), (99, true), (100, false)] {
        fx.clock.set(t0 + secs(at));
        assert_eq!(
            fx.gh.fire(fire("ann", "window")).await.unwrap().len(),
            usize::from(shown),
            "at +{at} s"
        );
    }

    let mut lobby = trigger("lobby", "t", FrequencyCap::Unlimited, 0, &[("x", "l")]);
    lobby.event = "lobby_news".into();
    lobby.audience = AudienceKind::Lobby;
    lobby.target = Some("main".into());
    fx.gh.put_trigger(lobby).await.unwrap();
    let at = |lobby: &str| Location {
        lobby: Some(lobby.into()),
        ..Default::default()
    };
    let mut req = fire("ann", "lobby_news");
    req.location = Some(at("main"));
    assert_eq!(fx.gh.fire(req.clone()).await.unwrap().len(), 1);
    req.location = Some(at("side"));
    assert!(fx.gh.fire(req.clone()).await.unwrap().is_empty());
    // Without a location, presence says where the player is.
    req.location = None;
    assert!(
        fx.gh.fire(req.clone()).await.unwrap().is_empty(),
        "not online"
    );
    fx.gh.login(&pid("ann"), at("main")).await.unwrap();
    assert_eq!(fx.gh.fire(req.clone()).await.unwrap().len(), 1);
    fx.gh
        .heartbeat(&pid("ann"), Some(at("side")))
        .await
        .unwrap();
    assert!(fx.gh.fire(req.clone()).await.unwrap().is_empty());

    let mut personal = trigger("personal", "t", FrequencyCap::Unlimited, 0, &[("x", "p")]);
    personal.event = "personal".into();
    personal.target = Some("bob".into());
    fx.gh.put_trigger(personal).await.unwrap();
    assert_eq!(fx.gh.fire(fire("bob", "personal")).await.unwrap().len(), 1);
    assert!(fx
        .gh
        .fire(fire("ann", "personal"))
        .await
        .unwrap()
        .is_empty());

    let c = fx.gh.cancel_trigger("personal").await.unwrap();
    assert!(c.cancelled);
    assert!(
        fx.gh.trigger("personal").await.unwrap().cancelled,
        "the cancel is stored"
    );
    assert!(fx
        .gh
        .fire(fire("bob", "personal"))
        .await
        .unwrap()
        .is_empty());
    let before = fx.snapshot(&[]).await;
    refused!(
        fx,
        before,
        &[],
        ErrorCode::NotFound,
        "cancel of an unknown trigger",
        fx.gh.cancel_trigger("nope")
    );
    let ev = fx.events_of("announcement").await;
    assert_eq!(ev.len(), 2 + 1 + 1 + 1);
}

async fn announce_mail_kind_lands_in_the_mailbox(fx: Fixture) {
    let ann = pid("ann");
    fx.gh
        .put_template(template("t", "Welcome {name}\nEnjoy {game}"))
        .await
        .unwrap();
    let mut t = trigger(
        "m",
        "t",
        FrequencyCap::Once,
        0,
        &[("name", "friend"), ("game", "G")],
    );
    t.kind = MessageKind::Mail;
    t.event = "register".into();
    t.ends_at = Some(fx.now() + secs(3600));
    fx.gh.put_trigger(t).await.unwrap();
    let mut req = fire("ann", "register");
    req.variables.insert("name".into(), json!("Ann"));
    let msgs = fx.gh.fire(req.clone()).await.unwrap();
    assert_eq!(msgs.len(), 1);
    let mail_id = msgs[0]
        .mail_id
        .clone()
        .expect("a mail message names its mail");
    let stored = fx.stored_mails(&ann).await;
    assert_eq!(stored.len(), 1);
    let m = &stored[0];
    assert_eq!(m.id, mail_id);
    assert_eq!(m.subject, "Welcome Ann");
    assert_eq!(m.body, "Welcome Ann\nEnjoy G");
    assert_eq!(m.sender, Sender::system());
    assert_eq!(m.expires_at, Some(fx.now() + secs(3600)));
    assert_eq!(fx.gh.mailbox(&ann).await.unwrap()[0].id, mail_id);
    assert!(
        fx.events_of("announcement").await.is_empty(),
        "mail is not pushed"
    );
    let received = fx.events_of("mail_received").await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].payload["mail_id"], json!(mail_id));
    assert!(fx.gh.fire(req).await.unwrap().is_empty(), "cap once");
    assert_eq!(fx.stored_mails(&ann).await.len(), 1);
}

async fn announce_concurrent_fires_pass_a_cap_of_once_once(fx: Fixture) {
    fx.gh.put_template(template("t", "hello")).await.unwrap();
    let mut marquee = trigger("marquee", "t", FrequencyCap::Once, 0, &[]);
    marquee.kind = MessageKind::Marquee;
    fx.gh.put_trigger(marquee).await.unwrap();
    let mut mail = trigger("mail", "t", FrequencyCap::Once, 0, &[]);
    mail.kind = MessageKind::Mail;
    mail.event = "register".into();
    fx.gh.put_trigger(mail).await.unwrap();
    let other = fx.second_service().await;
    for event in ["login", "register"] {
        let mut tasks = Vec::new();
        for i in 0..16 {
            let gh = if i % 2 == 0 { &fx.gh } else { &other };
            tasks.push(spawn_call(gh, move |gh| async move {
                gh.fire(fire("jo", event)).await
            }));
        }
        let mut shown = 0;
        for t in tasks {
            shown += t.await.expect("task").expect("fire").len();
        }
        assert_eq!(shown, 1, "event {event}: a cap of once shows once");
    }
    let jo = pid("jo");
    let ev = fx.player_events(&jo, 1000).await;
    assert_eq!(ev.iter().filter(|e| e.kind == "announcement").count(), 1);
    assert_eq!(ev.iter().filter(|e| e.kind == "mail_received").count(), 1);
    assert_eq!(fx.stored_mails(&jo).await.len(), 1);
}

fn scheduled(id: &str, send_at: DateTime<Utc>) -> guildhall_core::announce::Trigger {
    let mut t = trigger(id, "t", FrequencyCap::Once, 0, &[("what", id)]);
    t.event = "online".into();
    t.audience = AudienceKind::Lobby;
    t.send_at = Some(send_at);
    t
}

async fn announce_scheduled_trigger_goes_out_once(fx: Fixture) {
    let t0 = fx.now();
    fx.gh
        .put_template(template("t", "starts: {what}"))
        .await
        .unwrap();
    fx.gh
        .put_trigger(scheduled("sched", t0 + secs(30)))
        .await
        .unwrap();
    let mut cancelled = scheduled("cancelled", t0 + secs(30));
    cancelled.cancelled = true;
    fx.gh.put_trigger(cancelled).await.unwrap();
    let mut ended = scheduled("ended", t0 + secs(30));
    ended.ends_at = Some(t0 + secs(20));
    fx.gh.put_trigger(ended).await.unwrap();
    let lobby = |l: &str| Location {
        lobby: Some(l.into()),
        ..Default::default()
    };
    fx.gh.login(&pid("max"), lobby("main")).await.unwrap();
    fx.gh.login(&pid("kim"), lobby("side")).await.unwrap();
    fx.gh
        .login(
            &pid("lee"),
            Location {
                room: Some("7".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    fx.clock.advance_secs(29);
    assert!(fx.gh.send_due_triggers().await.unwrap().is_empty());
    fx.clock.advance_secs(1);
    let mut online = fire("max", "online");
    online.location = Some(lobby("main"));
    assert!(
        fx.gh.fire(online).await.unwrap().is_empty(),
        "a scheduled trigger does not fire on events"
    );
    assert_eq!(fx.gh.send_due_triggers().await.unwrap(), ["sched"]);
    assert_eq!(
        fx.gh.trigger("sched").await.unwrap().sent_at,
        Some(fx.now())
    );
    assert!(
        fx.gh.send_due_triggers().await.unwrap().is_empty(),
        "sent once"
    );
    fx.clock.advance_secs(3600);
    assert!(fx.gh.send_due_triggers().await.unwrap().is_empty());
    let ev = fx.events_of("announcement").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(
        players_of(&ev[0]),
        set(&["kim", "max"]),
        "the lobby players online"
    );
    assert_eq!(ev[0].payload["scheduled"], json!(true));
    assert_eq!(ev[0].payload["message"]["text"], json!("starts: sched"));
    assert_eq!(fx.player_events(&pid("lee"), 100).await, vec![]);
}

async fn announce_scheduled_trigger_goes_out_once_under_concurrent_senders(fx: Fixture) {
    fx.gh
        .put_template(template("t", "starts: {what}"))
        .await
        .unwrap();
    fx.gh
        .put_trigger(scheduled("sched", fx.now()))
        .await
        .unwrap();
    fx.gh
        .login(
            &pid("max"),
            Location {
                lobby: Some("main".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        tasks.push(spawn_call(&fx.gh, |gh| async move {
            gh.send_due_triggers().await
        }));
    }
    let mut sent = 0;
    for t in tasks {
        sent += t.await.expect("task").expect("send_due_triggers").len();
    }
    let ev = fx.events_of("announcement").await;
    assert_eq!(
        (sent, ev.len()),
        (1, 1),
        "concurrent schedulers (two hosts, or overlapping runs) send a scheduled trigger once"
    );
}

// ----- Parties -----

/// The events after `seq`, oldest first.
async fn events_since(fx: &Fixture, seq: i64) -> Vec<Event> {
    fx.all_events()
        .await
        .into_iter()
        .filter(|e| e.seq > seq)
        .collect()
}

fn last_seq(events: &[Event]) -> i64 {
    events.last().map_or(0, |e| e.seq)
}

async fn party_lifecycle_with_events_to_every_member(fx: Fixture) {
    let (ann, bob, cat, dan, eve) = (pid("ann"), pid("bob"), pid("cat"), pid("dan"), pid("eve"));
    let party = fx.gh.create_party(&ann, false).await.unwrap();
    assert_eq!(
        (&party.leader, party.players(), party.open),
        (&ann, vec![ann.clone()], false)
    );
    assert_eq!(party.created_at, fx.now());
    assert_eq!(fx.gh.party_of(&ann).await.unwrap(), Some(party.clone()));
    assert_eq!(fx.gh.party(&party.id).await.unwrap(), party);
    let ev = fx.all_events().await;
    assert_eq!(kinds(&ev), ["party_joined"]);
    assert_eq!(players_of(&ev[0]), set(&["ann"]));

    let all = [&ann, &bob, &cat, &dan, &eve];
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::AlreadyInParty,
        "second party",
        fx.gh.create_party(&ann, true)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotInParty,
        "invite by an outsider",
        fx.gh.invite_to_party(&bob, &cat)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InvalidArgument,
        "invite of a member",
        fx.gh.invite_to_party(&ann, &ann)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::Forbidden,
        "join of a closed party",
        fx.gh.join_party(&eve, &party.id)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotFound,
        "accept without invite",
        fx.gh.accept_invite(&eve, &party.id)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotFound,
        "unknown party",
        fx.gh.join_party(&eve, "no-such-party")
    );

    let mark = last_seq(&fx.all_events().await);
    let inv = fx.gh.invite_to_party(&ann, &bob).await.unwrap();
    assert_eq!((&inv.player, &inv.invited_by), (&bob, &ann));
    assert_eq!(inv.expires_at, fx.now() + secs(60));
    let p = fx.gh.accept_invite(&bob, &party.id).await.unwrap();
    assert_eq!(p.players(), [ann.clone(), bob.clone()]);
    assert!(p.invites.is_empty());
    let ev = events_since(&fx, mark).await;
    assert_eq!(kinds(&ev), ["party_invited", "party_joined"]);
    assert_eq!(players_of(&ev[0]), set(&["ann", "bob"]));
    assert_eq!(players_of(&ev[1]), set(&["ann", "bob"]));
    assert_eq!(ev[1].payload["player"], json!("bob"));

    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotPartyLeader,
        "invite by a member",
        fx.gh.invite_to_party(&bob, &cat)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotPartyLeader,
        "kick by a member",
        fx.gh.kick_from_party(&bob, &ann)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotPartyLeader,
        "promote by a member",
        fx.gh.promote_in_party(&bob, &bob)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotPartyLeader,
        "disband by a member",
        fx.gh.disband_party(&bob)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotInParty,
        "kick of an outsider",
        fx.gh.kick_from_party(&ann, &eve)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotInParty,
        "promote of an outsider",
        fx.gh.promote_in_party(&ann, &eve)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InvalidArgument,
        "kick of oneself",
        fx.gh.kick_from_party(&ann, &ann)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotInParty,
        "leave by an outsider",
        fx.gh.leave_party(&eve)
    );

    let mark = last_seq(&fx.all_events().await);
    fx.gh.invite_to_party(&ann, &cat).await.unwrap();
    fx.gh.decline_invite(&cat, &party.id).await.unwrap();
    assert!(fx.gh.party(&party.id).await.unwrap().invites.is_empty());
    expect_code(
        fx.gh.accept_invite(&cat, &party.id).await,
        ErrorCode::NotFound,
    );
    expect_code(
        fx.gh.decline_invite(&cat, &party.id).await,
        ErrorCode::NotFound,
    );
    let ev = events_since(&fx, mark).await;
    assert_eq!(kinds(&ev), ["party_invited", "party_invite_declined"]);
    assert!(ev
        .iter()
        .all(|e| players_of(e) == set(&["ann", "bob", "cat"])));

    for who in [&cat, &dan] {
        fx.gh.invite_to_party(&ann, who).await.unwrap();
        fx.gh.accept_invite(who, &party.id).await.unwrap();
    }
    let mark = last_seq(&fx.all_events().await);
    let p = fx.gh.kick_from_party(&ann, &dan).await.unwrap();
    assert_eq!(p.players(), [ann.clone(), bob.clone(), cat.clone()]);
    assert_eq!(fx.gh.party_of(&dan).await.unwrap(), None);
    let p = fx.gh.promote_in_party(&ann, &cat).await.unwrap();
    assert_eq!(p.leader, cat);
    let left = fx
        .gh
        .leave_party(&bob)
        .await
        .unwrap()
        .expect("party remains");
    assert_eq!(
        (left.players(), &left.leader),
        (vec![ann.clone(), cat.clone()], &cat)
    );
    let ev = events_since(&fx, mark).await;
    assert_eq!(
        kinds(&ev),
        ["party_left", "party_leader_changed", "party_left"]
    );
    assert_eq!(players_of(&ev[0]), set(&["ann", "bob", "cat", "dan"]));
    assert_eq!(ev[0].payload["kicked_by"], json!("ann"));
    assert_eq!(players_of(&ev[1]), set(&["ann", "bob", "cat"]));
    assert_eq!(ev[1].payload["leader"], json!("cat"));
    assert_eq!(players_of(&ev[2]), set(&["ann", "bob", "cat"]));

    let mark = last_seq(&fx.all_events().await);
    fx.gh.disband_party(&cat).await.unwrap();
    let ev = events_since(&fx, mark).await;
    assert_eq!(kinds(&ev), ["party_disbanded"]);
    assert_eq!(players_of(&ev[0]), set(&["ann", "cat"]));
    for who in all {
        assert_eq!(fx.gh.party_of(who).await.unwrap(), None);
    }
    expect_code(fx.gh.party(&party.id).await, ErrorCode::NotFound);
    assert!(fx.all_docs("party").await.is_empty());
    assert!(fx.all_docs("party_of").await.is_empty());
    // Free again.
    fx.gh.create_party(&ann, true).await.unwrap();
}

async fn party_invites_expire_and_full_parties_refuse(fx: Fixture) {
    let names = ["ann", "bob", "cat", "dan", "eve", "fay", "gil", "jay"];
    let ps: Vec<PlayerId> = names.iter().map(|n| pid(n)).collect();
    let all: Vec<&PlayerId> = ps.iter().collect();
    let [ann, bob, cat, dan, eve, fay, gil, jay] = [0, 1, 2, 3, 4, 5, 6, 7].map(|i| &ps[i]);
    let party = fx.gh.create_party(ann, false).await.unwrap();
    fx.gh.invite_to_party(ann, bob).await.unwrap();
    fx.gh.invite_to_party(ann, cat).await.unwrap();
    fx.clock.advance_secs(59);
    fx.gh.accept_invite(bob, &party.id).await.unwrap();
    fx.clock.advance_secs(1);
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InviteExpired,
        "accept at 60 s",
        fx.gh.accept_invite(cat, &party.id)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::Forbidden,
        "join with an expired invite",
        fx.gh.join_party(cat, &party.id)
    );
    // A fresh invite replaces the expired one.
    fx.gh.invite_to_party(ann, cat).await.unwrap();
    assert_eq!(fx.gh.party(&party.id).await.unwrap().invites.len(), 1);
    fx.gh.accept_invite(cat, &party.id).await.unwrap();

    for who in [dan, eve, fay] {
        fx.gh.invite_to_party(ann, who).await.unwrap();
    }
    fx.gh.accept_invite(dan, &party.id).await.unwrap();
    fx.gh.accept_invite(eve, &party.id).await.unwrap();
    assert_eq!(fx.gh.party(&party.id).await.unwrap().members.len(), 5);
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::PartyFull,
        "accept into a full party",
        fx.gh.accept_invite(fay, &party.id)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::PartyFull,
        "invite into a full party",
        fx.gh.invite_to_party(ann, gil)
    );

    // An open party is joined without invite, up to its size.
    let open = fx.gh.create_party(gil, true).await.unwrap();
    fx.gh.join_party(fay, &open.id).await.unwrap();
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::AlreadyInParty,
        "join while in a party",
        fx.gh.join_party(bob, &open.id)
    );
    let closed = fx.gh.create_party(jay, false).await.unwrap();
    fx.gh.invite_to_party(jay, bob).await.unwrap();
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::AlreadyInParty,
        "accept while in a party",
        fx.gh.accept_invite(bob, &closed.id)
    );
    for i in 0..3 {
        fx.gh
            .join_party(&pid(&format!("o{i}")), &open.id)
            .await
            .unwrap();
    }
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::PartyFull,
        "join of a full open party",
        fx.gh.join_party(&pid("o3"), &open.id)
    );
}

async fn party_concurrent_accepts_fill_the_last_slot_once(fx: Fixture) {
    let ann = pid("ann");
    let party = fx.gh.create_party(&ann, false).await.unwrap();
    for who in ["m1", "m2", "m3"] {
        fx.gh.invite_to_party(&ann, &pid(who)).await.unwrap();
        fx.gh.accept_invite(&pid(who), &party.id).await.unwrap();
    }
    for i in 0..8 {
        fx.gh
            .invite_to_party(&ann, &pid(&format!("x{i}")))
            .await
            .unwrap();
    }
    let other = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        let id = party.id.clone();
        tasks.push(spawn_call(gh, move |gh| async move {
            (i, gh.accept_invite(&pid(&format!("x{i}")), &id).await)
        }));
    }
    let mut joined = Vec::new();
    for t in tasks {
        let (i, r) = t.await.expect("task");
        match r {
            Ok(_) => joined.push(format!("x{i}")),
            Err(e) => assert_eq!(e.code, ErrorCode::PartyFull, "{e}"),
        }
    }
    assert_eq!(joined.len(), 1, "one free slot, one joins: {joined:?}");
    let p = fx.gh.party(&party.id).await.unwrap();
    assert_eq!(p.members.len(), 5);
    assert!(p.has(&pid(&joined[0])));
    assert_eq!(fx.all_docs("party_of").await.len(), 5);
    for i in 0..8 {
        let x = format!("x{i}");
        assert_eq!(
            fx.gh.party_of(&pid(&x)).await.unwrap().is_some(),
            x == joined[0]
        );
    }
    assert_eq!(fx.events_of("party_joined").await.len(), 5);
}

async fn party_concurrent_joins_of_two_parties_land_in_one(fx: Fixture) {
    let a = fx.gh.create_party(&pid("ann"), true).await.unwrap();
    let b = fx.gh.create_party(&pid("bob"), true).await.unwrap();
    let other = fx.second_service().await;
    for who in ["cat", "dan", "eve"] {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let gh = if i % 2 == 0 { &fx.gh } else { &other };
            let id = if i % 4 < 2 {
                a.id.clone()
            } else {
                b.id.clone()
            };
            tasks.push(spawn_call(gh, move |gh| async move {
                (id.clone(), gh.join_party(&pid(who), &id).await)
            }));
        }
        let mut joined = Vec::new();
        for t in tasks {
            let (id, r) = t.await.expect("task");
            match r {
                Ok(_) => joined.push(id),
                Err(e) => assert_eq!(e.code, ErrorCode::AlreadyInParty, "{e}"),
            }
        }
        assert_eq!(joined.len(), 1, "{who} joined {joined:?}");
        let of = fx
            .gh
            .party_of(&pid(who))
            .await
            .unwrap()
            .expect("in a party");
        assert_eq!(of.id, joined[0]);
        let in_a = fx.gh.party(&a.id).await.unwrap().has(&pid(who));
        let in_b = fx.gh.party(&b.id).await.unwrap().has(&pid(who));
        assert!(in_a != in_b, "{who} is listed by exactly one party");
    }
    let members = fx.gh.party(&a.id).await.unwrap().members.len()
        + fx.gh.party(&b.id).await.unwrap().members.len();
    assert_eq!(members, 5);
    assert_eq!(fx.all_docs("party_of").await.len(), 5);
}

async fn party_succession_goes_to_the_longest_standing_member(fx: Fixture) {
    let (ann, bob, cat, dan) = (pid("ann"), pid("bob"), pid("cat"), pid("dan"));
    let party = fx.gh.create_party(&ann, true).await.unwrap();
    for who in [&bob, &cat, &dan] {
        fx.clock.advance_secs(1);
        fx.gh.join_party(who, &party.id).await.unwrap();
    }
    fx.gh.promote_in_party(&ann, &dan).await.unwrap();
    let p = fx.gh.leave_party(&dan).await.unwrap().unwrap();
    assert_eq!(p.leader, ann, "ann has been in the party longest");
    // bob leaves and comes back: his standing starts again.
    fx.clock.advance_secs(1);
    fx.gh.leave_party(&bob).await.unwrap();
    fx.clock.advance_secs(1);
    fx.gh.join_party(&bob, &party.id).await.unwrap();
    let mark = last_seq(&fx.all_events().await);
    let p = fx.gh.leave_party(&ann).await.unwrap().unwrap();
    assert_eq!(p.leader, cat, "cat joined before bob rejoined");
    let ev = events_since(&fx, mark).await;
    assert_eq!(kinds(&ev), ["party_left", "party_leader_changed"]);
    assert_eq!(ev[1].payload["previous"], json!("ann"));
    assert_eq!(players_of(&ev[1]), set(&["bob", "cat"]));
    fx.gh.kick_from_party(&cat, &bob).await.unwrap();
    let mark = last_seq(&fx.all_events().await);
    assert_eq!(
        fx.gh.leave_party(&cat).await.unwrap(),
        None,
        "the last one out ends it"
    );
    let ev = events_since(&fx, mark).await;
    assert_eq!(kinds(&ev), ["party_left", "party_disbanded"]);
    assert_eq!(players_of(&ev[1]), set(&["cat"]));
    assert_eq!(ev[1].payload["reason"], json!("empty"));
    expect_code(fx.gh.party(&party.id).await, ErrorCode::NotFound);
    assert!(fx.all_docs("party").await.is_empty());
    assert!(fx.all_docs("party_of").await.is_empty());
}

// ----- Matchmaking -----

async fn match_one_ticket_per_player_even_concurrently(fx: Fixture) {
    let (ann, bob) = (pid("ann"), pid("bob"));
    let t = fx.gh.queue(duel("ann")).await.unwrap();
    assert_eq!(
        (t.players.clone(), t.queue.as_str(), t.rating),
        (vec![ann.clone()], "duel", 1500.0)
    );
    assert_eq!((t.party_id.clone(), t.created_at), (None, fx.now()));
    let ev = fx.events_of("ticket_queued").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(players_of(&ev[0]), set(&["ann"]));
    let before = fx.snapshot(&[&ann, &bob]).await;
    refused!(
        fx,
        before,
        &[&ann, &bob],
        ErrorCode::TicketExists,
        "second ticket",
        fx.gh.queue(duel("ann"))
    );
    refused!(
        fx,
        before,
        &[&ann, &bob],
        ErrorCode::TicketExists,
        "ticket in another queue",
        fx.gh.queue(squad("ann", false))
    );
    let mut bad = duel("bob");
    bad.properties.clear();
    refused!(
        fx,
        before,
        &[&ann, &bob],
        ErrorCode::InvalidArgument,
        "missing property",
        fx.gh.queue(bad)
    );
    let mut extra = duel("bob");
    extra.properties.insert("mode".into(), "x".into());
    refused!(
        fx,
        before,
        &[&ann, &bob],
        ErrorCode::InvalidArgument,
        "unknown property",
        fx.gh.queue(extra)
    );
    let mut unknown = duel("bob");
    unknown.queue = "nope".into();
    refused!(
        fx,
        before,
        &[&ann, &bob],
        ErrorCode::NotFound,
        "unknown queue",
        fx.gh.queue(unknown)
    );
    refused!(
        fx,
        before,
        &[&ann, &bob],
        ErrorCode::NotInParty,
        "party ticket without party",
        fx.gh.queue(squad("bob", true))
    );

    fx.clock.advance_secs(5);
    let st = fx.gh.ticket_status(&ann).await.unwrap().expect("ticket");
    assert_eq!(
        (st.ticket, st.waited_secs, st.window),
        (t.clone(), 5, 150.0)
    );

    let other = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        tasks.push(spawn_call(gh, move |gh| async move {
            if i % 4 < 2 {
                gh.queue(duel("bob")).await
            } else {
                gh.queue(squad("bob", false)).await
            }
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.code, ErrorCode::TicketExists, "{e}"),
        }
    }
    assert_eq!(ok, 1, "one active ticket per player");
    assert_eq!(fx.all_docs("ticket").await.len(), 2);
    assert_eq!(fx.all_docs("ticket_of").await.len(), 2);
    assert_eq!(fx.events_of("ticket_queued").await.len(), 2);

    let c = fx.gh.cancel_ticket(&bob).await.unwrap();
    let ev = fx.events_of("ticket_cancelled").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].payload["ticket_id"], json!(c.id));
    assert_eq!(ev[0].payload["reason"], json!("cancelled"));
    assert!(fx.gh.ticket_status(&bob).await.unwrap().is_none());
    expect_code(fx.gh.cancel_ticket(&bob).await, ErrorCode::NotFound);
    fx.gh.queue(duel("bob")).await.unwrap();
    assert_eq!(fx.gh.pool("duel").await.unwrap().len(), 2);
}

/// The last `ticket_cancelled` event, checked to share its commit with the event just
/// before it (of kind `with`): consecutive in the outbox, at the same instant.
async fn cancel_committed_with(fx: &Fixture, with: &str, ticket_id: &str, reason: &str) {
    let ev = fx.all_events().await;
    let i = ev
        .iter()
        .rposition(|e| e.kind == "ticket_cancelled")
        .expect("a ticket_cancelled event");
    let cancel = &ev[i];
    assert_eq!(cancel.payload["ticket_id"], json!(ticket_id));
    assert_eq!(cancel.payload["reason"], json!(reason));
    assert!(i > 0 && ev[i - 1].kind == with, "{:?}", kinds(&ev));
    assert_eq!((ev[i - 1].seq + 1, ev[i - 1].at), (cancel.seq, cancel.at));
    assert!(
        fx.all_docs("ticket")
            .await
            .iter()
            .all(|d| d.id != ticket_id),
        "the ticket is gone"
    );
}

async fn match_membership_change_cancels_the_party_ticket_in_the_same_commit(fx: Fixture) {
    let (ann, bob, cat, dan) = (pid("ann"), pid("bob"), pid("cat"), pid("dan"));
    let party = fx.gh.create_party(&ann, true).await.unwrap();
    fx.gh.join_party(&bob, &party.id).await.unwrap();
    let before = fx.snapshot(&[&ann, &bob]).await;
    refused!(
        fx,
        before,
        &[&ann, &bob],
        ErrorCode::NotPartyLeader,
        "a member queues the party",
        fx.gh.queue(squad("bob", true))
    );
    let t = fx.gh.queue(squad("ann", true)).await.unwrap();
    assert_eq!(t.players, [ann.clone(), bob.clone()]);
    assert_eq!(t.party_id.as_deref(), Some(party.id.as_str()));
    assert_eq!(fx.all_docs("ticket_of").await.len(), 2);
    expect_code(fx.gh.queue(duel("bob")).await, ErrorCode::TicketExists);

    fx.gh.join_party(&cat, &party.id).await.unwrap();
    cancel_committed_with(&fx, "party_joined", &t.id, "party_changed").await;
    assert!(fx.all_docs("ticket_of").await.is_empty());
    let c = fx
        .player_events(&bob, 1000)
        .await
        .into_iter()
        .filter(|e| e.kind == "ticket_cancelled")
        .count();
    assert_eq!(c, 1, "every ticket player hears of the cancel");

    // ann, bob, cat: the party ticket of three is cancelled by a kick.
    let t = fx.gh.queue(squad("ann", true)).await.unwrap();
    assert_eq!(t.players.len(), 3);
    fx.gh.kick_from_party(&ann, &cat).await.unwrap();
    cancel_committed_with(&fx, "party_left", &t.id, "party_changed").await;

    let t = fx.gh.queue(squad("ann", true)).await.unwrap();
    fx.gh.invite_to_party(&ann, &dan).await.unwrap();
    assert!(
        fx.gh.ticket_status(&ann).await.unwrap().is_some(),
        "an invite changes nobody"
    );
    fx.gh.accept_invite(&dan, &party.id).await.unwrap();
    cancel_committed_with(&fx, "party_joined", &t.id, "party_changed").await;

    let t = fx.gh.queue(squad("ann", true)).await.unwrap();
    fx.gh.leave_party(&dan).await.unwrap();
    cancel_committed_with(&fx, "party_left", &t.id, "party_changed").await;

    let t = fx.gh.queue(squad("ann", true)).await.unwrap();
    fx.gh.promote_in_party(&ann, &bob).await.unwrap();
    cancel_committed_with(&fx, "party_leader_changed", &t.id, "party_changed").await;

    // A member's own solo ticket is not the party's: a change leaves it alone.
    fx.gh.queue(duel("ann")).await.unwrap();
    let cancels = fx.events_of("ticket_cancelled").await.len();
    fx.gh.join_party(&dan, &party.id).await.unwrap();
    fx.gh.leave_party(&dan).await.unwrap();
    assert!(fx.gh.ticket_status(&ann).await.unwrap().is_some());
    assert_eq!(fx.events_of("ticket_cancelled").await.len(), cancels);
    fx.gh.cancel_ticket(&ann).await.unwrap();

    let t = fx.gh.queue(squad("bob", true)).await.unwrap();
    assert_eq!(t.players, [bob.clone(), ann.clone()], "leader first");
    fx.gh.queue(duel("dan")).await.unwrap();
    fx.gh.disband_party(&bob).await.unwrap();
    cancel_committed_with(&fx, "party_disbanded", &t.id, "party_disbanded").await;
    assert_eq!(
        fx.all_docs("ticket_of").await.len(),
        1,
        "only dan's solo ticket is left"
    );
}

async fn match_tick_forms_matches_and_expires_tickets(fx: Fixture) {
    let t0 = fx.now();
    for who in ["ann", "bob"] {
        fx.gh.queue(duel(who)).await.unwrap();
        fx.clock.advance_secs(1);
    }
    let mut us = duel("cat");
    us.properties.insert("region".into(), "us".into());
    fx.gh.queue(us).await.unwrap();
    fx.clock.advance_secs(1);
    let formed = fx.gh.tick("host-a").await.unwrap();
    assert_eq!(formed.len(), 1);
    let m = &formed[0];
    assert_eq!(m.queue, "duel");
    assert_eq!(m.teams.len(), 2);
    let players: BTreeSet<String> = m.teams.iter().flatten().map(|p| p.to_string()).collect();
    assert_eq!(players, set(&["ann", "bob"]));
    assert_eq!((m.created_at, m.result.clone()), (t0 + secs(3), None));
    assert!(
        fx.gh.tick("host-b").await.unwrap().is_empty(),
        "host-a holds the lease"
    );
    assert_eq!(fx.gh.match_record(&m.id).await.unwrap(), *m);
    let pool = fx.gh.pool("duel").await.unwrap();
    assert_eq!(
        pool.iter()
            .map(|t| t.players[0].to_string())
            .collect::<Vec<_>>(),
        ["cat"]
    );
    assert!(fx.gh.ticket_status(&pid("ann")).await.unwrap().is_none());
    assert_eq!(fx.all_docs("ticket_of").await.len(), 1);
    let found = fx.events_of("match_found").await;
    assert_eq!(found.len(), 1);
    assert_eq!(players_of(&found[0]), set(&["ann", "bob"]));
    assert_eq!(found[0].payload["match"]["id"], json!(m.id));
    assert_eq!(
        fx.gh.match_history(&pid("ann"), Some(10)).await.unwrap(),
        vec![m.clone()]
    );

    // Oldest first: dan and eve match, fay waits.
    for who in ["dan", "eve", "fay"] {
        fx.gh.queue(duel(who)).await.unwrap();
        fx.clock.advance_micros(10);
    }
    let formed = fx.gh.tick("host-a").await.unwrap();
    assert_eq!(formed.len(), 1);
    let players: BTreeSet<String> = formed[0]
        .teams
        .iter()
        .flatten()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(players, set(&["dan", "eve"]));

    // cat (queued at t0 + 2 s) expires at the maximum wait of 60 s.
    fx.clock.set(t0 + secs(61));
    assert!(fx.gh.tick("host-a").await.unwrap().is_empty());
    assert!(fx.gh.ticket_status(&pid("cat")).await.unwrap().is_some());
    fx.clock.set(t0 + secs(62));
    assert!(fx.gh.tick("host-a").await.unwrap().is_empty());
    assert!(fx.gh.ticket_status(&pid("cat")).await.unwrap().is_none());
    let expired = fx.events_of("ticket_expired").await;
    assert_eq!(expired.len(), 1);
    assert_eq!(players_of(&expired[0]), set(&["cat"]));
    assert_eq!(expired[0].payload["waited_secs"], json!(60));
    assert!(fx.gh.ticket_status(&pid("fay")).await.unwrap().is_some());
    assert_eq!(fx.all_docs("ticket").await.len(), 1);
}

async fn match_report_updates_every_rating_once(fx: Fixture) {
    let (ann, bob) = (pid("ann"), pid("bob"));
    fx.gh.queue(duel("ann")).await.unwrap();
    fx.gh.queue(duel("bob")).await.unwrap();
    let m1 = fx.gh.tick("h").await.unwrap().remove(0);
    let winner = m1.teams[0][0].clone();
    let loser = m1.teams[1][0].clone();
    let other = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        let id = m1.id.clone();
        tasks.push(spawn_call(gh, move |gh| async move {
            gh.report_match(&id, vec![0, 1]).await
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("task").expect("report"));
    }
    assert_eq!(
        results.iter().filter(|r| !r.replayed).count(),
        1,
        "one report applies"
    );
    assert!(results.iter().all(|r| r.record == results[0].record));
    let record = &results[0].record;
    assert_eq!(record.rating_changes.len(), 2);
    let won = fx.gh.rating(&winner, "duel").await.unwrap();
    let lost = fx.gh.rating(&loser, "duel").await.unwrap();
    assert!(
        won.rating > 1500.0 && lost.rating < 1500.0,
        "{won:?} {lost:?}"
    );
    assert_eq!((won.games, lost.games), (1, 1), "each rating updated once");
    let updated = fx.events_of("rating_updated").await;
    assert_eq!(updated.len(), 2);
    for e in &updated {
        assert_eq!(e.payload["match_id"], json!(m1.id));
        assert_eq!(e.players.len(), 1);
    }
    assert_eq!(fx.all_docs("rating").await.len(), 2);

    let before = fx.snapshot(&[&ann, &bob]).await;
    let again = fx.gh.report_match(&m1.id, vec![0, 1]).await.unwrap();
    assert!(again.replayed);
    fx.assert_unchanged(&before, &[&ann, &bob], "report replay")
        .await;
    refused!(
        fx,
        before,
        &[&ann, &bob],
        ErrorCode::IdempotencyConflict,
        "a different result",
        fx.gh.report_match(&m1.id, vec![1, 0])
    );
    refused!(
        fx,
        before,
        &[&ann, &bob],
        ErrorCode::NotFound,
        "unknown match",
        fx.gh.report_match("no-such-match", vec![0, 1])
    );

    // A second match: the rating gap needs a wider window (100 + 10/s).
    fx.clock.advance_secs(1);
    fx.gh.queue(duel("ann")).await.unwrap();
    fx.gh.queue(duel("bob")).await.unwrap();
    assert!(
        fx.gh.tick("h").await.unwrap().is_empty(),
        "too far apart at first"
    );
    fx.clock.advance_secs(40);
    let m2 = fx.gh.tick("h").await.unwrap().remove(0);
    let before = fx.snapshot(&[&ann, &bob]).await;
    refused!(
        fx,
        before,
        &[&ann, &bob],
        ErrorCode::InvalidArgument,
        "ranks of the wrong length",
        fx.gh.report_match(&m2.id, vec![0, 1, 2])
    );
    let r2 = fx.gh.report_match(&m2.id, vec![1, 0]).await.unwrap();
    assert!(!r2.replayed);
    assert_eq!(fx.gh.rating(&winner, "duel").await.unwrap().games, 2);
    assert!(fx.gh.rating(&winner, "duel").await.unwrap().rating < won.rating);
    let h = fx.gh.match_history(&ann, Some(10)).await.unwrap();
    assert_eq!(
        h.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        [m2.id.clone(), m1.id.clone()],
        "newest first"
    );
    assert_eq!(
        h[0].result.as_ref().map(|r| r.ranks.clone()),
        Some(vec![1, 0])
    );
    assert_eq!(h[1], results[0].record);
    assert_eq!(fx.gh.match_history(&ann, Some(1)).await.unwrap().len(), 1);
    expect_code(
        fx.gh.match_history(&ann, Some(0)).await,
        ErrorCode::InvalidArgument,
    );
    expect_code(
        fx.gh.match_history(&ann, Some(101)).await,
        ErrorCode::InvalidArgument,
    );
    assert!(fx
        .gh
        .match_history(&pid("zed"), Some(10))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(fx.events_of("rating_updated").await.len(), 4);
}

async fn match_party_ticket_plays_on_one_team(fx: Fixture) {
    let party = fx.gh.create_party(&pid("ann"), true).await.unwrap();
    for who in ["bob", "cat"] {
        fx.gh.join_party(&pid(who), &party.id).await.unwrap();
    }
    let t = fx.gh.queue(squad("ann", true)).await.unwrap();
    assert_eq!(t.players.len(), 3);
    for who in ["x1", "x2"] {
        fx.gh.queue(squad(who, false)).await.unwrap();
    }
    assert!(
        fx.gh.tick("h").await.unwrap().is_empty(),
        "five players are not a match"
    );
    fx.gh.queue(squad("x3", false)).await.unwrap();
    let m = fx.gh.tick("h").await.unwrap();
    assert_eq!(m.len(), 1);
    let team_of_ann = m[0].teams.iter().find(|t| t.contains(&pid("ann"))).unwrap();
    let mut team: Vec<String> = team_of_ann.iter().map(|p| p.to_string()).collect();
    team.sort();
    assert_eq!(team, ["ann", "bob", "cat"], "the party stays together");
    let found = fx.events_of("match_found").await;
    assert_eq!(players_of(&found[0]).len(), 6);
    let r = fx.gh.report_match(&m[0].id, vec![0, 1]).await.unwrap();
    assert_eq!(r.record.rating_changes.len(), 6);
    assert_eq!(fx.events_of("rating_updated").await.len(), 6);
    let winners = if team_of_ann == &m[0].teams[0] {
        ["ann", "bob", "cat"]
    } else {
        ["x1", "x2", "x3"]
    };
    for who in winners {
        let r = fx.gh.rating(&pid(who), "squad").await.unwrap();
        assert!(r.rating > 25.0 && r.games == 1, "{who}: {r:?}");
    }
    for who in ["ann", "x1"] {
        assert_eq!(
            fx.gh
                .match_history(&pid(who), Some(10))
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

// ----- Events -----

async fn events_player_events_after_returns_exactly_that_players_events(fx: Fixture) {
    // Ids that a careless match would confuse: prefixes, LIKE wildcards, quotes, non-ASCII.
    let names = ["al", "alice", "a_ice", "a%", "q\"uote", "игрок", "al ice"];
    for (i, n) in names.iter().enumerate() {
        fx.gh.grant(grant(n, "gold", 10 + i as i64)).await.unwrap();
    }
    fx.gh
        .transfer(transfer("al", "alice", "gold", 5))
        .await
        .unwrap();
    let party = fx.gh.create_party(&pid("al"), true).await.unwrap();
    fx.gh.join_party(&pid("alice"), &party.id).await.unwrap();
    fx.gh
        .invite_to_party(&pid("al"), &pid("a_ice"))
        .await
        .unwrap();
    fx.gh
        .send_mail(gift_mail("a%", "hi", 3, &[]))
        .await
        .unwrap();
    fx.gh
        .send_mail(player_mail("q\"uote", "игрок", "привет"))
        .await
        .unwrap();
    fx.gh.put_template(template("t", "hello")).await.unwrap();
    fx.gh
        .put_trigger(trigger("t", "t", FrequencyCap::Unlimited, 0, &[]))
        .await
        .unwrap();
    fx.gh.fire(fire("al ice", "login")).await.unwrap();
    fx.gh.queue(duel("al")).await.unwrap();
    fx.gh.queue(duel("a_ice")).await.unwrap();
    fx.gh.tick("h").await.unwrap();
    fx.gh
        .purchase(purchase("alice", "potion", 1))
        .await
        .unwrap();

    let all = fx.all_events().await;
    for n in names {
        let p = pid(n);
        let want: Vec<Event> = all
            .iter()
            .filter(|e| e.players.contains(&p))
            .cloned()
            .collect();
        assert!(!want.is_empty(), "{n} has events");
        for page in [1, 2, 1000] {
            assert_eq!(
                fx.player_events(&p, page).await,
                want,
                "{n}, pages of {page}"
            );
        }
        let mid = want[want.len() / 2].seq;
        assert_eq!(
            fx.gh.player_events_after(&p, mid, 1000).await.unwrap(),
            want.iter()
                .filter(|e| e.seq > mid)
                .cloned()
                .collect::<Vec<_>>(),
            "{n} after {mid}"
        );
        assert!(want.windows(2).all(|w| w[0].seq < w[1].seq));
    }
    let al: Vec<String> = kinds(&fx.player_events(&pid("al"), 1000).await);
    assert_eq!(
        al,
        [
            "currency_granted",
            "currency_transferred",
            "party_joined",
            "party_joined",
            "party_invited",
            "ticket_queued",
            "match_found"
        ]
    );
    assert!(fx.player_events(&pid("nobody"), 10).await.is_empty());
    assert!(fx.player_events(&pid("a"), 10).await.is_empty());
    expect_code(
        fx.gh.player_events_after(&pid("al"), 0, 0).await,
        ErrorCode::InvalidArgument,
    );
    expect_code(
        fx.gh.player_events_after(&pid("al"), 0, 1001).await,
        ErrorCode::InvalidArgument,
    );
}
