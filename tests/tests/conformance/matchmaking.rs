//! Matchmaking: one ticket per player, party tickets cancelled by membership changes,
//! the tick, result reports and ratings.

use super::*;
use guildhall_core::matchmaking::MatchRecord;
use guildhall_core::memory::MemoryCoordinator;
use guildhall_core::ports::{Clock, Coordinator, RateDecision, Session};
use guildhall_core::{Error, Guildhall};

conformance!(
    match_one_ticket_per_player_even_concurrently => modules_config,
    match_membership_change_cancels_the_party_ticket_in_the_same_commit => modules_config,
    match_tick_forms_matches_and_expires_tickets => modules_config,
    match_report_updates_every_rating_once => modules_config,
    match_party_ticket_plays_on_one_team => modules_config,
    match_tick_commits_five_hundred_matches_with_their_events => modules_config,
    match_ticket_cancelled_before_the_commit_is_left_out_of_its_batch => modules_config,
);

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

/// Queues a solo `duel` ticket for each of `players`, 50 at a time, the clock moving on
/// 1 µs after each group (so the pool has an age order).
async fn queue_duels(fx: &Fixture, players: &[String]) {
    for group in players.chunks(50) {
        let calls = group.iter().map(|p| fx.gh.queue(duel(p)));
        for t in futures::future::join_all(calls).await {
            t.expect("queue");
        }
        fx.clock.advance_micros(1);
    }
}

/// Checks the stored traces of `formed`: one `match_found` event per match naming its
/// players with the match as committed, one `match` document each, one `match_of` index
/// entry per player (so each player's history is that match).
async fn assert_matches_stored(fx: &Fixture, formed: &[MatchRecord]) {
    let found = fx.events_of("match_found").await;
    assert_eq!(found.len(), formed.len(), "one match_found per match");
    let by_id: HashMap<&str, &MatchRecord> = formed.iter().map(|m| (m.id.as_str(), m)).collect();
    let mut seen = BTreeSet::new();
    for ev in &found {
        let id = ev.payload["match"]["id"].as_str().expect("match id");
        let m = by_id
            .get(id)
            .unwrap_or_else(|| panic!("event of an unknown match {id}"));
        assert!(seen.insert(id.to_string()), "one event for match {id}");
        let players: BTreeSet<String> = m.teams.iter().flatten().map(|p| p.to_string()).collect();
        assert_eq!(players_of(ev), players, "match {id}");
        assert_eq!(ev.payload["match"], serde_json::to_value(m).unwrap());
    }
    assert_eq!(fx.all_docs("match").await.len(), formed.len());
    let players: usize = formed
        .iter()
        .map(|m| m.teams.iter().flatten().count())
        .sum();
    assert_eq!(fx.all_docs("match_of").await.len(), players);
    for m in formed.iter().step_by(37) {
        let p = &m.teams[1][0];
        assert_eq!(
            fx.gh.match_history(p, Some(10)).await.unwrap(),
            vec![m.clone()],
            "history of {p}"
        );
    }
}

async fn match_tick_commits_five_hundred_matches_with_their_events(fx: Fixture) {
    let players: Vec<String> = (0..1000).map(|i| format!("many{i:04}")).collect();
    queue_duels(&fx, &players).await;
    let formed = fx.gh.tick("host-a").await.unwrap();
    assert_eq!(formed.len(), 500, "every ticket is matched in one tick");
    let mut matched: Vec<String> = formed
        .iter()
        .flat_map(|m| m.teams.iter().flatten().map(|p| p.to_string()))
        .collect();
    matched.sort();
    assert_eq!(matched, players, "each player in exactly one match");
    for m in &formed {
        assert_eq!((m.queue.as_str(), m.teams.len()), ("duel", 2));
        assert_eq!(fx.gh.match_record(&m.id).await.unwrap(), *m);
    }
    assert_matches_stored(&fx, &formed).await;
    assert!(fx.all_docs("ticket").await.is_empty());
    assert!(fx.all_docs("ticket_of").await.is_empty());
    assert!(fx.gh.tick("host-a").await.unwrap().is_empty());
    // The players may queue again: no pointer of theirs was left behind.
    fx.gh.queue(duel("many0000")).await.unwrap();
}

/// A coordinator that, the first time a tick asks whether it still holds the lease
/// (after it planned, before its first commit), has `gh` cancel `player`'s ticket.
struct CancelBeforeCommit {
    inner: MemoryCoordinator,
    cancel: std::sync::Mutex<Option<(Guildhall, PlayerId)>>,
}

#[async_trait::async_trait]
impl Coordinator for CancelBeforeCommit {
    async fn publish(&self, events: &[Event]) -> Result<(), Error> {
        self.inner.publish(events).await
    }
    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<std::sync::Arc<Event>> {
        self.inner.subscribe()
    }
    async fn put_session(&self, session: Session) -> Result<(), Error> {
        self.inner.put_session(session).await
    }
    async fn session(&self, p: &PlayerId, now: DateTime<Utc>) -> Result<Option<Session>, Error> {
        self.inner.session(p, now).await
    }
    async fn end_session(&self, p: &PlayerId) -> Result<bool, Error> {
        self.inner.end_session(p).await
    }
    async fn sessions(&self, now: DateTime<Utc>) -> Result<Vec<Session>, Error> {
        self.inner.sessions(now).await
    }
    async fn cache_get(&self, key: &str) -> Result<Option<Value>, Error> {
        self.inner.cache_get(key).await
    }
    async fn cache_put(&self, key: &str, value: Value, ttl_secs: u64) -> Result<(), Error> {
        self.inner.cache_put(key, value, ttl_secs).await
    }
    async fn cache_invalidate(&self, keys: &[String]) -> Result<(), Error> {
        self.inner.cache_invalidate(keys).await
    }
    async fn rate_hit(&self, key: &str, limit: u32, window: u64) -> Result<RateDecision, Error> {
        self.inner.rate_hit(key, limit, window).await
    }
    async fn lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        ttl_secs: i64,
    ) -> Result<bool, Error> {
        self.inner.lease(name, holder, now, ttl_secs).await
    }
    async fn lease_held(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let cancel = self.cancel.lock().unwrap().take();
        if let Some((gh, player)) = cancel {
            gh.cancel_ticket(&player)
                .await
                .expect("cancel during the tick");
        }
        self.inner.lease_held(name, holder, now).await
    }
}

async fn match_ticket_cancelled_before_the_commit_is_left_out_of_its_batch(fx: Fixture) {
    let players: Vec<String> = (0..100).map(|i| format!("few{i:03}")).collect();
    queue_duels(&fx, &players).await;
    // The tick runs on a second core over the same store, whose coordinator lets the
    // first one cancel a ticket in the middle of the pool once the tick has planned.
    let gone = pid("few060");
    let ticker = Guildhall::new(
        fx.gh.store().clone(),
        Arc::new(CancelBeforeCommit {
            inner: MemoryCoordinator::new(),
            cancel: std::sync::Mutex::new(Some((fx.gh.clone(), gone.clone()))),
        }),
        fx.gh.config().clone(),
    )
    .with_clock(fx.clock.clone() as Arc<dyn Clock>);
    let formed = ticker.tick("host-a").await.unwrap();
    assert_eq!(
        formed.len(),
        49,
        "every match but the cancelled ticket's is committed"
    );
    let matched: BTreeSet<String> = formed
        .iter()
        .flat_map(|m| m.teams.iter().flatten().map(|p| p.to_string()))
        .collect();
    assert_eq!(matched.len(), 98);
    assert!(
        !matched.contains(gone.as_str()),
        "the cancelled ticket is not matched"
    );
    let left: Vec<&String> = players.iter().filter(|p| !matched.contains(*p)).collect();
    assert_eq!(left.len(), 2);
    let partner = pid(left.iter().find(|p| **p != gone.as_str()).unwrap());
    assert_matches_stored(&fx, &formed).await;
    assert_eq!(fx.events_of("ticket_cancelled").await.len(), 1);
    assert!(fx.gh.ticket_status(&gone).await.unwrap().is_none());
    // The partner's ticket stays queued, whole, for the next tick.
    let pool = fx.gh.pool("duel").await.unwrap();
    assert_eq!(pool.len(), 1);
    assert_eq!(pool[0].players, vec![partner.clone()]);
    assert!(fx.gh.ticket_status(&partner).await.unwrap().is_some());
    assert_eq!(fx.all_docs("ticket_of").await.len(), 1);
    fx.gh.queue(duel("late")).await.unwrap();
    let next = ticker.tick("host-a").await.unwrap();
    assert_eq!(next.len(), 1);
    let players: BTreeSet<String> = next[0]
        .teams
        .iter()
        .flatten()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        players,
        BTreeSet::from([partner.to_string(), "late".to_string()])
    );
}
