//! Matchmaking rules: queue validation, ticket windows, the deterministic tick, and
//! rating updates (through `skillratings`; no formula is written here).

use super::{QueueConfig, QueueRequest, Rating, RatingSystem, TickOutcome, Ticket};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use skillratings::glicko2::{glicko2, Glicko2Config, Glicko2Rating};
use skillratings::weng_lin::{weng_lin_multi_team, WengLinConfig, WengLinRating};
use skillratings::{MultiTeamOutcome, Outcomes};

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
/// until the match is full and splits into even teams.
pub fn tick(q: &QueueConfig, pool: &[Ticket], now: DateTime<Utc>) -> TickOutcome {
    let mut tickets: Vec<&Ticket> = pool.iter().filter(|t| t.queue == q.name).collect();
    tickets.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    let mut out = TickOutcome::default();
    let (expired, live): (Vec<&Ticket>, Vec<&Ticket>) = tickets
        .into_iter()
        .partition(|t| (now - t.created_at).num_seconds() >= q.max_wait_secs);
    out.expired = expired.into_iter().cloned().collect();
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
                    out.matches.push(
                        teams
                            .into_iter()
                            .map(|team| team.into_iter().map(|i| group[i].clone()).collect())
                            .collect(),
                    );
                    break;
                }
                chosen.pop();
                size -= live[c].players.len();
            }
        }
    }
    out
}

/// New ratings after a match: `teams` of ratings in team order, `ranks` per team
/// (0 = first; equal ranks draw). Glicko-2 for two single players, Weng-Lin otherwise.
/// Errors: `INVALID_ARGUMENT` (ranks do not match the teams).
pub fn rate(
    system: RatingSystem,
    teams: &[Vec<Rating>],
    ranks: &[usize],
) -> Result<Vec<Vec<Rating>>> {
    if ranks.len() != teams.len() || teams.is_empty() || ranks.iter().any(|r| *r >= teams.len()) {
        return Err(Error::invalid(
            "ranks",
            format!(
                "give one rank per team, each below {} (0 = first)",
                teams.len()
            ),
        ));
    }
    let bump = |r: Rating, rating: f64, deviation: f64, volatility: f64| Rating {
        rating,
        deviation,
        volatility,
        games: r.games + 1,
    };
    match system {
        RatingSystem::Glicko2 => {
            if teams.len() != 2 || teams.iter().any(|t| t.len() != 1) {
                return Err(Error::invalid("ranks", "Glicko-2 rates two single players"));
            }
            let (a, b) = (teams[0][0], teams[1][0]);
            let outcome = match ranks[0].cmp(&ranks[1]) {
                std::cmp::Ordering::Less => Outcomes::WIN,
                std::cmp::Ordering::Equal => Outcomes::DRAW,
                std::cmp::Ordering::Greater => Outcomes::LOSS,
            };
            let ga = Glicko2Rating {
                rating: a.rating,
                deviation: a.deviation,
                volatility: a.volatility,
            };
            let gb = Glicko2Rating {
                rating: b.rating,
                deviation: b.deviation,
                volatility: b.volatility,
            };
            let (na, nb) = glicko2(&ga, &gb, &outcome, &Glicko2Config::new());
            Ok(vec![
                vec![bump(a, na.rating, na.deviation, na.volatility)],
                vec![bump(b, nb.rating, nb.deviation, nb.volatility)],
            ])
        }
        RatingSystem::WengLin => {
            let wl: Vec<Vec<WengLinRating>> = teams
                .iter()
                .map(|t| {
                    t.iter()
                        .map(|r| WengLinRating {
                            rating: r.rating,
                            uncertainty: r.deviation,
                        })
                        .collect()
                })
                .collect();
            let input: Vec<(&[WengLinRating], MultiTeamOutcome)> = wl
                .iter()
                .zip(ranks)
                .map(|(t, r)| (t.as_slice(), MultiTeamOutcome::new(r + 1)))
                .collect();
            let out = weng_lin_multi_team(&input, &WengLinConfig::new());
            Ok(out
                .into_iter()
                .zip(teams)
                .map(|(new, old)| {
                    new.into_iter()
                        .zip(old)
                        .map(|(n, o)| bump(*o, n.rating, n.uncertainty, o.volatility))
                        .collect()
                })
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matchmaking::RatingWindow;
    use crate::types::PlayerId;
    use chrono::TimeZone;
    use skillratings::glicko2::glicko2_rating_period;

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

    #[test]
    fn glicko2_matches_glickmans_worked_example() {
        // Glickman, "Example of the Glicko-2 system": tau = 0.5.
        let player = Glicko2Rating {
            rating: 1500.0,
            deviation: 200.0,
            volatility: 0.06,
        };
        let games = [
            (
                Glicko2Rating {
                    rating: 1400.0,
                    deviation: 30.0,
                    volatility: 0.06,
                },
                Outcomes::WIN,
            ),
            (
                Glicko2Rating {
                    rating: 1550.0,
                    deviation: 100.0,
                    volatility: 0.06,
                },
                Outcomes::LOSS,
            ),
            (
                Glicko2Rating {
                    rating: 1700.0,
                    deviation: 300.0,
                    volatility: 0.06,
                },
                Outcomes::LOSS,
            ),
        ];
        let cfg = Glicko2Config {
            tau: 0.5,
            ..Glicko2Config::new()
        };
        let r = glicko2_rating_period(&player, &games, &cfg);
        assert!((r.rating - 1464.05).abs() < 0.01, "rating {}", r.rating);
        assert!(
            (r.deviation - 151.52).abs() < 0.01,
            "deviation {}",
            r.deviation
        );
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
        let a = Rating::initial(RatingSystem::Glicko2);
        let out = rate(RatingSystem::Glicko2, &[vec![a], vec![a]], &[0, 1]).unwrap();
        assert!(out[0][0].rating > 1500.0 && out[1][0].rating < 1500.0);
        assert_eq!(out[0][0].games, 1);
        let w = Rating::initial(RatingSystem::WengLin);
        let out = rate(RatingSystem::WengLin, &[vec![w, w], vec![w, w]], &[1, 0]).unwrap();
        assert!(out[1][0].rating > 25.0 && out[0][0].rating < 25.0);
        assert!(rate(RatingSystem::WengLin, &[vec![w], vec![w]], &[0]).is_err());
    }
}
