//! Reset schedules (SPEC.md Conventions: periods are calendar periods in the one
//! configured reset time zone, weeks start on Monday; Leaderboards, Achievements and
//! quests: daily, weekly, monthly or a cron expression). Pure functions of the schedule,
//! the instant and the zone: which period contains an instant, when it started and when
//! the next one starts, so a leaderboard reset, a quest reset and a tournament close
//! agree on every host.
//!
//! Boundaries are local midnights (the 1st of the month, Monday) in the reset zone, so a
//! weekly period in Europe/Berlin that spans the switch to summer time lasts 167 hours.
//! Where a zone skips local midnight, the period starts at the first local instant of
//! that day.

use crate::error::{Error, Result};
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// When a leaderboard's or a quest's period ends and the next begins. In JSON and TOML a
/// string: `"daily"`, `"weekly"` (from Monday 00:00), `"monthly"` (from the 1st, 00:00),
/// or a cron expression of five fields (`minute hour day-of-month month day-of-week`,
/// Unix numbering: 0 or 7 is Sunday, 1 is Monday; names such as `MON` too) or of six
/// (with seconds first). Cron instants are read in the reset zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ResetSchedule {
    /// Every local midnight.
    Daily,
    /// Every Monday, local midnight.
    Weekly,
    /// The 1st of every month, local midnight.
    Monthly,
    /// A cron expression, as given (see [`ResetSchedule`]).
    Cron(String),
}

impl utoipa::PartialSchema for ResetSchedule {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "`daily`, `weekly` (from Monday 00:00), `monthly` (from the 1st) in the reset \
                 zone, or a cron expression of 5 fields (Unix day numbers, 1 = Monday) or 6 \
                 (seconds first), read in the reset zone",
            ))
            .examples([serde_json::json!("weekly")])
            .into()
    }
}

impl utoipa::ToSchema for ResetSchedule {}

/// One period of a [`ResetSchedule`]: `[start, end)` in UTC and a stable key that names
/// it (`2026-11-30`, `2026-W49`, `2026-11`, or for cron the start as
/// `2026-11-30T12:00:00Z`), used to archive it and to grant its rewards once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Period {
    /// Stable name of the period.
    pub key: String,
    /// First instant of the period (UTC).
    pub start: DateTime<Utc>,
    /// First instant of the next period (UTC).
    pub end: DateTime<Utc>,
}

impl FromStr for ResetSchedule {
    type Err = Error;

    /// Errors: `INVALID_ARGUMENT` for an expression that is none of the words and does
    /// not parse as cron, or that never fires.
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        Ok(match s.to_ascii_lowercase().as_str() {
            "daily" => Self::Daily,
            "weekly" => Self::Weekly,
            "monthly" => Self::Monthly,
            _ => {
                let schedule = cron_schedule(s)?;
                if schedule.after(&Utc::now()).next().is_none() {
                    return Err(Error::invalid(
                        "reset",
                        format!("reset schedule `{s}` never fires again"),
                    ));
                }
                Self::Cron(s.to_string())
            }
        })
    }
}

impl TryFrom<String> for ResetSchedule {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<ResetSchedule> for String {
    fn from(s: ResetSchedule) -> String {
        match s {
            ResetSchedule::Daily => "daily".into(),
            ResetSchedule::Weekly => "weekly".into(),
            ResetSchedule::Monthly => "monthly".into(),
            ResetSchedule::Cron(c) => c,
        }
    }
}

impl std::fmt::Display for ResetSchedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from(self.clone()))
    }
}

/// Parses a five-field (Unix) or six-field (seconds first) cron expression into the
/// `cron` crate's seven-field form, numeric days of the week renamed (that crate counts
/// 1 as Sunday; Unix counts 1 as Monday).
fn cron_schedule(expr: &str) -> Result<cron::Schedule> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let (secs, rest) = match fields.len() {
        5 => ("0", &fields[..]),
        6 => (fields[0], &fields[1..]),
        n => {
            return Err(Error::invalid("reset", format!(
                "reset schedule `{expr}` is not daily, weekly, monthly or a cron expression of 5 or 6 fields (it has {n})"
            )))
        }
    };
    let dow = unix_days_of_week(rest[4])
        .map_err(|m| Error::invalid("reset", format!("reset schedule `{expr}`: {m}")))?;
    let full = format!(
        "{secs} {} {} {} {} {dow} *",
        rest[0], rest[1], rest[2], rest[3]
    );
    cron::Schedule::from_str(&full).map_err(|e| {
        Error::invalid(
            "reset",
            format!("reset schedule `{expr}` is not valid cron: {e}"),
        )
    })
}

/// Renames the numbers of a Unix day-of-week field (0 to 7, 0 and 7 Sunday) to day
/// names; a number after `/` is a step and stays.
fn unix_days_of_week(field: &str) -> std::result::Result<String, String> {
    const NAMES: [&str; 8] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    let mut out = String::with_capacity(field.len() + 8);
    let mut chars = field.chars().peekable();
    let mut after_slash = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut n = c.to_string();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(*d);
                chars.next();
            }
            if after_slash {
                out.push_str(&n);
            } else {
                let i: usize = n
                    .parse()
                    .ok()
                    .filter(|i| *i <= 7)
                    .ok_or_else(|| format!("day of week {n} is not 0 to 7"))?;
                out.push_str(NAMES[i]);
            }
        } else {
            out.push(c);
        }
        after_slash = c == '/';
    }
    // A range that wraps through Sunday written as `5-7` becomes FRI-SUN, which the
    // cron crate reads backwards: write it as FRI-SAT,SUN.
    Ok(out.replace("-SUN", "-SAT,SUN"))
}

/// The first instant of local day `d` in `tz` (local midnight, or the first instant
/// after a gap that swallows it).
fn day_start(tz: Tz, d: NaiveDate) -> DateTime<Utc> {
    let midnight = d.and_hms_opt(0, 0, 0).expect("midnight exists");
    for minutes in (0..=24 * 60).step_by(15) {
        match tz.from_local_datetime(&(midnight + Duration::minutes(minutes))) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(t, _) => return t.with_timezone(&Utc),
            LocalResult::None => continue,
        }
    }
    // No zone skips a whole day's first 24 hours; fall back to UTC midnight.
    Utc.from_utc_datetime(&midnight)
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("day 1 exists")
}

fn next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("the 1st exists")
}

impl ResetSchedule {
    /// The period that contains `now` in the reset zone `tz`.
    /// Errors: `INVALID_ARGUMENT` for a cron expression that does not parse or has no
    /// instant before or after `now`.
    pub fn period_at(&self, now: DateTime<Utc>, tz: Tz) -> Result<Period> {
        let local = now.with_timezone(&tz).date_naive();
        Ok(match self {
            Self::Daily => Period {
                key: local.format("%Y-%m-%d").to_string(),
                start: day_start(tz, local),
                end: day_start(tz, local + Duration::days(1)),
            },
            Self::Weekly => {
                let monday = local - Duration::days(local.weekday().num_days_from_monday() as i64);
                let w = monday.iso_week();
                Period {
                    key: format!("{}-W{:02}", w.year(), w.week()),
                    start: day_start(tz, monday),
                    end: day_start(tz, monday + Duration::days(7)),
                }
            }
            Self::Monthly => Period {
                key: local.format("%Y-%m").to_string(),
                start: day_start(tz, first_of_month(local)),
                end: day_start(tz, next_month(local)),
            },
            Self::Cron(expr) => {
                let schedule = cron_schedule(expr)?;
                let at = now.with_timezone(&tz);
                let end = schedule.after(&at).next().ok_or_else(|| {
                    Error::invalid(
                        "reset",
                        format!("reset schedule `{expr}` never fires after {now}"),
                    )
                })?;
                let start = schedule
                    .after(&(at + Duration::seconds(1)))
                    .next_back()
                    .ok_or_else(|| {
                        Error::invalid(
                            "reset",
                            format!("reset schedule `{expr}` never fired before {now}"),
                        )
                    })?
                    .with_timezone(&Utc);
                Period {
                    key: start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    start,
                    end: end.with_timezone(&Utc),
                }
            }
        })
    }

    /// The period that follows `period` (whose `end` is the next one's `start`).
    pub fn next_period(&self, period: &Period, tz: Tz) -> Result<Period> {
        self.period_at(period.end, tz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> Tz {
        "Europe/Berlin".parse().unwrap()
    }

    #[test]
    fn words_and_cron_parse_and_print_back() {
        for s in ["daily", "weekly", "monthly", "0 12 * * MON", "30 0 0 1 * *"] {
            let r: ResetSchedule = s.parse().unwrap();
            assert_eq!(String::from(r), s);
        }
        assert_eq!(
            "Weekly".parse::<ResetSchedule>().unwrap(),
            ResetSchedule::Weekly
        );
        for bad in ["hourly-ish", "* * *", "0 0 * * 9", "61 * * * *", ""] {
            let e = bad.parse::<ResetSchedule>().unwrap_err();
            assert_eq!(e.code, crate::error::ErrorCode::InvalidArgument, "{bad}");
        }
        let json: ResetSchedule = serde_json::from_str("\"monthly\"").unwrap();
        assert_eq!(json, ResetSchedule::Monthly);
        assert!(serde_json::from_str::<ResetSchedule>("\"bogus\"").is_err());
    }

    #[test]
    fn a_weekly_period_across_the_berlin_spring_change_runs_monday_to_monday_local() {
        // Summer time starts Sunday 2026-03-29 at 02:00 local (CET to CEST).
        let now = Utc.with_ymd_and_hms(2026, 3, 28, 12, 0, 0).unwrap();
        let p = ResetSchedule::Weekly.period_at(now, berlin()).unwrap();
        // Monday 2026-03-23 00:00 CET = 23:00 UTC on the 22nd.
        assert_eq!(
            p.start,
            Utc.with_ymd_and_hms(2026, 3, 22, 23, 0, 0).unwrap()
        );
        // Monday 2026-03-30 00:00 CEST = 22:00 UTC on the 29th: 167 hours.
        assert_eq!(p.end, Utc.with_ymd_and_hms(2026, 3, 29, 22, 0, 0).unwrap());
        assert_eq!(p.key, "2026-W13");
        let next = ResetSchedule::Weekly.next_period(&p, berlin()).unwrap();
        assert_eq!(next.start, p.end);
        assert_eq!(next.key, "2026-W14");
        assert_eq!(next.end - next.start, Duration::hours(168));
        // One second before the boundary is still the old week; the boundary is the new one.
        let before = p.end - Duration::seconds(1);
        assert_eq!(
            ResetSchedule::Weekly
                .period_at(before, berlin())
                .unwrap()
                .key,
            "2026-W13"
        );
        assert_eq!(
            ResetSchedule::Weekly
                .period_at(p.end, berlin())
                .unwrap()
                .key,
            "2026-W14"
        );
    }

    #[test]
    fn daily_and_monthly_follow_the_zone() {
        let tz: Tz = "Europe/Moscow".parse().unwrap();
        // 22:30 UTC on 2026-11-22 is 01:30 on the 23rd in Moscow (UTC+3).
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 22, 30, 0).unwrap();
        let d = ResetSchedule::Daily.period_at(now, tz).unwrap();
        assert_eq!(d.key, "2026-11-23");
        assert_eq!(
            d.start,
            Utc.with_ymd_and_hms(2026, 11, 22, 21, 0, 0).unwrap()
        );
        let m = ResetSchedule::Monthly.period_at(now, tz).unwrap();
        assert_eq!(m.key, "2026-11");
        assert_eq!(
            m.start,
            Utc.with_ymd_and_hms(2026, 10, 31, 21, 0, 0).unwrap()
        );
        assert_eq!(m.end, Utc.with_ymd_and_hms(2026, 11, 30, 21, 0, 0).unwrap());
        let dec = Utc.with_ymd_and_hms(2026, 12, 15, 0, 0, 0).unwrap();
        let m = ResetSchedule::Monthly.period_at(dec, Tz::UTC).unwrap();
        assert_eq!(m.end, Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
    }

    #[test]
    fn cron_periods_use_unix_day_numbers_in_the_zone() {
        // Every Monday 00:00 in Berlin, written the Unix way (1 = Monday).
        let s: ResetSchedule = "0 0 * * 1".parse().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 3, 28, 12, 0, 0).unwrap();
        let p = s.period_at(now, berlin()).unwrap();
        let weekly = ResetSchedule::Weekly.period_at(now, berlin()).unwrap();
        assert_eq!((p.start, p.end), (weekly.start, weekly.end));
        assert_eq!(p.key, "2026-03-22T23:00:00Z");
        // On the boundary instant the new period begins.
        let q = s.period_at(p.end, berlin()).unwrap();
        assert_eq!(q.start, p.end);
        // Weekdays at noon UTC: a Saturday instant belongs to Friday's period.
        let s: ResetSchedule = "0 12 * * 1-5".parse().unwrap();
        let sat = Utc.with_ymd_and_hms(2026, 3, 28, 12, 0, 0).unwrap();
        let p = s.period_at(sat, Tz::UTC).unwrap();
        assert_eq!(
            p.start,
            Utc.with_ymd_and_hms(2026, 3, 27, 12, 0, 0).unwrap()
        );
        assert_eq!(p.end, Utc.with_ymd_and_hms(2026, 3, 30, 12, 0, 0).unwrap());
        // 0 and 7 are both Sunday; 5-7 wraps to Sunday.
        assert_eq!(unix_days_of_week("0,7").unwrap(), "SUN,SUN");
        assert_eq!(unix_days_of_week("5-7").unwrap(), "FRI-SAT,SUN");
        assert_eq!(unix_days_of_week("*/2").unwrap(), "*/2");
    }
}
