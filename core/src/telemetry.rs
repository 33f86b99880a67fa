//! Operational figures (Prometheus-style metrics) recorded by the core through the
//! [`metrics`] facade.
//!
//! The core records; it never exports. A host that wants the figures installs a
//! `metrics` recorder (the HTTP host installs the Prometheus one and serves
//! `GET /metrics`) and then calls [`enable`]. Until [`enable`] is called every
//! recording function here returns after one relaxed atomic load, so embedders and the
//! Node and Python bindings, which install no recorder, pay nothing.
//!
//! Every name starts with `guildhall_`; counters end in `_total`, durations are
//! histograms in seconds and end in `_seconds`. Amounts of currency are counted in the
//! currency's smallest unit (as everywhere in guildhall). The names are the constants
//! below; [`describe`] registers their help texts with the installed recorder.

use crate::types::Event;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Counter, label `currency`: units of currency granted to players (committed
/// `currency_granted` events), in the currency's smallest unit.
pub const CURRENCY_GRANTED: &str = "guildhall_currency_granted_total";
/// Counter, label `currency`: units of currency players spent to a system sink
/// (committed `currency_spent` events; purchases are counted by [`PURCHASE_AMOUNT`]).
pub const CURRENCY_SPENT: &str = "guildhall_currency_spent_total";
/// Counter, label `currency`: units moved player to player (`currency_transferred`).
pub const CURRENCY_TRANSFERRED: &str = "guildhall_currency_transferred_total";
/// Counter, label `item`: committed purchases (one per `item_purchased` event).
pub const PURCHASES: &str = "guildhall_purchases_total";
/// Counter, label `item`: units of items bought (the purchases' quantities).
pub const PURCHASED_UNITS: &str = "guildhall_purchased_units_total";
/// Counter, label `currency`: units of currency paid for purchases (shop revenue).
pub const PURCHASE_AMOUNT: &str = "guildhall_purchase_amount_total";
/// Counter, label `sender` (`player`, `system`, `admin`): mails delivered to a box
/// (`mail_received`; a broadcast counts once per box it reaches).
pub const MAIL_SENT: &str = "guildhall_mail_sent_total";
/// Counter: mail attachments claimed (`mail_claimed`).
pub const MAIL_CLAIMED: &str = "guildhall_mail_claimed_total";
/// Counter: mails removed from a full box (`mail_evicted`).
pub const MAIL_EVICTED: &str = "guildhall_mail_evicted_total";
/// Counter, label `kind` (`marquee`, `announcement`, `chat`, `in_game`, ...):
/// announcements pushed, one per recipient (`announcement` events).
pub const ANNOUNCEMENTS_SENT: &str = "guildhall_announcements_sent_total";
/// Counter: parties created (a `party_joined` event whose party has one member).
pub const PARTIES_FORMED: &str = "guildhall_parties_formed_total";
/// Counter, label `queue`: matches formed (`match_found`).
pub const MATCHES_FORMED: &str = "guildhall_matches_formed_total";
/// Histogram, label `queue`: seconds each matched ticket waited in the pool.
pub const MATCH_WAIT: &str = "guildhall_match_wait_seconds";
/// Histogram, label `queue`: rating points between the highest and the lowest ticket
/// rating of a formed match.
pub const MATCH_RATING_SPREAD: &str = "guildhall_match_rating_spread";
/// Histogram, label `outcome` (`ok`, `conflict`, `error`): seconds from handing a change
/// set to the group committer to its outcome (queueing included).
pub const COMMIT_DURATION: &str = "guildhall_store_commit_duration_seconds";
/// Counter, label `op`: commits retried after a `CONFLICT`.
pub const COMMIT_RETRIES: &str = "guildhall_store_commit_retries_total";
/// Counter, label `op`: calls that gave up with `CONFLICT` after `max_retries`.
pub const COMMIT_GIVEUPS: &str = "guildhall_store_commit_giveups_total";
/// Counter, label `op`: failed Redis calls (errors and timeouts; each is answered as
/// `UNAVAILABLE`).
pub const REDIS_FAILURES: &str = "guildhall_redis_failures_total";
/// Counter, label `what` (`cache_read`, `cache_put`, `cache_invalidate`, `publish`):
/// times the services carried on without the Coordinator (reads from the store, live
/// fan-out left to the outbox).
pub const COORDINATOR_FALLBACKS: &str = "guildhall_coordinator_fallbacks_total";

/// Turns recording on for this process. Call once a `metrics` recorder is installed
/// (the HTTP host does); idempotent.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Whether [`enable`] was called in this process.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Registers the help text and unit of every figure above with the installed recorder.
pub fn describe() {
    use metrics::{describe_counter, describe_histogram, Unit};
    describe_counter!(
        CURRENCY_GRANTED,
        "Currency granted to players, in smallest units"
    );
    describe_counter!(
        CURRENCY_SPENT,
        "Currency spent by players to system sinks, in smallest units"
    );
    describe_counter!(
        CURRENCY_TRANSFERRED,
        "Currency transferred between players, in smallest units"
    );
    describe_counter!(PURCHASES, "Committed purchases per catalog item");
    describe_counter!(PURCHASED_UNITS, "Units bought per catalog item");
    describe_counter!(
        PURCHASE_AMOUNT,
        "Currency paid for purchases, in smallest units"
    );
    describe_counter!(MAIL_SENT, "Mails delivered to a mailbox, by sender kind");
    describe_counter!(MAIL_CLAIMED, "Mail attachments claimed");
    describe_counter!(MAIL_EVICTED, "Mails evicted from full mailboxes");
    describe_counter!(
        ANNOUNCEMENTS_SENT,
        "Announcements pushed, one per recipient, by message kind"
    );
    describe_counter!(PARTIES_FORMED, "Parties created");
    describe_counter!(MATCHES_FORMED, "Matches formed, by queue");
    describe_histogram!(
        MATCH_WAIT,
        Unit::Seconds,
        "Time a matched ticket waited in the pool"
    );
    describe_histogram!(
        MATCH_RATING_SPREAD,
        "Highest minus lowest ticket rating in a formed match"
    );
    describe_histogram!(
        COMMIT_DURATION,
        Unit::Seconds,
        "Time from handing a change set to the group committer to its outcome"
    );
    describe_counter!(COMMIT_RETRIES, "Commits retried after a version conflict");
    describe_counter!(
        COMMIT_GIVEUPS,
        "Calls that gave up after repeated version conflicts"
    );
    describe_counter!(REDIS_FAILURES, "Failed or timed-out Redis calls");
    describe_counter!(
        COORDINATOR_FALLBACKS,
        "Times the services carried on without the coordinator (cache or fan-out)"
    );
}

fn str_of<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(|x| x.as_str())
}

fn u64_of(v: &serde_json::Value, key: &str) -> u64 {
    v.get(key)
        .and_then(|x| x.as_i64())
        .map_or(0, |n| u64::try_from(n).unwrap_or(0))
}

/// Counts the domain figures of a committed change set's events (the kinds named in the
/// constants above; other kinds are ignored). Called once per successful commit.
pub fn record_committed(events: &[Event]) {
    if !enabled() {
        return;
    }
    for e in events {
        let p = &e.payload;
        match e.kind.as_str() {
            "currency_granted" | "currency_spent" | "currency_transferred" => {
                let name = match e.kind.as_str() {
                    "currency_granted" => CURRENCY_GRANTED,
                    "currency_spent" => CURRENCY_SPENT,
                    _ => CURRENCY_TRANSFERRED,
                };
                let currency = str_of(p, "currency").unwrap_or("").to_string();
                metrics::counter!(name, "currency" => currency).increment(u64_of(p, "amount"));
            }
            "item_purchased" => {
                let item = str_of(p, "item_id").unwrap_or("").to_string();
                let currency = str_of(p, "currency").unwrap_or("").to_string();
                metrics::counter!(PURCHASES, "item" => item.clone()).increment(1);
                metrics::counter!(PURCHASED_UNITS, "item" => item).increment(u64_of(p, "quantity"));
                metrics::counter!(PURCHASE_AMOUNT, "currency" => currency)
                    .increment(u64_of(p, "amount"));
            }
            "mail_received" => {
                let sender = p
                    .get("sender")
                    .and_then(|s| str_of(s, "kind"))
                    .unwrap_or("system")
                    .to_string();
                metrics::counter!(MAIL_SENT, "sender" => sender).increment(1);
            }
            "mail_claimed" => metrics::counter!(MAIL_CLAIMED).increment(1),
            "mail_evicted" => metrics::counter!(MAIL_EVICTED).increment(1),
            "announcement" => {
                let kind = p
                    .get("message")
                    .and_then(|m| str_of(m, "kind"))
                    .unwrap_or("")
                    .to_string();
                metrics::counter!(ANNOUNCEMENTS_SENT, "kind" => kind)
                    .increment(e.players.len() as u64);
            }
            "party_joined" => {
                let members = p
                    .get("members")
                    .and_then(|m| m.as_array())
                    .map_or(0, Vec::len);
                if members == 1 {
                    metrics::counter!(PARTIES_FORMED).increment(1);
                }
            }
            "match_found" => {
                let queue = p
                    .get("match")
                    .and_then(|m| str_of(m, "queue"))
                    .unwrap_or("")
                    .to_string();
                metrics::counter!(MATCHES_FORMED, "queue" => queue).increment(1);
            }
            _ => {}
        }
    }
}

/// Records a formed match in `queue`: each ticket's wait (seconds) and the spread of the
/// tickets' ratings.
pub fn record_match(queue: &str, waits: &[Duration], ratings: &[f64]) {
    if !enabled() {
        return;
    }
    let wait = metrics::histogram!(MATCH_WAIT, "queue" => queue.to_string());
    for w in waits {
        wait.record(w.as_secs_f64());
    }
    let (lo, hi) = ratings
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
            (lo.min(*r), hi.max(*r))
        });
    if lo.is_finite() && hi.is_finite() {
        metrics::histogram!(MATCH_RATING_SPREAD, "queue" => queue.to_string()).record(hi - lo);
    }
}

/// Records one commit's duration and outcome (`ok`, `conflict`, `error`).
pub fn record_commit(elapsed: Duration, outcome: &'static str) {
    if enabled() {
        metrics::histogram!(COMMIT_DURATION, "outcome" => outcome).record(elapsed.as_secs_f64());
    }
}

/// Counts a commit retried after `CONFLICT` in operation `op`.
pub fn record_retry(op: &str) {
    if enabled() {
        metrics::counter!(COMMIT_RETRIES, "op" => op.to_string()).increment(1);
    }
}

/// Counts a call of operation `op` that gave up after repeated conflicts.
pub fn record_giveup(op: &str) {
    if enabled() {
        metrics::counter!(COMMIT_GIVEUPS, "op" => op.to_string()).increment(1);
    }
}

/// Counts a failed Redis call (`op` names the command, e.g. `cache_get`).
pub fn record_redis_failure(op: &str) {
    if enabled() {
        metrics::counter!(REDIS_FAILURES, "op" => op.to_string()).increment(1);
    }
}

/// Counts a fallback past the Coordinator (`what`: `cache_read`, `cache_put`,
/// `cache_invalidate`, `publish`).
pub fn record_fallback(what: &'static str) {
    if enabled() {
        metrics::counter!(COORDINATOR_FALLBACKS, "what" => what).increment(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_recording_is_a_no_op() {
        // No recorder, not enabled: nothing panics and nothing is recorded.
        record_committed(&[]);
        record_match("duel", &[Duration::from_secs(3)], &[1500.0, 1600.0]);
        record_commit(Duration::from_millis(2), "ok");
    }
}
