//! Trends the operator console charts (`crate::trends`): the active-day counters a
//! login's change set writes, the online samples the host's scheduler records, the
//! per-hour match documents a tick writes, and their reads.

use super::Guildhall;
use crate::ctx::Ctx;
use crate::docs::{Document as _, Versioned};
use crate::error::{Error, Result};
use crate::ports::{ChangeSet, CounterWrite};
use crate::trends::{rules, DailyActive, MatchHour, MatchTrend, OnlineSample, OnlineSamples};
use crate::types::PlayerId;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

impl Guildhall {
    /// Adds to `cs` the writes marking `player` active today (in the reset time zone):
    /// on the player's first such change set of the day, its `active:<day>:<player>`
    /// marker and one more on its day's shard counter. A concurrent write of either is
    /// this change set's `CONFLICT` (the caller's retry then finds the marker).
    pub(crate) async fn mark_active(
        &self,
        ctx: &Ctx,
        cs: &mut ChangeSet,
        player: &PlayerId,
    ) -> Result<()> {
        let marker = rules::active_marker_key(ctx.day, player.as_str());
        if self.store.counter(&marker).await?.count > 0 {
            return Ok(());
        }
        let shard_key = rules::active_shard_key(ctx.day, player.as_str());
        let shard = self.store.counter(&shard_key).await?;
        cs.counters.push(CounterWrite {
            key: marker,
            expected_version: 0,
            count: 1,
            expires_at: ctx.now + Duration::days(2),
        });
        cs.counters.push(CounterWrite {
            key: shard_key,
            expected_version: shard.version,
            count: shard.count + 1,
            expires_at: ctx.now + Duration::days(rules::ACTIVE_KEEP_DAYS),
        });
        Ok(())
    }

    /// Marks `player` active today in a change set of its own (a presence login).
    pub(crate) async fn mark_active_now(&self, player: &PlayerId) -> Result<()> {
        self.retrying("mark_active", |ctx| {
            Box::pin(async move {
                let mut cs = ChangeSet::default();
                self.mark_active(&ctx, &mut cs, player).await?;
                Ok((cs, ()))
            })
        })
        .await
    }

    /// Active players per day for the last `days` days up to today (reset time zone),
    /// oldest first; a day without logins counts 0. Errors: `INVALID_ARGUMENT` unless
    /// `days` is 1 to 366.
    pub async fn daily_active_players(&self, days: u32) -> Result<Vec<DailyActive>> {
        if !(1..=366).contains(&days) {
            return Err(Error::invalid("days", "days is 1 to 366"));
        }
        let mut out = Vec::new();
        for day in rules::last_days(self.today(), days) {
            let mut players = 0u64;
            for key in rules::active_shard_keys(day) {
                players += self.store.counter(&key).await?.count.max(0) as u64;
            }
            out.push(DailyActive { day, players });
        }
        Ok(out)
    }

    /// Records the number of players online now into the online samples (keeping 48 h).
    /// The host's scheduler calls this every `[schedule] online_sample_secs` on the one
    /// host holding the `trends:online` lease. Returns the count recorded.
    pub async fn record_online_sample(&self) -> Result<u64> {
        let online = self.online().await?.len() as u64;
        self.retrying("record_online_sample", |ctx| {
            Box::pin(async move {
                let mut doc = self
                    .load::<OnlineSamples>(rules::ONLINE_SAMPLES_ID)
                    .await?
                    .unwrap_or_else(|| {
                        Versioned::new(rules::ONLINE_SAMPLES_ID, OnlineSamples::default())
                    });
                rules::push_sample(
                    &mut doc.value.samples,
                    OnlineSample {
                        at: ctx.now,
                        online,
                    },
                );
                let cs = ChangeSet {
                    docs: vec![doc.put()],
                    ..Default::default()
                };
                Ok((cs, online))
            })
        })
        .await
    }

    /// The online samples of the last `hours` hours, oldest first. Errors:
    /// `INVALID_ARGUMENT` unless `hours` is 1 to 48.
    pub async fn online_trend(&self, hours: u32) -> Result<Vec<OnlineSample>> {
        if !(1..=rules::ONLINE_RETENTION_HOURS as u32).contains(&hours) {
            return Err(Error::invalid("hours", "hours is 1 to 48"));
        }
        let since = self.clock.now() - Duration::hours(i64::from(hours));
        Ok(self
            .load::<OnlineSamples>(rules::ONLINE_SAMPLES_ID)
            .await?
            .map(|d| rules::samples_since(&d.value.samples, since))
            .unwrap_or_default())
    }

    /// Adds the matches a tick formed at `now` (each matched ticket's wait, seconds) to
    /// their hour's [`MatchHour`] document.
    pub(crate) async fn record_matches(
        &self,
        now: DateTime<Utc>,
        formed: u64,
        waits_secs: &[i64],
    ) -> Result<()> {
        let id = rules::hour_key(now);
        self.retrying("record_matches", |_ctx| {
            let id = id.clone();
            Box::pin(async move {
                let mut doc = self
                    .load::<MatchHour>(&id)
                    .await?
                    .unwrap_or_else(|| Versioned::new(id.clone(), MatchHour::default()));
                rules::add_matches(&mut doc.value, formed, waits_secs);
                let cs = ChangeSet {
                    docs: vec![doc.put()],
                    ..Default::default()
                };
                Ok((cs, ()))
            })
        })
        .await
    }

    /// Matches formed per hour (UTC) for the last `hours` hours up to the current one,
    /// oldest first, with the median and 90th percentile waits of their tickets (the
    /// upper bound of the histogram bucket holding each). Errors: `INVALID_ARGUMENT`
    /// unless `hours` is 1 to 744.
    pub async fn match_trend(&self, hours: u32) -> Result<Vec<MatchTrend>> {
        if !(1..=744).contains(&hours) {
            return Err(Error::invalid("hours", "hours is 1 to 744"));
        }
        let starts = rules::last_hours(self.clock.now(), hours);
        // Ids sort by time: everything after the hour before the first one.
        let after = rules::hour_key(starts[0] - Duration::hours(1));
        let docs = self
            .store
            .docs_after(MatchHour::KIND, &after, hours + 1)
            .await?;
        let mut by_id: HashMap<String, MatchHour> = HashMap::new();
        for d in docs {
            let d = Versioned::<MatchHour>::decode(d)?;
            by_id.insert(d.id, d.value);
        }
        Ok(starts
            .into_iter()
            .map(|h| rules::match_trend(h, by_id.get(&rules::hour_key(h))))
            .collect())
    }
}
