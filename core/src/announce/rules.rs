//! Announcement rules: template parsing and rendering, trigger validation, calendar
//! periods in the reset time zone, audience matching, and firing.

use super::{
    AudienceKind, FireRequest, FrequencyCap, Location, Message, MessageKind, Template, Trigger,
};
use crate::config::Config;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::holdings::Holdings;
use crate::mail::rules::{deliver, MailboxState};
use crate::mail::{Attachments, Mail, Sender};
use crate::ports::{ChangeSet, CounterRow, CounterWrite};
use crate::types::check_text;
use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

/// A piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Literal text (braces already unescaped).
    Text(String),
    /// A `{name}` placeholder.
    Var(String),
}

/// Parses a template body. Placeholder names are 1-64 of `[A-Za-z0-9_]`; `{{` and `}}`
/// are literal braces. Errors: `INVALID_ARGUMENT` for an unclosed or stray brace or a
/// bad name.
pub fn parse(body: &str) -> Result<Vec<Segment>> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(ch) if ch.is_ascii_alphanumeric() || ch == '_' => name.push(ch),
                        _ => return Err(Error::invalid("body", "a placeholder is {name} with name of [A-Za-z0-9_]; write {{ for a literal brace")),
                    }
                }
                if name.is_empty() || name.len() > 64 {
                    return Err(Error::invalid(
                        "body",
                        "a placeholder name is 1 to 64 characters",
                    ));
                }
                if !text.is_empty() {
                    out.push(Segment::Text(std::mem::take(&mut text)));
                }
                out.push(Segment::Var(name));
            }
            '}' => {
                return Err(Error::invalid(
                    "body",
                    "a lone } in a template; write }} for a literal brace",
                ))
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        out.push(Segment::Text(text));
    }
    Ok(out)
}

/// The placeholder names a template uses.
pub fn placeholders(segments: &[Segment]) -> BTreeSet<String> {
    segments
        .iter()
        .filter_map(|s| {
            if let Segment::Var(v) = s {
                Some(v.clone())
            } else {
                None
            }
        })
        .collect()
}

/// Renders parsed segments; a string value is inserted as is, other JSON as its text.
/// A missing variable renders as its placeholder (cannot happen for a validated trigger).
pub fn render(segments: &[Segment], vars: &Map<String, Value>) -> String {
    let mut out = String::new();
    for s in segments {
        match s {
            Segment::Text(t) => out.push_str(t),
            Segment::Var(v) => match vars.get(v) {
                Some(Value::String(s)) => out.push_str(s),
                Some(other) => out.push_str(&other.to_string()),
                None => {
                    out.push('{');
                    out.push_str(v);
                    out.push('}');
                }
            },
        }
    }
    out
}

/// Validates a template: id 1-128 bytes, body 1-4000 bytes that parses.
pub fn check_template(t: &Template) -> Result<Vec<Segment>> {
    check_text("id", &t.id, 1, 128)?;
    if t.body.is_empty() || t.body.len() > 4000 {
        return Err(Error::invalid("body", "body is 1 to 4000 bytes"));
    }
    parse(&t.body)
}

/// SPEC.md: a trigger whose variables do not cover its template's placeholders is
/// rejected when it is created. Also checks ids, event name, window and cap counts.
/// Errors: `INVALID_ARGUMENT` (with `details.missing` for uncovered placeholders).
pub fn check_trigger(t: &Trigger, template: &Template) -> Result<()> {
    check_text("id", &t.id, 1, 128)?;
    check_text("event", &t.event, 1, 64)?;
    if let Some(target) = &t.target {
        check_text("target", target, 1, 128)?;
    }
    if let (Some(s), Some(e)) = (t.starts_at, t.ends_at) {
        if s >= e {
            return Err(Error::invalid("ends_at", "ends_at is after starts_at"));
        }
    }
    match t.cap {
        FrequencyCap::PerDay(0) | FrequencyCap::PerWeek(0) | FrequencyCap::PerMonth(0) => {
            return Err(Error::invalid("cap", "a per-period cap allows at least 1"))
        }
        _ => {}
    }
    let needed = placeholders(&check_template(template)?);
    let missing: Vec<&String> = needed
        .iter()
        .filter(|n| !t.variables.contains_key(*n))
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid(
            "variables",
            format!("variables do not cover the template's placeholders: {missing:?}"),
        )
        .with_details(json!({ "field": "variables", "missing": missing })));
    }
    Ok(())
}

/// The subject of a mail a trigger sends: the rendered text's first line, at most 200
/// characters; the body is the whole text.
pub fn mail_subject(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

/// The players a scheduled trigger of kind `mail` mails, as broadcast recipients
/// (SPEC.md: kind `mail` goes to the mailbox): audience `player` with a target, that
/// player (online or not); audience `player` without one, `None`: every player who
/// exists at send time; any other audience, the players standing there now
/// (`online`: each player online with its location), or nobody (`Some(empty)`).
pub fn scheduled_mail_recipients(
    t: &Trigger,
    online: &[(crate::types::PlayerId, Location)],
) -> Option<Vec<crate::types::PlayerId>> {
    match (t.audience, &t.target) {
        (AudienceKind::Player, Some(p)) => Some(
            crate::types::PlayerId::new(p.clone())
                .map(|p| vec![p])
                .unwrap_or_default(),
        ),
        (AudienceKind::Player, None) => None,
        _ => Some(
            online
                .iter()
                .filter(|(p, loc)| audience_matches(t, p.as_str(), loc))
                .map(|(p, _)| p.clone())
                .collect(),
        ),
    }
}

/// The broadcast a scheduled trigger of kind `mail` stores: from the system, subject
/// and body as [`mail_subject`], expiring at the trigger's `ends_at`.
pub fn scheduled_mail(
    ctx: &Ctx,
    t: &Trigger,
    text: &str,
    recipients: Option<Vec<crate::types::PlayerId>>,
) -> crate::mail::Broadcast {
    crate::mail::Broadcast {
        seq: 0,
        id: ctx.id(),
        sender: Sender::system(),
        subject: mail_subject(text),
        body: text.to_string(),
        attachments: Attachments::default(),
        sent_at: ctx.now,
        expires_at: t.ends_at,
        recipients,
        replayed: false,
    }
}

/// SPEC.md: a trigger's variables cover its template's placeholders; so a new body for
/// template `t` (parsed as `segments`) must be covered by every trigger in `users` that
/// uses it and is not cancelled (a cancelled one never fires again).
/// Errors: `INVALID_ARGUMENT` naming each uncovered trigger, with `details.triggers`
/// = `[{id, missing}]`.
pub fn check_template_users(t: &Template, segments: &[Segment], users: &[Trigger]) -> Result<()> {
    let needed = placeholders(segments);
    let uncovered: Vec<(String, Vec<String>)> = users
        .iter()
        .filter(|tr| tr.template_id == t.id && !tr.cancelled)
        .filter_map(|tr| {
            let missing: Vec<String> = needed
                .iter()
                .filter(|n| !tr.variables.contains_key(*n))
                .cloned()
                .collect();
            (!missing.is_empty()).then(|| (tr.id.clone(), missing))
        })
        .collect();
    if uncovered.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = uncovered
        .iter()
        .map(|(id, missing)| format!("trigger '{id}' lacks {missing:?}"))
        .collect();
    Err(Error::invalid(
        "body",
        format!(
            "the template's placeholders would not be covered by the triggers using it: {}",
            names.join("; ")
        ),
    )
    .with_details(json!({
        "field": "body",
        "triggers": uncovered
            .iter()
            .map(|(id, missing)| json!({ "id": id, "missing": missing }))
            .collect::<Vec<_>>(),
    })))
}

/// The calendar period of `cap` containing `now` in `tz`, as a key (`2026-11-22`,
/// `2026-W47` for the week starting Monday, `2026-11`, `once`), and when a counter for
/// it may be forgotten. `None` for `Unlimited`.
pub fn period(
    cap: FrequencyCap,
    now: DateTime<Utc>,
    tz: Tz,
) -> Option<(String, u32, DateTime<Utc>)> {
    let local = now.with_timezone(&tz).date_naive();
    match cap {
        FrequencyCap::Unlimited => None,
        FrequencyCap::Once => Some(("once".into(), 1, now + Duration::days(365 * 100))),
        FrequencyCap::PerDay(n) => Some((
            local.format("%Y-%m-%d").to_string(),
            n,
            now + Duration::days(2),
        )),
        FrequencyCap::PerWeek(n) => {
            let w = local.iso_week();
            Some((
                format!("{}-W{:02}", w.year(), w.week()),
                n,
                now + Duration::days(8),
            ))
        }
        FrequencyCap::PerMonth(n) => Some((
            format!("{}-{:02}", local.year(), local.month()),
            n,
            now + Duration::days(32),
        )),
    }
}

/// The counter of one trigger, one player, one period.
pub fn cap_counter_key(trigger_id: &str, player: &str, period_key: &str) -> String {
    // U+0001 separators: neither trigger ids nor player ids contain control characters.
    format!("announce:{trigger_id}\u{1}{player}\u{1}{period_key}")
}

/// True when the trigger's audience includes a player standing at `loc`.
pub fn audience_matches(t: &Trigger, player: &str, loc: &Location) -> bool {
    let at = match t.audience {
        AudienceKind::Lobby => &loc.lobby,
        AudienceKind::Server => &loc.server,
        AudienceKind::Room => &loc.room,
        AudienceKind::Party => &loc.party,
        AudienceKind::Player => return t.target.as_deref().is_none_or(|p| p == player),
    };
    match (&t.target, at) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(want), Some(here)) => want == here,
    }
}

/// True when the trigger is live at `now`: not cancelled, inside its window.
pub fn live(t: &Trigger, now: DateTime<Utc>) -> bool {
    !t.cancelled && t.starts_at.is_none_or(|s| s <= now) && t.ends_at.is_none_or(|e| now < e)
}

/// The triggers that would fire for `req` at `loc`, before caps, in delivery order:
/// priority (highest first), then age (oldest first), then id.
pub fn candidates<'a>(
    triggers: &'a [Trigger],
    req: &FireRequest,
    loc: &Location,
    now: DateTime<Utc>,
) -> Vec<&'a Trigger> {
    let mut v: Vec<&Trigger> = triggers
        .iter()
        .filter(|t| {
            t.event == req.event
                && t.send_at.is_none()
                && live(t, now)
                && audience_matches(t, req.player.as_str(), loc)
        })
        .collect();
    v.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(a.created_at.cmp(&b.created_at))
            .then(a.id.cmp(&b.id))
    });
    v
}

/// SPEC.md firing: of the `candidates`, those whose cap for this player in the current
/// period is not used up are rendered and returned in order; their sends are counted in
/// the same change set (guarded counters, so concurrent firings cannot both pass a cap
/// of one). Kind `mail` is delivered into `mailbox`; the others become `announcement`
/// events for the player. `counters` holds the counter rows read, by key.
#[allow(clippy::too_many_arguments)]
pub fn fire(
    cfg: &Config,
    ctx: &Ctx,
    req: &FireRequest,
    candidates: &[&Trigger],
    templates: &HashMap<String, Template>,
    counters: &HashMap<String, CounterRow>,
    mut mailbox: Option<(&mut MailboxState, &mut Holdings)>,
    cs: &mut ChangeSet,
) -> Result<Vec<Message>> {
    let mut out = Vec::new();
    for t in candidates {
        if let Some((period_key, n, expires_at)) = period(t.cap, ctx.now, cfg.reset_timezone) {
            let key = cap_counter_key(&t.id, req.player.as_str(), &period_key);
            let row = counters.get(&key).copied().unwrap_or_default();
            if row.count >= i64::from(n) {
                continue;
            }
            cs.counters.push(CounterWrite {
                key,
                expected_version: row.version,
                count: row.count + 1,
                expires_at,
            });
        }
        let Some(template) = templates.get(&t.template_id) else {
            tracing::warn!(trigger = %t.id, template = %t.template_id, "trigger skipped: its template is gone");
            continue;
        };
        let mut vars = t.variables.clone();
        vars.extend(req.variables.clone());
        let text = render(&parse(&template.body)?, &vars);
        let mut msg = Message {
            trigger_id: t.id.clone(),
            kind: t.kind,
            audience: t.audience,
            target: t.target.clone(),
            priority: t.priority,
            text,
            mail_id: None,
        };
        match (t.kind, mailbox.as_mut()) {
            (MessageKind::Mail, Some((state, holdings))) => {
                let mail = Mail {
                    id: ctx.id(),
                    player: req.player.clone(),
                    sender: Sender::system(),
                    subject: mail_subject(&msg.text),
                    body: msg.text.clone(),
                    attachments: Attachments::default(),
                    sent_at: ctx.now,
                    expires_at: t.ends_at,
                    read_at: None,
                    claimed_at: None,
                    broadcast_id: None,
                };
                msg.mail_id = Some(mail.id.clone());
                deliver(cfg, &cfg.mail, ctx, state, holdings, cs, mail)?;
            }
            (MessageKind::Mail, None) => {
                return Err(Error::unavailable(
                    "a mail trigger fired without its mailbox loaded",
                ))
            }
            _ => cs.events.push(ctx.event(
                "announcement",
                vec![req.player.clone()],
                json!({ "player": req.player, "event": req.event, "message": msg }),
            )),
        }
        out.push(msg);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn templates_parse_and_render() {
        let s = parse("Hi {name}, {{literal}} {n}!").unwrap();
        assert_eq!(
            placeholders(&s).into_iter().collect::<Vec<_>>(),
            ["n", "name"]
        );
        let mut vars = Map::new();
        vars.insert("name".into(), json!("Ann"));
        vars.insert("n".into(), json!(3));
        assert_eq!(render(&s, &vars), "Hi Ann, {literal} 3!");
        assert!(parse("oops {name").is_err());
        assert!(parse("oops }").is_err());
        assert!(parse("bad {na me}").is_err());
        assert!(parse("{}").is_err());
    }

    #[test]
    fn periods_follow_the_reset_zone() {
        let tz: Tz = "Europe/Moscow".parse().unwrap();
        // 22:30 UTC on Sunday 2026-11-22 is 01:30 Monday 2026-11-23 in Moscow.
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 22, 30, 0).unwrap();
        assert_eq!(
            period(FrequencyCap::PerDay(1), now, tz).unwrap().0,
            "2026-11-23"
        );
        assert_eq!(
            period(FrequencyCap::PerWeek(1), now, tz).unwrap().0,
            "2026-W48"
        );
        assert_eq!(
            period(FrequencyCap::PerWeek(1), now, Tz::UTC).unwrap().0,
            "2026-W47"
        );
        // Month end: 2026-01-31 21:30 UTC is February 1st in Moscow.
        let feb = Utc.with_ymd_and_hms(2026, 1, 31, 21, 30, 0).unwrap();
        assert_eq!(
            period(FrequencyCap::PerMonth(1), feb, tz).unwrap().0,
            "2026-02"
        );
        assert_eq!(
            period(FrequencyCap::PerMonth(1), feb, Tz::UTC).unwrap().0,
            "2026-01"
        );
        // Daylight saving: Berlin switches on 2026-03-29; 23:30 UTC on the 29th is the 30th there.
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let dst = Utc.with_ymd_and_hms(2026, 3, 29, 22, 30, 0).unwrap();
        assert_eq!(
            period(FrequencyCap::PerDay(1), dst, berlin).unwrap().0,
            "2026-03-30"
        );
        let before = Utc.with_ymd_and_hms(2026, 3, 28, 22, 30, 0).unwrap();
        assert_eq!(
            period(FrequencyCap::PerDay(1), before, berlin).unwrap().0,
            "2026-03-28"
        );
        assert!(period(FrequencyCap::Unlimited, now, tz).is_none());
    }
}
