//! Announcements: trigger validation, firing order, caps over reset-zone periods
//! (daylight saving included), windows and audiences, kind `mail`, scheduled triggers,
//! template changes.

use super::*;

conformance!(
    announce_triggers_are_validated_at_creation => modules_config,
    announce_fire_orders_by_priority_then_age => modules_config,
    announce_caps_follow_reset_zone_periods => modules_config,
    announce_caps_across_daylight_saving_change => berlin_config,
    announce_windows_cancel_and_audiences => modules_config,
    announce_mail_kind_lands_in_the_mailbox => modules_config,
    announce_concurrent_fires_pass_a_cap_of_once_once => modules_config,
    announce_scheduled_trigger_goes_out_once => modules_config,
    announce_scheduled_trigger_goes_out_once_under_concurrent_senders => modules_config,
    announce_scheduled_mail_trigger_delivers_a_mail_once => modules_config,
    announce_template_change_is_checked_against_its_triggers => modules_config,
);

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

/// SPEC.md: kind `mail` goes to the player's mailbox, for a scheduled trigger too.
async fn announce_scheduled_mail_trigger_delivers_a_mail_once(fx: Fixture) {
    let t0 = fx.now();
    fx.gh
        .put_template(template("t", "Maintenance at {what}\nBack soon"))
        .await
        .unwrap();
    // One to a named player (who need not be online), one to a lobby's players online.
    let mut to_max = scheduled("to-max", t0 + secs(30));
    to_max.kind = MessageKind::Mail;
    to_max.audience = AudienceKind::Player;
    to_max.target = Some("max".into());
    fx.gh.put_trigger(to_max).await.unwrap();
    let mut lobby_main = scheduled("lobby-main", t0 + secs(30));
    lobby_main.kind = MessageKind::Mail;
    lobby_main.target = Some("main".into());
    fx.gh.put_trigger(lobby_main).await.unwrap();
    let lobby = |l: &str| Location {
        lobby: Some(l.into()),
        ..Default::default()
    };
    fx.gh.login(&pid("kim"), lobby("main")).await.unwrap();
    fx.gh.login(&pid("lee"), lobby("side")).await.unwrap();
    fx.clock.advance_secs(30);
    let mut sent = fx.gh.send_due_triggers().await.unwrap();
    sent.sort();
    assert_eq!(sent, ["lobby-main", "to-max"]);
    assert!(
        fx.gh.send_due_triggers().await.unwrap().is_empty(),
        "sent once"
    );
    assert!(
        fx.events_of("announcement").await.is_empty(),
        "a mail trigger is not pushed as an announcement"
    );
    let max = fx.gh.mailbox(&pid("max")).await.unwrap();
    assert_eq!(subjects(&max), ["Maintenance at to-max"]);
    assert_eq!(max[0].body, "Maintenance at to-max\nBack soon");
    assert_eq!(max[0].sender, Sender::system());
    let kim = fx.gh.mailbox(&pid("kim")).await.unwrap();
    assert_eq!(subjects(&kim), ["Maintenance at lobby-main"]);
    assert!(
        fx.gh.mailbox(&pid("lee")).await.unwrap().is_empty(),
        "lee was in another lobby"
    );
    // Read again, by this host or another, and after more runs: still one mail each.
    fx.clock.advance_secs(60);
    assert!(fx.gh.send_due_triggers().await.unwrap().is_empty());
    let other = fx.second_service().await;
    assert!(other.send_due_triggers().await.unwrap().is_empty());
    assert_eq!(other.mailbox(&pid("max")).await.unwrap().len(), 1);
    assert_eq!(fx.gh.mailbox(&pid("kim")).await.unwrap().len(), 1);
    let received = fx.events_of("mail_received").await;
    assert_eq!(received.len(), 2, "one mail to max, one to kim");
}

/// SPEC.md: a trigger whose variables do not cover its template's placeholders is
/// rejected; changing the template under an existing trigger is rejected the same way.
async fn announce_template_change_is_checked_against_its_triggers(fx: Fixture) {
    fx.gh
        .put_template(template("welcome", "Hi {name}"))
        .await
        .unwrap();
    fx.gh
        .put_trigger(trigger(
            "greet",
            "welcome",
            FrequencyCap::Once,
            0,
            &[("name", "friend")],
        ))
        .await
        .unwrap();
    let before = fx.snapshot(&[]).await;
    let e = refused!(
        fx,
        before,
        &[],
        ErrorCode::InvalidArgument,
        "a template change its trigger does not cover",
        fx.gh
            .put_template(template("welcome", "Hi {name}, welcome to {game}"))
    );
    assert!(
        e.message.contains("greet"),
        "names the trigger: {}",
        e.message
    );
    assert_eq!(e.details["triggers"][0]["id"], json!("greet"));
    assert_eq!(e.details["triggers"][0]["missing"], json!(["game"]));
    assert_eq!(fx.gh.template("welcome").await.unwrap().body, "Hi {name}");
    // Still covered: accepted; a cancelled trigger never fires and does not hold it back.
    fx.gh
        .put_template(template("welcome", "Hello {name}!"))
        .await
        .unwrap();
    fx.gh.cancel_trigger("greet").await.unwrap();
    fx.gh
        .put_template(template("welcome", "Hello {name} in {game}"))
        .await
        .unwrap();
    let msgs = fx.gh.fire(fire("ann", "login")).await.unwrap();
    assert!(msgs.is_empty());
}
