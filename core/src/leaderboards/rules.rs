//! Leaderboard rules: pure functions of the board, the time and the state read. No I/O.
//!
//! * [`check_put`]: a definition's ids, rank ranges, rewards, tournament window; and
//!   [`check_redefine`]: what may not change once a board exists.
//! * [`ord_of`] and [`apply`]: the ordering key and the operators (`best` keeps the
//!   better, `set` replaces, `increment` adds; the submission time moves only when the
//!   score changes, so ties rank by earlier submission).
//! * [`period_of`]: the period a score counts in (`all`, the schedule's period in the
//!   reset zone, or `tournament` within its window, else `TOURNAMENT_CLOSED`).
//! * [`tier_for`], [`reset_due`]: rewards by rank, and when a period's reset may run.
//! * [`encode_cursor`] / [`decode_cursor`]: the page cursor.
//! * [`rank_member`] / [`member_pos`]: a record's member in the coordinator's rank
//!   index, whose byte order is the board's order.

use super::{
    EntryFee, Leaderboard, PutLeaderboardRequest, RewardTier, ScoreOperator, ScorePos, SortOrder,
    TournamentSpec,
};
use crate::config::Config;
use crate::error::{Error, ErrorCode, Result};
use crate::schedule::Period;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;

/// The highest rank a reward tier may reach.
pub const MAX_REWARD_RANK: u32 = 1000;
/// Default page size of a standings read.
pub const DEFAULT_PAGE: u32 = 100;
/// Largest page of a standings read.
pub const MAX_PAGE: u32 = 1000;
/// Default neighbours above and below a player.
pub const DEFAULT_NEIGHBOURS: u32 = 5;
/// Most neighbours above and below a player.
pub const MAX_NEIGHBOURS: u32 = 50;
/// Default seconds after a period's end before its reset runs, so a submission that read
/// the clock just before the end has committed (`[leaderboards] reset_grace_secs`).
pub const RESET_GRACE_SECS: i64 = 2;
/// Default records a reset walks through per commit (`[leaderboards] reset_chunk`).
pub const RESET_CHUNK: u32 = 100;
/// Period key of a board that never resets.
pub const ALL_TIME: &str = "all";
/// Period key of a tournament.
pub const TOURNAMENT: &str = "tournament";
/// The system account credited by entry fees.
pub const FEE_SINK: &str = "tournaments";
/// The system account rewards are granted from.
pub const REWARD_SOURCE: &str = "rewards";
/// Ledger reason of a reward.
pub const REWARD_REASON: &str = "leaderboard_reward";

/// A board id: 1-64 of `[A-Za-z0-9_.-]`. Errors: `INVALID_ARGUMENT`.
pub fn check_board_id(id: &str) -> Result<()> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return Err(Error::invalid(
            "board",
            "a board id is 1 to 64 of A-Z a-z 0-9 _ . -",
        ));
    }
    Ok(())
}

/// The partition a call names, checked against the board: required (1-64 of
/// `[A-Za-z0-9_.:-]`) on a partitioned board, refused on another. Returns the part of
/// the standings key (empty for none). Errors: `INVALID_ARGUMENT`.
pub fn check_partition(board: &Leaderboard, partition: &Option<String>) -> Result<String> {
    match (board.partitioned, partition) {
        (true, Some(p)) => {
            if p.is_empty()
                || p.len() > 64
                || !p
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'))
            {
                return Err(Error::invalid(
                    "partition",
                    "a partition is 1 to 64 of A-Z a-z 0-9 _ . : -",
                ));
            }
            Ok(p.clone())
        }
        (true, None) => Err(Error::invalid(
            "partition",
            format!("board '{}' is partitioned: name a partition", board.id),
        )),
        (false, Some(_)) => Err(Error::invalid(
            "partition",
            format!("board '{}' has no partitions", board.id),
        )),
        (false, None) => Ok(String::new()),
    }
}

/// A period key given to a read: 1-64 bytes without `/` or control characters.
pub fn check_period_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > 64 || key.contains('/') || key.chars().any(char::is_control) {
        return Err(Error::invalid(
            "period",
            "a period key is 1 to 64 bytes without '/'",
        ));
    }
    Ok(())
}

fn check_attachments(cfg: &Config, field: &str, a: &crate::mail::Attachments) -> Result<()> {
    if a.is_empty() {
        return Err(Error::invalid(field, "a reward tier grants something"));
    }
    for c in &a.currencies {
        cfg.currency(&c.currency)?;
        if c.amount <= 0 {
            return Err(Error::invalid(
                field,
                "a reward amount is positive, in the currency's smallest unit",
            ));
        }
    }
    for i in &a.items {
        crate::types::check_text("item_id", &i.item_id, 1, 128)?;
        if i.quantity < 1 {
            return Err(Error::invalid(
                field,
                "a reward item quantity is at least 1",
            ));
        }
    }
    Ok(())
}

fn check_fee(cfg: &Config, fee: &EntryFee) -> Result<()> {
    cfg.currency(&fee.currency)?;
    if fee.amount <= 0 {
        return Err(Error::invalid(
            "tournament.entry_fee.amount",
            "an entry fee is positive, in the currency's smallest unit",
        ));
    }
    Ok(())
}

/// Validates a board definition. Errors: `INVALID_ARGUMENT` naming the field.
pub fn check_put(cfg: &Config, req: &PutLeaderboardRequest) -> Result<()> {
    check_board_id(&req.id)?;
    if !(req.metadata.is_object() || req.metadata.is_null()) {
        return Err(Error::invalid("metadata", "metadata is a JSON object"));
    }
    if req.reset.is_some() && req.tournament.is_some() {
        return Err(Error::invalid(
            "reset",
            "a tournament ends once: it takes no reset schedule",
        ));
    }
    let mut tiers: Vec<&RewardTier> = req.rewards.iter().collect();
    tiers.sort_by_key(|t| t.from_rank);
    for (i, t) in tiers.iter().enumerate() {
        if t.from_rank < 1 || t.to_rank < t.from_rank || t.to_rank > MAX_REWARD_RANK {
            return Err(Error::invalid(
                "rewards",
                format!("a reward tier covers ranks 1 to {MAX_REWARD_RANK}, from_rank <= to_rank"),
            ));
        }
        if i > 0 && tiers[i - 1].to_rank >= t.from_rank {
            return Err(Error::invalid("rewards", "reward tiers may not overlap"));
        }
        check_attachments(cfg, "rewards", &t.rewards)?;
    }
    if let Some(TournamentSpec {
        start,
        end,
        entry_fee,
        max_entrants,
    }) = &req.tournament
    {
        if end <= start {
            return Err(Error::invalid(
                "tournament.end",
                "a tournament ends after it starts",
            ));
        }
        if let Some(fee) = entry_fee {
            check_fee(cfg, fee)?;
        }
        if *max_entrants == Some(0) {
            return Err(Error::invalid(
                "tournament.max_entrants",
                "max_entrants is at least 1",
            ));
        }
    }
    Ok(())
}

/// Refuses a redefinition that changes what stored scores depend on: sort, operator,
/// partitioning, being a tournament (or its start). Errors: `INVALID_ARGUMENT`.
pub fn check_redefine(old: &Leaderboard, req: &PutLeaderboardRequest) -> Result<()> {
    let fixed = |field: &str| {
        Err(Error::invalid(
            field,
            format!(
                "'{field}' of board '{}' cannot change once it exists",
                old.id
            ),
        ))
    };
    if old.sort != req.sort {
        return fixed("sort");
    }
    if old.operator != req.operator {
        return fixed("operator");
    }
    if old.partitioned != req.partitioned {
        return fixed("partitioned");
    }
    match (&old.tournament, &req.tournament) {
        (None, None) => Ok(()),
        (Some(a), Some(b)) if a.start == b.start => Ok(()),
        _ => fixed("tournament"),
    }
}

/// The new definition from a request (keeping `created_at` of the old one).
pub fn define(
    now: DateTime<Utc>,
    old: Option<&Leaderboard>,
    req: &PutLeaderboardRequest,
) -> Leaderboard {
    Leaderboard {
        id: req.id.clone(),
        sort: req.sort,
        operator: req.operator,
        reset: req.reset.clone(),
        partitioned: req.partitioned,
        rewards: req.rewards.clone(),
        tournament: req.tournament.clone(),
        metadata: if req.metadata.is_null() {
            json!({})
        } else {
            req.metadata.clone()
        },
        created_at: old.map_or(now, |o| o.created_at),
        updated_at: now,
    }
}

/// The ordering key of `score`: the best record has the smallest key (desc: `!score`,
/// which reverses the order of `i64` without overflow).
pub fn ord_of(sort: SortOrder, score: i64) -> i64 {
    match sort {
        SortOrder::Asc => score,
        SortOrder::Desc => !score,
    }
}

/// The inverse of [`ord_of`].
pub fn score_of(sort: SortOrder, ord: i64) -> i64 {
    match sort {
        SortOrder::Asc => ord,
        SortOrder::Desc => !ord,
    }
}

/// Applies the operator: the new stored score and whether it changed.
/// Errors: `INVALID_ARGUMENT` when an increment passes the range of `i64`.
pub fn apply(board: &Leaderboard, stored: Option<i64>, submitted: i64) -> Result<(i64, bool)> {
    let Some(old) = stored else {
        return Ok((submitted, true));
    };
    let new = match board.operator {
        ScoreOperator::Set => submitted,
        ScoreOperator::Best => {
            if ord_of(board.sort, submitted) < ord_of(board.sort, old) {
                submitted
            } else {
                old
            }
        }
        ScoreOperator::Increment => old.checked_add(submitted).ok_or_else(|| {
            Error::invalid(
                "score",
                "the score would pass the range of a 64-bit integer",
            )
            .with_details(json!({ "score": old, "increment": submitted }))
        })?,
    };
    Ok((new, new != old))
}

/// The period a score submitted at `now` counts in. A tournament accepts scores in
/// `[start, end)` only (`TOURNAMENT_CLOSED`). Errors: `INVALID_ARGUMENT` for a cron
/// schedule with no instant around `now`.
pub fn period_of(cfg: &Config, board: &Leaderboard, now: DateTime<Utc>) -> Result<Period> {
    if let Some(t) = &board.tournament {
        if now < t.start || now >= t.end {
            return Err(closed(board, t, now));
        }
        return Ok(tournament_period(t));
    }
    match &board.reset {
        Some(s) => s.period_at(now, cfg.reset_timezone),
        None => Ok(Period {
            key: ALL_TIME.into(),
            start: Utc.timestamp_opt(0, 0).single().unwrap_or_default(),
            end: DateTime::<Utc>::MAX_UTC,
        }),
    }
}

/// The one period of a tournament.
pub fn tournament_period(t: &TournamentSpec) -> Period {
    Period {
        key: TOURNAMENT.into(),
        start: t.start,
        end: t.end,
    }
}

/// `TOURNAMENT_CLOSED` for a call at `now` outside the window.
pub fn closed(board: &Leaderboard, t: &TournamentSpec, now: DateTime<Utc>) -> Error {
    let what = if now < t.start {
        "has not started"
    } else {
        "has ended"
    };
    Error::new(
        ErrorCode::TournamentClosed,
        format!("tournament '{}' {what}", board.id),
    )
    .with_details(json!({ "board": board.id, "start": t.start, "end": t.end, "now": now }))
}

/// Whether a board's periods end (so they have a reset to run).
pub fn has_resets(board: &Leaderboard) -> bool {
    board.reset.is_some() || board.tournament.is_some()
}

/// The key of one (board, partition, period)'s standings: `<board>/<partition>/<period>`.
pub fn standings_key(board: &str, partition: &str, period: &str) -> String {
    format!("{board}/{partition}/{period}")
}

/// Whether the reset of a period ending at `end` may run at `now`, `grace_secs` after it.
pub fn reset_due(grace_secs: i64, end: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    end.checked_add_signed(Duration::seconds(grace_secs))
        .is_some_and(|due| due <= now)
}

/// The reward tier of `rank`, if any.
pub fn tier_for(rewards: &[RewardTier], rank: u64) -> Option<&RewardTier> {
    rewards
        .iter()
        .find(|t| u64::from(t.from_rank) <= rank && rank <= u64::from(t.to_rank))
}

/// The last rank any tier rewards (0: none).
pub fn last_rewarded_rank(rewards: &[RewardTier]) -> u64 {
    rewards
        .iter()
        .map(|t| u64::from(t.to_rank))
        .max()
        .unwrap_or(0)
}

/// Checks a join at `now`: before the end, under the cap. Errors: `TOURNAMENT_CLOSED`,
/// `TOURNAMENT_FULL`.
pub fn check_join(
    board: &Leaderboard,
    t: &TournamentSpec,
    entrants: u32,
    now: DateTime<Utc>,
) -> Result<()> {
    if now >= t.end {
        return Err(closed(board, t, now));
    }
    if let Some(max) = t.max_entrants {
        if entrants >= max {
            return Err(Error::new(
                ErrorCode::TournamentFull,
                format!("tournament '{}' has its {max} entrants", board.id),
            )
            .with_details(json!({ "board": board.id, "max_entrants": max })));
        }
    }
    Ok(())
}

/// A page cursor: the rank and index position of the last record of a page.
pub fn encode_cursor(rank: u64, pos: &ScorePos) -> String {
    format!("{rank}:{}:{}:{}", pos.ord, pos.submitted_at, pos.player)
}

/// Reads a cursor of [`encode_cursor`]. Errors: `INVALID_ARGUMENT`.
pub fn decode_cursor(cursor: &str) -> Result<(u64, ScorePos)> {
    let bad = || Error::invalid("cursor", "not a cursor of this board's pages");
    let mut parts = cursor.splitn(4, ':');
    let rank = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    let ord = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    let submitted_at = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    let player = parts.next().filter(|p| !p.is_empty()).ok_or_else(bad)?;
    Ok((
        rank,
        ScorePos {
            ord,
            submitted_at,
            player: player.to_string(),
        },
    ))
}

/// A record's member in the coordinator's rank index (ARCHITECTURE.md, "Ranking
/// storage"): 8 bytes of `ord` and 8 bytes of `submitted_at`, each big-endian with the
/// sign bit flipped (so unsigned byte order is signed order), then the player id's
/// UTF-8 bytes. Byte (lexicographic) order of members is the index order (`ord`,
/// `submitted_at`, `player`) of [`ScorePos`], the one every Store reads in.
pub fn rank_member(pos: &ScorePos) -> Vec<u8> {
    let mut m = Vec::with_capacity(16 + pos.player.len());
    m.extend_from_slice(&((pos.ord as u64) ^ (1 << 63)).to_be_bytes());
    m.extend_from_slice(&((pos.submitted_at as u64) ^ (1 << 63)).to_be_bytes());
    m.extend_from_slice(pos.player.as_bytes());
    m
}

/// The inverse of [`rank_member`]; `None` for bytes it did not make.
pub fn member_pos(m: &[u8]) -> Option<ScorePos> {
    if m.len() <= 16 {
        return None;
    }
    let word = |b: &[u8]| -> Option<i64> {
        let a: [u8; 8] = b.try_into().ok()?;
        Some((u64::from_be_bytes(a) ^ (1 << 63)) as i64)
    };
    Some(ScorePos {
        ord: word(&m[..8])?,
        submitted_at: word(&m[8..16])?,
        player: std::str::from_utf8(&m[16..]).ok()?.to_string(),
    })
}

/// Page size of a read (default 100, 1..=1000). Errors: `INVALID_ARGUMENT`.
pub fn page_size(limit: Option<u32>) -> Result<u32> {
    match limit.unwrap_or(DEFAULT_PAGE) {
        n @ 1..=MAX_PAGE => Ok(n),
        _ => Err(Error::invalid("limit", format!("limit is 1 to {MAX_PAGE}"))),
    }
}

/// Neighbours of a standing read (default 5, 0..=50). Errors: `INVALID_ARGUMENT`.
pub fn neighbours(n: Option<u32>) -> Result<u32> {
    match n.unwrap_or(DEFAULT_NEIGHBOURS) {
        n @ 0..=MAX_NEIGHBOURS => Ok(n),
        _ => Err(Error::invalid(
            "neighbours",
            format!("neighbours is 0 to {MAX_NEIGHBOURS}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::{Attachments, CurrencyAttachment};
    use crate::schedule::ResetSchedule;
    use crate::types::Currency;

    #[test]
    fn rank_members_sort_as_the_index_and_decode_back() {
        let ords = [i64::MIN, -1_000_000, -1, 0, 1, 42, i64::MAX];
        let times = [i64::MIN, -5, 0, 1_700_000_000_000_000, i64::MAX];
        let players = ["a", "ab", "b", "steam:7656:x", "zz\u{e9}"];
        let mut all = Vec::new();
        for &ord in &ords {
            for &submitted_at in &times {
                for p in players {
                    all.push(ScorePos {
                        ord,
                        submitted_at,
                        player: p.to_string(),
                    });
                }
            }
        }
        let key = |p: &ScorePos| (p.ord, p.submitted_at, p.player.clone());
        let mut by_index = all.clone();
        by_index.sort_by_key(key);
        let mut by_member = all.clone();
        by_member.sort_by_key(rank_member);
        assert_eq!(by_index, by_member);
        for p in &all {
            assert_eq!(member_pos(&rank_member(p)).as_ref(), Some(p));
        }
        assert_eq!(member_pos(b"short"), None);
        assert_eq!(member_pos(&[0u8; 16]), None);
        let mut bad = rank_member(&all[0]);
        bad.push(0xff);
        assert_eq!(member_pos(&bad), None);
    }

    fn cfg() -> Config {
        Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .unwrap()
    }

    fn board(sort: SortOrder, operator: ScoreOperator) -> Leaderboard {
        define(
            Utc::now(),
            None,
            &PutLeaderboardRequest {
                id: "b".into(),
                sort,
                operator,
                reset: None,
                partitioned: false,
                rewards: vec![],
                tournament: None,
                metadata: json!(null),
            },
        )
    }

    fn gold(n: i64) -> Attachments {
        Attachments {
            currencies: vec![CurrencyAttachment {
                currency: "gold".into(),
                amount: n,
            }],
            items: vec![],
        }
    }

    #[test]
    fn ord_reverses_desc_without_overflow_and_round_trips() {
        for s in [i64::MIN, -5, 0, 7, i64::MAX] {
            assert_eq!(score_of(SortOrder::Desc, ord_of(SortOrder::Desc, s)), s);
            assert_eq!(score_of(SortOrder::Asc, ord_of(SortOrder::Asc, s)), s);
        }
        assert!(ord_of(SortOrder::Desc, i64::MAX) < ord_of(SortOrder::Desc, 0));
        assert!(ord_of(SortOrder::Desc, 0) < ord_of(SortOrder::Desc, i64::MIN));
        assert!(ord_of(SortOrder::Asc, 1) < ord_of(SortOrder::Asc, 2));
    }

    #[test]
    fn operators() {
        let best_desc = board(SortOrder::Desc, ScoreOperator::Best);
        assert_eq!(apply(&best_desc, None, 5).unwrap(), (5, true));
        assert_eq!(apply(&best_desc, Some(5), 3).unwrap(), (5, false));
        assert_eq!(apply(&best_desc, Some(5), 5).unwrap(), (5, false));
        assert_eq!(apply(&best_desc, Some(5), 9).unwrap(), (9, true));
        let best_asc = board(SortOrder::Asc, ScoreOperator::Best);
        assert_eq!(apply(&best_asc, Some(5), 3).unwrap(), (3, true));
        assert_eq!(apply(&best_asc, Some(5), 9).unwrap(), (5, false));
        let set = board(SortOrder::Desc, ScoreOperator::Set);
        assert_eq!(apply(&set, Some(5), 3).unwrap(), (3, true));
        assert_eq!(apply(&set, Some(3), 3).unwrap(), (3, false));
        let inc = board(SortOrder::Desc, ScoreOperator::Increment);
        assert_eq!(apply(&inc, Some(5), 3).unwrap(), (8, true));
        assert_eq!(apply(&inc, Some(5), 0).unwrap(), (5, false));
        let e = apply(&inc, Some(i64::MAX), 1).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument);
    }

    #[test]
    fn definitions_are_checked() {
        let c = cfg();
        let ok = PutLeaderboardRequest {
            id: "weekly-pvp".into(),
            sort: SortOrder::Desc,
            operator: ScoreOperator::Best,
            reset: Some(ResetSchedule::Weekly),
            partitioned: true,
            rewards: vec![
                RewardTier {
                    from_rank: 1,
                    to_rank: 1,
                    rewards: gold(100),
                },
                RewardTier {
                    from_rank: 2,
                    to_rank: 10,
                    rewards: gold(10),
                },
            ],
            tournament: None,
            metadata: json!({}),
        };
        check_put(&c, &ok).unwrap();
        let bad = |f: &dyn Fn(&mut PutLeaderboardRequest)| {
            let mut r = ok.clone();
            f(&mut r);
            check_put(&c, &r).unwrap_err().code
        };
        assert_eq!(bad(&|r| r.id = "a/b".into()), ErrorCode::InvalidArgument);
        assert_eq!(
            bad(&|r| r.rewards[1].from_rank = 1),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            bad(&|r| r.rewards[1].to_rank = 1001),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            bad(&|r| r.rewards[0].rewards = gold(0)),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            bad(&|r| r.rewards[0].rewards.currencies[0].currency = "nope".into()),
            ErrorCode::InvalidArgument
        );
        let t = TournamentSpec {
            start: Utc::now(),
            end: Utc::now(),
            entry_fee: None,
            max_entrants: None,
        };
        let t2 = t.clone();
        assert_eq!(
            bad(&move |r| r.tournament = Some(t2.clone())),
            ErrorCode::InvalidArgument
        );
        let mut t3 = t;
        t3.end = t3.start + Duration::hours(1);
        assert_eq!(
            bad(&move |r| r.tournament = Some(t3.clone())),
            ErrorCode::InvalidArgument,
            "a tournament with a reset schedule"
        );
    }

    #[test]
    fn redefinition_keeps_what_scores_depend_on() {
        let old = board(SortOrder::Desc, ScoreOperator::Best);
        let mut req = PutLeaderboardRequest {
            id: "b".into(),
            sort: SortOrder::Desc,
            operator: ScoreOperator::Best,
            reset: Some(ResetSchedule::Daily),
            partitioned: false,
            rewards: vec![],
            tournament: None,
            metadata: json!({"title": "x"}),
        };
        check_redefine(&old, &req).unwrap();
        req.sort = SortOrder::Asc;
        assert_eq!(
            check_redefine(&old, &req).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn partitions_and_periods() {
        let mut b = board(SortOrder::Desc, ScoreOperator::Best);
        assert_eq!(check_partition(&b, &None).unwrap(), "");
        assert!(check_partition(&b, &Some("x".into())).is_err());
        b.partitioned = true;
        assert_eq!(
            check_partition(&b, &Some("class:mage".into())).unwrap(),
            "class:mage"
        );
        assert!(check_partition(&b, &None).is_err());
        assert!(check_partition(&b, &Some("a/b".into())).is_err());
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
        assert_eq!(period_of(&cfg(), &b, now).unwrap().key, ALL_TIME);
        b.reset = Some(ResetSchedule::Weekly);
        assert_eq!(period_of(&cfg(), &b, now).unwrap().key, "2026-W11");
        b.reset = None;
        b.tournament = Some(TournamentSpec {
            start: now,
            end: now + Duration::hours(1),
            entry_fee: None,
            max_entrants: Some(1),
        });
        assert_eq!(period_of(&cfg(), &b, now).unwrap().key, TOURNAMENT);
        let before = period_of(&cfg(), &b, now - Duration::seconds(1)).unwrap_err();
        assert_eq!(before.code, ErrorCode::TournamentClosed);
        let after = period_of(&cfg(), &b, now + Duration::hours(1)).unwrap_err();
        assert_eq!(after.code, ErrorCode::TournamentClosed);
        let t = b.tournament.clone().unwrap();
        check_join(&b, &t, 0, now - Duration::hours(1)).unwrap();
        assert_eq!(
            check_join(&b, &t, 1, now).unwrap_err().code,
            ErrorCode::TournamentFull
        );
        assert_eq!(
            check_join(&b, &t, 0, now + Duration::hours(2))
                .unwrap_err()
                .code,
            ErrorCode::TournamentClosed
        );
    }

    #[test]
    fn resets_wait_for_the_grace_and_tiers_match_ranks() {
        let end = Utc.with_ymd_and_hms(2026, 3, 30, 0, 0, 0).unwrap();
        assert!(!reset_due(RESET_GRACE_SECS, end, end));
        assert!(reset_due(
            RESET_GRACE_SECS,
            end,
            end + Duration::seconds(RESET_GRACE_SECS)
        ));
        assert!(!reset_due(10, end, end + Duration::seconds(9)));
        let tiers = vec![
            RewardTier {
                from_rank: 1,
                to_rank: 1,
                rewards: gold(100),
            },
            RewardTier {
                from_rank: 3,
                to_rank: 5,
                rewards: gold(5),
            },
        ];
        assert_eq!(tier_for(&tiers, 1).unwrap().rewards, gold(100));
        assert!(tier_for(&tiers, 2).is_none());
        assert_eq!(tier_for(&tiers, 5).unwrap().rewards, gold(5));
        assert!(tier_for(&tiers, 6).is_none());
        assert_eq!(last_rewarded_rank(&tiers), 5);
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let pos = ScorePos {
            ord: -42,
            submitted_at: 1_700_000_000_000_000,
            player: "steam:7656:x".into(),
        };
        let c = encode_cursor(17, &pos);
        assert_eq!(decode_cursor(&c).unwrap(), (17, pos));
        for bad in ["", "x", "1:2:3", "1:a:3:p", "1:2:3:"] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
        assert_eq!(page_size(None).unwrap(), 100);
        assert!(page_size(Some(0)).is_err());
        assert!(page_size(Some(1001)).is_err());
        assert!(neighbours(Some(51)).is_err());
    }
}
