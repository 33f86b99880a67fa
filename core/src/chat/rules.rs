//! Decisions of the chat module (SPEC.md Chat), pure functions with their unit tests:
//! channel names, the body rule, masking, who may post or read, the mute, the message
//! and its event, history cursors.

use super::{Channel, ChatConfig, ChatMessage, ChatMute, PostMessageRequest, CHAT_EVENT};
use crate::ctx::Ctx;
use crate::error::{Error, ErrorCode, Result};
use crate::ports::ChangeSet;
use crate::types::PlayerId;
use chrono::{DateTime, Utc};
use serde_json::json;

/// Most characters in a message body.
pub const MAX_BODY_CHARS: usize = 500;
/// Most bytes of a message's metadata, as JSON.
pub const MAX_METADATA_BYTES: usize = 4096;
/// Default page size of a channel's history.
pub const DEFAULT_PAGE: u32 = 50;
/// Largest page size of a channel's history.
pub const MAX_PAGE: u32 = 200;

/// Parses a channel name: `global`, `room:<id>`, `party:<id>`, `group:<id>` (ids 1 to
/// 128 bytes without control characters) or `direct:<a>:<b>` (two different valid player
/// ids in either order; returned in ascending order). Player ids may contain `:`: the
/// name must split into two valid, different ids in exactly one way.
/// Errors: `INVALID_ARGUMENT` (`channel`).
pub fn parse_channel(name: &str) -> Result<Channel> {
    let bad = |why: &str| Error::invalid("channel", format!("channel '{name}': {why}"));
    if name == "global" {
        return Ok(Channel::Global);
    }
    let Some((kind, rest)) = name.split_once(':') else {
        return Err(bad(
            "expected global, room:<id>, party:<id>, group:<id> or direct:<a>:<b>",
        ));
    };
    let id = |rest: &str| -> Result<String> {
        crate::types::check_text("channel", rest, 1, 128)?;
        Ok(rest.to_string())
    };
    match kind {
        "room" => Ok(Channel::Room(id(rest)?)),
        "party" => Ok(Channel::Party(id(rest)?)),
        "group" => Ok(Channel::Group(id(rest)?)),
        "direct" => {
            let mut found = None;
            for (i, _) in rest.match_indices(':') {
                let (a, b) = (&rest[..i], &rest[i + 1..]);
                if let (Ok(a), Ok(b)) = (PlayerId::new(a), PlayerId::new(b)) {
                    if a != b {
                        if found.is_some() {
                            return Err(bad("the two player ids cannot be told apart"));
                        }
                        found = Some(if a < b { (a, b) } else { (b, a) });
                    }
                }
            }
            found
                .map(|(a, b)| Channel::Direct(a, b))
                .ok_or_else(|| bad("expected direct:<a>:<b> with two different player ids"))
        }
        _ => Err(bad("unknown channel kind")),
    }
}

/// The direct channel of two players (ascending order). Errors: `INVALID_ARGUMENT` when
/// they are the same player.
pub fn direct_channel(a: &PlayerId, b: &PlayerId) -> Result<Channel> {
    if a == b {
        return Err(Error::invalid(
            "channel",
            "a direct channel joins two players",
        ));
    }
    Ok(if a < b {
        Channel::Direct(a.clone(), b.clone())
    } else {
        Channel::Direct(b.clone(), a.clone())
    })
}

/// Checks a body: 1 to 500 characters (Unicode scalar values), no control characters
/// except newline. Errors: `INVALID_ARGUMENT` (`body`).
pub fn check_body(body: &str) -> Result<()> {
    let n = body.chars().count();
    if n == 0 || n > MAX_BODY_CHARS {
        return Err(Error::invalid(
            "body",
            format!("a message is 1 to {MAX_BODY_CHARS} characters ({n} given)"),
        ));
    }
    if body.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::invalid(
            "body",
            "a message may not contain control characters other than newline",
        ));
    }
    Ok(())
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn same_letter(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// Replaces every whole-word, case-insensitive occurrence of a listed word with as many
/// asterisks as it has characters. A word stands whole when the characters next to it
/// are not letters, digits or `_`.
pub fn mask(body: &str, words: &[String]) -> String {
    if words.is_empty() {
        return body.to_string();
    }
    let mut chars: Vec<char> = body.chars().collect();
    for w in words {
        let w: Vec<char> = w.trim().chars().collect();
        if w.is_empty() || w.len() > chars.len() {
            continue;
        }
        let mut i = 0;
        while i + w.len() <= chars.len() {
            let hit = chars[i..i + w.len()]
                .iter()
                .zip(&w)
                .all(|(a, b)| same_letter(*a, *b))
                && (i == 0 || !word_char(chars[i - 1]))
                && chars.get(i + w.len()).is_none_or(|c| !word_char(*c));
            if hit {
                for c in &mut chars[i..i + w.len()] {
                    *c = '*';
                }
                i += w.len();
            } else {
                i += 1;
            }
        }
    }
    chars.into_iter().collect()
}

/// Refuses a muted player. Errors: `MUTED` with `details.until` (UTC) while `now` is
/// before the mute's end.
pub fn check_mute(mute: Option<&ChatMute>, now: DateTime<Utc>) -> Result<()> {
    match mute {
        Some(m) if now < m.until => Err(Error::new(
            ErrorCode::Muted,
            format!("{} is muted until {}", m.player, m.until.to_rfc3339()),
        )
        .with_details(json!({ "player": m.player, "until": m.until, "reason": m.reason }))),
        _ => Ok(()),
    }
}

/// Who a channel's messages go to and who may use it, as the service read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Everyone (the global channel).
    Everyone,
    /// These players (party or group members, players in the room, the two of a direct
    /// channel).
    Members(Vec<PlayerId>),
}

/// Whether `player` may post to or read `channel` given its `audience` and, for a direct
/// channel, whether either player blocked the other. Errors: `NOT_CHANNEL_MEMBER`,
/// `BLOCKED` (direct channel between players where one blocked the other).
pub fn check_member(
    channel: &Channel,
    player: &PlayerId,
    audience: &Audience,
    blocked: bool,
) -> Result<()> {
    let member = match audience {
        Audience::Everyone => true,
        Audience::Members(m) => m.contains(player),
    };
    if !member {
        return Err(Error::new(
            ErrorCode::NotChannelMember,
            format!("{player} is not a member of channel '{}'", channel.name()),
        )
        .with_details(json!({ "player": player, "channel": channel.name() })));
    }
    if blocked {
        if let Channel::Direct(a, b) = channel {
            let other = if a == player { b } else { a };
            return Err(Error::new(
                ErrorCode::Blocked,
                format!("{player} and {other} cannot chat: one blocked the other"),
            )
            .with_details(json!({ "player": player, "other": other })));
        }
    }
    Ok(())
}

/// Checks a post request's body and metadata and returns the parsed channel.
/// Errors: `INVALID_ARGUMENT` (`channel`, `body`, `metadata` over 4096 bytes).
pub fn check_post(req: &PostMessageRequest) -> Result<Channel> {
    let channel = parse_channel(&req.channel)?;
    check_body(&req.body)?;
    if let Some(m) = &req.metadata {
        if m.to_string().len() > MAX_METADATA_BYTES {
            return Err(Error::invalid(
                "metadata",
                format!("metadata is at most {MAX_METADATA_BYTES} bytes of JSON"),
            ));
        }
    }
    Ok(channel)
}

/// Posts a message (SPEC.md Chat): checks the request, membership, block and mute,
/// masks the body, and writes the message and its `chat_message` event (to the channel's
/// members; no players listed for `global`) into one change set.
/// Errors: `INVALID_ARGUMENT`, `NOT_CHANNEL_MEMBER`, `BLOCKED`, `MUTED`.
pub fn post(
    config: &ChatConfig,
    ctx: &Ctx,
    req: &PostMessageRequest,
    audience: &Audience,
    blocked: bool,
    mute: Option<&ChatMute>,
) -> Result<(ChangeSet, ChatMessage)> {
    let channel = check_post(req)?;
    check_member(&channel, &req.player, audience, blocked)?;
    check_mute(mute, ctx.now)?;
    let msg = ChatMessage {
        id: ctx.id(),
        channel: channel.name(),
        sender: req.player.clone(),
        body: mask(&req.body, &config.masked_words),
        sent_at: ctx.now,
        metadata: req.metadata.clone().unwrap_or(serde_json::Value::Null),
        replayed: false,
    };
    let players = match audience {
        Audience::Everyone => Vec::new(),
        Audience::Members(m) => m.clone(),
    };
    let mut cs = ChangeSet::default();
    cs.events.push(ctx.event(
        CHAT_EVENT,
        players,
        serde_json::to_value(&msg).unwrap_or_default(),
    ));
    cs.chat.push(msg.clone());
    Ok((cs, msg))
}

/// Checks a mute: `until` after `now`, reason up to 500 bytes without control
/// characters. Errors: `INVALID_ARGUMENT`.
pub fn mute(
    player: &PlayerId,
    until: DateTime<Utc>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<ChatMute> {
    if until <= now {
        return Err(Error::invalid("until", "a mute ends in the future"));
    }
    crate::types::check_text("reason", reason, 0, 500)?;
    Ok(ChatMute {
        player: player.clone(),
        until,
        reason: reason.to_string(),
        muted_at: now,
    })
}

/// A history position: messages strictly older than it come next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// `sent_at` of the last message read, microseconds since the epoch (UTC).
    pub sent_at_micros: i64,
    /// Its id.
    pub id: String,
}

/// The cursor after `m` (`<micros>:<id>`).
pub fn cursor_of(m: &ChatMessage) -> String {
    format!("{}:{}", m.sent_at.timestamp_micros(), m.id)
}

/// Parses a cursor a page returned. Errors: `INVALID_ARGUMENT` (`before`).
pub fn parse_cursor(s: &str) -> Result<Cursor> {
    let bad = || Error::invalid("before", "before is a next_cursor of a history page");
    let (t, id) = s.split_once(':').ok_or_else(bad)?;
    let sent_at_micros = t.parse::<i64>().map_err(|_| bad())?;
    if id.is_empty() || id.len() > 128 || id.chars().any(char::is_control) {
        return Err(bad());
    }
    Ok(Cursor {
        sent_at_micros,
        id: id.to_string(),
    })
}

/// Checks a page size (1 to 200, default 50). Errors: `INVALID_ARGUMENT` (`limit`).
pub fn page_limit(limit: Option<u32>) -> Result<u32> {
    let l = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&l) {
        return Err(Error::invalid("limit", format!("limit is 1 to {MAX_PAGE}")));
    }
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::ports::SequentialIds;
    use crate::types::Currency;
    use std::sync::Arc;

    fn p(s: &str) -> PlayerId {
        PlayerId::new(s).unwrap()
    }

    #[test]
    fn channels_parse() {
        assert_eq!(parse_channel("global").unwrap(), Channel::Global);
        assert_eq!(
            parse_channel("room:r1").unwrap(),
            Channel::Room("r1".into())
        );
        assert_eq!(
            parse_channel("party:x").unwrap(),
            Channel::Party("x".into())
        );
        assert_eq!(
            parse_channel("group:g").unwrap(),
            Channel::Group("g".into())
        );
        // Either order names one channel, ascending.
        let d = parse_channel("direct:bob:alice").unwrap();
        assert_eq!(d, Channel::Direct(p("alice"), p("bob")));
        assert_eq!(d.name(), "direct:alice:bob");
        assert_eq!(parse_channel("direct:alice:bob").unwrap(), d);
        for bad in [
            "",
            "Global",
            "room:",
            "lobby:1",
            "direct:alice",
            "direct:alice:alice",
            "party:\u{7}",
            "direct::bob",
        ] {
            let e = parse_channel(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn direct_ids_with_colons() {
        // Two splits give two valid, different ids: ambiguous.
        assert!(parse_channel("direct:a:b:c").is_err());
        // Only one split does (the other would leave an empty id).
        assert_eq!(
            parse_channel("direct:x:y:").unwrap(),
            Channel::Direct(p("x"), p("y:"))
        );
        assert_eq!(
            direct_channel(&p("b"), &p("a")).unwrap(),
            Channel::Direct(p("a"), p("b"))
        );
        assert!(direct_channel(&p("a"), &p("a")).is_err());
    }

    #[test]
    fn body_rule() {
        assert!(check_body("hi").is_ok());
        assert!(check_body("line one\nline two").is_ok());
        assert!(check_body(&"é".repeat(500)).is_ok());
        assert!(check_body(&"é".repeat(501)).is_err());
        assert!(check_body("").is_err());
        assert!(check_body("tab\there").is_err());
        assert!(check_body("cr\rhere").is_err());
        assert!(check_body("nul\0").is_err());
        assert_eq!(check_body("").unwrap_err().code, ErrorCode::InvalidArgument);
    }

    #[test]
    fn masking() {
        let words = vec!["darn".to_string(), "Heck".to_string()];
        assert_eq!(mask("Darn it, heck!", &words), "**** it, ****!");
        // Whole words only.
        assert_eq!(mask("darning checked", &words), "darning checked");
        assert_eq!(mask("DARN_it darn", &words), "DARN_it ****");
        assert_eq!(mask("darn\ndarn", &words), "****\n****");
        assert_eq!(mask("nothing here", &[]), "nothing here");
        // Non-ASCII letters compare case-insensitively too.
        assert_eq!(mask("ПЛОХО плохо", &["плохо".to_string()]), "***** *****");
    }

    #[test]
    fn membership_and_blocks() {
        let a = p("a");
        let members = Audience::Members(vec![a.clone()]);
        let room = Channel::Room("r".into());
        assert!(check_member(&room, &a, &members, false).is_ok());
        assert_eq!(
            check_member(&room, &p("z"), &members, false)
                .unwrap_err()
                .code,
            ErrorCode::NotChannelMember
        );
        assert!(check_member(&Channel::Global, &p("z"), &Audience::Everyone, false).is_ok());
        let d = direct_channel(&a, &p("b")).unwrap();
        let both = Audience::Members(vec![a.clone(), p("b")]);
        assert_eq!(
            check_member(&d, &a, &both, true).unwrap_err().code,
            ErrorCode::Blocked
        );
        assert_eq!(
            check_member(&d, &p("c"), &both, true).unwrap_err().code,
            ErrorCode::NotChannelMember
        );
    }

    #[test]
    fn mutes() {
        let now = Utc::now();
        let m = mute(&p("a"), now + chrono::Duration::seconds(60), "spam", now).unwrap();
        let e = check_mute(Some(&m), now).unwrap_err();
        assert_eq!(e.code, ErrorCode::Muted);
        assert!(e.details.get("until").is_some());
        assert!(check_mute(Some(&m), m.until).is_ok());
        assert!(check_mute(None, now).is_ok());
        assert!(mute(&p("a"), now, "", now).is_err());
        assert!(mute(&p("a"), now + chrono::Duration::seconds(1), "\u{1}", now).is_err());
    }

    #[test]
    fn post_builds_message_and_event() {
        let config = Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .unwrap();
        let ctx = Ctx::new(&config, Utc::now(), Arc::new(SequentialIds::new("m")));
        let cfg = ChatConfig {
            masked_words: vec!["bad".into()],
            ..ChatConfig::default()
        };
        let req = PostMessageRequest {
            player: p("a"),
            channel: "direct:b:a".into(),
            body: "a bad word".into(),
            metadata: None,
            idempotency_key: None,
        };
        let both = Audience::Members(vec![p("a"), p("b")]);
        let (cs, msg) = post(&cfg, &ctx, &req, &both, false, None).unwrap();
        assert_eq!(msg.channel, "direct:a:b");
        assert_eq!(msg.body, "a *** word");
        assert_eq!(cs.chat, vec![msg.clone()]);
        assert_eq!(cs.events.len(), 1);
        assert_eq!(cs.events[0].kind, CHAT_EVENT);
        assert_eq!(cs.events[0].players, vec![p("a"), p("b")]);
        // Global: no players listed, every stream takes it.
        let g = PostMessageRequest {
            channel: "global".into(),
            ..req.clone()
        };
        let (cs, _) = post(&cfg, &ctx, &g, &Audience::Everyone, false, None).unwrap();
        assert!(cs.events[0].players.is_empty());
        assert!(super::super::reaches(&cs.events[0], "anyone"));
        // Refusals write nothing (no change set comes back).
        let muted = mute(&p("a"), ctx.now + chrono::Duration::seconds(5), "", ctx.now).unwrap();
        assert_eq!(
            post(&cfg, &ctx, &g, &Audience::Everyone, false, Some(&muted))
                .unwrap_err()
                .code,
            ErrorCode::Muted
        );
        let long = PostMessageRequest {
            metadata: Some(json!({ "x": "y".repeat(5000) })),
            ..g
        };
        assert_eq!(
            post(&cfg, &ctx, &long, &Audience::Everyone, false, None)
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn cursors_and_limits() {
        let c = parse_cursor("1700000000000000:abc").unwrap();
        assert_eq!(c.sent_at_micros, 1_700_000_000_000_000);
        assert_eq!(c.id, "abc");
        assert!(parse_cursor("x:abc").is_err());
        assert!(parse_cursor("12").is_err());
        assert!(parse_cursor("12:").is_err());
        assert_eq!(page_limit(None).unwrap(), DEFAULT_PAGE);
        assert!(page_limit(Some(0)).is_err());
        assert!(page_limit(Some(201)).is_err());
    }

    #[test]
    fn config_checks() {
        assert!(ChatConfig::default().check().is_ok());
        let bad = ChatConfig {
            rate_limit: 0,
            ..ChatConfig::default()
        };
        assert!(bad.check().is_err());
        let bad = ChatConfig {
            masked_words: vec![" ".into()],
            ..ChatConfig::default()
        };
        assert!(bad.check().is_err());
    }
}
