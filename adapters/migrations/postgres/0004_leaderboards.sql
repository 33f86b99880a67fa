-- Leaderboards (SPEC.md Leaderboards and tournaments): the ranking index. One row per
-- player per standings (`<board>/<partition>/<period>`), mirroring the player's guarded
-- `lb_score` document (written in the same commit). `ord` is the score for ascending
-- boards and its bitwise NOT for descending ones, so the best record has the smallest
-- key and every read (top N, cursor pages, a rank as a COUNT, neighbours) is a range of
-- `leaderboard_scores_rank`. `submitted_at`: microseconds since the epoch (UTC).
CREATE TABLE leaderboard_scores (
    standings    TEXT COLLATE "C" NOT NULL,
    player       TEXT COLLATE "C" NOT NULL,
    ord          BIGINT NOT NULL,
    score        BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    PRIMARY KEY (standings, player)
);

CREATE INDEX leaderboard_scores_rank ON leaderboard_scores (standings, ord, submitted_at, player);
