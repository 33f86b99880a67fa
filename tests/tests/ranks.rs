//! Leaderboard ranks from the Redis coordinator's rank index (ARCHITECTURE.md, "Ranking
//! storage"), on each selected SQL store (`GUILDHALL_TEST_STORES`: `sqlite`, `postgres`;
//! the in-process store has no Redis beside it in a deployment) with a real Redis
//! (`GUILDHALL_TEST_REDIS_URL`, else `REDIS_URL`, else `redis://127.0.0.1:6379`) under a
//! fresh key prefix per test, deleted at the end.
//!
//! Every read is checked against a second service over the same store whose in-process
//! coordinator has no rank index, so it reads the Store's ranking index: ranks, pages and
//! neighbours must be equal on random scores with many ties (equal scores, and equal
//! submission times broken by the player id). Also: a rank index write with an older
//! version changes nothing; deleting the Redis keys (a Redis restart) leaves reads
//! correct (from the Store) and the index is rebuilt; concurrent `best` submissions from
//! two hosts keep the best in the Store and in the index; the top's version (under which
//! a host serves a first page again) moves with every write into the top from any host,
//! and only then.

use guildhall_adapters::redis::{RedisCoordinator, RedisOptions};
use guildhall_core::leaderboards::{
    rules, PutLeaderboardRequest, RankedScore, ScoreOperator, SortOrder, StandingsQuery,
};
use guildhall_core::memory::MemoryCoordinator;
use guildhall_core::ports::{Clock, Coordinator, ManualClock, RankWrite, Store};
use guildhall_core::{Guildhall, Result as GhResult};
use guildhall_tests::{
    is_selected, lb_standing as standing, lb_submit as submit, lb_top as top, pid, redis_url,
    standard_config, start_time, RedisKeys, StoreKind,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest wait for a rebuild.
const WAIT: Duration = Duration::from_secs(20);

/// Two services over one store: `indexed` with a Redis coordinator, `plain` reading the
/// Store's index; the Redis prefix and its guard; the store's temporary home.
struct Setup {
    indexed: Guildhall,
    plain: Guildhall,
    redis: Arc<RedisCoordinator>,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    url: String,
    prefix: String,
    _keys: RedisKeys,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<guildhall_adapters::postgres::TestDatabase>,
}

impl Setup {
    async fn new(kind: StoreKind) -> Self {
        let (mut dir, mut pg) = (None, None);
        let url = match kind {
            StoreKind::Sqlite => {
                let d = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}", d.path().join("ranks.db").display());
                dir = Some(d);
                url
            }
            StoreKind::Postgres => {
                let db = guildhall_tests::fresh_postgres().await;
                let url = db.url().to_string();
                pg = Some(db);
                url
            }
            StoreKind::Memory => unreachable!("the rank index runs beside SQL stores"),
        };
        let store = guildhall_adapters::open_store(&url)
            .await
            .unwrap_or_else(|e| panic!("store {kind} at {url}: {e}"));
        let (prefix, keys) = RedisKeys::fresh_prefix();
        let redis = Arc::new(
            RedisCoordinator::connect(&redis_url(), RedisOptions::with_prefix(prefix.clone()))
                .await
                .unwrap_or_else(|e| panic!("these tests need Redis at {} : {e}", redis_url())),
        );
        let clock = Arc::new(ManualClock::new(start_time()));
        let indexed = Self::service(store.clone(), redis.clone(), &clock).await;
        let plain = Self::service(store.clone(), Arc::new(MemoryCoordinator::new()), &clock).await;
        Self {
            indexed,
            plain,
            redis,
            store,
            clock,
            url,
            prefix,
            _keys: keys,
            _dir: dir,
            _pg: pg,
        }
    }

    async fn service(
        store: Arc<dyn Store>,
        coordinator: Arc<dyn Coordinator>,
        clock: &Arc<ManualClock>,
    ) -> Guildhall {
        Guildhall::new(store, coordinator, standard_config())
            .with_clock(clock.clone() as Arc<dyn Clock>)
    }

    /// A second host: its own store connections and its own Redis connection, same
    /// prefix.
    async fn second_host(&self) -> Guildhall {
        let store = guildhall_adapters::open_store(&self.url)
            .await
            .expect("store");
        let redis =
            RedisCoordinator::connect(&redis_url(), RedisOptions::with_prefix(self.prefix.clone()))
                .await
                .expect("redis");
        Self::service(store, Arc::new(redis), &self.clock).await
    }

    fn conn(&self) -> redis::Connection {
        redis::Client::open(redis_url())
            .and_then(|c| c.get_connection())
            .expect("redis connection")
    }

    /// Whether the rank index of `standings` is marked complete.
    fn complete(&self, standings: &str) -> bool {
        let n: i64 = redis::cmd("EXISTS")
            .arg(format!("{}rank:{standings}:ok", self.prefix))
            .query(&mut self.conn())
            .expect("EXISTS");
        n == 1
    }

    /// Deletes every key of this test's prefix, as a Redis restart would.
    fn flush(&self) {
        let mut c = self.conn();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.prefix))
            .query(&mut c)
            .expect("KEYS");
        if !keys.is_empty() {
            let _: () = redis::cmd("DEL").arg(keys).query(&mut c).expect("DEL");
        }
    }

    /// Reads until the rank index of `standings` is complete (each read that finds it
    /// incomplete starts a rebuild).
    async fn wait_complete(&self, board: &str, standings: &str) {
        let started = Instant::now();
        while !self.complete(standings) {
            assert!(
                started.elapsed() < WAIT,
                "rank index of {standings} not rebuilt in {WAIT:?}"
            );
            self.indexed
                .leaderboard_standings(top(board, 1))
                .await
                .expect("read");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every page (size `limit`) and every player's standing, by both services: equal.
    async fn assert_same_reads(&self, board: &str, players: &[String], limit: u32) {
        let a = all_pages(&self.indexed, board, limit).await;
        let b = all_pages(&self.plain, board, limit).await;
        assert_eq!(a.len(), players.len(), "every player ranked once");
        assert_eq!(
            a, b,
            "pages of {limit} from the rank index and from the store"
        );
        for (i, r) in a.iter().enumerate() {
            assert_eq!(r.0, i as u64 + 1, "ranks count from 1 without gaps");
        }
        for p in players {
            let x = self
                .indexed
                .leaderboard_standing(standing(board, p, 3))
                .await;
            let y = self.plain.leaderboard_standing(standing(board, p, 3)).await;
            assert_eq!(
                x.map(|s| (row(&s.entry), rows(&s.above), rows(&s.below)))
                    .expect("indexed"),
                y.map(|s| (row(&s.entry), rows(&s.above), rows(&s.below)))
                    .expect("plain"),
                "standing of {p}"
            );
        }
    }
}

fn desc_best(id: &str) -> PutLeaderboardRequest {
    PutLeaderboardRequest {
        id: id.into(),
        sort: SortOrder::Desc,
        operator: ScoreOperator::Best,
        reset: None,
        partitioned: false,
        rewards: vec![],
        tournament: None,
        metadata: json!(null),
    }
}

type Row = (u64, String, i64, i64);

fn row(e: &RankedScore) -> Row {
    (
        e.rank,
        e.player.to_string(),
        e.score,
        e.submitted_at.timestamp_micros(),
    )
}

fn rows(es: &[RankedScore]) -> Vec<Row> {
    es.iter().map(row).collect()
}

async fn all_pages(gh: &Guildhall, board: &str, limit: u32) -> Vec<Row> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = gh
            .leaderboard_standings(StandingsQuery {
                cursor: cursor.take(),
                ..top(board, limit)
            })
            .await
            .expect("page");
        out.extend(rows(&page.entries));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

/// The standings key of an unpartitioned all-time board.
fn standings_of(board: &str) -> String {
    rules::standings_key(board, "", rules::ALL_TIME)
}

async fn ranks_from_the_index_equal_the_store_index_and_survive_a_restart(kind: StoreKind) {
    let s = Setup::new(kind).await;
    s.indexed
        .put_leaderboard(desc_best("arena"))
        .await
        .expect("board");
    let standings = standings_of("arena");
    // The first read finds no index and rebuilds the (empty) one.
    s.wait_complete("arena", &standings).await;

    let mut rng = StdRng::seed_from_u64(18);
    let players: Vec<String> = (0..150).map(|i| format!("p{i:03}")).collect();
    for round in 0..3 {
        for p in &players {
            if rng.gen_bool(0.3) {
                // Equal submission times: ties then rank by the player id.
                s.clock.advance_micros(1);
            }
            let score = rng.gen_range(0..12) + round;
            s.indexed
                .submit_score(submit("arena", p, score))
                .await
                .expect("submit");
        }
    }
    assert!(s.complete(&standings), "writes keep the index complete");
    for limit in [1, 7, 100] {
        s.assert_same_reads("arena", &players, limit).await;
    }

    // A write of an older version changes nothing; a newer one replaces the record.
    let top_one = s
        .plain
        .leaderboard_standings(top("arena", 1))
        .await
        .expect("top");
    let leader = top_one.entries[0].player.to_string();
    let worst = rules::rank_member(&guildhall_core::leaderboards::ScorePos {
        ord: rules::ord_of(SortOrder::Desc, -1),
        submitted_at: 0,
        player: leader.clone(),
    });
    let old = RankWrite {
        standings: standings.clone(),
        player: leader.clone(),
        version: 1,
        member: Some(worst.clone()),
    };
    s.redis.rank_apply(&[old]).await.expect("apply");
    s.assert_same_reads("arena", &players, 100).await;
    let newer = RankWrite {
        standings: standings.clone(),
        player: leader.clone(),
        version: 1_000,
        member: Some(worst),
    };
    s.redis.rank_apply(&[newer]).await.expect("apply");
    let moved = s
        .indexed
        .leaderboard_standing(standing("arena", &leader, 0))
        .await;
    assert_eq!(
        moved.expect("standing").entry.rank,
        players.len() as u64,
        "a newer version applies"
    );

    // Redis restarts empty: reads stay correct (from the Store) and the index is rebuilt.
    s.flush();
    assert!(!s.complete(&standings));
    s.assert_same_reads("arena", &players, 100).await;
    s.wait_complete("arena", &standings).await;
    s.assert_same_reads("arena", &players, 100).await;
    s.assert_same_reads("arena", &players, 13).await;

    // A failed write marks the index incomplete: reads use the Store until a rebuild.
    s.redis
        .rank_invalidate(&standings)
        .await
        .expect("invalidate");
    s.clock.advance_secs(1);
    s.indexed
        .submit_score(submit("arena", "p000", 1_000))
        .await
        .expect("submit");
    s.assert_same_reads("arena", &players, 100).await;
    s.wait_complete("arena", &standings).await;
    let first = s
        .indexed
        .leaderboard_standings(top("arena", 1))
        .await
        .expect("top");
    assert_eq!(first.entries[0].player.as_str(), "p000");
    s.assert_same_reads("arena", &players, 100).await;
}

async fn concurrent_best_submissions_keep_the_best_in_store_and_index(kind: StoreKind) {
    let s = Setup::new(kind).await;
    s.indexed
        .put_leaderboard(desc_best("duel"))
        .await
        .expect("board");
    let standings = standings_of("duel");
    s.wait_complete("duel", &standings).await;
    let other = s.second_host().await;
    let players: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
    let mut rng = StdRng::seed_from_u64(7);
    let mut best = std::collections::BTreeMap::<String, i64>::new();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let p = players[i % players.len()].clone();
        let score: i64 = rng.gen_range(0..10_000);
        let e = best.entry(p.clone()).or_insert(score);
        *e = (*e).max(score);
        let gh = if i % 2 == 0 {
            s.indexed.clone()
        } else {
            other.clone()
        };
        tasks.push(tokio::spawn(async move {
            gh.submit_score(submit("duel", &p, score)).await.map(|_| ())
        }));
    }
    for t in tasks {
        let r: GhResult<()> = t.await.expect("task");
        r.expect("submission");
    }
    assert!(s.complete(&standings), "writes keep the index complete");
    for (p, score) in &best {
        let from_store = s
            .store
            .score_entry(&standings, &pid(p))
            .await
            .expect("read");
        assert_eq!(
            from_store.map(|e| e.score),
            Some(*score),
            "the store keeps {p}'s best"
        );
        let from_index = s.indexed.leaderboard_standing(standing("duel", p, 0)).await;
        assert_eq!(
            from_index.expect("standing").entry.score,
            *score,
            "the index keeps {p}'s best"
        );
    }
    s.assert_same_reads("duel", &players, 4).await;
}

/// A member of `player` with `score` on a descending board.
fn desc_member(player: &str, score: i64) -> Vec<u8> {
    rules::rank_member(&guildhall_core::leaderboards::ScorePos {
        ord: rules::ord_of(SortOrder::Desc, score),
        submitted_at: 0,
        player: player.to_string(),
    })
}

async fn a_top_page_is_served_again_only_while_the_top_is_unchanged(kind: StoreKind) {
    let s = Setup::new(kind).await;
    s.indexed
        .put_leaderboard(desc_best("ladder"))
        .await
        .expect("board");
    let standings = standings_of("ladder");
    s.wait_complete("ladder", &standings).await;
    let players: Vec<String> = (0..30).map(|i| format!("q{i:03}")).collect();
    for (i, p) in players.iter().enumerate() {
        s.clock.advance_micros(1);
        s.indexed
            .submit_score(submit("ladder", p, i as i64 * 10))
            .await
            .expect("submit");
    }
    let read = |gh: &Guildhall| {
        let gh = gh.clone();
        async move {
            rows(
                &gh.leaderboard_standings(top("ladder", 10))
                    .await
                    .expect("top")
                    .entries,
            )
        }
    };
    let first = read(&s.indexed).await;
    assert_eq!(first, read(&s.plain).await, "the top from the index");
    let v1 = s.redis.rank_top_version(&standings).await.expect("version");
    assert!(v1.is_some(), "a complete index has a top version");
    assert_eq!(
        read(&s.indexed).await,
        first,
        "a second read, from the copy"
    );
    assert_eq!(
        s.redis.rank_top_version(&standings).await.expect("version"),
        v1,
        "reads do not move the version"
    );

    // Another host's write into the top moves the version: this host's next read has it.
    let other = s.second_host().await;
    s.clock.advance_micros(1);
    other
        .submit_score(submit("ladder", "newcomer", 1_000))
        .await
        .expect("submit");
    let v2 = s.redis.rank_top_version(&standings).await.expect("version");
    assert_ne!(v2, v1, "a write into the top moves the version");
    let after = read(&s.indexed).await;
    assert_eq!(
        after[0].1, "newcomer",
        "the other host's write is read at once"
    );
    assert_eq!(after, read(&s.plain).await);
    // A submission `best` refuses changes nothing, the version included.
    s.clock.advance_micros(1);
    other
        .submit_score(submit("ladder", "q005", 1))
        .await
        .expect("submit");
    assert_eq!(
        s.redis.rank_top_version(&standings).await.expect("version"),
        v2,
        "an unchanged record"
    );
    assert_eq!(read(&s.indexed).await, read(&s.plain).await);

    // Past the top's 1,001 records a write leaves the version as it is. Straight to the
    // coordinator, on a standings of its own: 1,100 records, then writes below and into
    // the top.
    let own = "versions//all";
    s.redis.rank_rebuild_start(own, "t1").await.expect("start");
    let seed: Vec<RankWrite> = (0..1_100)
        .map(|i| RankWrite {
            standings: own.into(),
            player: format!("v{i:04}"),
            version: 1,
            member: Some(desc_member(&format!("v{i:04}"), 100_000 - i)),
        })
        .collect();
    s.redis.rank_apply(&seed).await.expect("seed");
    assert!(s
        .redis
        .rank_rebuild_finish(own, "t1")
        .await
        .expect("finish"));
    let version = || async { s.redis.rank_top_version(own).await.expect("version") };
    let w1 = version().await;
    let top = s
        .redis
        .rank_top(own, 1_001)
        .await
        .expect("top")
        .expect("complete");
    assert_eq!(
        Some(top.version.clone()),
        w1,
        "the top is read with its version"
    );
    assert_eq!(top.members.len(), 1_001);
    assert_eq!(top.members[0], desc_member("v0000", 100_000));
    let write = |player: &str, version: i64, score: i64| RankWrite {
        standings: own.into(),
        player: player.into(),
        version,
        member: Some(desc_member(player, score)),
    };
    // Rank 1,099 to rank 1,050: below the top.
    s.redis
        .rank_apply(&[write("v1099", 2, 100_000 - 1_049)])
        .await
        .expect("apply");
    assert_eq!(version().await, w1, "a write below the top");
    // The record at 0-based rank 1,001, just past the top, rewritten in place.
    s.redis
        .rank_apply(&[write("v1001", 2, 100_000 - 1_002)])
        .await
        .expect("apply");
    assert_eq!(version().await, w1, "a write at the top's edge, outside it");
    // The record at 0-based rank 1,000 leaves the top: the 1,001st record changes.
    s.redis
        .rank_apply(&[write("v1000", 2, 1)])
        .await
        .expect("apply");
    let w2 = version().await;
    assert_ne!(w2, w1, "a record leaving the top");
    s.redis
        .rank_apply(&[write("v1098", 2, 1_000_000)])
        .await
        .expect("apply");
    let w3 = version().await;
    assert_ne!(w3, w2, "a record entering the top");
    // An older version changes nothing, the version included.
    s.redis
        .rank_apply(&[write("v1098", 1, 5)])
        .await
        .expect("apply");
    assert_eq!(version().await, w3, "a refused write");
    // A rebuild gives a version no earlier one had.
    s.redis.rank_rebuild_start(own, "t2").await.expect("start");
    assert_eq!(version().await, None, "no version while rebuilding");
    s.redis.rank_apply(&seed).await.expect("seed");
    assert!(s
        .redis
        .rank_rebuild_finish(own, "t2")
        .await
        .expect("finish"));
    let w4 = version().await;
    assert!(
        w4.is_some() && w4 != w1 && w4 != w3,
        "a rebuilt index's version is new"
    );
    s.redis.rank_drop(own).await.expect("drop");
}

/// A board's definition is served from each process's memory (`access_cache.rs`): a
/// redefinition by another host reaches a host with Redis at once (the change is
/// published) and one without within about 1 s (the access generation it polls).
async fn a_redefined_board_reaches_every_host(kind: StoreKind) {
    let s = Setup::new(kind).await;
    s.indexed
        .put_leaderboard(desc_best("shifting"))
        .await
        .expect("board");
    for gh in [&s.indexed, &s.plain] {
        let r = gh
            .submit_score(submit("shifting", "r1", 5))
            .await
            .expect("submit");
        assert_eq!(r.period, rules::ALL_TIME, "no resets: the all-time period");
    }
    let other = s.second_host().await;
    other
        .put_leaderboard(PutLeaderboardRequest {
            reset: Some(guildhall_core::schedule::ResetSchedule::Daily),
            ..desc_best("shifting")
        })
        .await
        .expect("redefine");
    for (gh, within) in [
        (&s.indexed, Duration::from_millis(500)),
        (&s.plain, Duration::from_millis(1_500)),
    ] {
        let started = Instant::now();
        loop {
            let r = gh
                .submit_score(submit("shifting", "r1", 6))
                .await
                .expect("submit");
            if r.period != rules::ALL_TIME {
                break;
            }
            assert!(
                started.elapsed() < within,
                "the redefinition not seen within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

macro_rules! per_store {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    if super::is_selected(super::StoreKind::Sqlite) {
                        super::$case(super::StoreKind::Sqlite).await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    if super::is_selected(super::StoreKind::Postgres) {
                        super::$case(super::StoreKind::Postgres).await;
                    }
                }
            )*
        }
    };
}

per_store!(
    ranks_from_the_index_equal_the_store_index_and_survive_a_restart,
    concurrent_best_submissions_keep_the_best_in_store_and_index,
    a_top_page_is_served_again_only_while_the_top_is_unchanged,
    a_redefined_board_reaches_every_host,
);
