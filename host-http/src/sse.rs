//! `GET /v1/players/{player}/events`: the per-player server-sent-events stream (SPEC.md
//! Announcements "Delivery").
//!
//! Every committed event whose `players` include the player, and every `chat_message` of
//! the `global` channel (whose event lists no players), goes out as one SSE event:
//! `id:` the event's outbox `seq`, `event:` its kind (`mail_received`, `announcement`,
//! `currency_granted`, `party_joined`, `match_found`, ...), `data:` the event as JSON.
//!
//! Resuming: a `Last-Event-ID` header (sent by `EventSource` on reconnect) or else
//! `?after=SEQ` replays the player's events after that seq from the outbox (global chat
//! messages are live only; `channel_history` reads them back), then the stream
//! continues live. Without either the stream is live only, from the moment the
//! response starts.
//!
//! No gaps, no duplicates: the handler subscribes to the live feed *before* reading the
//! outbox, so an event committed meanwhile is in the replay, in the live feed, or in
//! both; an event is sent only if its seq is above the cursor and has not been sent
//! already (the stream remembers the seqs it sent, up to [`SENT_MEMORY`]; older ones
//! raise the cursor). A receiver that falls behind the live feed (lagged) resumes from
//! the outbox the same way.
//!
//! Idle streams get a `:heartbeat` comment every `sse_heartbeat_secs`; writing it to a
//! dead connection fails, which drops the stream. The stream belongs to its connection:
//! when the client goes away the stream is dropped with it (nothing is spawned), and at
//! server shutdown it ends so graceful shutdown does not wait for it.

use crate::error::AppError;
use crate::extract::{player, ApiPath, ApiQuery};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use chrono::{DateTime, Utc};
use futures::stream::Stream;
use guildhall_core::types::{Event, PlayerId};
use guildhall_core::Guildhall;
use serde::Deserialize;
use std::collections::{BTreeSet, VecDeque};
use std::convert::Infallible;
use tokio::sync::{broadcast, watch};
use utoipa::IntoParams;

/// Seqs a stream remembers having sent (to drop duplicates between replay and live feed).
pub const SENT_MEMORY: usize = 4096;
/// Events read from the outbox per page while replaying.
pub const REPLAY_PAGE: u32 = 500;

/// Query of `GET /v1/players/{player}/events`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Replay the player's events after this seq first (a `Last-Event-ID` header wins).
    #[serde(default)]
    pub after: Option<i64>,
}

/// The player's live event stream (`text/event-stream`).
#[utoipa::path(get, path = "/v1/players/{player}/events", tag = "events",
    params(("player" = String, Path, description = "Player id"), StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event seq (EventSource sends it on reconnect)")),
    responses((status = 200, content_type = "text/event-stream",
        description = "Server-sent events: `id` = seq, `event` = kind, `data` = the event JSON; `:heartbeat` comments when idle"),
        (status = 400, body = guildhall_core::Error)))]
pub async fn player_events(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
    ApiQuery(q): ApiQuery<StreamQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, AppError> {
    let pid = player(p)?;
    let last_event_id = match headers.get("last-event-id") {
        None => None,
        Some(v) => {
            let text = v.to_str().unwrap_or("").trim();
            if text.is_empty() {
                None
            } else {
                Some(text.parse::<i64>().map_err(|_| {
                    AppError::invalid(
                        "Last-Event-ID",
                        "Last-Event-ID is the seq of an event of this stream",
                    )
                })?)
            }
        }
    };
    let cursor = last_event_id.or(q.after);
    if matches!(cursor, Some(c) if c < 0) {
        return Err(AppError::invalid("after", "after is a seq, 0 or more"));
    }
    // Subscribe before anything is read, so nothing committed from now on is missed.
    let live = s.gh.subscribe();
    let feed = Feed {
        gh: s.gh.clone(),
        player: pid,
        live,
        shutdown: s.shutdown.clone(),
        opened_at: s.gh.clock().now(),
        floor: cursor,
        sent: BTreeSet::new(),
        backlog: VecDeque::new(),
        replay: cursor.map(|c| Replay { after: c }),
        done: false,
    };
    let stream = futures::stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok(sse_event(&event)), feed))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(s.sse_heartbeat).text("heartbeat")))
}

fn sse_event(e: &Event) -> SseEvent {
    let base = SseEvent::default().id(e.seq.to_string()).event(&e.kind);
    match base.clone().json_data(e) {
        Ok(ev) => ev,
        Err(_) => base.data("{}"),
    }
}

/// An outbox replay in progress: the next page starts after `after`.
struct Replay {
    after: i64,
}

/// The state of one stream.
struct Feed {
    gh: Guildhall,
    player: PlayerId,
    live: broadcast::Receiver<std::sync::Arc<Event>>,
    shutdown: watch::Receiver<bool>,
    /// When the stream opened; a lag-resume without any cursor replays from here.
    opened_at: DateTime<Utc>,
    /// Events with seq <= floor count as sent. None: no cursor yet (live only).
    floor: Option<i64>,
    /// Seqs above the floor already sent.
    sent: BTreeSet<i64>,
    /// Replayed events waiting to be sent.
    backlog: VecDeque<std::sync::Arc<Event>>,
    /// Set while the outbox is being replayed.
    replay: Option<Replay>,
    /// The stream has ended.
    done: bool,
}

impl Feed {
    /// Marks `e` sent if it is new; false for a duplicate or one below the floor.
    fn admit(&mut self, e: &Event) -> bool {
        if self.floor.is_some_and(|f| e.seq <= f) || self.sent.contains(&e.seq) {
            return false;
        }
        self.sent.insert(e.seq);
        if self.sent.len() > SENT_MEMORY {
            if let Some(oldest) = self.sent.pop_first() {
                self.floor = Some(self.floor.map_or(oldest, |f| f.max(oldest)));
            }
        }
        true
    }

    /// The events listing the player, and `global` chat messages (which list no one and
    /// reach every stream; see [`guildhall_core::chat::reaches`]).
    fn concerns(&self, e: &Event) -> bool {
        guildhall_core::chat::reaches(e, self.player.as_str())
    }

    /// The next event to send, or `None` when the stream ends (shutdown, the live feed
    /// closed). Outbox errors while replaying end the stream too: the client reconnects
    /// with `Last-Event-ID` and resumes.
    async fn next(&mut self) -> Option<std::sync::Arc<Event>> {
        loop {
            if self.done {
                return None;
            }
            while let Some(e) = self.backlog.pop_front() {
                if self.admit(&e) {
                    return Some(e);
                }
            }
            if let Some(r) = &self.replay {
                let after = r.after;
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
                                .map(std::sync::Arc::new),
                        );
                        self.replay = full.then_some(Replay { after: last });
                    }
                    Err(e) => {
                        tracing::warn!(player = %self.player, error = %e, "event stream replay failed; closing the stream");
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
                Ok(e) => {
                    if self.concerns(&e) && self.admit(&e) {
                        return Some(e);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(player = %self.player, missed, "event stream fell behind; resuming from the outbox");
                    let from = match (self.floor, self.sent.first()) {
                        (Some(f), _) => f,
                        (None, Some(first)) => first - 1,
                        (None, None) => 0,
                    };
                    self.replay = Some(Replay { after: from });
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}
