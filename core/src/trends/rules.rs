//! Pure rules of the trends: counter keys, the online samples' retention, the hour
//! keys and the wait histogram.

use super::{MatchHour, MatchTrend, OnlineSample};
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};

/// Hours of online samples kept.
pub const ONLINE_RETENTION_HOURS: i64 = 48;

/// Id of the one [`super::OnlineSamples`] document.
pub const ONLINE_SAMPLES_ID: &str = "recent";

/// Counters a day's active players are spread over.
pub const ACTIVE_SHARDS: u32 = 8;

/// Days an `active_players` counter is kept (then pruned with the outbox).
pub const ACTIVE_KEEP_DAYS: i64 = 400;

/// Upper bounds (inclusive, seconds) of the wait histogram's buckets; a last bucket
/// holds the longer waits.
pub const WAIT_BUCKETS_SECS: [u64; 16] = [
    1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200, 3600,
];

/// The marker counter of a player's active day.
pub fn active_marker_key(day: NaiveDate, player: &str) -> String {
    format!("active:{day}:{player}")
}

/// The shard counter of a day's active players that `player` counts in.
pub fn active_shard_key(day: NaiveDate, player: &str) -> String {
    format!("active_players:{day}:{}", shard_of(player))
}

/// Every shard counter of a day.
pub fn active_shard_keys(day: NaiveDate) -> Vec<String> {
    (0..ACTIVE_SHARDS)
        .map(|s| format!("active_players:{day}:{s}"))
        .collect()
}

/// A stable shard of a player (FNV-1a of its id), `0..ACTIVE_SHARDS`.
pub fn shard_of(player: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in player.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h % ACTIVE_SHARDS
}

/// Appends a sample and drops those older than [`ONLINE_RETENTION_HOURS`] before
/// `sample.at` (and any at or after it, so the list stays ordered).
pub fn push_sample(samples: &mut Vec<OnlineSample>, sample: OnlineSample) {
    let oldest = sample.at - Duration::hours(ONLINE_RETENTION_HOURS);
    samples.retain(|s| s.at >= oldest && s.at < sample.at);
    samples.push(sample);
}

/// The samples taken at or after `since`, oldest first.
pub fn samples_since(samples: &[OnlineSample], since: DateTime<Utc>) -> Vec<OnlineSample> {
    samples.iter().filter(|s| s.at >= since).copied().collect()
}

/// The start of `t`'s hour.
pub fn hour_of(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

/// The [`MatchHour`] id of `t`'s hour: `YYYY-MM-DDTHH` (UTC), sorting by time.
pub fn hour_key(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H").to_string()
}

/// The bucket of a wait (seconds; a negative wait counts as 0).
pub fn bucket_of(wait_secs: i64) -> usize {
    let w = wait_secs.max(0) as u64;
    WAIT_BUCKETS_SECS
        .iter()
        .position(|b| w <= *b)
        .unwrap_or(WAIT_BUCKETS_SECS.len())
}

/// Adds `formed` matches and their tickets' waits (seconds) to an hour.
pub fn add_matches(hour: &mut MatchHour, formed: u64, waits_secs: &[i64]) {
    hour.formed += formed;
    hour.wait_buckets.resize(WAIT_BUCKETS_SECS.len() + 1, 0);
    for w in waits_secs {
        hour.wait_buckets[bucket_of(*w)] += 1;
    }
}

/// The `q` quantile (0 to 1) of a histogram: the upper bound of the bucket holding it
/// (the last bound for the open last bucket); `None` when it is empty.
pub fn wait_quantile(buckets: &[u64], q: f64) -> Option<u64> {
    let total: u64 = buckets.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
    let mut seen = 0;
    for (i, n) in buckets.iter().enumerate() {
        seen += n;
        if seen >= rank {
            return Some(WAIT_BUCKETS_SECS[i.min(WAIT_BUCKETS_SECS.len() - 1)]);
        }
    }
    WAIT_BUCKETS_SECS.last().copied()
}

/// One hour's trend point from its document (`None`: nothing formed).
pub fn match_trend(hour: DateTime<Utc>, doc: Option<&MatchHour>) -> MatchTrend {
    let empty = MatchHour::default();
    let doc = doc.unwrap_or(&empty);
    MatchTrend {
        hour,
        formed: doc.formed,
        tickets: doc.wait_buckets.iter().sum(),
        wait_p50_secs: wait_quantile(&doc.wait_buckets, 0.5),
        wait_p90_secs: wait_quantile(&doc.wait_buckets, 0.9),
    }
}

/// The starts of the last `hours` hours up to `now`'s, oldest first.
pub fn last_hours(now: DateTime<Utc>, hours: u32) -> Vec<DateTime<Utc>> {
    let end = hour_of(now);
    (0..i64::from(hours))
        .rev()
        .map(|h| end - Duration::hours(h))
        .collect()
}

/// The last `days` days up to `today`, oldest first.
pub fn last_days(today: NaiveDate, days: u32) -> Vec<NaiveDate> {
    (0..i64::from(days))
        .rev()
        .filter_map(|d| today.checked_sub_signed(Duration::days(d)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 2, h, m, 0).unwrap()
    }

    #[test]
    fn samples_keep_48_hours_in_order() {
        let mut v = Vec::new();
        let start = at(0, 0);
        for i in 0..60 {
            push_sample(
                &mut v,
                OnlineSample {
                    at: start + Duration::hours(i),
                    online: i as u64,
                },
            );
        }
        assert_eq!(v.len(), 49, "48 hours back from the newest, both ends kept");
        assert_eq!(v[0].online, 11);
        assert_eq!(v.last().unwrap().online, 59);
        // A sample from an earlier clock replaces the later ones, keeping the order.
        push_sample(
            &mut v,
            OnlineSample {
                at: start + Duration::hours(50),
                online: 7,
            },
        );
        assert_eq!(v.last().unwrap().online, 7);
        assert!(v.windows(2).all(|w| w[0].at < w[1].at));
        let since = samples_since(&v, start + Duration::hours(45));
        assert_eq!(since.len(), 6);
    }

    #[test]
    fn hours_and_days() {
        assert_eq!(hour_of(at(13, 47)), at(13, 0));
        assert_eq!(hour_key(at(13, 47)), "2030-01-02T13");
        let hs = last_hours(at(1, 30), 3);
        assert_eq!(hs, vec![at(0, 0) - Duration::hours(1), at(0, 0), at(1, 0)]);
        let d = NaiveDate::from_ymd_opt(2030, 3, 1).unwrap();
        let ds = last_days(d, 2);
        assert_eq!(ds, vec![NaiveDate::from_ymd_opt(2030, 2, 28).unwrap(), d]);
    }

    #[test]
    fn shards_are_stable_and_spread() {
        assert_eq!(shard_of("alice"), shard_of("alice"));
        let used: std::collections::BTreeSet<u32> =
            (0..200).map(|i| shard_of(&format!("p{i}"))).collect();
        assert_eq!(used.len() as u32, ACTIVE_SHARDS);
        let day = NaiveDate::from_ymd_opt(2030, 1, 2).unwrap();
        assert!(active_shard_keys(day).contains(&active_shard_key(day, "bob")));
        assert_eq!(active_marker_key(day, "bob"), "active:2030-01-02:bob");
    }

    #[test]
    fn wait_histogram_quantiles() {
        assert_eq!(bucket_of(-3), 0);
        assert_eq!(bucket_of(1), 0);
        assert_eq!(bucket_of(3), 2);
        assert_eq!(bucket_of(3600), 15);
        assert_eq!(bucket_of(3601), 16);
        let mut h = MatchHour::default();
        assert_eq!(wait_quantile(&h.wait_buckets, 0.5), None);
        // 10 tickets: 6 waited 4 s, 3 waited 25 s, 1 waited 2 hours.
        let waits = [4, 4, 4, 4, 4, 4, 25, 25, 25, 7200];
        add_matches(&mut h, 5, &waits);
        assert_eq!(h.formed, 5);
        assert_eq!(wait_quantile(&h.wait_buckets, 0.5), Some(5));
        assert_eq!(wait_quantile(&h.wait_buckets, 0.6), Some(5));
        assert_eq!(wait_quantile(&h.wait_buckets, 0.7), Some(30));
        assert_eq!(wait_quantile(&h.wait_buckets, 0.9), Some(30));
        assert_eq!(wait_quantile(&h.wait_buckets, 1.0), Some(3600));
        let t = match_trend(at(3, 0), Some(&h));
        assert_eq!((t.formed, t.tickets), (5, 10));
        assert_eq!((t.wait_p50_secs, t.wait_p90_secs), (Some(5), Some(30)));
        let none = match_trend(at(3, 0), None);
        assert_eq!(
            (none.formed, none.tickets, none.wait_p50_secs),
            (0, 0, None)
        );
    }
}
