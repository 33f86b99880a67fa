//! Mail and announcement services over the in-memory store: caps, eviction with
//! attachment delivery, send limits across reset-zone days, claims, broadcasts, firing
//! with frequency caps, presence.

use chrono::{TimeZone, Utc};
use guildhall_core::announce::{
    AudienceKind, FireRequest, FrequencyCap, Location, MessageKind, Template, Trigger,
};
use guildhall_core::mail::{
    Attachments, BroadcastRequest, CurrencyAttachment, ItemAttachment, SendMailRequest, Sender,
};
use guildhall_core::memory::{MemoryCoordinator, MemoryStore};
use guildhall_core::ports::ManualClock;
use guildhall_core::types::{CatalogItem, Currency, ItemKind, PlayerId};
use guildhall_core::{Config, ErrorCode, Guildhall, HistoryFilter};
use std::sync::Arc;

fn p(s: &str) -> PlayerId {
    PlayerId::new(s).unwrap()
}

async fn setup() -> (Guildhall, Arc<ManualClock>) {
    let mut config = Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])
    .unwrap();
    config.reset_timezone = "Europe/Moscow".parse().unwrap();
    // Sunday 2026-11-22 12:00 UTC.
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap(),
    ));
    let gh = Guildhall::new(
        Arc::new(MemoryStore::new()),
        Arc::new(MemoryCoordinator::new()),
        config,
    )
    .with_clock(clock.clone());
    gh.upsert_catalog_item(CatalogItem {
        id: "potion".into(),
        name: "Potion".into(),
        kind: ItemKind::Consumable,
        price: None,
        max_stack: Some(10),
        active: true,
        metadata: serde_json::Value::Null,
    })
    .await
    .unwrap();
    gh.upsert_catalog_item(CatalogItem {
        id: "cape".into(),
        name: "Cape".into(),
        kind: ItemKind::Durable,
        price: None,
        max_stack: None,
        active: true,
        metadata: serde_json::Value::Null,
    })
    .await
    .unwrap();
    (gh, clock)
}

fn system_mail(to: &str, subject: &str, gold: i64) -> SendMailRequest {
    SendMailRequest {
        from: Sender::system(),
        to: p(to),
        subject: subject.into(),
        body: String::new(),
        attachments: Attachments {
            currencies: if gold > 0 {
                vec![CurrencyAttachment {
                    currency: "gold".into(),
                    amount: gold,
                }]
            } else {
                vec![]
            },
            items: vec![],
        },
        expires_in_secs: None,
        idempotency_key: None,
    }
}

#[tokio::test]
async fn a_full_box_keeps_29_plus_the_new_one_and_delivers_evicted_attachments() {
    let (gh, clock) = setup().await;
    for i in 0..50 {
        gh.send_mail(system_mail(
            "ann",
            &format!("m{i}"),
            if i < 3 { 7 } else { 0 },
        ))
        .await
        .unwrap();
        clock.advance_secs(1);
    }
    assert_eq!(
        gh.mailbox(&p("ann")).await.unwrap().len(),
        30,
        "a listing shows 30"
    );
    assert_eq!(gh.balance(&p("ann"), "gold").await.unwrap(), 0);
    let r = gh.send_mail(system_mail("ann", "m50", 0)).await.unwrap();
    assert_eq!(
        r.evicted.len(),
        21,
        "50 stored: the oldest go until 29 remain"
    );
    assert_eq!(
        r.evicted[0],
        gh.history(&p("ann"), HistoryFilter::default())
            .await
            .map(|_| r.evicted[0].clone())
            .unwrap()
    );
    let list = gh.mailbox(&p("ann")).await.unwrap();
    assert_eq!(list.len(), 30);
    assert_eq!(list[0].subject, "m50", "newest first");
    assert_eq!(list[29].subject, "m21", "m0..m20 evicted");
    // Three evicted mails carried 7 gold each, unclaimed: delivered with reason mail_evicted.
    assert_eq!(gh.balance(&p("ann"), "gold").await.unwrap(), 21);
    let h = gh
        .history(&p("ann"), HistoryFilter::default())
        .await
        .unwrap();
    assert_eq!(h.entries.len(), 3);
    assert!(h
        .entries
        .iter()
        .all(|e| e.reason == "mail_evicted" && e.debit.to_string() == "system:mail"));
    let events = gh.events_after(0, Some(1000)).await.unwrap();
    assert_eq!(
        events.iter().filter(|e| e.kind == "mail_evicted").count(),
        21
    );
    assert!(gh.verify_ledger().await.unwrap().ok);
}

#[tokio::test]
async fn claims_need_reading_and_happen_once() {
    let (gh, _) = setup().await;
    let mut req = system_mail("bo", "reward", 100);
    req.attachments.items.push(ItemAttachment {
        item_id: "potion".into(),
        quantity: 3,
    });
    req.attachments.items.push(ItemAttachment {
        item_id: "cape".into(),
        quantity: 1,
    });
    let id = gh.send_mail(req).await.unwrap().mail.id;
    let e = gh.claim_mail(&p("bo"), &id, None).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::MailNotRead);
    assert_eq!(
        gh.delete_mail(&p("bo"), &id).await.unwrap_err().code,
        ErrorCode::MailNotRead
    );
    let opened = gh.open_mail(&p("bo"), &id).await.unwrap();
    let first_read = opened.read_at.unwrap();
    assert_eq!(
        gh.open_mail(&p("bo"), &id).await.unwrap().read_at,
        Some(first_read),
        "read time kept"
    );
    assert_eq!(
        gh.delete_mail(&p("bo"), &id).await.unwrap_err().code,
        ErrorCode::UnclaimedAttachments
    );
    let c = gh
        .claim_mail(&p("bo"), &id, Some("claim-1".into()))
        .await
        .unwrap();
    assert_eq!(c.balances[0].amount, 100);
    let replay = gh
        .claim_mail(&p("bo"), &id, Some("claim-1".into()))
        .await
        .unwrap();
    assert!(replay.replayed);
    assert_eq!(
        gh.claim_mail(&p("bo"), &id, None).await.unwrap_err().code,
        ErrorCode::AlreadyClaimed
    );
    assert_eq!(
        gh.balance(&p("bo"), "gold").await.unwrap(),
        100,
        "credited exactly once"
    );
    let inv = gh.inventory(&p("bo")).await.unwrap();
    assert_eq!(
        inv.iter()
            .map(|i| (i.item_id.as_str(), i.quantity))
            .collect::<Vec<_>>(),
        [("cape", 1), ("potion", 3)]
    );
    gh.delete_mail(&p("bo"), &id).await.unwrap();
    assert!(gh.mailbox(&p("bo")).await.unwrap().is_empty());
    assert!(gh.verify_ledger().await.unwrap().ok);
}

#[tokio::test]
async fn a_claim_over_the_stack_limit_changes_nothing() {
    let (gh, _) = setup().await;
    let mut req = system_mail("cy", "too many", 50);
    req.attachments.items.push(ItemAttachment {
        item_id: "potion".into(),
        quantity: 11,
    });
    let id = gh.send_mail(req).await.unwrap().mail.id;
    gh.open_mail(&p("cy"), &id).await.unwrap();
    assert_eq!(
        gh.claim_mail(&p("cy"), &id, None).await.unwrap_err().code,
        ErrorCode::StackLimit
    );
    assert_eq!(gh.balance(&p("cy"), "gold").await.unwrap(), 0);
    assert!(gh.inventory(&p("cy")).await.unwrap().is_empty());
    assert!(gh.mailbox(&p("cy")).await.unwrap()[0].claimed_at.is_none());
}

#[tokio::test]
async fn players_send_ten_a_day_in_the_reset_zone() {
    let (gh, clock) = setup().await;
    // 20:00 UTC Sunday = 23:00 Moscow Sunday.
    clock.set(Utc.with_ymd_and_hms(2026, 11, 22, 20, 0, 0).unwrap());
    let mail = |to: &str| SendMailRequest {
        from: Sender::player(&p("dee")),
        to: p(to),
        subject: "hi".into(),
        body: "x".into(),
        attachments: Attachments::default(),
        expires_in_secs: None,
        idempotency_key: None,
    };
    for _ in 0..10 {
        gh.send_mail(mail("eve")).await.unwrap();
    }
    let e = gh.send_mail(mail("eve")).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::MailSendLimit);
    // System mail has no limit.
    gh.send_mail(system_mail("eve", "sys", 0)).await.unwrap();
    // 21:30 UTC is 00:30 Monday in Moscow: a new day.
    clock.set(Utc.with_ymd_and_hms(2026, 11, 22, 21, 30, 0).unwrap());
    gh.send_mail(mail("eve")).await.unwrap();
    let mut with_gold = mail("eve");
    with_gold.attachments.currencies.push(CurrencyAttachment {
        currency: "gold".into(),
        amount: 1,
    });
    assert_eq!(
        gh.send_mail(with_gold).await.unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        gh.send_mail(mail("dee")).await.unwrap_err().code,
        ErrorCode::InvalidArgument,
        "no mail to oneself"
    );
}

#[tokio::test]
async fn expired_mail_is_not_listed_nor_claimable() {
    let (gh, clock) = setup().await;
    let mut req = system_mail("fay", "soon gone", 5);
    req.expires_in_secs = Some(60);
    let id = gh.send_mail(req).await.unwrap().mail.id;
    gh.open_mail(&p("fay"), &id).await.unwrap();
    clock.advance_secs(61);
    assert!(gh.mailbox(&p("fay")).await.unwrap().is_empty());
    assert_eq!(
        gh.claim_mail(&p("fay"), &id, None).await.unwrap_err().code,
        ErrorCode::NotFound
    );
    gh.delete_mail(&p("fay"), &id).await.unwrap();
}

#[tokio::test]
async fn a_broadcast_is_stored_once_and_copied_on_read() {
    let (gh, _) = setup().await;
    // A broadcast reaches the players who exist when it is sent.
    for who in ["gus", "hal"] {
        gh.grant_item(guildhall_core::inventory::GrantItemRequest {
            player: p(who),
            item_id: "potion".into(),
            quantity: 1,
            reason: None,
            idempotency_key: None,
        })
        .await
        .unwrap();
    }
    let b = gh
        .broadcast_mail(BroadcastRequest {
            from: Sender::admin("ops"),
            subject: "Server maintenance gift".into(),
            body: "Thanks".into(),
            attachments: Attachments {
                currencies: vec![CurrencyAttachment {
                    currency: "gold".into(),
                    amount: 10,
                }],
                items: vec![],
            },
            expires_in_secs: None,
            recipients: None,
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert!(b.seq > 0);
    assert!(
        gh.events_after(0, Some(100))
            .await
            .unwrap()
            .iter()
            .all(|e| e.kind != "mail_received"),
        "nothing per player until read"
    );
    for who in ["gus", "hal"] {
        let list = gh.mailbox(&p(who)).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].broadcast_id.as_deref(), Some(b.id.as_str()));
        // Reading again does not copy it twice.
        assert_eq!(gh.mailbox(&p(who)).await.unwrap().len(), 1);
        gh.open_mail(&p(who), &list[0].id).await.unwrap();
        gh.claim_mail(&p(who), &list[0].id, None).await.unwrap();
        assert_eq!(gh.balance(&p(who), "gold").await.unwrap(), 10);
    }
    let only = gh
        .broadcast_mail(BroadcastRequest {
            from: Sender::system(),
            subject: "Just gus".into(),
            body: String::new(),
            attachments: Attachments::default(),
            expires_in_secs: None,
            recipients: Some(vec![p("gus")]),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert!(gh
        .mailbox(&p("gus"))
        .await
        .unwrap()
        .iter()
        .any(|m| m.broadcast_id.as_deref() == Some(only.id.as_str())));
    assert!(gh
        .mailbox(&p("hal"))
        .await
        .unwrap()
        .iter()
        .all(|m| m.broadcast_id.as_deref() != Some(only.id.as_str())));
    let player_broadcast = BroadcastRequest {
        from: Sender::player(&p("gus")),
        subject: "x".into(),
        body: String::new(),
        attachments: Attachments::default(),
        expires_in_secs: None,
        recipients: None,
        idempotency_key: None,
    };
    assert_eq!(
        gh.broadcast_mail(player_broadcast).await.unwrap_err().code,
        ErrorCode::InvalidArgument
    );
}

fn trigger(id: &str, cap: FrequencyCap, priority: i32, kind: MessageKind) -> Trigger {
    let mut variables = serde_json::Map::new();
    variables.insert("game".into(), serde_json::json!("Guildhall"));
    Trigger {
        id: id.into(),
        event: "login".into(),
        template_id: "welcome".into(),
        variables,
        audience: AudienceKind::Player,
        target: None,
        kind,
        starts_at: None,
        ends_at: None,
        cap,
        priority,
        cancelled: false,
        send_at: None,
        sent_at: None,
        created_at: chrono::DateTime::<Utc>::UNIX_EPOCH,
    }
}

#[tokio::test]
async fn triggers_fire_in_priority_order_within_their_caps() {
    let (gh, clock) = setup().await;
    gh.put_template(Template {
        id: "welcome".into(),
        body: "Welcome to {game}, {{friend}}!".into(),
    })
    .await
    .unwrap();
    let mut bad = trigger("bad", FrequencyCap::Once, 0, MessageKind::Marquee);
    bad.variables.clear();
    let e = gh.put_trigger(bad).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert_eq!(e.details["missing"][0], "game");
    gh.put_trigger(trigger(
        "low",
        FrequencyCap::Unlimited,
        1,
        MessageKind::Chat,
    ))
    .await
    .unwrap();
    gh.put_trigger(trigger(
        "daily",
        FrequencyCap::PerDay(2),
        5,
        MessageKind::Announcement,
    ))
    .await
    .unwrap();
    gh.put_trigger(trigger("once", FrequencyCap::Once, 9, MessageKind::Mail))
        .await
        .unwrap();
    let fire = || FireRequest {
        player: p("ivy"),
        event: "login".into(),
        location: None,
        variables: Default::default(),
    };
    let first = gh.fire(fire()).await.unwrap();
    assert_eq!(
        first
            .iter()
            .map(|m| m.trigger_id.as_str())
            .collect::<Vec<_>>(),
        ["once", "daily", "low"]
    );
    assert_eq!(first[0].text, "Welcome to Guildhall, {friend}!");
    assert_eq!(
        gh.mailbox(&p("ivy")).await.unwrap().len(),
        1,
        "kind mail went to the mailbox"
    );
    let second = gh.fire(fire()).await.unwrap();
    assert_eq!(
        second
            .iter()
            .map(|m| m.trigger_id.as_str())
            .collect::<Vec<_>>(),
        ["daily", "low"]
    );
    let third = gh.fire(fire()).await.unwrap();
    assert_eq!(
        third
            .iter()
            .map(|m| m.trigger_id.as_str())
            .collect::<Vec<_>>(),
        ["low"],
        "per_day(2) used up"
    );
    clock.advance_secs(24 * 3600);
    let next_day = gh.fire(fire()).await.unwrap();
    assert_eq!(
        next_day
            .iter()
            .map(|m| m.trigger_id.as_str())
            .collect::<Vec<_>>(),
        ["daily", "low"]
    );
    gh.cancel_trigger("low").await.unwrap();
    assert_eq!(
        gh.fire(fire())
            .await
            .unwrap()
            .iter()
            .map(|m| m.trigger_id.as_str())
            .collect::<Vec<_>>(),
        ["daily"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_logins_cannot_both_pass_a_cap_of_one() {
    let (gh, _) = setup().await;
    gh.put_template(Template {
        id: "welcome".into(),
        body: "Hi from {game}".into(),
    })
    .await
    .unwrap();
    gh.put_trigger(trigger("once", FrequencyCap::Once, 1, MessageKind::Marquee))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let gh = gh.clone();
        tasks.push(tokio::spawn(async move {
            gh.fire(FireRequest {
                player: p("jo"),
                event: "login".into(),
                location: None,
                variables: Default::default(),
            })
            .await
            .unwrap()
            .len()
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, 1);
    let shown = gh
        .events_after(0, Some(1000))
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "announcement")
        .count();
    assert_eq!(shown, 1);
}

#[tokio::test]
async fn audiences_and_windows_and_presence() {
    let (gh, clock) = setup().await;
    gh.put_template(Template {
        id: "welcome".into(),
        body: "Room news from {game}".into(),
    })
    .await
    .unwrap();
    // Two rooms; a session's room comes from entering one (SPEC.md Rooms: presence
    // records the room from these calls), not from what the login claims.
    let mut rooms = Vec::new();
    for _ in 0..2 {
        let created = gh
            .create_room(guildhall_core::rooms::CreateRoomRequest {
                player: None,
                room_type: "hall".into(),
                capacity: 8,
                metadata: Default::default(),
                server: None,
                idempotency_key: None,
            })
            .await
            .unwrap();
        rooms.push(created.room.id);
    }
    let mut room = trigger("room7", FrequencyCap::Unlimited, 1, MessageKind::InGame);
    room.audience = AudienceKind::Room;
    room.target = Some(rooms[0].clone());
    room.event = "online".into();
    room.starts_at =
        Some(guildhall_core::ports::Clock::now(clock.as_ref()) + chrono::Duration::seconds(10));
    room.ends_at =
        Some(guildhall_core::ports::Clock::now(clock.as_ref()) + chrono::Duration::seconds(100));
    gh.put_trigger(room).await.unwrap();
    for (who, room_id) in [("kim", &rooms[0]), ("lee", &rooms[1])] {
        gh.login(
            &p(who),
            Location {
                room: Some("claimed-elsewhere".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        gh.enter_room(guildhall_core::rooms::EnterRoomRequest {
            player: p(who),
            room_id: room_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    }
    assert_eq!(
        gh.push_scheduled_audience(AudienceKind::Room)
            .await
            .unwrap(),
        0,
        "window not open yet"
    );
    clock.advance_secs(20);
    assert_eq!(
        gh.push_scheduled_audience(AudienceKind::Room)
            .await
            .unwrap(),
        1,
        "only kim is in the first room"
    );
    assert_eq!(gh.online().await.unwrap().len(), 2);
    gh.heartbeat(&p("kim"), None).await.unwrap();
    clock.advance_secs(80);
    assert_eq!(
        gh.push_scheduled_audience(AudienceKind::Room)
            .await
            .unwrap(),
        0,
        "window closed"
    );
    // Sessions end 90 s after the last heartbeat.
    gh.heartbeat(&p("kim"), None).await.unwrap();
    clock.advance_secs(60);
    assert_eq!(
        gh.online()
            .await
            .unwrap()
            .iter()
            .map(|s| s.player.as_str())
            .collect::<Vec<_>>(),
        ["kim"]
    );
    clock.advance_secs(31);
    assert!(gh.online().await.unwrap().is_empty());
    assert_eq!(
        gh.heartbeat(&p("kim"), None).await.unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn scheduled_triggers_go_out_once() {
    let (gh, clock) = setup().await;
    gh.put_template(Template {
        id: "welcome".into(),
        body: "Event starts in {game}".into(),
    })
    .await
    .unwrap();
    let mut t = trigger("sched", FrequencyCap::Once, 1, MessageKind::Announcement);
    t.audience = AudienceKind::Lobby;
    t.send_at =
        Some(guildhall_core::ports::Clock::now(clock.as_ref()) + chrono::Duration::seconds(30));
    gh.put_trigger(t).await.unwrap();
    gh.login(
        &p("max"),
        Location {
            lobby: Some("main".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(gh.send_due_triggers().await.unwrap().is_empty());
    clock.advance_secs(30);
    assert_eq!(gh.send_due_triggers().await.unwrap(), ["sched"]);
    assert!(
        gh.send_due_triggers().await.unwrap().is_empty(),
        "sent once"
    );
    let ev = gh
        .player_events_after(&p("max"), 0, Some(100))
        .await
        .unwrap();
    assert_eq!(ev.iter().filter(|e| e.kind == "announcement").count(), 1);
}
