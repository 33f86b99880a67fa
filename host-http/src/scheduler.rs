//! The host's background jobs, started by [`crate::serve`] and [`crate::spawn`] and
//! stopped at shutdown (SPEC.md Announcements "Scheduled pushes", Matchmaking "tick"):
//!
//! * every `lobby_interval` (default 10 min): `push_scheduled_audience(Lobby)`, the live
//!   `online` triggers of lobby audiences to the players connected in a lobby;
//! * every `room_interval` (default 30 s): the same for rooms; both pushes run on the
//!   one host holding their coordinator lease, so a player gets each push once;
//! * every 5 s: `run_leaderboard_resets()`, the due leaderboard and tournament resets
//!   (any host; the period documents' versions grant each reward once);
//! * every 5 s: `expire_trades()`, open trades past their expiry closed as cancelled
//!   with reason `expired` (any host; the trade documents' versions close each once);
//! * every second: `resolve_loot_rolls()`, the party loot rolls whose window ended (any
//!   host; each roll document's version grants its item once);
//! * every second: `send_due_triggers()`, scheduled (`send_at`) announcements, once;
//! * every 5 s: `destroy_idle_rooms()`, empty rooms past `rooms.idle_destroy_secs`
//!   destroyed with `room_destroyed` (any host; the room documents' versions destroy
//!   each once);
//! * every `rooms.lobby_push_secs` (default 10 s; 0: off): `push_lobby`, the lobby view
//!   as a `lobby_view` event to the lobby players, by the one host holding its lease,
//!   and only when the view or its recipients changed since that host's last push;
//! * every `matchmaking_tick` (default 1 s): `tick(instance id)`. The core runs the tick
//!   only while this process holds the matchmaking lease (renewed while the tick runs,
//!   checked before each batch of its commits), so with a shared coordinator one host
//!   instance at a time forms matches. The instance id is random per process. A tick
//!   forms up to thousands of matches: it logs how many at `info`, each one at `debug`.
//!
//! * every `[schedule] online_sample_secs` (default 300 s): `record_online_sample()`,
//!   the players online appended to the console's trend (48 h kept), by the one host
//!   holding the `trends:online` lease, so each interval is sampled once;
//! * continuously (a pause of `[webhooks] poll_interval_ms` when idle): outbound
//!   webhook delivery (`webhooks.rs`), on the one host holding the `webhooks` lease.
//!
//! Each job is its own task, so a slow one never delays the others. A failing run is
//! logged and retried at the next interval; nothing here panics. Stopping waits for a
//! run in progress to finish (a commit is never cut in half), at most
//! [`STOP_GRACE`], then aborts.

use crate::config::Schedule;
use guildhall_core::announce::AudienceKind;
use guildhall_core::Guildhall;
use std::future::Future;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tokio::time::{interval_at, Instant, MissedTickBehavior};

/// The coordinator leases the jobs take (released when the host stops): the lobby and
/// room pushes, the lobby view push, webhook delivery, the matchmaking tick, the online
/// sample of the console's trends.
pub const LEASES: [&str; 6] = [
    "push:Lobby",
    "push:Room",
    LOBBY_VIEW_LEASE,
    crate::webhooks::LEASE,
    guildhall_core::service::MATCHMAKING_LEASE,
    ONLINE_SAMPLE_LEASE,
];

/// The lease of the lobby view push ([`lobby_view`]).
const LOBBY_VIEW_LEASE: &str = "push:lobby_view";

/// The lease of the online-players sampler ([`online_sample`]).
const ONLINE_SAMPLE_LEASE: &str = "trends:online";

/// Longest [`Scheduler::stop`] waits for runs in progress before aborting them.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// The running background jobs of one host process.
pub struct Scheduler {
    gh: Guildhall,
    instance: String,
    stop: watch::Receiver<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("instance", &self.instance)
            .field("jobs", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

impl Scheduler {
    /// Starts every job on the current tokio runtime. The jobs end when `stop` turns
    /// `true` (or its sender is dropped), or at [`Scheduler::stop`].
    pub fn start(gh: Guildhall, schedule: Schedule, stop: watch::Receiver<bool>) -> Self {
        let instance = format!("host-{}", uuid::Uuid::new_v4());
        let gh_for_leases = gh.clone();
        let mut tasks = Vec::new();
        {
            let (gh, holder, every_s) = (gh.clone(), instance.clone(), schedule.lobby_interval);
            tasks.push(every(
                "lobby announcements",
                schedule.lobby_interval,
                stop.clone(),
                move || push(gh.clone(), AudienceKind::Lobby, holder.clone(), every_s),
            ));
        }
        {
            let (gh, holder, every_s) = (gh.clone(), instance.clone(), schedule.room_interval);
            tasks.push(every(
                "room messages",
                schedule.room_interval,
                stop.clone(),
                move || push(gh.clone(), AudienceKind::Room, holder.clone(), every_s),
            ));
        }
        {
            let gh = gh.clone();
            tasks.push(every(
                "scheduled announcements",
                schedule.due_triggers_interval,
                stop.clone(),
                move || due_triggers(gh.clone()),
            ));
        }
        {
            let gh = gh.clone();
            tasks.push(every(
                "leaderboard resets",
                LEADERBOARD_RESETS_INTERVAL,
                stop.clone(),
                move || leaderboard_resets(gh.clone()),
            ));
        }
        {
            let gh = gh.clone();
            tasks.push(every(
                "trade expiry",
                TRADE_EXPIRY_INTERVAL,
                stop.clone(),
                move || trade_expiry(gh.clone()),
            ));
        }
        {
            let gh = gh.clone();
            tasks.push(every(
                "loot rolls",
                LOOT_ROLLS_INTERVAL,
                stop.clone(),
                move || loot_rolls(gh.clone()),
            ));
        }
        {
            let gh = gh.clone();
            tasks.push(every(
                "idle rooms",
                ROOM_SWEEP_INTERVAL,
                stop.clone(),
                move || idle_rooms(gh.clone()),
            ));
        }
        if gh.config().rooms.lobby_push_secs > 0 {
            let every_s = Duration::from_secs(gh.config().rooms.lobby_push_secs);
            let (gh, holder) = (gh.clone(), instance.clone());
            let last = std::sync::Arc::new(tokio::sync::Mutex::new(None));
            tasks.push(every("lobby view", every_s, stop.clone(), move || {
                lobby_view(gh.clone(), holder.clone(), every_s, last.clone())
            }));
        }
        {
            let (gh, holder, every_s) = (gh.clone(), instance.clone(), schedule.online_sample);
            tasks.push(every(
                "online sample",
                schedule.online_sample,
                stop.clone(),
                move || online_sample(gh.clone(), holder.clone(), every_s),
            ));
        }
        tasks.push(crate::webhooks::spawn(
            gh.clone(),
            instance.clone(),
            stop.clone(),
        ));
        if gh.config().queues.is_empty() {
            tracing::debug!("no matchmaking queues configured; the matchmaking tick is off");
        } else {
            let expired = std::sync::Arc::new(tokio::sync::Mutex::new(gh.subscribe()));
            let holder = instance.clone();
            tasks.push(every(
                "matchmaking tick",
                schedule.matchmaking_tick,
                stop.clone(),
                move || tick(gh.clone(), holder.clone(), expired.clone()),
            ));
        }
        tracing::debug!(instance = %instance, "background jobs started");
        Scheduler {
            gh: gh_for_leases,
            instance,
            stop,
            tasks,
        }
    }

    /// This process's instance id (the matchmaking lease holder).
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Waits for the jobs to end (they end when the stop signal turns `true`; call this
    /// after sending it), at most [`STOP_GRACE`]; then aborts what is left.
    pub async fn stop(self) {
        self.stop_within(STOP_GRACE).await;
    }

    /// [`Scheduler::stop`] waiting at most `grace` (a drain's grace left), then releases
    /// the coordinator leases this host holds ([`LEASES`]), so another host takes the
    /// pushes, the webhook deliveries and the matchmaking tick over at once instead of
    /// after the leases' time.
    pub async fn stop_within(self, grace: Duration) {
        let (gh, instance) = (self.gh.clone(), self.instance.clone());
        self.stop_tasks(grace).await;
        for name in LEASES {
            // A lease of no time left: expired at once if this host holds it; a lease held
            // by another host is left as it is.
            match gh.take_lease(name, &instance, 0).await {
                Ok(true) => tracing::debug!(lease = name, "lease released"),
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(lease = name, error = %e, "cannot release the lease; it ends with its time")
                }
            }
        }
    }

    async fn stop_tasks(self, grace: Duration) {
        let Scheduler {
            mut stop, tasks, ..
        } = self;
        if !*stop.borrow_and_update() {
            // Nobody signalled: the jobs would run on, so abort them now.
            for t in &tasks {
                t.abort();
            }
        }
        let aborts: Vec<_> = tasks.iter().map(JoinHandle::abort_handle).collect();
        let all = futures::future::join_all(tasks);
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!("background jobs did not stop in time; aborting them");
            for a in aborts {
                a.abort();
            }
        }
    }
}

/// Runs `job` every `period` (first run after one period) until `stop` turns `true`.
fn every<F, Fut>(
    name: &'static str,
    period: Duration,
    mut stop: watch::Receiver<bool>,
    mut job: F,
) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut ticks = interval_at(Instant::now() + period, period);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            if *stop.borrow_and_update() {
                break;
            }
            tokio::select! {
                _ = ticks.tick() => job().await,
                changed = stop.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        tracing::debug!(job = name, "background job stopped");
    })
}

/// One scheduled push, by the one host holding the push's lease (so players connected
/// to any host get it once, not once per host). The lease outlives one interval, so its
/// holder keeps it; another host takes over after a missed interval.
async fn push(gh: Guildhall, kind: AudienceKind, holder: String, interval: Duration) {
    let ttl = (interval.as_secs() as i64).saturating_mul(3) / 2 + 1;
    match gh.take_lease(&format!("push:{kind:?}"), &holder, ttl).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(audience = ?kind, error = %e, "cannot take the push lease; pushing anyway");
        }
    }
    match gh.push_scheduled_audience(kind).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(audience = ?kind, messages = n, "scheduled messages pushed"),
        Err(e) => tracing::warn!(audience = ?kind, error = %e, "scheduled push failed"),
    }
}

async fn due_triggers(gh: Guildhall) {
    if let Err(e) = gh.send_due_triggers().await {
        tracing::warn!(error = %e, "sending scheduled announcements failed");
    }
}

/// One matchmaking tick; logs how many matches it formed (each one at `debug`) and how
/// many tickets expired since the last tick (counted from the live `ticket_expired`
/// events, since `tick` returns only the matches).
async fn tick(
    gh: Guildhall,
    holder: String,
    events: std::sync::Arc<
        tokio::sync::Mutex<broadcast::Receiver<std::sync::Arc<guildhall_core::types::Event>>>,
    >,
) {
    match gh.tick(&holder).await {
        Ok(matches) => {
            for m in &matches {
                let players: Vec<&str> = m.teams.iter().flatten().map(|p| p.as_str()).collect();
                tracing::debug!(match_id = %m.id, queue = %m.queue, players = ?players, "match formed");
            }
            if !matches.is_empty() {
                tracing::info!(matches = matches.len(), "matchmaking tick formed matches");
            }
        }
        Err(e) => tracing::warn!(error = %e, "matchmaking tick failed"),
    }
    let mut rx = events.lock().await;
    let mut expired = 0usize;
    loop {
        match rx.try_recv() {
            Ok(ev) if ev.kind == "ticket_expired" => expired += 1,
            Ok(_) => {}
            Err(broadcast::error::TryRecvError::Lagged(n)) => {
                tracing::debug!(missed = n, "matchmaking log missed live events");
            }
            Err(_) => break,
        }
    }
    if expired > 0 {
        tracing::info!(tickets = expired, "matchmaking tickets expired");
    }
}

/// Between checks for leaderboard periods (and tournaments) whose reset is due.
pub const LEADERBOARD_RESETS_INTERVAL: Duration = Duration::from_secs(5);

/// Runs the due leaderboard resets (SPEC.md Leaderboards: rewards granted once; every
/// host may run this at once, the period documents' versions keep each grant single).
async fn leaderboard_resets(gh: Guildhall) {
    match gh.run_leaderboard_resets().await {
        Ok(done) => {
            for p in done {
                tracing::info!(board = %p.board, partition = ?p.partition, period = %p.period.key,
                    rewarded = p.granted.len(), "leaderboard period reset");
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "leaderboard resets failed; retried at the next interval")
        }
    }
}

/// How often the expired trades are closed.
pub const TRADE_EXPIRY_INTERVAL: Duration = Duration::from_secs(5);

/// Closes the open trades past their expiry (SPEC.md Trade: `trade_cancelled` with
/// reason `expired`; every host may run this at once, the trade documents' versions
/// close each once).
async fn trade_expiry(gh: Guildhall) {
    match gh.expire_trades().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(expired = n, "expired trades closed"),
        Err(e) => tracing::warn!(error = %e, "trade expiry failed; retried at the next interval"),
    }
}

/// Between checks for party loot rolls whose window has ended.
pub const LOOT_ROLLS_INTERVAL: Duration = Duration::from_secs(1);

/// Resolves the due party loot rolls (SPEC.md Loot tables; every host may run this at
/// once: each roll is resolved under its document's version, so its item is granted
/// once).
async fn loot_rolls(gh: Guildhall) {
    match gh.resolve_loot_rolls().await {
        Ok(done) => {
            for r in done {
                tracing::info!(roll = %r.id, item = %r.item_id, winner = ?r.winner, "party loot roll resolved");
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "resolving party loot rolls failed; retried at the next interval")
        }
    }
}

/// Between sweeps for empty rooms past their idle time.
pub const ROOM_SWEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Destroys the empty rooms past `rooms.idle_destroy_secs` (SPEC.md Rooms and the
/// lobby; every host may run this at once: the room documents' versions destroy each
/// once).
async fn idle_rooms(gh: Guildhall) {
    match gh.destroy_idle_rooms().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(destroyed = n, "idle rooms destroyed"),
        Err(e) => {
            tracing::warn!(error = %e, "idle room sweep failed; retried at the next interval")
        }
    }
}

/// Records the players online for the console's trend (`Guildhall::record_online_sample`),
/// by the one host holding the `trends:online` lease (kept for one and a half intervals,
/// so another host takes over after a missed one).
async fn online_sample(gh: Guildhall, holder: String, interval: Duration) {
    let ttl = (interval.as_secs() as i64).saturating_mul(3) / 2 + 1;
    match gh.take_lease(ONLINE_SAMPLE_LEASE, &holder, ttl).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(error = %e, "cannot take the online sample lease; sampling anyway");
        }
    }
    match gh.record_online_sample().await {
        Ok(n) => tracing::debug!(online = n, "players online sampled"),
        Err(e) => {
            tracing::warn!(error = %e, "sampling the players online failed; retried at the next interval")
        }
    }
}

/// Pushes the lobby view to the lobby players (SPEC.md Rooms and the lobby: on an
/// interval), by the one host holding the `push:lobby_view` lease, and only when the view
/// or its recipients changed since this host's last push (`last`: its fingerprint).
async fn lobby_view(
    gh: Guildhall,
    holder: String,
    interval: Duration,
    last: std::sync::Arc<tokio::sync::Mutex<Option<String>>>,
) {
    let ttl = (interval.as_secs() as i64).saturating_mul(3) / 2 + 1;
    match gh.take_lease(LOBBY_VIEW_LEASE, &holder, ttl).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(error = %e, "cannot take the lobby push lease; pushing anyway");
        }
    }
    let mut last = last.lock().await;
    let req = guildhall_core::rooms::PushLobbyRequest {
        player: None,
        unless_fingerprint: last.clone(),
    };
    match gh.push_lobby(req).await {
        Ok(r) => {
            if r.recipients > 0 {
                tracing::debug!(recipients = r.recipients, "lobby view pushed");
            }
            *last = Some(r.fingerprint);
        }
        Err(e) => {
            tracing::warn!(error = %e, "lobby view push failed; retried at the next interval")
        }
    }
}
