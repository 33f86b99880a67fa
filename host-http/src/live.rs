//! The live feed shared by the host's two transports, the SSE stream ([`crate::sse`])
//! and the WebSocket ([`crate::ws`]) (SPEC.md "Live transport").
//!
//! * [`Hub`]: one task per host reads the core's live events (`Guildhall::subscribe`:
//!   this host's commits, and with the Redis coordinator every host's) and prepares each
//!   once — its JSON, its WebSocket frame, an index of the players it lists — for every
//!   connection of this host. A delivery is then a shared buffer, not a serialization per
//!   connection. If the hub itself falls behind the core's feed it tells every
//!   connection, which resumes from the outbox.
//! * [`Feed`]: the state of one connection's delivery, the same rule on both transports:
//!   resume after a cursor (a previous event's `seq`) by replaying the player's events
//!   from the outbox; no gaps and no duplicates because the connection subscribes to the
//!   live feed *before* it reads the outbox, so an event committed meanwhile is in the
//!   replay, in the live feed, or both, and an event is sent only if its seq is above the
//!   cursor and was not sent already (the feed remembers the seqs it sent, up to a
//!   bound; older ones raise the cursor). A connection that falls behind the live feed
//!   (lagged) resumes from the outbox the same way. [`Interest`] says which events a
//!   connection wants (the player's stream for SSE, its topics for the WebSocket).

use crate::auth::Principal;
use crate::AppState;
use axum::extract::ws::Utf8Bytes;
use chrono::{DateTime, Utc};
use guildhall_core::types::{Event, PlayerId};
use guildhall_core::{Error, Guildhall};
use std::collections::{BTreeSet, HashSet, VecDeque};
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// Seqs a connection remembers having sent (to drop duplicates between replay and live
/// feed).
pub const SENT_MEMORY: usize = 4096;
/// Events read from the outbox per page while replaying.
pub const REPLAY_PAGE: u32 = 500;
/// Prepared events the hub keeps for slow connections before they lag (and resume from
/// the outbox).
pub const HUB_CAPACITY: usize = 4096;
/// An event listing more players than this gets a hash index of them (a room broadcast
/// to 10,000 players is checked once per connection in constant time).
const INDEX_PLAYERS_OVER: usize = 16;

/// One committed event, prepared once per host for every connection.
#[derive(Debug)]
pub struct LiveEvent {
    /// The event.
    pub event: Arc<Event>,
    /// The WebSocket frame: `{"type":"event","id":<seq>,"kind":<kind>,"event":<event>}`.
    frame: Utf8Bytes,
    /// Where the event's JSON starts in `frame` (it ends before the last byte).
    json_at: usize,
    /// The players listed, when there are many.
    index: Option<HashSet<String>>,
}

impl LiveEvent {
    /// Prepares `event`.
    pub fn new(event: Arc<Event>) -> Arc<Self> {
        let json = serde_json::to_string(&*event).unwrap_or_else(|_| "{}".into());
        let kind = serde_json::to_string(&event.kind).unwrap_or_else(|_| "\"\"".into());
        let head = format!(
            "{{\"type\":\"event\",\"id\":{},\"kind\":{kind},\"event\":",
            event.seq
        );
        let json_at = head.len();
        let frame = head + &json + "}";
        let index = (event.players.len() > INDEX_PLAYERS_OVER).then(|| {
            event
                .players
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect()
        });
        Arc::new(LiveEvent {
            event,
            frame: frame.into(),
            json_at,
            index,
        })
    }

    /// The event as JSON (the SSE `data:`; the same text as in the WebSocket frame).
    pub fn json(&self) -> &str {
        let s = self.frame.as_str();
        &s[self.json_at..s.len() - 1]
    }

    /// The WebSocket text frame (a shared buffer: cloning it copies nothing).
    pub fn frame(&self) -> Utf8Bytes {
        self.frame.clone()
    }

    /// Whether the event lists `player`.
    pub fn lists(&self, player: &str) -> bool {
        match &self.index {
            Some(set) => set.contains(player),
            None => guildhall_core::live::lists(&self.event, player),
        }
    }
}

/// What the hub hands every connection.
#[derive(Debug, Clone)]
pub enum Live {
    /// An event as it committed.
    Event(Arc<LiveEvent>),
    /// The hub missed events of the core's feed: resume from the outbox.
    Lagged,
}

/// The host's fan-out of prepared live events (see the module docs).
#[derive(Debug)]
pub struct Hub {
    tx: broadcast::Sender<Live>,
}

impl Hub {
    /// Starts the hub's task over `gh`'s live feed. The task ends when the core's feed
    /// closes or `shutdown` turns true.
    pub fn start(gh: &Guildhall, mut shutdown: watch::Receiver<bool>) -> Hub {
        let (tx, _) = broadcast::channel(HUB_CAPACITY);
        let mut rx = gh.subscribe();
        let out = tx.clone();
        tokio::spawn(async move {
            let mut watching = true;
            loop {
                let received = if watching {
                    tokio::select! {
                        r = rx.recv() => r,
                        stop = shutdown.wait_for(|s| *s) => match stop {
                            Ok(_) => return,
                            // No shutdown signal (a router on its own): run until the
                            // feed closes.
                            Err(_) => {
                                watching = false;
                                continue;
                            }
                        },
                    }
                } else {
                    rx.recv().await
                };
                let live = match received {
                    Ok(e) => Live::Event(LiveEvent::new(e)),
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "live hub fell behind the event feed; connections resume from the outbox");
                        Live::Lagged
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                // No connection listening is fine.
                let _ = out.send(live);
            }
        });
        Hub { tx }
    }

    /// A receiver of every prepared event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Live> {
        self.tx.subscribe()
    }

    /// Connections listening on this host.
    pub fn listeners(&self) -> usize {
        self.tx.receiver_count()
    }
}

/// Which events a connection wants.
pub trait Interest {
    /// Whether `e` goes to this connection.
    fn wants(&self, e: &LiveEvent) -> bool;
}

/// The SSE stream's interest: every event listing the player, and `global` chat
/// messages ([`guildhall_core::chat::reaches`]).
pub struct PlayerStream(pub PlayerId);

impl Interest for PlayerStream {
    fn wants(&self, e: &LiveEvent) -> bool {
        // `reaches` with the player's index: listed, or a global chat message.
        e.lists(self.0.as_str())
            || (e.event.players.is_empty() && guildhall_core::chat::reaches(&e.event, ""))
    }
}

/// The state of one connection's delivery (see the module docs).
pub struct Feed<I> {
    gh: Guildhall,
    player: PlayerId,
    /// Which events the connection wants (the WebSocket changes its topics here).
    pub interest: I,
    live: broadcast::Receiver<Live>,
    shutdown: watch::Receiver<bool>,
    /// When the feed opened; a lag-resume without any cursor replays from here.
    opened_at: DateTime<Utc>,
    /// Events with seq <= floor count as sent. None: no cursor yet (live only).
    floor: Option<i64>,
    /// Seqs above the floor already sent.
    sent: BTreeSet<i64>,
    /// Replayed events waiting to be sent.
    backlog: VecDeque<Arc<LiveEvent>>,
    /// The outbox after this seq is still to be replayed.
    replay: Option<i64>,
    /// The feed has ended.
    done: bool,
}

impl<I: Interest> Feed<I> {
    /// A feed for `player` subscribed to the live events now (call it before anything
    /// is read). `cursor`: resume after this seq (replayed first); `None`: live only.
    pub fn open(state: &AppState, player: PlayerId, interest: I, cursor: Option<i64>) -> Self {
        let live = state.hub().subscribe();
        Feed {
            gh: state.gh.clone(),
            player,
            interest,
            live,
            shutdown: state.shutdown.clone(),
            opened_at: state.gh.clock().now(),
            floor: cursor,
            sent: BTreeSet::new(),
            backlog: VecDeque::new(),
            replay: cursor,
            done: false,
        }
    }

    /// The connection's cursor: events at or below it count as sent (`None`: live only).
    pub fn cursor(&self) -> Option<i64> {
        self.floor
    }

    /// Replays the outbox again from the cursor (after the interest grew: events of a
    /// new topic above the cursor that were not sent yet). `after` sets the cursor when
    /// the feed has none. Without any cursor nothing is replayed (live only).
    pub fn resume(&mut self, after: Option<i64>) {
        if self.floor.is_none() && self.sent.is_empty() {
            self.floor = after;
        }
        let from = match (self.floor, self.sent.first()) {
            (Some(f), _) => Some(f),
            (None, Some(first)) => Some(first - 1),
            (None, None) => None,
        };
        if let Some(from) = from {
            self.replay = Some(self.replay.map_or(from, |r| r.min(from)));
            self.backlog.clear();
        }
    }

    /// Marks `e` sent if it is new; false for a duplicate or one below the floor.
    fn admit(&mut self, seq: i64) -> bool {
        if self.floor.is_some_and(|f| seq <= f) || self.sent.contains(&seq) {
            return false;
        }
        self.sent.insert(seq);
        if self.sent.len() > SENT_MEMORY {
            if let Some(oldest) = self.sent.pop_first() {
                self.floor = Some(self.floor.map_or(oldest, |f| f.max(oldest)));
            }
        }
        true
    }

    /// The next event to send, or `None` when the feed ends (shutdown, the live feed
    /// closed, an outbox error while replaying: the client reconnects with its last id
    /// and resumes). Cancel-safe: dropping the future loses nothing (a replay page is
    /// read again).
    pub async fn next(&mut self) -> Option<Arc<LiveEvent>> {
        loop {
            if self.done {
                return None;
            }
            while let Some(e) = self.backlog.pop_front() {
                if self.interest.wants(&e) && self.admit(e.event.seq) {
                    return Some(e);
                }
            }
            if let Some(after) = self.replay {
                match self
                    .gh
                    .player_events_after(&self.player, after, Some(REPLAY_PAGE))
                    .await
                {
                    Ok(page) => {
                        let full = page.len() as u32 >= REPLAY_PAGE;
                        let last = page.last().map_or(after, |e| e.seq);
                        let since = self.opened_at;
                        let no_cursor = self.floor.is_none() && self.sent.is_empty();
                        self.backlog.extend(
                            page.into_iter()
                                .filter(|e| !no_cursor || e.at >= since)
                                .map(|e| LiveEvent::new(Arc::new(e))),
                        );
                        self.replay = full.then_some(last);
                    }
                    Err(e) => {
                        tracing::warn!(player = %self.player, error = %e, "live replay failed; closing the connection's feed");
                        self.done = true;
                    }
                }
                continue;
            }
            if *self.shutdown.borrow_and_update() {
                return None;
            }
            let stop = &mut self.shutdown;
            let live = &mut self.live;
            let shutdown = async move {
                if stop.wait_for(|stop| *stop).await.is_err() {
                    // No shutdown signal (router used on its own): never ends this way.
                    std::future::pending::<()>().await;
                }
            };
            let received = tokio::select! {
                _ = shutdown => return None,
                received = live.recv() => received,
            };
            match received {
                Ok(Live::Event(e)) => {
                    if self.interest.wants(&e) && self.admit(e.event.seq) {
                        return Some(e);
                    }
                }
                Ok(Live::Lagged) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    tracing::debug!(player = %self.player, "live feed fell behind; resuming from the outbox");
                    let from = match (self.floor, self.sent.first()) {
                        (Some(f), _) => f,
                        (None, Some(first)) => first - 1,
                        (None, None) => 0,
                    };
                    self.replay = Some(from);
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// Whether a player's connection may stay open, checked at every heartbeat: its access
/// token has not expired (`issued_at` + `[auth] access_ttl_secs`) and still reaches the
/// player (not signed out, the player or its account not banned, a character not
/// deleted: `Guildhall::check_token_reach`, over the access cache). A trusted server's
/// key is checked when the connection opens only. Errors: `UNAUTHENTICATED`, `BANNED`,
/// `FORBIDDEN`.
pub(crate) async fn still_allowed(
    s: &AppState,
    principal: &Principal,
    player: &PlayerId,
) -> Result<(), Error> {
    let Principal::Player { id, issued_at } = principal else {
        return Ok(());
    };
    let expires = *issued_at + chrono::Duration::seconds(s.auth.settings.access_ttl_secs);
    if s.gh.clock().now() >= expires {
        return Err(Error::new(
            guildhall_core::ErrorCode::Unauthenticated,
            "the access token has expired; reconnect with a fresh one and `after` to resume",
        ));
    }
    s.gh.check_token_reach(id, player, *issued_at).await
}
