//! The Redis [`Coordinator`]: what many host instances share but need not keep
//! (SPEC.md Presence, Announcements delivery, Matchmaking lease, rate limits).
//!
//! Every key lives under a configurable prefix (default `guildhall:`), so deployments
//! and test runs sharing one Redis never collide:
//!
//! | key | holds |
//! |---|---|
//! | `<prefix>events` | pub/sub channel: `{"origin", "events": [Event]}` per publish, or `{"origin", "events": [], "access": ["doc:<kind>:<id>"]}` after a commit changed API keys or accounts |
//! | `<prefix>session:<player>` | a [`Session`] as JSON, expiring with the session |
//! | `<prefix>sessions` | sorted set of players scored by `expires_at` (microseconds) |
//! | `<prefix>cache:<key>` | a cached JSON value, or `""` (a tombstone) after an invalidation |
//! | `<prefix>rate:<key>` | a fixed-window hit counter |
//! | `<prefix>lease:<name>` | `<until micros>\|<holder>` of a lease |
//! | `<prefix>rank:<standings>:z` | a standings' rank index: sorted set, every score 0, members in the board's order (`rules::rank_member`) |
//! | `<prefix>rank:<standings>:h` | hash player -> `<version>:<member>` (an empty member: removed), the version guard and the way from a player to its member |
//! | `<prefix>rank:<standings>:ok` | present while the index is complete (set last by a rebuild to its token, deleted by a failed write) |
//! | `<prefix>rank:<standings>:t` | counter bumped by every write that changes the best [`RANK_TOP`] members; with `ok`'s token, the top's version |
//! | `<prefix>rank:<standings>:build` | the token of the rebuild in progress |
//!
//! Commands go through one [`ConnectionManager`] (reconnecting by itself); live events
//! arrive on a dedicated pub/sub connection whose task feeds a local broadcast channel
//! and reconnects with backoff after Redis restarts. A publish reaches this instance's
//! receivers directly and the other instances through Redis, so each receiver sees it
//! exactly once; the subscription task skips what this instance itself published.
//!
//! When Redis is down every method returns `UNAVAILABLE` within about the connect plus
//! response timeout (2 s by default) and never panics: the services then read the
//! store and log failed fan-out (consumers resume from the outbox). Events published
//! by other instances while the subscription was down are not replayed here.
//!
//! Every process that writes the database must use the same Redis and prefix (or run
//! with [`RedisOptions::cache`] off): a writer that does not invalidate this cache leaves
//! readers a stale copy until it expires.

use chrono::{DateTime, Utc};
use futures::StreamExt;
use guildhall_core::ports::{
    Coordinator, Ids, RankTop, RankWindow, RankWrite, RateDecision, Session, UuidIds, RANK_TOP,
};
use guildhall_core::types::{Event, PlayerId};
use guildhall_core::{Error, Result};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, watch};

/// The key prefix used when none is configured.
pub const DEFAULT_PREFIX: &str = "guildhall:";

/// How long an invalidated cache key refuses to be cached again, in milliseconds.
const TOMBSTONE_MS: u64 = 5_000;
/// Capacity of the local live-event channel (as the in-process coordinator's).
const CHANNEL_CAPACITY: usize = 4096;
/// After a failed first connection, calls fail at once for this long before retrying.
const CONNECT_RETRY_AFTER: Duration = Duration::from_millis(500);
/// How often the subscription connection is checked with a PING.
const SUBSCRIPTION_PING_EVERY: Duration = Duration::from_secs(5);
/// Reconnect backoff of the subscription: first and largest delay.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// Keys read per MGET when listing sessions.
const MGET_CHUNK: usize = 500;
/// Rank index writes per script call.
const RANK_APPLY_CHUNK: usize = 1000;

/// Fixed-window counter: `INCR`, start the window on the first hit (or if the key lost
/// its expiry), answer the count and the milliseconds left.
const RATE_SCRIPT: &str = r"
local c = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if c == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {c, ttl}
";

/// Lease compare-and-set: take the lease when it is free, expired at the caller's `now`,
/// or already held by the same holder. Value: `<until micros>|<holder>`.
/// ARGV: holder, now micros, until micros, expiry in ms.
const LEASE_SCRIPT: &str = r"
local v = redis.call('GET', KEYS[1])
if v then
  local sep = string.find(v, '|', 1, true)
  if sep then
    local until_at = tonumber(string.sub(v, 1, sep - 1))
    local holder = string.sub(v, sep + 1)
    if holder ~= ARGV[1] and until_at and until_at > tonumber(ARGV[2]) then
      return 0
    end
  end
end
redis.call('SET', KEYS[1], ARGV[3] .. '|' .. ARGV[1], 'PX', ARGV[4])
return 1
";

/// Rank index writes ([`Coordinator::rank_apply`]): ARGV[1] the size of the top whose
/// version is kept ([`RANK_TOP`]); per write, KEYS `z`, `h`, `t` and ARGV player,
/// version, member (empty: remove). Applied only when the hash holds an older version
/// for the player (or none); the old member leaves the set. A write whose old or new
/// member ranks within the top bumps `t`.
const RANK_APPLY_SCRIPT: &str = r"
local k = tonumber(ARGV[1])
local n = (#ARGV - 1) / 3
for i = 1, n do
  local z = KEYS[3 * i - 2]
  local h = KEYS[3 * i - 1]
  local t = KEYS[3 * i]
  local p = ARGV[3 * i - 1]
  local v = ARGV[3 * i]
  local m = ARGV[3 * i + 1]
  local cur = redis.call('HGET', h, p)
  local apply = true
  local top = false
  if cur then
    local sep = string.find(cur, ':', 1, true)
    if tonumber(string.sub(cur, 1, sep - 1)) >= tonumber(v) then
      apply = false
    else
      local old = string.sub(cur, sep + 1)
      if old ~= '' then
        local r = redis.call('ZRANK', z, old)
        if r and r < k then
          top = true
        end
        redis.call('ZREM', z, old)
      end
    end
  end
  if apply then
    redis.call('HSET', h, p, v .. ':' .. m)
    if m ~= '' then
      redis.call('ZADD', z, 0, m)
      if not top and redis.call('ZRANK', z, m) < k then
        top = true
      end
    end
  end
  if top then
    redis.call('INCR', t)
  end
end
return n
";

/// Up to ARGV[2] members after ARGV[1] (`-` or `(<member>`), nil while KEYS[1] (`ok`) is
/// absent. KEYS: ok, z.
const RANK_AFTER_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
return redis.call('ZRANGEBYLEX', KEYS[2], ARGV[1], '+', 'LIMIT', 0, ARGV[2])
";

/// The top's version, `<ok token>:<t>`, nil while KEYS[1] (`ok`) is absent. KEYS: ok,
/// t.
const RANK_TOP_VERSION_SCRIPT: &str = r"
local ok = redis.call('GET', KEYS[1])
if not ok then
  return false
end
return ok .. ':' .. (redis.call('GET', KEYS[2]) or '0')
";

/// The top's version and the best ARGV[1] members: `{version, members}`, nil while
/// KEYS[1] (`ok`) is absent. KEYS: ok, t, z.
const RANK_TOP_SCRIPT: &str = r"
local ok = redis.call('GET', KEYS[1])
if not ok then
  return false
end
local v = ok .. ':' .. (redis.call('GET', KEYS[2]) or '0')
return {v, redis.call('ZRANGE', KEYS[3], 0, tonumber(ARGV[1]) - 1)}
";

/// A player's rank and the members ARGV[2] either side: `{rank, first, members}`, `{}`
/// for no record, nil while KEYS[1] (`ok`) is absent. KEYS: ok, z, h; ARGV: player, n.
const RANK_WINDOW_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local cur = redis.call('HGET', KEYS[3], ARGV[1])
if not cur then
  return {}
end
local m = string.sub(cur, string.find(cur, ':', 1, true) + 1)
if m == '' then
  return {}
end
local r = redis.call('ZRANK', KEYS[2], m)
if not r then
  return {}
end
local n = tonumber(ARGV[2])
local first = r - n
if first < 0 then
  first = 0
end
return {r, first, redis.call('ZRANGE', KEYS[2], first, r + n)}
";

/// Completes a rebuild: `ok` set to the rebuild's token (so the top's version differs
/// from any before the rebuild) only while `build` still holds that token. KEYS: ok,
/// build; ARGV: token.
const RANK_FINISH_SCRIPT: &str = r"
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1])
return 1
";

/// Settings of a [`RedisCoordinator`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisOptions {
    /// Prefix of every key and of the event channel (default [`DEFAULT_PREFIX`]).
    pub prefix: String,
    /// Time allowed to open a connection (default 1 s).
    pub connect_timeout: Duration,
    /// Time allowed for one reply (default 1 s). A call gives up with `UNAVAILABLE`
    /// after `connect_timeout + response_timeout`.
    pub response_timeout: Duration,
    /// Whether the shared read cache is used (default true). Off: `cache_get` always
    /// misses and `cache_put` / `cache_invalidate` do nothing.
    pub cache: bool,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            prefix: DEFAULT_PREFIX.to_string(),
            connect_timeout: Duration::from_secs(1),
            response_timeout: Duration::from_secs(1),
            cache: true,
        }
    }
}

impl RedisOptions {
    /// The defaults with another key prefix.
    pub fn with_prefix(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            ..Self::default()
        }
    }

    fn call_timeout(&self) -> Duration {
        self.connect_timeout + self.response_timeout
    }
}

/// The command connection: opened on first use, then kept (it reconnects by itself).
#[derive(Default)]
struct ConnState {
    manager: Option<ConnectionManager>,
    /// Bumped for every manager opened, so a failed call drops only the one it used.
    generation: u64,
    failed_at: Option<Instant>,
    last_error: String,
}

/// A [`Coordinator`] over Redis, shared by every host instance that uses the same Redis
/// and prefix. See the module documentation for keys and failure behaviour.
pub struct RedisCoordinator {
    client: redis::Client,
    options: RedisOptions,
    state: Mutex<ConnState>,
    connecting: tokio::sync::Mutex<()>,
    origin: String,
    tx: broadcast::Sender<Arc<Event>>,
    /// Access changes (`doc:<kind>:<id>` keys) other instances published.
    access_tx: broadcast::Sender<Vec<String>>,
    subscribed: watch::Receiver<bool>,
    subscriber: tokio::task::JoinHandle<()>,
    rate_script: redis::Script,
    lease_script: redis::Script,
    rank_apply_script: redis::Script,
    rank_after_script: redis::Script,
    rank_top_version_script: redis::Script,
    rank_top_script: redis::Script,
    rank_window_script: redis::Script,
    rank_finish_script: redis::Script,
}

impl std::fmt::Debug for RedisCoordinator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCoordinator")
            .field("prefix", &self.options.prefix)
            .field("origin", &self.origin)
            .field("subscribed", &*self.subscribed.borrow())
            .finish_non_exhaustive()
    }
}

impl Drop for RedisCoordinator {
    fn drop(&mut self) {
        self.subscriber.abort();
    }
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> Error {
    Error::unavailable(format!("redis {what} failed: {e}"))
}

impl RedisCoordinator {
    /// A coordinator for `url` (`redis://[user:password@]host:port[/db]`; this build has
    /// no TLS, so `rediss://` is refused) that connects lazily: no I/O happens here, commands connect on
    /// first use and the event subscription starts in the background (retrying with
    /// backoff). Errors: `INVALID_ARGUMENT` for a URL the client cannot parse,
    /// `UNAVAILABLE` outside a tokio runtime.
    pub fn new(url: &str, options: RedisOptions) -> Result<Self> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::unavailable("the Redis coordinator needs a running tokio runtime")
        })?;
        let client = redis::Client::open(url)
            .map_err(|e| Error::invalid("redis", format!("invalid Redis URL: {e}")))?;
        let (tx, _) = broadcast::channel(CHANNEL_CAPACITY);
        let (access_tx, _) = broadcast::channel(CHANNEL_CAPACITY);
        let (ready_tx, ready_rx) = watch::channel(false);
        let origin = UuidIds.next_id();
        let subscriber = runtime.spawn(subscription_task(
            client.clone(),
            format!("{}events", options.prefix),
            origin.clone(),
            (tx.clone(), access_tx.clone()),
            ready_tx,
            options.connect_timeout,
        ));
        Ok(Self {
            client,
            options,
            state: Mutex::new(ConnState::default()),
            connecting: tokio::sync::Mutex::new(()),
            origin,
            tx,
            access_tx,
            subscribed: ready_rx,
            subscriber,
            rate_script: redis::Script::new(RATE_SCRIPT),
            lease_script: redis::Script::new(LEASE_SCRIPT),
            rank_apply_script: redis::Script::new(RANK_APPLY_SCRIPT),
            rank_after_script: redis::Script::new(RANK_AFTER_SCRIPT),
            rank_top_version_script: redis::Script::new(RANK_TOP_VERSION_SCRIPT),
            rank_top_script: redis::Script::new(RANK_TOP_SCRIPT),
            rank_window_script: redis::Script::new(RANK_WINDOW_SCRIPT),
            rank_finish_script: redis::Script::new(RANK_FINISH_SCRIPT),
        })
    }

    /// Like [`RedisCoordinator::new`], then waits until Redis answers and the event
    /// subscription is in place, so events published by other instances from now on
    /// arrive here. Errors: `INVALID_ARGUMENT` for a bad URL, `UNAVAILABLE` when Redis
    /// does not answer within the timeouts.
    pub async fn connect(url: &str, options: RedisOptions) -> Result<Self> {
        let this = Self::new(url, options)?;
        this.ping().await?;
        if !this.wait_subscribed(this.options.call_timeout()).await {
            return Err(Error::unavailable(
                "redis event subscription was not established in time",
            ));
        }
        Ok(this)
    }

    /// The key prefix in use.
    pub fn prefix(&self) -> &str {
        &self.options.prefix
    }

    /// True while the event subscription is connected (for readiness checks).
    pub fn is_subscribed(&self) -> bool {
        *self.subscribed.borrow()
    }

    /// Waits up to `timeout` for the event subscription to be connected; returns whether
    /// it is.
    pub async fn wait_subscribed(&self, timeout: Duration) -> bool {
        let mut rx = self.subscribed.clone();
        let up = tokio::time::timeout(timeout, rx.wait_for(|up| *up))
            .await
            .is_ok_and(|r| r.is_ok());
        up
    }

    /// Checks that Redis answers. Errors: `UNAVAILABLE`.
    pub async fn ping(&self) -> Result<()> {
        self.run("PING", |mut c| async move {
            redis::cmd("PING").query_async::<()>(&mut c).await
        })
        .await
    }

    fn key(&self, kind: &str, name: &str) -> String {
        format!("{}{kind}:{name}", self.options.prefix)
    }

    fn sessions_key(&self) -> String {
        format!("{}sessions", self.options.prefix)
    }

    /// The key `part` (`z`, `h`, `ok`, `build`, `t`) of the rank index of `standings`.
    fn rank_key(&self, standings: &str, part: &str) -> String {
        format!("{}rank:{standings}:{part}", self.options.prefix)
    }

    /// Deletes `keys` (`UNLINK`) and then, when `build` (a key and a token) is given,
    /// sets that key to the token, in one transaction.
    async fn rank_reset(
        &self,
        what: &str,
        keys: Vec<String>,
        build: Option<(String, String)>,
    ) -> Result<()> {
        self.run(what, |mut c| async move {
            let mut pipe = redis::pipe();
            // UNLINK: the keys are gone at once and Redis frees their memory on a
            // background thread, so emptying a set of a million members holds neither
            // Redis nor this call for a second.
            pipe.atomic().cmd("UNLINK").arg(keys).ignore();
            if let Some((key, token)) = build {
                pipe.cmd("SET").arg(key).arg(token).ignore();
            }
            pipe.query_async::<()>(&mut c).await
        })
        .await
    }

    fn channel(&self) -> String {
        format!("{}events", self.options.prefix)
    }

    /// Publishes one message on the event channel.
    async fn publish_envelope(&self, envelope: &Envelope<'_>) -> Result<()> {
        let payload = serde_json::to_vec(envelope)
            .map_err(|e| Error::unavailable(format!("message not serialisable: {e}")))?;
        let channel = self.channel();
        self.run("PUBLISH", |mut c| async move {
            redis::cmd("PUBLISH")
                .arg(channel)
                .arg(payload)
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, ConnState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The command connection and its generation, opening it when there is none. After
    /// a failed open, further calls fail at once for [`CONNECT_RETRY_AFTER`] instead of
    /// piling up.
    async fn conn(&self) -> Result<(ConnectionManager, u64)> {
        {
            let s = self.lock_state();
            if let Some(m) = &s.manager {
                return Ok((m.clone(), s.generation));
            }
        }
        let _one_at_a_time = self.connecting.lock().await;
        {
            let s = self.lock_state();
            if let Some(m) = &s.manager {
                return Ok((m.clone(), s.generation));
            }
            if s.failed_at
                .is_some_and(|t| t.elapsed() < CONNECT_RETRY_AFTER)
            {
                return Err(unavailable("connection", &s.last_error));
            }
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.options.connect_timeout)
            .set_response_timeout(self.options.response_timeout)
            // One attempt per connection: a call never waits through a retry schedule.
            .set_number_of_retries(0)
            .set_max_delay(200);
        let opened = tokio::time::timeout(
            self.options.connect_timeout,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        .unwrap_or_else(|_| {
            Err(redis::RedisError::from((
                redis::ErrorKind::IoError,
                "connect timed out",
            )))
        });
        let mut s = self.lock_state();
        match opened {
            Ok(m) => {
                s.generation += 1;
                s.manager = Some(m.clone());
                s.failed_at = None;
                Ok((m, s.generation))
            }
            Err(e) => {
                s.failed_at = Some(Instant::now());
                s.last_error = e.to_string();
                Err(unavailable("connection", e))
            }
        }
    }

    /// Drops the connection of `generation` after it failed, so the next call opens a
    /// fresh one (and a recovered Redis is used at once).
    fn discard(&self, generation: u64, error: &str) {
        let mut s = self.lock_state();
        if s.generation == generation && s.manager.take().is_some() {
            tracing::warn!(error, "redis connection failed; the next call reconnects");
            s.failed_at = Some(Instant::now());
            s.last_error = error.to_string();
        }
    }

    /// Runs one command (or pipeline, or script) within the call timeout; every failure
    /// becomes `UNAVAILABLE`.
    async fn run<T, F, Fut>(&self, what: &str, f: F) -> Result<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let budget = self.options.call_timeout();
        let started = Instant::now();
        let timed_out =
            || Error::unavailable(format!("redis {what} did not answer within {budget:?}"));
        let failed = |e: Error| {
            guildhall_core::telemetry::record_redis_failure(what);
            e
        };
        let (c, generation) = tokio::time::timeout(budget, self.conn())
            .await
            .map_err(|_| failed(timed_out()))?
            .map_err(failed)?;
        let left = budget.saturating_sub(started.elapsed());
        let outcome = tokio::time::timeout(left, f(c)).await;
        if !matches!(outcome, Ok(Ok(_))) {
            guildhall_core::telemetry::record_redis_failure(what);
        }
        match outcome {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                if e.is_io_error()
                    || e.is_connection_dropped()
                    || e.is_connection_refusal()
                    || e.is_timeout()
                {
                    self.discard(generation, &e.to_string());
                }
                Err(unavailable(what, e))
            }
            Err(_) => {
                self.discard(generation, "no answer in time");
                Err(timed_out())
            }
        }
    }
}

/// What travels on the event channel.
#[derive(serde::Serialize, serde::Deserialize)]
struct Envelope<'a> {
    /// The publishing instance (its own receivers already have the events).
    origin: std::borrow::Cow<'a, str>,
    events: std::borrow::Cow<'a, [Event]>,
    /// Access records changed by a commit (`doc:<kind>:<id>`), whose in-memory copies
    /// every instance drops (absent from instances that predate it).
    #[serde(default, skip_serializing_if = "<[String]>::is_empty")]
    access: std::borrow::Cow<'a, [String]>,
}

/// The publishing instance of an [`Envelope`], the rest skipped unread.
#[derive(serde::Deserialize)]
struct OriginOnly<'a> {
    #[serde(borrow)]
    origin: std::borrow::Cow<'a, str>,
}

/// Where the subscription delivers: live events, and access changes.
type Feeds = (
    broadcast::Sender<Arc<Event>>,
    broadcast::Sender<Vec<String>>,
);

/// Keeps the event subscription: subscribes, forwards other instances' events to `tx`,
/// checks the connection with a PING, and reconnects with backoff when it is lost.
async fn subscription_task(
    client: redis::Client,
    channel: String,
    origin: String,
    tx: Feeds,
    ready: watch::Sender<bool>,
    connect_timeout: Duration,
) {
    let mut backoff = BACKOFF_MIN;
    // Set while the subscription is down and that was logged.
    let mut down_since: Option<Instant> = None;
    loop {
        match open_subscription(&client, &channel, connect_timeout).await {
            Ok(pubsub) => {
                ready.send_replace(true);
                match down_since.take() {
                    Some(t) => tracing::info!(
                        channel = %channel,
                        down_for_ms = t.elapsed().as_millis() as u64,
                        "redis event subscription recovered"
                    ),
                    None => {
                        tracing::info!(channel = %channel, "redis event subscription established")
                    }
                }
                backoff = BACKOFF_MIN;
                let reason = pump(pubsub, &origin, &tx, connect_timeout).await;
                ready.send_replace(false);
                tracing::error!(
                    channel = %channel,
                    reason = %reason,
                    "redis event subscription lost; live events from other instances stop until it reconnects"
                );
                down_since = Some(Instant::now());
            }
            Err(e) => {
                if down_since.is_none() {
                    tracing::error!(
                        channel = %channel,
                        error = %e,
                        "redis event subscription unavailable; retrying with backoff"
                    );
                    down_since = Some(Instant::now());
                } else {
                    tracing::debug!(channel = %channel, error = %e, "redis event subscription retry failed");
                }
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

async fn open_subscription(
    client: &redis::Client,
    channel: &str,
    timeout: Duration,
) -> std::result::Result<redis::aio::PubSub, String> {
    let open = async {
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(channel).await?;
        Ok::<_, redis::RedisError>(pubsub)
    };
    match tokio::time::timeout(timeout, open).await {
        Ok(Ok(p)) => Ok(p),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {timeout:?}")),
    }
}

/// Forwards messages until the connection fails; returns why it stopped.
async fn pump(
    pubsub: redis::aio::PubSub,
    origin: &str,
    (tx, access_tx): &Feeds,
    timeout: Duration,
) -> String {
    let (mut sink, mut stream) = pubsub.split();
    let mut ping = tokio::time::interval(SUBSCRIPTION_PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            msg = stream.next() => {
                let Some(msg) = msg else {
                    return "connection closed".to_string();
                };
                let payload = msg.get_payload_bytes();
                // This instance's own messages (its receivers already have them) are
                // told by their origin alone, without decoding their events.
                if serde_json::from_slice::<OriginOnly<'_>>(payload)
                    .is_ok_and(|o| o.origin == origin)
                {
                    continue;
                }
                match serde_json::from_slice::<Envelope<'_>>(payload) {
                    Ok(env) if env.origin == origin => {}
                    Ok(env) => {
                        for e in env.events.iter() {
                            // No receiver is not an error: nobody is listening live.
                            let _ = tx.send(Arc::new(e.clone()));
                        }
                        if !env.access.is_empty() {
                            let _ = access_tx.send(env.access.into_owned());
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "ignored an unreadable message on the redis event channel"),
                }
            }
            _ = ping.tick() => {
                match tokio::time::timeout(timeout, sink.ping::<redis::Value>()).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return format!("ping failed: {e}"),
                    Err(_) => return format!("ping not answered within {timeout:?}"),
                }
            }
        }
    }
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn parse_session(raw: &str) -> Option<Session> {
    match serde_json::from_str(raw) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "ignored an unreadable session in redis");
            None
        }
    }
}

#[async_trait::async_trait]
impl Coordinator for RedisCoordinator {
    async fn publish(&self, events: &[Event]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        // This instance's receivers get the events directly (also when Redis is down);
        // the subscription task skips them when they come back from Redis.
        for e in events {
            let _ = self.tx.send(Arc::new(e.clone()));
        }
        self.publish_envelope(&Envelope {
            origin: self.origin.as_str().into(),
            events: events.into(),
            access: std::borrow::Cow::Borrowed(&[]),
        })
        .await
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }

    async fn publish_access_change(&self, keys: &[String]) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        self.publish_envelope(&Envelope {
            origin: self.origin.as_str().into(),
            events: std::borrow::Cow::Borrowed(&[]),
            access: keys.into(),
        })
        .await
    }

    fn access_changes(&self) -> Option<broadcast::Receiver<Vec<String>>> {
        Some(self.access_tx.subscribe())
    }

    async fn put_session(&self, session: Session) -> Result<()> {
        let json = serde_json::to_string(&session)
            .map_err(|e| Error::unavailable(format!("session not serialisable: {e}")))?;
        // The key expires with the session. Under an injected clock that lags real time
        // the session's own timeout is used instead, so the key outlives the heartbeat
        // window; reads always filter by `expires_at` against the caller's `now`.
        let timeout_ms = (session.expires_at - session.last_seen)
            .num_milliseconds()
            .max(1);
        let until_ms = (session.expires_at - Utc::now()).num_milliseconds();
        let px = until_ms.max(timeout_ms).max(1);
        let key = self.key("session", session.player.as_str());
        let zkey = self.sessions_key();
        let score = micros(session.expires_at);
        let player = session.player.as_str().to_string();
        self.run("put_session", |mut c| async move {
            redis::pipe()
                .atomic()
                .cmd("SET")
                .arg(&key)
                .arg(json)
                .arg("PX")
                .arg(px)
                .ignore()
                .cmd("ZADD")
                .arg(&zkey)
                .arg(score)
                .arg(player)
                .ignore()
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    async fn session(&self, player: &PlayerId, now: DateTime<Utc>) -> Result<Option<Session>> {
        let key = self.key("session", player.as_str());
        let raw: Option<String> = self
            .run("session", |mut c| async move {
                redis::cmd("GET").arg(key).query_async(&mut c).await
            })
            .await?;
        Ok(raw
            .as_deref()
            .and_then(parse_session)
            .filter(|s| s.expires_at > now))
    }

    async fn sessions_of(
        &self,
        players: &[PlayerId],
        now: DateTime<Utc>,
    ) -> Result<Vec<Option<Session>>> {
        let mut out = Vec::with_capacity(players.len());
        for chunk in players.chunks(MGET_CHUNK) {
            let keys: Vec<String> = chunk
                .iter()
                .map(|p| self.key("session", p.as_str()))
                .collect();
            let raws: Vec<Option<String>> = self
                .run("sessions_of", |mut c| async move {
                    redis::cmd("MGET").arg(keys).query_async(&mut c).await
                })
                .await?;
            out.extend(raws.into_iter().map(|raw| {
                raw.as_deref()
                    .and_then(parse_session)
                    .filter(|s| s.expires_at > now)
            }));
        }
        Ok(out)
    }

    async fn end_session(&self, player: &PlayerId) -> Result<bool> {
        let key = self.key("session", player.as_str());
        let zkey = self.sessions_key();
        let member = player.as_str().to_string();
        let (deleted, removed): (i64, i64) = self
            .run("end_session", |mut c| async move {
                redis::pipe()
                    .atomic()
                    .cmd("DEL")
                    .arg(key)
                    .cmd("ZREM")
                    .arg(zkey)
                    .arg(member)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(deleted > 0 || removed > 0)
    }

    async fn sessions(&self, now: DateTime<Utc>) -> Result<Vec<Session>> {
        let zkey = self.sessions_key();
        let now_us = micros(now);
        // Expired members go first (score <= now), then the rest are read.
        let (players,): (Vec<String>,) = self
            .run("sessions", |mut c| async move {
                redis::pipe()
                    .atomic()
                    .cmd("ZREMRANGEBYSCORE")
                    .arg(&zkey)
                    .arg("-inf")
                    .arg(now_us)
                    .ignore()
                    .cmd("ZRANGE")
                    .arg(&zkey)
                    .arg(0)
                    .arg(-1)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        let mut out = Vec::with_capacity(players.len());
        let mut gone: Vec<String> = Vec::new();
        for chunk in players.chunks(MGET_CHUNK) {
            let keys: Vec<String> = chunk.iter().map(|p| self.key("session", p)).collect();
            let raws: Vec<Option<String>> = self
                .run("sessions", |mut c| async move {
                    redis::cmd("MGET").arg(keys).query_async(&mut c).await
                })
                .await?;
            for (player, raw) in chunk.iter().zip(raws) {
                match raw.as_deref().and_then(parse_session) {
                    Some(s) if s.expires_at > now => out.push(s),
                    Some(_) => {}
                    None => gone.push(player.clone()),
                }
            }
        }
        if !gone.is_empty() {
            // Members whose session key already expired in Redis: drop them (best effort).
            let zkey = self.sessions_key();
            if let Err(e) = self
                .run("sessions cleanup", |mut c| async move {
                    redis::cmd("ZREM")
                        .arg(zkey)
                        .arg(gone)
                        .query_async::<()>(&mut c)
                        .await
                })
                .await
            {
                tracing::debug!(error = %e, "could not drop stale session members");
            }
        }
        out.sort_by(|a, b| a.player.cmp(&b.player));
        Ok(out)
    }

    async fn cache_get(&self, key: &str) -> Result<Option<serde_json::Value>> {
        if !self.options.cache {
            return Ok(None);
        }
        let key = self.key("cache", key);
        let raw: Option<Vec<u8>> = self
            .run("cache_get", |mut c| async move {
                redis::cmd("GET").arg(key).query_async(&mut c).await
            })
            .await?;
        // Absent and tombstone (empty) both read as a miss.
        Ok(raw
            .filter(|b| !b.is_empty())
            .and_then(|b| serde_json::from_slice(&b).ok()))
    }

    async fn cache_put(&self, key: &str, value: serde_json::Value, ttl_secs: u64) -> Result<()> {
        if !self.options.cache || ttl_secs == 0 {
            return Ok(());
        }
        let key = self.key("cache", key);
        let json = serde_json::to_vec(&value)
            .map_err(|e| Error::unavailable(format!("value not serialisable: {e}")))?;
        // NX: a live value or a tombstone already there wins.
        self.run("cache_put", |mut c| async move {
            redis::cmd("SET")
                .arg(key)
                .arg(json)
                .arg("NX")
                .arg("EX")
                .arg(ttl_secs)
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    async fn cache_invalidate(&self, keys: &[String]) -> Result<()> {
        if !self.options.cache || keys.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for k in keys {
            pipe.cmd("SET")
                .arg(self.key("cache", k))
                .arg("")
                .arg("PX")
                .arg(TOMBSTONE_MS)
                .ignore();
        }
        self.run("cache_invalidate", |mut c| async move {
            pipe.query_async::<()>(&mut c).await
        })
        .await
    }

    async fn rate_hit(&self, key: &str, limit: u32, window_secs: u64) -> Result<RateDecision> {
        let key = self.key("rate", key);
        let window_ms = window_secs.saturating_mul(1000).max(1);
        let script = &self.rate_script;
        let (count, ttl_ms): (i64, i64) = self
            .run("rate_hit", |mut c| async move {
                script.key(key).arg(window_ms).invoke_async(&mut c).await
            })
            .await?;
        let count = u32::try_from(count.max(0)).unwrap_or(u32::MAX);
        let ttl_ms = u64::try_from(ttl_ms.max(0)).unwrap_or(0);
        Ok(RateDecision {
            allowed: count <= limit,
            count,
            retry_after_secs: ttl_ms.div_ceil(1000).max(1),
        })
    }

    async fn lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        ttl_secs: i64,
    ) -> Result<bool> {
        let key = self.key("lease", name);
        let until = chrono::Duration::try_seconds(ttl_secs)
            .and_then(|d| now.checked_add_signed(d))
            .ok_or_else(|| Error::invalid("ttl_secs", "lease time to live out of range"))?;
        let px = ttl_secs.saturating_mul(1000).max(1);
        let script = &self.lease_script;
        let holder = holder.to_string();
        let taken: i64 = self
            .run("lease", |mut c| async move {
                script
                    .key(key)
                    .arg(holder)
                    .arg(micros(now))
                    .arg(micros(until))
                    .arg(px)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(taken == 1)
    }

    async fn lease_held(&self, name: &str, holder: &str, now: DateTime<Utc>) -> Result<bool> {
        let key = self.key("lease", name);
        let raw: Option<String> = self
            .run("lease_held", |mut c| async move {
                redis::cmd("GET").arg(key).query_async(&mut c).await
            })
            .await?;
        Ok(raw
            .as_deref()
            .and_then(|v| v.split_once('|'))
            .is_some_and(|(until, h)| {
                h == holder && until.parse::<i64>().is_ok_and(|u| u > micros(now))
            }))
    }

    fn rank_index(&self) -> bool {
        true
    }

    async fn rank_apply(&self, writes: &[RankWrite]) -> Result<()> {
        for chunk in writes.chunks(RANK_APPLY_CHUNK) {
            let mut inv = self.rank_apply_script.prepare_invoke();
            inv.arg(RANK_TOP);
            for w in chunk {
                inv.key(self.rank_key(&w.standings, "z"))
                    .key(self.rank_key(&w.standings, "h"))
                    .key(self.rank_key(&w.standings, "t"))
                    .arg(w.player.as_str())
                    .arg(w.version)
                    .arg(w.member.as_deref().unwrap_or_default());
            }
            let inv = &inv;
            self.run("rank_apply", |mut c| async move {
                inv.invoke_async::<i64>(&mut c).await.map(|_| ())
            })
            .await?;
        }
        Ok(())
    }

    async fn rank_invalidate(&self, standings: &str) -> Result<()> {
        let keys = vec![
            self.rank_key(standings, "ok"),
            self.rank_key(standings, "build"),
        ];
        self.rank_reset("rank_invalidate", keys, None).await
    }

    async fn rank_rebuild_start(&self, standings: &str, token: &str) -> Result<()> {
        let keys = ["ok", "build", "z", "h", "t"]
            .iter()
            .map(|p| self.rank_key(standings, p))
            .collect();
        let build = (self.rank_key(standings, "build"), token.to_string());
        self.rank_reset("rank_rebuild_start", keys, Some(build))
            .await
    }

    async fn rank_rebuild_finish(&self, standings: &str, token: &str) -> Result<bool> {
        let script = &self.rank_finish_script;
        let (ok, build) = (
            self.rank_key(standings, "ok"),
            self.rank_key(standings, "build"),
        );
        let done: i64 = self
            .run("rank_rebuild_finish", |mut c| async move {
                script
                    .key(ok)
                    .key(build)
                    .arg(token)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(done == 1)
    }

    async fn rank_drop(&self, standings: &str) -> Result<()> {
        let keys = ["ok", "build", "z", "h", "t"]
            .iter()
            .map(|p| self.rank_key(standings, p))
            .collect();
        self.rank_reset("rank_drop", keys, None).await
    }

    async fn rank_after(
        &self,
        standings: &str,
        after: Option<&[u8]>,
        limit: u32,
    ) -> Result<Option<Vec<Vec<u8>>>> {
        let start = match after {
            Some(m) => [b"(".as_slice(), m].concat(),
            None => b"-".to_vec(),
        };
        let script = &self.rank_after_script;
        let (ok, z) = (
            self.rank_key(standings, "ok"),
            self.rank_key(standings, "z"),
        );
        self.run("rank_after", |mut c| async move {
            script
                .key(ok)
                .key(z)
                .arg(start)
                .arg(limit)
                .invoke_async(&mut c)
                .await
        })
        .await
    }

    async fn rank_top_version(&self, standings: &str) -> Result<Option<String>> {
        let script = &self.rank_top_version_script;
        let (ok, t) = (
            self.rank_key(standings, "ok"),
            self.rank_key(standings, "t"),
        );
        self.run("rank_top_version", |mut c| async move {
            script.key(ok).key(t).invoke_async(&mut c).await
        })
        .await
    }

    async fn rank_top(&self, standings: &str, limit: u32) -> Result<Option<RankTop>> {
        let script = &self.rank_top_script;
        let keys = ["ok", "t", "z"].map(|p| self.rank_key(standings, p));
        let reply: Option<(String, Vec<Vec<u8>>)> = self
            .run("rank_top", |mut c| async move {
                script
                    .key(&keys[0])
                    .key(&keys[1])
                    .key(&keys[2])
                    .arg(limit.min(RANK_TOP))
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(reply.map(|(version, members)| RankTop { version, members }))
    }

    async fn rank_window(
        &self,
        standings: &str,
        player: &str,
        n: u32,
    ) -> Result<Option<Option<RankWindow>>> {
        let script = &self.rank_window_script;
        let keys = ["ok", "z", "h"].map(|p| self.rank_key(standings, p));
        let reply: redis::Value = self
            .run("rank_window", |mut c| async move {
                script
                    .key(&keys[0])
                    .key(&keys[1])
                    .key(&keys[2])
                    .arg(player)
                    .arg(n)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        let bad = || Error::unavailable("redis rank_window answered an unexpected shape");
        match reply {
            redis::Value::Nil => Ok(None),
            redis::Value::Array(v) if v.is_empty() => Ok(Some(None)),
            redis::Value::Array(v) => {
                let [rank, first, members]: [redis::Value; 3] = v.try_into().map_err(|_| bad())?;
                let rank: u64 = redis::from_redis_value(&rank).map_err(|_| bad())?;
                let first: u64 = redis::from_redis_value(&first).map_err(|_| bad())?;
                let members: Vec<Vec<u8>> = redis::from_redis_value(&members).map_err(|_| bad())?;
                Ok(Some(Some(RankWindow {
                    rank,
                    first,
                    members,
                })))
            }
            _ => Err(bad()),
        }
    }
}
