//! Outbound webhook decisions (SPEC.md "Payments in, notifications out"): request
//! checks, Standard Webhooks signatures, the Discord and Telegram bodies, backoff with
//! jitter, and what a delivery's outcome does to an endpoint's [`WebhookState`]. Pure:
//! the time and the jitter are arguments.

use super::{
    DeliveryAttempt, PutWebhookRequest, WebhookFormat, WebhookState, WebhookSubscription,
    WebhooksConfig, RECENT_ATTEMPTS,
};
use crate::error::{Error, Result};
use crate::types::{check_text, Event};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// Prefix of a signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// The key bytes of a `whsec_<base64>` secret. Errors: `INVALID_ARGUMENT` (field
/// `secret`: no prefix, not base64, or fewer than 24 / more than 64 bytes).
pub fn secret_key(secret: &str) -> Result<Vec<u8>> {
    let bad = || {
        Error::invalid(
            "secret",
            "a secret is whsec_ followed by the base64 of 24 to 64 bytes",
        )
    };
    let b = secret.strip_prefix(SECRET_PREFIX).ok_or_else(bad)?;
    let key = B64.decode(b).map_err(|_| bad())?;
    if !(24..=64).contains(&key.len()) {
        return Err(bad());
    }
    Ok(key)
}

/// A secret made of `key` (24 to 64 random bytes).
pub fn secret_of(key: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", B64.encode(key))
}

/// The `webhook-signature` header value: `v1,<base64 of HMAC-SHA256 over
/// "{id}.{timestamp}.{body}" keyed with the secret's decoded bytes>` (Standard
/// Webhooks). Errors: `INVALID_ARGUMENT` for a malformed secret.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String> {
    let key = secret_key(secret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)
        .map_err(|e| Error::invalid("secret", e.to_string()))?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Ok(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

fn loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]") || host.starts_with("127.")
}

/// Checks and normalizes a subscription request. Errors: `INVALID_ARGUMENT` naming the
/// field (`url`: not `https://`, or plain HTTP off the loopback without `allow_http`;
/// `kinds`: none, more than 100, or a kind not of `[a-z0-9_.*-]`; `chat_id`: missing for
/// `telegram`; `secret`; `description`).
pub fn check_request(cfg: &WebhooksConfig, req: &PutWebhookRequest) -> Result<()> {
    check_text("url", &req.url, 1, 2048)?;
    let (scheme, rest) = req
        .url
        .split_once("://")
        .ok_or_else(|| Error::invalid("url", "the url is https://host/path"))?;
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .rsplit_once(':')
        .map_or_else(
            || rest.split(['/', '?', '#']).next().unwrap_or(""),
            |(h, port)| {
                if port.chars().all(|c| c.is_ascii_digit()) {
                    h
                } else {
                    rest.split(['/', '?', '#']).next().unwrap_or("")
                }
            },
        );
    if host.is_empty() || host.chars().any(|c| c.is_whitespace()) {
        return Err(Error::invalid("url", "the url names no host"));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => {}
        "http" if cfg.allow_http || loopback(host) => {}
        "http" => {
            return Err(Error::invalid(
                "url",
                "endpoints are https:// (plain http only to the loopback, or with [webhooks] allow_http)",
            ))
        }
        _ => return Err(Error::invalid("url", "the url is https://host/path")),
    }
    if req.kinds.is_empty() || req.kinds.len() > 100 {
        return Err(Error::invalid(
            "kinds",
            "a subscription names 1 to 100 event kinds",
        ));
    }
    for k in &req.kinds {
        if k.is_empty()
            || k.len() > 64
            || !k.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-' | '*')
            })
        {
            return Err(Error::invalid(
                "kinds",
                format!("'{k}' is not an event kind (1-64 of a-z, 0-9, '_', '.', '-', or '*')"),
            ));
        }
    }
    match (&req.format, &req.chat_id) {
        (WebhookFormat::Telegram, None) => {
            return Err(Error::invalid(
                "chat_id",
                "a telegram subscription needs its chat_id",
            ))
        }
        (_, Some(c)) => check_text("chat_id", c, 1, 64)?,
        _ => {}
    }
    if let Some(s) = &req.secret {
        secret_key(s)?;
    }
    if let Some(d) = &req.description {
        check_text("description", d, 0, 500)?;
    }
    Ok(())
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A line of text describing an event, for chat formats: `<kind> · players a, b ·
/// <payload JSON>`, at most `max_chars` characters.
pub fn describe(event: &Event, max_chars: usize) -> String {
    let mut text = format!("guildhall: {}", event.kind);
    if !event.players.is_empty() {
        let players: Vec<&str> = event.players.iter().map(|p| p.as_str()).collect();
        text.push_str(&format!(" · players {}", players.join(", ")));
    }
    if !event.payload.is_null() && event.payload != json!({}) {
        text.push_str(&format!(" · {}", event.payload));
    }
    text.push_str(&format!(" · {}", event.at.to_rfc3339()));
    truncate(&text, max_chars)
}

/// The body delivered for `event` in the subscription's format: Standard Webhooks
/// `{"type", "timestamp", "data"}` (data: the event as the outbox holds it), Discord
/// `{"content"}` (at most 2 000 characters), Telegram `{"chat_id", "text"}` (at most
/// 4 096 characters).
pub fn body(sub: &WebhookSubscription, event: &Event) -> Value {
    match sub.format {
        WebhookFormat::Standard => json!({
            "type": event.kind,
            "timestamp": event.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "data": event,
        }),
        WebhookFormat::Discord => json!({
            "content": describe(event, 2000),
            "allowed_mentions": { "parse": [] },
        }),
        WebhookFormat::Telegram => json!({
            "chat_id": sub.chat_id,
            "text": describe(event, 4096),
            "disable_web_page_preview": true,
        }),
    }
}

/// Wait before the next attempt after `attempts` failures (>= 1): `backoff_initial_ms`
/// doubled per earlier failure, capped at `backoff_max_secs`, then scaled into
/// `[half, whole]` by `jitter` (0 to 1).
pub fn backoff(cfg: &WebhooksConfig, attempts: u32, jitter: f64) -> Duration {
    let cap_ms = cfg.backoff_max_secs.saturating_mul(1000);
    let shift = attempts.saturating_sub(1).min(40);
    let ms = cfg
        .backoff_initial_ms
        .saturating_mul(1u64 << shift)
        .min(cap_ms);
    let jitter = jitter.clamp(0.0, 1.0);
    let ms = (ms as f64 * (0.5 + 0.5 * jitter)).round() as i64;
    Duration::milliseconds(ms.max(1))
}

fn remember(state: &mut WebhookState, attempt: DeliveryAttempt) {
    state.recent.insert(0, attempt);
    state.recent.truncate(RECENT_ATTEMPTS);
}

/// A 2xx answer for `attempt`'s event: the cursor moves past it and any failure record
/// is cleared.
pub fn delivered(state: &mut WebhookState, attempt: DeliveryAttempt) {
    state.cursor = state.cursor.max(attempt.event_seq);
    state.delivered += 1;
    state.attempts = 0;
    state.first_failure_at = None;
    state.next_attempt_at = None;
    state.failing_event = None;
    state.last_delivered_at = Some(attempt.at);
    remember(state, attempt);
}

/// A failed attempt at `now`: counted; the endpoint is parked when the retry budget
/// (measured from the event's first failure) or `max_attempts` ran out, otherwise the
/// next attempt waits [`backoff`]. Returns true when it parked.
pub fn failed(
    cfg: &WebhooksConfig,
    state: &mut WebhookState,
    attempt: DeliveryAttempt,
    now: DateTime<Utc>,
    jitter: f64,
) -> bool {
    if state.failing_event.as_deref() != Some(attempt.event_id.as_str()) {
        state.attempts = 0;
        state.first_failure_at = None;
    }
    state.failing_event = Some(attempt.event_id.clone());
    state.attempts += 1;
    let first = *state.first_failure_at.get_or_insert(now);
    state.last_error = attempt.error.clone();
    remember(state, attempt);
    if state.attempts >= cfg.max_attempts || now - first >= Duration::seconds(cfg.retry_budget_secs)
    {
        state.parked_at = Some(now);
        state.next_attempt_at = None;
        return true;
    }
    state.next_attempt_at = Some(now + backoff(cfg, state.attempts, jitter));
    false
}

/// Whether the head event may be tried at `now`.
pub fn due(state: &WebhookState, now: DateTime<Utc>) -> bool {
    state.parked_at.is_none() && state.next_attempt_at.is_none_or(|t| t <= now)
}

/// An operator's replay: the endpoint is un-parked and its head event is tried at once;
/// delivery continues in order from there. The record of the last error stays.
pub fn replay(state: &mut WebhookState) {
    state.parked_at = None;
    state.attempts = 0;
    state.first_failure_at = None;
    state.next_attempt_at = None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::PlayerId;

    fn sub(format: WebhookFormat) -> WebhookSubscription {
        WebhookSubscription {
            id: "wh_1".into(),
            url: "https://example.com/hook".into(),
            kinds: vec!["*".into()],
            secret: secret_of(&[7u8; 32]),
            format,
            chat_id: Some("-100123".into()),
            description: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn event() -> Event {
        Event {
            seq: 3,
            id: "ev-1".into(),
            kind: "currency_granted".into(),
            at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            players: vec![PlayerId::new("alice").unwrap()],
            payload: json!({"currency": "gold", "amount": 5}),
        }
    }

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let sig = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_are_checked() {
        assert!(secret_key("whsec_short").is_err());
        assert!(secret_key("nope").is_err());
        assert_eq!(secret_key(&secret_of(&[1u8; 24])).unwrap(), vec![1u8; 24]);
    }

    #[test]
    fn requests_are_checked() {
        let cfg = WebhooksConfig::default();
        let mut req = PutWebhookRequest {
            url: "https://discord.com/api/webhooks/1/abc".into(),
            kinds: vec!["*".into()],
            format: WebhookFormat::Discord,
            chat_id: None,
            secret: None,
            description: None,
        };
        check_request(&cfg, &req).unwrap();
        req.url = "http://127.0.0.1:9000/hook".into();
        check_request(&cfg, &req).unwrap();
        req.url = "http://example.com/hook".into();
        assert!(check_request(&cfg, &req).is_err());
        req.url = "ftp://example.com".into();
        assert!(check_request(&cfg, &req).is_err());
        req.url = "https://example.com".into();
        req.format = WebhookFormat::Telegram;
        let e = check_request(&cfg, &req).unwrap_err();
        assert_eq!(e.details["field"], "chat_id");
        req.chat_id = Some("42".into());
        req.kinds = vec![];
        assert!(check_request(&cfg, &req).is_err());
        req.kinds = vec!["Bad Kind".into()];
        assert!(check_request(&cfg, &req).is_err());
    }

    #[test]
    fn formats() {
        let e = event();
        let b = body(&sub(WebhookFormat::Standard), &e);
        assert_eq!(b["type"], "currency_granted");
        assert_eq!(b["data"]["id"], "ev-1");
        let d = body(&sub(WebhookFormat::Discord), &e);
        let text = d["content"].as_str().unwrap();
        assert!(text.contains("currency_granted") && text.contains("alice"));
        let t = body(&sub(WebhookFormat::Telegram), &e);
        assert_eq!(t["chat_id"], "-100123");
        assert!(t["text"].as_str().unwrap().contains("currency_granted"));
        let mut big = e.clone();
        big.payload = json!({"x": "y".repeat(5000)});
        let d = body(&sub(WebhookFormat::Discord), &big);
        assert_eq!(d["content"].as_str().unwrap().chars().count(), 2000);
    }

    #[test]
    fn code_events_need_their_kind_named() {
        let mut s = sub(WebhookFormat::Standard);
        assert!(s.wants("mail_received"));
        assert!(!s.wants(super::super::CODE_ISSUED));
        s.kinds = vec!["code_issued".into()];
        assert!(s.wants("code_issued") && !s.wants("mail_received"));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let cfg = WebhooksConfig::default();
        assert_eq!(backoff(&cfg, 1, 1.0), Duration::milliseconds(5000));
        assert_eq!(backoff(&cfg, 1, 0.0), Duration::milliseconds(2500));
        assert_eq!(backoff(&cfg, 3, 1.0), Duration::milliseconds(20_000));
        assert_eq!(backoff(&cfg, 30, 1.0), Duration::seconds(3600));
        assert_eq!(backoff(&cfg, u32::MAX, 1.0), Duration::seconds(3600));
    }

    fn attempt(id: &str, seq: i64, at: DateTime<Utc>, ok: bool) -> DeliveryAttempt {
        DeliveryAttempt {
            event_id: id.into(),
            event_seq: seq,
            kind: "k".into(),
            at,
            status: Some(if ok { 200 } else { 500 }),
            ok,
            error: (!ok).then(|| "500".to_string()),
            duration_ms: 1,
        }
    }

    #[test]
    fn failures_back_off_then_park_after_the_budget_and_replay_resumes() {
        let cfg = WebhooksConfig::default();
        let t0 = Utc::now();
        let mut st = WebhookState::default();
        let mut now = t0;
        let mut parked = false;
        let mut n = 0;
        while !parked {
            assert!(due(&st, now));
            parked = failed(&cfg, &mut st, attempt("e1", 1, now, false), now, 0.5);
            n += 1;
            if !parked {
                let next = st.next_attempt_at.unwrap();
                assert!(next > now);
                assert!(!due(&st, now));
                now = next;
            }
        }
        assert!(now - t0 >= Duration::seconds(cfg.retry_budget_secs));
        assert!(now - t0 < Duration::seconds(cfg.retry_budget_secs + 3600));
        assert!(n < cfg.max_attempts);
        assert!(!due(&st, now + Duration::days(10)));
        assert_eq!(st.cursor, 0);
        replay(&mut st);
        assert!(due(&st, now));
        delivered(&mut st, attempt("e1", 1, now, true));
        assert_eq!((st.cursor, st.delivered, st.attempts), (1, 1, 0));
        assert!(st.last_error.is_some(), "the last error stays on record");
        assert!(st.recent.len() <= RECENT_ATTEMPTS);
    }

    #[test]
    fn max_attempts_parks() {
        let cfg = WebhooksConfig {
            max_attempts: 2,
            ..Default::default()
        };
        let now = Utc::now();
        let mut st = WebhookState::default();
        assert!(!failed(
            &cfg,
            &mut st,
            attempt("e", 1, now, false),
            now,
            0.0
        ));
        assert!(failed(&cfg, &mut st, attempt("e", 1, now, false), now, 0.0));
    }
}
