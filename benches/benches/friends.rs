//! Friend-list reads with presence (`Guildhall::friends`) for a player with 500 friends
//! (SPEC.md Friends: at most 500), half of them online with a session, on a SQLite file
//! (floor: 2,000 reads/s).
//!
//! Set-up: each friend sends the player a request and the player accepts it (1,000
//! commits), then every other friend logs in. Then reads of the whole list, for at most
//! 10 s each: one at a time (latency), and from 8 concurrent tasks (throughput). Each
//! read is one document read (the player's `friends` document) and one batched session
//! lookup in the coordinator. A bounded bench binary:
//! `cargo bench -p guildhall-benches --bench friends`; under `cargo test` it builds 20
//! friends and reads a few times.

use guildhall_benches::{bench_mode, open, percentiles_ms, runtime, Db};
use guildhall_core::announce::Location;
use guildhall_core::friends::{FriendActionRequest, SendFriendRequest};
use guildhall_core::types::PlayerId;
use guildhall_core::Guildhall;
use std::time::{Duration, Instant};

fn pid(s: String) -> PlayerId {
    PlayerId::new(s).expect("player id")
}

async fn setup(gh: &Guildhall, host: &PlayerId, friends: usize) {
    for i in 0..friends {
        let f = pid(format!("friend-{i:04}"));
        gh.send_friend_request(SendFriendRequest {
            from: f.clone(),
            to: host.clone(),
            idempotency_key: None,
        })
        .await
        .expect("request");
        let r = gh
            .accept_friend_request(FriendActionRequest {
                player: host.clone(),
                other: f.clone(),
                idempotency_key: None,
            })
            .await
            .expect("accept");
        assert!(r.friends);
        if i % 2 == 0 {
            gh.login(
                &f,
                Location {
                    lobby: Some("main".into()),
                    ..Default::default()
                },
            )
            .await
            .expect("login");
        }
    }
}

fn main() {
    let bench = bench_mode();
    let (friends, reads, window) = if bench {
        (500, 200_000, Duration::from_secs(10))
    } else {
        (20, 20, Duration::from_secs(2))
    };
    runtime().block_on(async {
        let db = Db::sqlite();
        let gh = open(db.url()).await;
        let host = pid("host".into());
        let t = Instant::now();
        setup(&gh, &host, friends).await;
        let setup_secs = t.elapsed().as_secs_f64();
        let online = friends.div_ceil(2);

        // One at a time.
        let mut lat = Vec::new();
        let started = Instant::now();
        while lat.len() < reads && started.elapsed() < window {
            let t = Instant::now();
            let list = gh.friends(&host).await.expect("friends");
            lat.push(t.elapsed());
            assert_eq!(list.len(), friends);
            assert_eq!(list.iter().filter(|f| f.online).count(), online);
        }
        let elapsed = started.elapsed();
        let n = lat.len();
        let [p50, p90, p99, max] = percentiles_ms(&mut lat);
        println!(
            "friends/sqlite list of {friends} ({online} online), one at a time: {n} reads, \
             {rate:.0} reads/s, p50 {p50:.3} ms, p90 {p90:.3} ms, p99 {p99:.3} ms, max {max:.3} ms \
             (set-up {setup_secs:.1} s; floor 2,000 reads/s)",
            rate = n as f64 / elapsed.as_secs_f64(),
        );

        // Eight readers at once.
        let tasks = 8;
        let started = Instant::now();
        let mut handles = Vec::new();
        for _ in 0..tasks {
            let (gh, host) = (gh.clone(), host.clone());
            handles.push(tokio::spawn(async move {
                let mut done = 0usize;
                while done < reads / tasks && started.elapsed() < window {
                    let list = gh.friends(&host).await.expect("friends");
                    assert_eq!(list.len(), friends);
                    done += 1;
                }
                done
            }));
        }
        let mut total = 0;
        for h in handles {
            total += h.await.expect("reader");
        }
        let elapsed = started.elapsed();
        println!(
            "friends/sqlite list of {friends} ({online} online), {tasks} concurrent readers: \
             {total} reads, {rate:.0} reads/s (floor 2,000 reads/s)",
            rate = total as f64 / elapsed.as_secs_f64(),
        );
    });
}
