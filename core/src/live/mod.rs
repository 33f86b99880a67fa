//! Live topics (SPEC.md "Live transport"): what a live connection (the host's WebSocket,
//! a binding's event subscription) may subscribe to, and which events each topic
//! carries. The one definition: the host's WebSocket and the Node and Python
//! subscriptions parse and match topics here; membership is checked by
//! [`crate::Guildhall::check_topic`].
//!
//! Topics:
//!
//! | topic | carries | who may subscribe |
//! | --- | --- | --- |
//! | `player:<id>` | every event listing the player, and `global` chat messages: the player's SSE stream | the player |
//! | `party:<id>` | events whose payload's `party_id` is the party, and `chat_message`s of `party:<id>` | the party's members |
//! | `group:<id>` | events whose payload's `group_id` is the group, and `chat_message`s of `group:<id>` | the group's members |
//! | `room:<id>` | events whose payload's `room_id` (or `room`) is the room, and `chat_message`s of `room:<id>` | players whose live session is in the room (`Location.room`) |
//! | `chat:<channel>` | `chat_message`s of the channel (`global`, `party:<id>`, `direct:<a>:<b>`, ...) | who may read the channel (the chat module's rule) |
//! | `global` | `announcement`s and `global` chat messages | everyone |
//!
//! A connection acts for one player and receives an event of its topics only when the
//! event lists that player or lists no one (a `global` chat message): a player who left
//! a party stops receiving its events at once, and an event is never delivered to a
//! player it does not concern ([`delivers`]).

use crate::chat::{rules::parse_channel, Channel, CHAT_EVENT};
use crate::error::{Error, Result};
use crate::types::{Event, PlayerId};

/// Most topics one live connection holds at once.
pub const MAX_TOPICS: usize = 64;

/// Kind of the events the `global` topic carries besides global chat messages.
pub const ANNOUNCEMENT_EVENT: &str = "announcement";

/// A live topic, parsed (see the module docs for what each carries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic {
    /// A player's own events (`player:<id>`).
    Player(PlayerId),
    /// A party's events (`party:<id>`).
    Party(String),
    /// A group's events (`group:<id>`).
    Group(String),
    /// A room's events (`room:<id>`).
    Room(String),
    /// A chat channel's messages (`chat:<channel>`, the channel in canonical form).
    Chat(Channel),
    /// Announcements and global chat (`global`).
    Global,
}

impl Topic {
    /// Parses `player:<id>`, `party:<id>`, `group:<id>`, `room:<id>` (ids 1 to 128 bytes
    /// without control characters), `chat:<channel>` (a chat channel name, see
    /// [`parse_channel`]) or `global`. Errors: `INVALID_ARGUMENT` (`topic`).
    pub fn parse(name: &str) -> Result<Topic> {
        let bad = |why: &str| Error::invalid("topic", format!("topic '{name}': {why}"));
        if name == "global" {
            return Ok(Topic::Global);
        }
        let Some((kind, rest)) = name.split_once(':') else {
            return Err(bad(
                "expected player:<id>, party:<id>, group:<id>, room:<id>, chat:<channel> or global",
            ));
        };
        let id = |rest: &str| -> Result<String> {
            crate::types::check_text("topic", rest, 1, 128)?;
            Ok(rest.to_string())
        };
        match kind {
            "player" => PlayerId::new(rest)
                .map(Topic::Player)
                .map_err(|_| bad("not a valid player id")),
            "party" => Ok(Topic::Party(id(rest)?)),
            "group" => Ok(Topic::Group(id(rest)?)),
            "room" => Ok(Topic::Room(id(rest)?)),
            "chat" => parse_channel(rest)
                .map(Topic::Chat)
                .map_err(|e| bad(&e.message)),
            _ => Err(bad("unknown topic kind")),
        }
    }

    /// The canonical name (`chat:direct:<a>:<b>` with `a < b`).
    pub fn name(&self) -> String {
        match self {
            Topic::Player(p) => format!("player:{p}"),
            Topic::Party(id) => format!("party:{id}"),
            Topic::Group(id) => format!("group:{id}"),
            Topic::Room(id) => format!("room:{id}"),
            Topic::Chat(c) => format!("chat:{}", c.name()),
            Topic::Global => "global".into(),
        }
    }

    /// Whether `event` belongs to this topic (membership aside; see [`delivers`]).
    pub fn matches(&self, event: &Event) -> bool {
        let field = |k: &str| event.payload.get(k).and_then(|v| v.as_str());
        let chat_channel = || {
            (event.kind == CHAT_EVENT)
                .then(|| field("channel"))
                .flatten()
        };
        let chat_of = |kind: &str, id: &str| {
            chat_channel().is_some_and(|c| {
                c.strip_prefix(kind)
                    .and_then(|r| r.strip_prefix(':'))
                    .is_some_and(|r| r == id)
            })
        };
        match self {
            Topic::Player(p) => crate::chat::reaches(event, p.as_str()),
            Topic::Party(id) => field("party_id") == Some(id.as_str()) || chat_of("party", id),
            Topic::Group(id) => field("group_id") == Some(id.as_str()) || chat_of("group", id),
            Topic::Room(id) => {
                let id = id.as_str();
                field("room_id") == Some(id) || field("room") == Some(id) || chat_of("room", id)
            }
            Topic::Chat(c) => chat_channel().is_some_and(|ch| ch == c.name()),
            Topic::Global => {
                event.kind == ANNOUNCEMENT_EVENT
                    || (event.kind == CHAT_EVENT && chat_channel() == Some("global"))
            }
        }
    }
}

impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// Whether a connection acting for `player` with `topics` receives `event`: one of the
/// topics matches and the event lists the player or lists no one. `lists_player` answers
/// whether the event lists the player (the host answers it from an index built once per
/// event; [`lists`] scans).
pub fn delivers(topics: &[Topic], event: &Event, lists_player: impl FnOnce() -> bool) -> bool {
    topics.iter().any(|t| t.matches(event)) && (event.players.is_empty() || lists_player())
}

/// Whether `event` lists `player` (a scan of its players).
pub fn lists(event: &Event, player: &str) -> bool {
    event.players.iter().any(|p| p.as_str() == player)
}

/// Parses a list of topic names, dropping repeats. Errors: `INVALID_ARGUMENT` (a bad
/// name, no topics, more than [`MAX_TOPICS`]).
pub fn parse_topics<S: AsRef<str>>(names: &[S]) -> Result<Vec<Topic>> {
    if names.is_empty() {
        return Err(Error::invalid("topics", "name at least one topic"));
    }
    let mut out: Vec<Topic> = Vec::new();
    for n in names {
        let t = Topic::parse(n.as_ref())?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > MAX_TOPICS {
        return Err(Error::invalid(
            "topics",
            format!("at most {MAX_TOPICS} topics"),
        ));
    }
    Ok(out)
}

/// Seqs a live consumer remembers having handed out ([`Cursor`]).
pub const SEEN_MEMORY: usize = 4096;

/// The resume rule of every live consumer (the host's SSE and WebSocket, the bindings'
/// subscriptions): subscribe to the live feed first, then replay the outbox after the
/// cursor, and hand out an event only if its seq is above the cursor and was not handed
/// out already. Events of concurrent commits are published in any order, so the cursor
/// remembers which seqs it saw (up to [`SEEN_MEMORY`]; forgetting the oldest raises the
/// floor) rather than only the highest.
#[derive(Debug, Clone, Default)]
pub struct Cursor {
    /// Events at or below this seq count as handed out (`None`: live only).
    pub floor: Option<i64>,
    seen: std::collections::BTreeSet<i64>,
}

impl Cursor {
    /// A cursor after `after` (`None`: live only, nothing to replay).
    pub fn after(after: Option<i64>) -> Self {
        Cursor {
            floor: after,
            seen: Default::default(),
        }
    }

    /// Marks `seq` handed out; false when it was already or is at or below the floor.
    pub fn admit(&mut self, seq: i64) -> bool {
        if self.floor.is_some_and(|f| seq <= f) || !self.seen.insert(seq) {
            return false;
        }
        if self.seen.len() > SEEN_MEMORY {
            if let Some(oldest) = self.seen.pop_first() {
                self.floor = Some(self.floor.map_or(oldest, |f| f.max(oldest)));
            }
        }
        true
    }

    /// Whether the cursor has a floor or handed anything out (a live-only consumer that
    /// has seen nothing has nothing to resume after falling behind).
    pub fn started(&self) -> bool {
        self.floor.is_some() || !self.seen.is_empty()
    }

    /// Where a replay after falling behind the live feed starts: the floor, else just
    /// before the oldest seq seen, else the start of the outbox.
    pub fn resume_from(&self) -> i64 {
        match (self.floor, self.seen.first()) {
            (Some(f), _) => f,
            (None, Some(first)) => first - 1,
            (None, None) => 0,
        }
    }
}

/// A live consumer's filter: its topics and the player it acts for, either optional
/// (the bindings act as trusted servers: no membership check, only delivery).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Events for this player only (the SSE stream's rule, or with `topics` the
    /// delivery rule of [`delivers`]).
    pub player: Option<String>,
    /// Events of these topics only.
    pub topics: Option<Vec<Topic>>,
    /// Events of these kinds only.
    pub kinds: Option<Vec<String>>,
}

impl Filter {
    /// Whether `e` passes.
    pub fn accepts(&self, e: &Event) -> bool {
        let topical = match (&self.topics, &self.player) {
            (Some(t), Some(p)) => delivers(t, e, || lists(e, p)),
            (Some(t), None) => t.iter().any(|t| t.matches(e)),
            (None, Some(p)) => crate::chat::reaches(e, p),
            (None, None) => true,
        };
        topical && self.kinds.as_ref().is_none_or(|k| k.contains(&e.kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(kind: &str, players: &[&str], payload: serde_json::Value) -> Event {
        Event {
            seq: 1,
            id: "e".into(),
            kind: kind.into(),
            at: chrono::Utc::now(),
            players: players.iter().map(|p| PlayerId::new(*p).unwrap()).collect(),
            payload,
        }
    }

    #[test]
    fn topics_parse_to_canonical_names() {
        assert_eq!(Topic::parse("global").unwrap(), Topic::Global);
        assert_eq!(Topic::parse("party:p1").unwrap().name(), "party:p1");
        assert_eq!(
            Topic::parse("chat:direct:zed:amy").unwrap().name(),
            "chat:direct:amy:zed"
        );
        assert_eq!(Topic::parse("room:r:1").unwrap(), Topic::Room("r:1".into()));
        for bad in [
            "",
            "party",
            "party:",
            "nope:x",
            "chat:nope",
            "player:",
            "room:a\u{1}",
        ] {
            let e = Topic::parse(bad).unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::InvalidArgument, "{bad}");
        }
        assert!(parse_topics::<&str>(&[]).is_err());
        let many: Vec<String> = (0..=MAX_TOPICS).map(|i| format!("room:{i}")).collect();
        assert!(parse_topics(&many).is_err());
        assert_eq!(parse_topics(&["global", "global"]).unwrap().len(), 1);
    }

    #[test]
    fn topics_match_their_events() {
        let party = ev("party_joined", &["a", "b"], json!({ "party_id": "p1" }));
        let group = ev("group_joined", &["a"], json!({ "group_id": "g1" }));
        let room = ev("room_joined", &["a"], json!({ "room_id": "r1" }));
        let chat = ev(CHAT_EVENT, &["a", "b"], json!({ "channel": "party:p1" }));
        let global = ev(CHAT_EVENT, &[], json!({ "channel": "global" }));
        let ann = ev(ANNOUNCEMENT_EVENT, &["a"], json!({}));
        let t = |s: &str| Topic::parse(s).unwrap();
        assert!(t("party:p1").matches(&party) && !t("party:p2").matches(&party));
        assert!(t("party:p1").matches(&chat) && t("chat:party:p1").matches(&chat));
        assert!(!t("chat:party:p1").matches(&party));
        assert!(t("group:g1").matches(&group) && !t("party:g1").matches(&group));
        assert!(t("room:r1").matches(&room) && !t("room:r").matches(&room));
        assert!(t("global").matches(&global) && t("global").matches(&ann));
        assert!(!t("global").matches(&party));
        assert!(t("player:a").matches(&party) && t("player:z").matches(&global));
        assert!(!t("player:z").matches(&party));
        // Delivery needs the event to list the player (or no one).
        let topics = [t("party:p1")];
        assert!(delivers(&topics, &party, || lists(&party, "a")));
        assert!(!delivers(&topics, &party, || lists(&party, "z")));
        assert!(delivers(&[t("global")], &global, || false));
        let f = Filter {
            player: Some("z".into()),
            topics: Some(vec![t("party:p1")]),
            kinds: None,
        };
        assert!(!f.accepts(&party) && !f.accepts(&chat));
    }

    #[test]
    fn the_cursor_hands_out_each_seq_once_above_its_floor() {
        let mut c = Cursor::after(Some(10));
        assert!(!c.admit(10) && c.admit(12) && !c.admit(12) && c.admit(11));
        assert_eq!(c.resume_from(), 10);
        let mut live = Cursor::after(None);
        assert_eq!(live.resume_from(), 0);
        assert!(live.admit(5));
        assert_eq!(live.resume_from(), 4);
        for s in 100..100 + SEEN_MEMORY as i64 {
            assert!(live.admit(s));
        }
        assert_eq!(live.floor, Some(5), "the oldest forgotten raises the floor");
        assert!(!live.admit(5));
    }
}
