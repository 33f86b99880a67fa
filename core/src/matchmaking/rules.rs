//! Matchmaking rules: queue validation, ticket windows, the deterministic tick, and
//! rating updates (through `skillratings`; no formula is written here).

use super::{
    Glicko2Params, QueueConfig, QueueRequest, Rating, RatingSystem, RatingsConfig, TickOutcome,
    Ticket, WengLinParams,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use skillratings::glicko2::{glicko2_rating_period, Glicko2Config, Glicko2Rating};
use skillratings::weng_lin::{weng_lin_multi_team, WengLinConfig, WengLinRating};
use skillratings::MultiTeamOutcome;
pub use skillratings::Outcomes;

/// Checks a queue's configuration. Errors: `INVALID_ARGUMENT` naming the field.
pub fn check_queue(q: &QueueConfig) -> Result<()> {
    crate::types::check_text("queues.name", &q.name, 1, 64)?;
    if q.teams < 2 || q.team_size < 1 || q.teams * q.team_size > 100 {
        return Err(Error::invalid(
            "queues.teams",
            format!(
                "queue '{}': 2 or more teams of 1 or more players, at most 100 players",
                q.name
            ),
        ));
    }
    if q.party_sizes.iter().any(|s| *s < 1 || *s > q.team_size) {
        return Err(Error::invalid(
            "queues.party_sizes",
            format!("queue '{}': party sizes are 1 to team_size", q.name),
        ));
    }
    let w = &q.window;
    if !(w.initial >= 0.0 && w.widen_per_sec >= 0.0 && w.max >= w.initial) {
        return Err(Error::invalid(
            "queues.window",
            format!(
                "queue '{}': window needs 0 <= initial <= max and widen_per_sec >= 0",
                q.name
            ),
        ));
    }
    if q.system() == RatingSystem::Glicko2 && q.team_size != 1 {
        return Err(Error::invalid(
            "queues.rating",
            format!(
                "queue '{}': Glicko-2 rates players alone (team_size 1); use weng_lin for teams",
                q.name
            ),
        ));
    }
    if q.max_wait_secs < 1 {
        return Err(Error::invalid(
            "queues.max_wait_secs",
            format!("queue '{}': max_wait_secs is at least 1", q.name),
        ));
    }
    Ok(())
}

/// Checks a queue request against its queue: party size allowed, exactly the queue's
/// properties given. Errors: `INVALID_ARGUMENT`.
pub fn check_request(q: &QueueConfig, req: &QueueRequest, party_size: usize) -> Result<()> {
    if !q.allowed_sizes().contains(&party_size) {
        return Err(Error::invalid(
            "with_party",
            format!(
                "queue '{}' takes parties of {:?} players, not {party_size}",
                q.name,
                q.allowed_sizes()
            ),
        ));
    }
    for p in &q.properties {
        match req.properties.get(p) {
            Some(v) => crate::types::check_text("properties", v, 1, 64)?,
            None => {
                return Err(Error::invalid(
                    "properties",
                    format!("queue '{}' needs property '{p}'", q.name),
                ))
            }
        }
    }
    if let Some(extra) = req.properties.keys().find(|k| !q.properties.contains(k)) {
        return Err(Error::invalid(
            "properties",
            format!("queue '{}' has no property '{extra}'", q.name),
        ));
    }
    Ok(())
}

/// A ticket's rating window at `now`: `initial + widen_per_sec * waited`, at most `max`.
pub fn window(q: &QueueConfig, t: &Ticket, now: DateTime<Utc>) -> f64 {
    let waited = (now - t.created_at).num_milliseconds().max(0) as f64 / 1000.0;
    (q.window.initial + q.window.widen_per_sec * waited).min(q.window.max)
}

/// True when `a` and `b` may share a match at `now`: equal required properties, and each
/// rating inside the other's current window.
pub fn fits(q: &QueueConfig, a: &Ticket, b: &Ticket, now: DateTime<Utc>) -> bool {
    let gap = (a.rating - b.rating).abs();
    q.properties
        .iter()
        .all(|p| a.properties.get(p) == b.properties.get(p))
        && gap <= window(q, a, now)
        && gap <= window(q, b, now)
}

/// Splits tickets into `q.teams` teams of exactly `q.team_size` players, keeping each
/// ticket (party) on one team, with the smallest spread of team rating totals. Returns
/// ticket indexes per team, or `None` when no split exists. Deterministic.
pub fn partition(q: &QueueConfig, tickets: &[&Ticket]) -> Option<Vec<Vec<usize>>> {
    let mut order: Vec<usize> = (0..tickets.len()).collect();
    order.sort_by(|&a, &b| {
        tickets[b]
            .players
            .len()
            .cmp(&tickets[a].players.len())
            .then(a.cmp(&b))
    });
    struct Search<'a> {
        q: &'a QueueConfig,
        t: &'a [&'a Ticket],
        order: Vec<usize>,
        teams: Vec<Vec<usize>>,
        sizes: Vec<usize>,
        totals: Vec<f64>,
        best: Option<(f64, Vec<Vec<usize>>)>,
        /// Placements left to try: the search is exhaustive for small matches and
        /// keeps the best split found so far for large ones, so a tick stays bounded.
        budget: u32,
    }
    impl Search<'_> {
        fn go(&mut self, k: usize) {
            if self.budget == 0 {
                return;
            }
            self.budget -= 1;
            if k == self.order.len() {
                if self.sizes.iter().all(|s| *s == self.q.team_size) {
                    let max = self.totals.iter().cloned().fold(f64::MIN, f64::max);
                    let min = self.totals.iter().cloned().fold(f64::MAX, f64::min);
                    let spread = max - min;
                    if self.best.as_ref().is_none_or(|(b, _)| spread < *b - 1e-9) {
                        self.best = Some((spread, self.teams.clone()));
                    }
                }
                return;
            }
            let i = self.order[k];
            let n = self.t[i].players.len();
            let mut tried_empty = false;
            for team in 0..self.q.teams {
                if self.sizes[team] + n > self.q.team_size {
                    continue;
                }
                if self.sizes[team] == 0 {
                    // Empty teams are interchangeable: try only the first.
                    if tried_empty {
                        continue;
                    }
                    tried_empty = true;
                }
                self.teams[team].push(i);
                self.sizes[team] += n;
                self.totals[team] += self.t[i].rating * n as f64;
                self.go(k + 1);
                self.teams[team].pop();
                self.sizes[team] -= n;
                self.totals[team] -= self.t[i].rating * n as f64;
                if self.best.as_ref().is_some_and(|(b, _)| *b < 1e-9) {
                    return;
                }
            }
        }
    }
    let mut s = Search {
        q,
        t: tickets,
        order,
        teams: vec![vec![]; q.teams],
        sizes: vec![0; q.teams],
        totals: vec![0.0; q.teams],
        best: None,
        budget: 50_000,
    };
    s.go(0);
    s.best.map(|(_, mut teams)| {
        for t in &mut teams {
            t.sort();
        }
        teams
    })
}

/// One matchmaking tick of one queue: a pure function of the pool and the time.
/// Tickets past `max_wait_secs` expire. Then, oldest first, each unmatched ticket
/// anchors a match: the oldest tickets that fit every ticket already chosen are added
/// until the match is full and splits into even teams. The outcome holds copies of the
/// tickets; [`plan`] decides the same and answers with references into `pool`.
pub fn tick(q: &QueueConfig, pool: &[Ticket], now: DateTime<Utc>) -> TickOutcome {
    owned(plan(q, pool, now))
}

/// [`tick`]'s decisions as references into `pool` (nothing copied): what the host's tick
/// runs.
///
/// How it stays fast (the decisions are exactly those of [`plan_reference`], the plain
/// scan, which a test compares it with on random pools): tickets only ever match
/// tickets with equal properties, so the live tickets are bucketed by their property
/// values and each bucket is matched alone; the tickets a bucket has used are unlinked
/// from its age-ordered list, so a scan never walks them again; and the rating test is
/// done on plain arrays. Windows never narrow with waiting, so a later (younger)
/// candidate's window is the narrower of any pair with a chosen ticket: it fits every
/// chosen ticket exactly when its gap to the lowest and to the highest chosen rating is
/// inside its own window. A queue whose windows would not be in that order (a negative
/// widening, which `check_queue` refuses) takes the plain scan.
pub fn plan<'a>(
    q: &QueueConfig,
    pool: &'a [Ticket],
    now: DateTime<Utc>,
) -> TickOutcome<&'a Ticket> {
    /// What the tick reads of one ticket, read once in pool order (the order the tickets
    /// lie in memory) rather than chased in age order.
    struct Entry {
        secs: i64,
        nanos: u32,
        index: usize,
        expired: bool,
        window: f64,
        rating: f64,
        size: usize,
        bucket: usize,
    }
    // Buckets of equal properties: their keys (a short list searched in order; a map
    // once there are many).
    let mut keys: Vec<Vec<Option<&str>>> = Vec::new();
    let mut key_map: std::collections::HashMap<Vec<Option<&str>>, usize> = Default::default();
    let mut key: Vec<Option<&str>> = Vec::with_capacity(q.properties.len());
    let mut entries: Vec<Entry> = Vec::new();
    for (index, t) in pool.iter().enumerate() {
        if t.queue != q.name {
            continue;
        }
        let waited = now - t.created_at;
        key.clear();
        key.extend(
            q.properties
                .iter()
                .map(|p| t.properties.get(p).map(String::as_str)),
        );
        let bucket = if keys.len() <= 16 {
            keys.iter().position(|k| *k == key)
        } else {
            key_map.get(key.as_slice()).copied()
        };
        let bucket = bucket.unwrap_or_else(|| {
            keys.push(key.clone());
            key_map.insert(key.clone(), keys.len() - 1);
            keys.len() - 1
        });
        entries.push(Entry {
            secs: t.created_at.timestamp(),
            nanos: t.created_at.timestamp_subsec_nanos(),
            index,
            expired: waited.num_seconds() >= q.max_wait_secs,
            // `window`, from the same difference.
            window: (q.window.initial
                + q.window.widen_per_sec * (waited.num_milliseconds().max(0) as f64 / 1000.0))
                .min(q.window.max),
            rating: t.rating,
            size: t.players.len(),
            bucket,
        });
    }
    // Age order: queue time as (seconds, nanoseconds), the order of `created_at`
    // itself, then id (its first 8 bytes first, as a big-endian number padded with zero
    // bytes, which orders as the strings do wherever it differs), then pool order: the
    // order of a stable sort by time and id.
    let mut order: Vec<(i64, u32, u32, u64)> = entries
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let mut head = [0u8; 8];
            let id = pool[e.index].id.as_bytes();
            let n = id.len().min(8);
            head[..n].copy_from_slice(&id[..n]);
            (e.secs, e.nanos, k as u32, u64::from_be_bytes(head))
        })
        .collect();
    order.sort_unstable_by(|a, b| {
        (a.0, a.1, a.3).cmp(&(b.0, b.1, b.3)).then_with(|| {
            let (x, y) = (&entries[a.2 as usize], &entries[b.2 as usize]);
            pool[x.index]
                .id
                .cmp(&pool[y.index].id)
                .then(x.index.cmp(&y.index))
        })
    });
    let mut out = TickOutcome::default();
    let mut sorted: Vec<&Entry> = Vec::with_capacity(order.len());
    for &(_, _, k, _) in &order {
        let e = &entries[k as usize];
        if e.expired {
            out.expired.push(&pool[e.index]);
        } else {
            sorted.push(e);
        }
    }
    let entries = sorted;
    let live: Vec<&Ticket> = entries.iter().map(|e| &pool[e.index]).collect();
    // Ordered windows (no NaN either): the fast path's premise; else the plain scan.
    if !entries.windows(2).all(|w| w[0].window >= w[1].window) {
        out.matches = scan(q, &live, now);
        return out;
    }
    let win: Vec<f64> = entries.iter().map(|e| e.window).collect();
    let rating: Vec<f64> = entries.iter().map(|e| e.rating).collect();
    let size: Vec<usize> = entries.iter().map(|e| e.size).collect();
    // Each bucket: its live indexes in age order.
    let mut buckets: Vec<Vec<usize>> = vec![Vec::new(); keys.len()];
    for (i, e) in entries.iter().enumerate() {
        buckets[e.bucket].push(i);
    }
    let need = q.teams * q.team_size;
    // (anchor index, match): matches are returned in their anchors' age order.
    let mut formed: Vec<(usize, Vec<Vec<&Ticket>>)> = Vec::new();
    let mut chosen: Vec<usize> = Vec::with_capacity(need);
    let mut group: Vec<&Ticket> = Vec::with_capacity(need);
    for members in &buckets {
        let m = members.len();
        // next[p]: the first position at or after p still unused (path-compressed links;
        // position m is the end).
        let mut next: Vec<usize> = (0..=m).collect();
        fn find(next: &mut [usize], p: usize) -> usize {
            let mut root = p;
            while next[root] != root {
                root = next[root];
            }
            let mut p = p;
            while next[p] != root {
                let up = next[p];
                next[p] = root;
                p = up;
            }
            root
        }
        let mut a = find(&mut next, 0);
        while a < m {
            let anchor = members[a];
            chosen.clear();
            chosen.push(a);
            let mut filled = size[anchor];
            let (mut lo, mut hi) = (rating[anchor], rating[anchor]);
            let mut c = find(&mut next, a + 1);
            while c < m {
                let i = members[c];
                let (r, w) = (rating[i], win[i]);
                if filled + size[i] <= need && (lo - r).abs() <= w && (hi - r).abs() <= w {
                    chosen.push(c);
                    if filled + size[i] < need {
                        filled += size[i];
                        lo = lo.min(r);
                        hi = hi.max(r);
                    } else {
                        group.clear();
                        group.extend(chosen.iter().map(|&p| live[members[p]]));
                        if let Some(teams) = partition(q, &group) {
                            formed.push((
                                anchor,
                                teams
                                    .into_iter()
                                    .map(|team| team.into_iter().map(|g| group[g]).collect())
                                    .collect(),
                            ));
                            for &p in &chosen {
                                next[p] = p + 1;
                            }
                            break;
                        }
                        chosen.pop();
                    }
                }
                c = find(&mut next, c + 1);
            }
            // The anchor is never a candidate again (candidates are younger than their
            // anchor), matched or not.
            next[a] = a + 1;
            a = find(&mut next, a + 1);
        }
    }
    formed.sort_unstable_by_key(|(anchor, _)| *anchor);
    out.matches = formed.into_iter().map(|(_, m)| m).collect();
    out
}

/// Copies the tickets of a plan.
fn owned(plan: TickOutcome<&Ticket>) -> TickOutcome {
    TickOutcome {
        matches: plan
            .matches
            .into_iter()
            .map(|m| {
                m.into_iter()
                    .map(|team| team.into_iter().cloned().collect())
                    .collect()
            })
            .collect(),
        expired: plan.expired.into_iter().cloned().collect(),
    }
}

/// The queue's tickets in age order (then id), split into the expired (returned in the
/// outcome) and the live.
fn expire<'a>(
    q: &QueueConfig,
    pool: &'a [Ticket],
    now: DateTime<Utc>,
) -> (TickOutcome<&'a Ticket>, Vec<&'a Ticket>) {
    // Sorted by queue time as (seconds, nanoseconds), the order of `created_at` itself,
    // then id; stable, so equal tickets keep their pool order.
    let mut keyed: Vec<(i64, u32, &Ticket)> = pool
        .iter()
        .filter(|t| t.queue == q.name)
        .map(|t| {
            (
                t.created_at.timestamp(),
                t.created_at.timestamp_subsec_nanos(),
                t,
            )
        })
        .collect();
    keyed.sort_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| a.2.id.cmp(&b.2.id))
    });
    let (expired, live): (Vec<&Ticket>, Vec<&Ticket>) = keyed
        .into_iter()
        .map(|(_, _, t)| t)
        .partition(|t| (now - t.created_at).num_seconds() >= q.max_wait_secs);
    (
        TickOutcome {
            matches: Vec::new(),
            expired,
        },
        live,
    )
}

/// The plain scan over live tickets in age order: every candidate checked with [`fits`]
/// against every chosen ticket. [`tick`]'s definition, and its path when windows are not
/// ordered by age.
fn scan<'a>(q: &QueueConfig, live: &[&'a Ticket], now: DateTime<Utc>) -> Vec<Vec<Vec<&'a Ticket>>> {
    let mut matches = Vec::new();
    let need = q.teams * q.team_size;
    let mut used = vec![false; live.len()];
    for a in 0..live.len() {
        if used[a] {
            continue;
        }
        let mut chosen = vec![a];
        let mut size = live[a].players.len();
        for c in a + 1..live.len() {
            if used[c]
                || size + live[c].players.len() > need
                || !chosen.iter().all(|&x| fits(q, live[x], live[c], now))
            {
                continue;
            }
            chosen.push(c);
            size += live[c].players.len();
            if size == need {
                let group: Vec<&Ticket> = chosen.iter().map(|&i| live[i]).collect();
                if let Some(teams) = partition(q, &group) {
                    for &i in &chosen {
                        used[i] = true;
                    }
                    matches.push(
                        teams
                            .into_iter()
                            .map(|team| team.into_iter().map(|i| group[i]).collect())
                            .collect(),
                    );
                    break;
                }
                chosen.pop();
                size -= live[c].players.len();
            }
        }
    }
    matches
}

/// The tick as [`tick`] defines it, by the plain scan alone (every candidate against
/// every chosen ticket with [`fits`]): the reference [`plan`] is tested against.
pub fn plan_reference<'a>(
    q: &QueueConfig,
    pool: &'a [Ticket],
    now: DateTime<Utc>,
) -> TickOutcome<&'a Ticket> {
    let (mut out, live) = expire(q, pool, now);
    out.matches = scan(q, &live, now);
    out
}

/// Glicko-2 rating of one player after one rating period, as Glickman's paper rates it
/// (SPEC.md Clarifications (second round)): every result of the period counts at once,
/// against the opponents' ratings as they were before the period. `results` are
/// (opponent, outcome for `player`); none: only the deviation grows (the paper's step for
/// a player who did not compete). Ratings in Glicko points; `games` grows by the number of
/// results. Uses `params.tau`. Computed by `skillratings::glicko2::glicko2_rating_period`.
pub fn rate_period(
    player: Rating,
    results: &[(Rating, Outcomes)],
    params: &Glicko2Params,
) -> Rating {
    let g = |r: &Rating| Glicko2Rating {
        rating: r.rating,
        deviation: r.deviation,
        volatility: r.volatility,
    };
    let results: Vec<(Glicko2Rating, Outcomes)> =
        results.iter().map(|(o, out)| (g(o), *out)).collect();
    let config = Glicko2Config {
        tau: params.tau,
        ..Glicko2Config::new()
    };
    let new = glicko2_rating_period(&g(&player), &results, &config);
    Rating {
        rating: new.rating,
        deviation: new.deviation,
        volatility: new.volatility,
        games: player.games + results.len() as u32,
    }
}

/// Weng-Lin ratings after one game of `teams` with `ranks` (0 = first; equal ranks draw),
/// as openskill's Bradley-Terry full-pairing model rates it with `params` (mu/sigma in
/// the Weng-Lin scale): each sigma first becomes sqrt(sigma² + tau²) (openskill's tau),
/// then `skillratings::weng_lin::weng_lin_multi_team` with beta and kappa. `games` + 1.
pub fn rate_weng_lin(
    teams: &[Vec<Rating>],
    ranks: &[usize],
    params: &WengLinParams,
) -> Vec<Vec<Rating>> {
    let wl: Vec<Vec<WengLinRating>> = teams
        .iter()
        .map(|t| {
            t.iter()
                .map(|r| WengLinRating {
                    rating: r.rating,
                    uncertainty: r.deviation.hypot(params.tau),
                })
                .collect()
        })
        .collect();
    let input: Vec<(&[WengLinRating], MultiTeamOutcome)> = wl
        .iter()
        .zip(ranks)
        .map(|(t, r)| (t.as_slice(), MultiTeamOutcome::new(r + 1)))
        .collect();
    let config = WengLinConfig {
        beta: params.beta,
        uncertainty_tolerance: params.kappa,
    };
    weng_lin_multi_team(&input, &config)
        .into_iter()
        .zip(teams)
        .map(|(new, old)| {
            new.into_iter()
                .zip(old)
                .map(|(n, o)| Rating {
                    rating: n.rating,
                    deviation: n.uncertainty,
                    volatility: o.volatility,
                    games: o.games + 1,
                })
                .collect()
        })
        .collect()
}

/// New ratings after a match: `teams` of ratings in team order, `ranks` per team
/// (0 = first; equal ranks draw), with the configured parameters.
///
/// Glicko-2 (every team one player: 1v1 or free for all) rates each player's results
/// against every other player of the match as ONE rating period ([`rate_period`]), all
/// from the ratings before the match. Weng-Lin rates teams ([`rate_weng_lin`]).
/// Errors: `INVALID_ARGUMENT` (ranks do not match the teams; Glicko-2 with a team of more
/// than one player).
pub fn rate(
    system: RatingSystem,
    teams: &[Vec<Rating>],
    ranks: &[usize],
    config: &RatingsConfig,
) -> Result<Vec<Vec<Rating>>> {
    if ranks.len() != teams.len() || teams.len() < 2 || ranks.iter().any(|r| *r >= teams.len()) {
        return Err(Error::invalid(
            "ranks",
            format!(
                "give one rank per team (2 or more teams), each below {} (0 = first)",
                teams.len()
            ),
        ));
    }
    match system {
        RatingSystem::Glicko2 => {
            if teams.iter().any(|t| t.len() != 1) {
                return Err(Error::invalid(
                    "ranks",
                    "Glicko-2 rates players alone (teams of one)",
                ));
            }
            Ok((0..teams.len())
                .map(|i| {
                    let results: Vec<(Rating, Outcomes)> = (0..teams.len())
                        .filter(|&j| j != i)
                        .map(|j| {
                            let outcome = match ranks[i].cmp(&ranks[j]) {
                                std::cmp::Ordering::Less => Outcomes::WIN,
                                std::cmp::Ordering::Equal => Outcomes::DRAW,
                                std::cmp::Ordering::Greater => Outcomes::LOSS,
                            };
                            (teams[j][0], outcome)
                        })
                        .collect();
                    vec![rate_period(teams[i][0], &results, &config.glicko2)]
                })
                .collect())
        }
        RatingSystem::WengLin => {
            if teams.iter().any(|t| t.is_empty()) {
                return Err(Error::invalid("ranks", "every team has a player"));
            }
            Ok(rate_weng_lin(teams, ranks, &config.weng_lin))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matchmaking::RatingWindow;
    use crate::types::PlayerId;
    use chrono::TimeZone;

    fn q(teams: usize, team_size: usize) -> QueueConfig {
        QueueConfig {
            name: "q".into(),
            teams,
            team_size,
            party_sizes: vec![],
            properties: vec!["region".into()],
            window: RatingWindow {
                initial: 100.0,
                widen_per_sec: 10.0,
                max: 400.0,
            },
            max_wait_secs: 120,
            rating: None,
        }
    }
    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }
    fn ticket(id: usize, size: usize, rating: f64, age_secs: i64, region: &str) -> Ticket {
        Ticket {
            id: format!("t{id:03}"),
            queue: "q".into(),
            players: (0..size)
                .map(|k| PlayerId::new(format!("p{id}-{k}")).unwrap())
                .collect(),
            party_id: (size > 1).then(|| format!("party{id}")),
            properties: [("region".to_string(), region.to_string())].into(),
            rating,
            created_at: t0() - chrono::Duration::seconds(age_secs),
        }
    }

    fn glicko(rating: f64, deviation: f64) -> Rating {
        Rating {
            rating,
            deviation,
            volatility: 0.06,
            games: 0,
        }
    }

    #[track_caller]
    fn assert_glickman(r: Rating) {
        // Glickman, "Example of the Glicko-2 system" (glicko.net/glicko/glicko2.pdf),
        // end of the example: r' = 1464.06 (1464.05 from the unrounded steps),
        // RD' = 151.52, sigma' = 0.05999.
        assert!((r.rating - 1464.05).abs() < 0.01, "rating {}", r.rating);
        assert!(
            (r.deviation - 151.52).abs() < 0.01,
            "deviation {}",
            r.deviation
        );
        assert!(
            (r.volatility - 0.05999).abs() < 0.00001,
            "volatility {}",
            r.volatility
        );
    }

    #[test]
    fn glicko2_rates_a_rating_period_as_glickmans_worked_example() {
        // Glickman's example: a 1500/200/0.06 player wins against 1400/30, loses against
        // 1550/100 and 1700/300 in one rating period; tau = 0.5.
        let params = Glicko2Params {
            tau: 0.5,
            ..Glicko2Params::default()
        };
        let player = glicko(1500.0, 200.0);
        let results = [
            (glicko(1400.0, 30.0), Outcomes::WIN),
            (glicko(1550.0, 100.0), Outcomes::LOSS),
            (glicko(1700.0, 300.0), Outcomes::LOSS),
        ];
        let r = rate_period(player, &results, &params);
        assert_glickman(r);
        assert_eq!(r.games, 3);

        // The same period through `rate`, the call that rates a reported match: a free for
        // all of four in which the player (rank 2) beat 1400 (rank 3) and lost to 1550
        // and 1700 (ranks 0 and 1).
        let config = RatingsConfig {
            glicko2: params,
            ..RatingsConfig::default()
        };
        let teams = [
            vec![player],
            vec![glicko(1400.0, 30.0)],
            vec![glicko(1550.0, 100.0)],
            vec![glicko(1700.0, 300.0)],
        ];
        let out = rate(RatingSystem::Glicko2, &teams, &[2, 3, 0, 1], &config).unwrap();
        assert_glickman(out[0][0]);
        // Rating the results one at a time (the earlier behaviour) does not give the paper's
        // answer: the period is not a sequence of games.
        let mut one_by_one = player;
        for res in &results {
            one_by_one = rate_period(one_by_one, std::slice::from_ref(res), &params);
        }
        assert!((one_by_one.rating - 1464.05).abs() > 0.1, "{one_by_one:?}");
        // No result in the period: the rating stays, the deviation grows.
        let idle = rate_period(player, &[], &params);
        assert_eq!((idle.rating, idle.games), (1500.0, 0));
        assert!(idle.deviation > 200.0);
    }

    #[test]
    fn windows_widen_with_waiting_up_to_the_maximum() {
        let q = q(2, 1);
        let now = t0();
        assert_eq!(window(&q, &ticket(1, 1, 1500.0, 0, "eu"), now), 100.0);
        assert_eq!(window(&q, &ticket(1, 1, 1500.0, 10, "eu"), now), 200.0);
        assert_eq!(window(&q, &ticket(1, 1, 1500.0, 100, "eu"), now), 400.0);
        // 250 apart: no match fresh, a match once both waited 15 s.
        let pool = [ticket(1, 1, 1500.0, 0, "eu"), ticket(2, 1, 1750.0, 0, "eu")];
        assert!(tick(&q, &pool, now).matches.is_empty());
        assert_eq!(
            tick(&q, &pool, now + chrono::Duration::seconds(15))
                .matches
                .len(),
            1
        );
        // Different regions never match.
        let pool = [ticket(1, 1, 1500.0, 0, "eu"), ticket(2, 1, 1500.0, 0, "na")];
        assert!(tick(&q, &pool, now).matches.is_empty());
        // Expiry at the maximum wait.
        let out = tick(&q, &[ticket(1, 1, 1500.0, 120, "eu")], now);
        assert_eq!(out.expired.len(), 1);
    }

    #[test]
    fn five_v_five_keeps_parties_whole_and_teams_full() {
        let q = q(2, 5);
        // A deterministic pseudo-random pool of parties of 1 to 5.
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let pool: Vec<Ticket> = (0..60)
            .map(|i| {
                ticket(
                    i,
                    1 + next() % 5,
                    1500.0 + (next() % 100) as f64,
                    (next() % 60) as i64,
                    "eu",
                )
            })
            .collect();
        let out = tick(&q, &pool, t0());
        assert!(!out.matches.is_empty());
        for m in &out.matches {
            assert_eq!(m.len(), 2);
            for team in m {
                assert_eq!(
                    team.iter().map(|t| t.players.len()).sum::<usize>(),
                    5,
                    "a team is exactly full"
                );
            }
        }
        let mut seen = std::collections::HashSet::new();
        for t in out.matches.iter().flatten().flatten() {
            assert!(seen.insert(t.id.clone()), "a ticket is in one match once");
        }
        assert_eq!(
            tick(&q, &pool, t0()),
            out,
            "same pool and time, same output"
        );
    }

    /// The fast tick forms exactly the matches of the plain scan ([`plan_reference`]):
    /// seeded random pools of a few hundred tickets with parties, several regions,
    /// ratings close enough to tie, shared queue times and expired tickets, in queues of
    /// 1v1, 2v2, 5v5 and a free for all of three teams of two, at several times.
    #[test]
    fn fast_tick_forms_the_same_matches_as_the_plain_scan() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mut matched = 0;
        for round in 0..120 {
            let (teams, team_size) = [(2, 1), (2, 2), (2, 5), (3, 2)][round % 4];
            let mut q = q(teams, team_size);
            if round % 3 == 0 {
                q.properties.push("mode".into());
            }
            if round % 5 == 0 {
                q.window.widen_per_sec = 0.0;
            }
            let count = 100 + next(300) as usize;
            let regions = 1 + next(3);
            let pool: Vec<Ticket> = (0..count)
                .map(|i| {
                    let size = 1 + next(team_size as u64) as usize;
                    // Coarse ratings and ages make ties in rating and in queue time.
                    let rating = 1500.0 + (next(80) as f64 - 40.0) * 12.5;
                    let age = next(140) as i64;
                    let region = format!("r{}", next(regions));
                    let mut t = ticket(i, size, rating, age, &region);
                    t.created_at -= chrono::Duration::milliseconds(next(3) as i64 * 250);
                    if q.properties.len() > 1 {
                        t.properties.insert("mode".into(), format!("m{}", next(2)));
                    }
                    if i % 37 == 0 {
                        t.queue = "other".into();
                    }
                    if round % 2 == 1 {
                        // Long ids sharing their first 8 bytes, some repeated: the order
                        // by queue time then id then pool position.
                        t.id = format!("ticket-{:04}", (i * 7919) % 150);
                    }
                    t
                })
                .collect();
            for later in [0, 7, 30] {
                let now = t0() + chrono::Duration::seconds(later);
                let fast = plan(&q, &pool, now);
                assert_eq!(
                    fast,
                    plan_reference(&q, &pool, now),
                    "round {round}, {teams}x{team_size}, {count} tickets, +{later} s"
                );
                matched += fast.matches.len();
            }
        }
        assert!(matched > 1000, "the pools form matches: {matched}");
        // A window that narrows with waiting (refused by check_queue) takes the plain scan.
        let mut q = q(2, 1);
        q.window.widen_per_sec = -1.0;
        let pool: Vec<Ticket> = (0..50)
            .map(|i| ticket(i, 1, 1500.0 + (i % 7) as f64 * 20.0, i as i64, "eu"))
            .collect();
        assert_eq!(plan(&q, &pool, t0()), plan_reference(&q, &pool, t0()));
        assert_eq!(
            tick(&q, &pool, t0()),
            owned(plan_reference(&q, &pool, t0()))
        );
    }

    #[test]
    fn teams_are_balanced_and_oldest_go_first() {
        let q = q(2, 2);
        let pool = [
            ticket(1, 1, 1600.0, 50, "eu"),
            ticket(2, 1, 1600.0, 40, "eu"),
            ticket(3, 1, 1400.0, 30, "eu"),
            ticket(4, 1, 1400.0, 20, "eu"),
            ticket(5, 1, 1500.0, 0, "eu"),
        ];
        let out = tick(&q, &pool, t0());
        assert_eq!(out.matches.len(), 1);
        let m = &out.matches[0];
        let ids: Vec<Vec<&str>> = m
            .iter()
            .map(|t| t.iter().map(|x| x.id.as_str()).collect())
            .collect();
        assert!(!ids.concat().contains(&"t005"), "the newest waits");
        let totals: Vec<f64> = m.iter().map(|t| t.iter().map(|x| x.rating).sum()).collect();
        assert_eq!(totals[0], totals[1], "1600+1400 against 1600+1400");
    }

    #[test]
    fn ratings_update_through_skillratings() {
        let cfg = RatingsConfig::default();
        let a = cfg.initial(RatingSystem::Glicko2);
        let out = rate(RatingSystem::Glicko2, &[vec![a], vec![a]], &[0, 1], &cfg).unwrap();
        assert!(out[0][0].rating > 1500.0 && out[1][0].rating < 1500.0);
        assert_eq!(out[0][0].games, 1);
        assert!(rate(
            RatingSystem::Glicko2,
            &[vec![a, a], vec![a, a]],
            &[0, 1],
            &cfg
        )
        .is_err());
        let w = cfg.initial(RatingSystem::WengLin);
        let out = rate(
            RatingSystem::WengLin,
            &[vec![w, w], vec![w, w]],
            &[1, 0],
            &cfg,
        )
        .unwrap();
        assert!(out[1][0].rating > 25.0 && out[0][0].rating < 25.0);
        assert!(rate(RatingSystem::WengLin, &[vec![w], vec![w]], &[0], &cfg).is_err());
    }

    #[test]
    fn weng_lin_defaults_are_openskills() {
        let w = WengLinParams::default();
        assert_eq!(
            (w.mu, w.sigma, w.beta, w.kappa, w.tau),
            (25.0, 25.0 / 3.0, 25.0 / 6.0, 0.0001, 25.0 / 300.0)
        );
    }

    /// openskill.py's published vectors for its Bradley-Terry full-pairing model, with the
    /// model's defaults (beta 25/6, kappa 0.0001, tau 25/300) and every player starting at
    /// the file's `model` mu/sigma: `tests/models/data/bradleyterryfull.json` of
    /// github.com/vivekjoshy/openskill.py (commit 0c5e3c44ee160c5daa488badf12ebead5300695d),
    /// made by `tests/models/generate.py` there; sections "normal" (1 vs 2, first wins),
    /// "ranks" (4 teams, openskill ranks [2, 1, 4, 3]) and "ties" (ranks [1, 2, 1]).
    #[test]
    fn weng_lin_matches_openskill_bradley_terry_full_vectors() {
        let cfg = RatingsConfig::default();
        let start = Rating {
            rating: 33.93520996667812,
            deviation: 9.863910103294474,
            volatility: 0.0,
            games: 0,
        };
        let team = |n: usize| vec![start; n];
        #[track_caller]
        fn check(out: &[Vec<Rating>], want: &[(f64, f64)]) {
            for (t, (mu, sigma)) in out.iter().zip(want) {
                for r in t {
                    assert!((r.rating - mu).abs() < 1e-9, "mu {} != {mu}", r.rating);
                    assert!(
                        (r.deviation - sigma).abs() < 1e-9,
                        "sigma {} != {sigma}",
                        r.deviation
                    );
                    assert_eq!(r.games, 1);
                }
            }
        }
        let normal = rate(RatingSystem::WengLin, &[team(1), team(2)], &[0, 1], &cfg).unwrap();
        check(
            &normal,
            &[
                (38.60492430454205, 9.771557303944002),
                (29.265495628814193, 9.73289909385935),
            ],
        );
        let ranks = rate(
            RatingSystem::WengLin,
            &[team(1), team(2), team(1), team(2)],
            &[1, 0, 3, 2],
            &cfg,
        )
        .unwrap();
        check(
            &ranks,
            &[
                (41.10340607203985, 9.324153823645602),
                (37.72654974043671, 9.400642042862893),
                (29.29409518126862, 9.324153823645602),
                (27.61678887296731, 9.400642042862893),
            ],
        );
        let ties = rate(
            RatingSystem::WengLin,
            &[team(1), team(2), team(3)],
            &[0, 1, 0],
            &cfg,
        )
        .unwrap();
        check(
            &ties,
            &[
                (40.79914153848189, 9.752692687721002),
                (28.47931237854228, 9.646741941115268),
                (32.527175983010196, 9.7273209243063),
            ],
        );
        // tau is configurable: without it, the first vector no longer holds (sigma moves
        // by about 3e-4, far beyond the 1e-9 the vectors are checked to).
        let no_tau = RatingsConfig {
            weng_lin: WengLinParams {
                tau: 0.0,
                ..WengLinParams::default()
            },
            ..cfg
        };
        let out = rate(RatingSystem::WengLin, &[team(1), team(2)], &[0, 1], &no_tau).unwrap();
        assert!((out[0][0].deviation - 9.771557303944002).abs() > 1e-6);
    }

    #[test]
    fn ratings_config_refuses_bad_values() {
        assert!(RatingsConfig::default().validate().is_ok());
        let mut c = RatingsConfig::default();
        c.glicko2.tau = 0.0;
        assert_eq!(
            c.validate().unwrap_err().details["field"],
            "ratings.glicko2.tau"
        );
        let mut c = RatingsConfig::default();
        c.weng_lin.sigma = f64::NAN;
        assert!(c.validate().is_err());
        let mut q = q(2, 2);
        q.rating = Some(RatingSystem::Glicko2);
        assert!(check_queue(&q).is_err(), "Glicko-2 rates players alone");
    }
}
