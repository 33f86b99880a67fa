-- The wallet and stack writes of a batch (purchases, grants, spends, transfers, item
-- use) as one function call, so that a batch of them can commit in ONE round trip: a
-- call made outside a transaction is its own transaction, committed before the
-- answer comes back. The rules (prices, limits, floors) are decided by the host
-- before a change set is written; this function only checks the change sets' version
-- guards and writes their rows (`adapters/src/postgres.rs`, `ECONOMY_SETS`).
--
-- Parameters, one array element per row, each row carrying its change set's slot
-- (the set's first outbox ordinal, which keys the set):
--   $1..$6    guarded balance writes: slot, index in the set, account, currency,
--             new amount (smallest currency unit), expected version (0: the row must
--             not exist);
--   $7..$13   guarded item writes: slot, index, player, item id, quantity,
--             acquired_at (microseconds since the Unix epoch, UTC), expected version;
--   $14..$19  idempotency records: slot, scope, key, fingerprint, result (JSON),
--             created_at (microseconds, UTC); the key must not exist;
--   $20       the slots of every set;
--   $21..$34  ledger entries and $35..$41 events, in (slot, index) order;
--   $42..$45  increments of accounts no set writes under a guard (system accounts):
--             slot, account, currency, delta; summed over the sets written and applied
--             last, in key order (empty inside a transaction whose caller writes them).
--
-- Steps: lock the existing guarded rows, balances then items, each in key order (as
-- every writing transaction does, so two never wait for each other in opposite
-- orders); check every guard of every set; write only the sets whose guards all hold;
-- raise SQLSTATE GH001 if a guarded write then changed no row (a row inserted
-- meanwhile: nothing of the call stays, the caller runs the sets one by one); add the
-- increments of the sets written.
--
-- Returns the slots written, the failing guards as (slot, what: 0 balance / 1 item /
-- 2 idempotency key, index in the set) in three arrays, the number of guarded rows
-- written, and the `seq`s of the ledger entries and of the events, ascending. Hash and
-- merge joins are off inside the call: its plans are kept per connection, and one made
-- while the tables were small would go on reading whole tables once they are large,
-- where the nested loop over the primary keys reads one row per set at any size.
CREATE FUNCTION guildhall_economy_sets(
    bigint[], int[], text[], text[], bigint[], bigint[],
    bigint[], int[], text[], text[], bigint[], bigint[], bigint[],
    bigint[], text[], text[], text[], text[], bigint[],
    bigint[],
    bigint[], text[], text[], bigint[], text[], text[], text[], text[], text[], bigint[],
    text[], text[], text[], bigint[],
    bigint[], bigint[], text[], text[], bigint[], text[], text[],
    bigint[], text[], text[], bigint[],
    OUT o_written bigint[], OUT o_bad_slots bigint[], OUT o_bad_what int[],
    OUT o_bad_idx int[], OUT o_guarded bigint, OUT o_ledger bigint[], OUT o_events bigint[])
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $fn$
DECLARE
    v_expected bigint;
BEGIN
    PERFORM 1 FROM balances x
        WHERE (x.account, x.currency) IN
            (SELECT u.a, u.c FROM unnest($3, $4, $6) AS u(a, c, e) WHERE u.e <> 0)
        ORDER BY x.account, x.currency FOR UPDATE;
    PERFORM 1 FROM items x
        WHERE (x.player, x.item_id) IN
            (SELECT u.p, u.i FROM unnest($9, $10, $13) AS u(p, i, e) WHERE u.e <> 0)
        ORDER BY x.player, x.item_id FOR UPDATE;

    WITH bal AS (SELECT * FROM unnest($1, $2, $3, $4, $5, $6)
            AS u(slot, idx, account, currency, amount, expected)),
        itm AS (SELECT * FROM unnest($7, $8, $9, $10, $11, $12, $13)
            AS u(slot, idx, player, item_id, quantity, acquired_at, expected)),
        idem AS (SELECT * FROM unnest($14, $15, $16, $17, $18, $19)
            AS u(slot, scope, k, fingerprint, result, created_at)),
        bad AS (SELECT b.slot, 0 AS what, b.idx FROM bal b WHERE CASE WHEN b.expected = 0
                THEN EXISTS (SELECT 1 FROM balances x WHERE x.account = b.account AND x.currency = b.currency)
                ELSE NOT EXISTS (SELECT 1 FROM balances x WHERE x.account = b.account
                    AND x.currency = b.currency AND x.version = b.expected) END
            UNION ALL SELECT i.slot, 1, i.idx FROM itm i WHERE CASE WHEN i.expected = 0
                THEN EXISTS (SELECT 1 FROM items x WHERE x.player = i.player AND x.item_id = i.item_id)
                ELSE NOT EXISTS (SELECT 1 FROM items x WHERE x.player = i.player
                    AND x.item_id = i.item_id AND x.version = i.expected) END
            UNION ALL SELECT k.slot, 2, 0 FROM idem k
                WHERE EXISTS (SELECT 1 FROM idempotency x WHERE x.scope = k.scope AND x."key" = k.k)),
        ok AS (SELECT s.slot FROM unnest($20) AS s(slot)
            WHERE NOT EXISTS (SELECT 1 FROM bad WHERE bad.slot = s.slot)),
        bu AS (UPDATE balances x SET amount = b.amount, version = x.version + 1 FROM bal b
            WHERE b.expected <> 0 AND NOT EXISTS (SELECT 1 FROM bad WHERE bad.slot = b.slot)
            AND x.account = b.account AND x.currency = b.currency AND x.version = b.expected
            RETURNING 1),
        bi AS (INSERT INTO balances (account, currency, amount, version)
            SELECT account, currency, amount, 1 FROM bal WHERE expected = 0
            AND NOT EXISTS (SELECT 1 FROM bad WHERE bad.slot = bal.slot)
            ORDER BY account, currency ON CONFLICT DO NOTHING RETURNING 1),
        iu AS (UPDATE items x SET quantity = i.quantity, acquired_at = i.acquired_at,
                version = x.version + 1
            FROM itm i WHERE i.expected <> 0 AND NOT EXISTS (SELECT 1 FROM bad WHERE bad.slot = i.slot)
            AND x.player = i.player AND x.item_id = i.item_id AND x.version = i.expected
            RETURNING 1),
        ii AS (INSERT INTO items (player, item_id, quantity, acquired_at, version)
            SELECT player, item_id, quantity, acquired_at, 1 FROM itm WHERE expected = 0
            AND NOT EXISTS (SELECT 1 FROM bad WHERE bad.slot = itm.slot)
            ORDER BY player, item_id ON CONFLICT DO NOTHING RETURNING 1),
        ki AS (INSERT INTO idempotency (scope, "key", fingerprint, result, created_at)
            SELECT scope, k, fingerprint, result, created_at FROM idem
            WHERE NOT EXISTS (SELECT 1 FROM bad WHERE bad.slot = idem.slot)
            ORDER BY scope, k ON CONFLICT DO NOTHING RETURNING 1),
        le AS (INSERT INTO ledger (id, transaction_id, at, day, kind, currency, debit, credit,
                amount, reason, metadata, item_id, quantity)
            SELECT id, transaction_id, at, day, kind, currency, debit, credit, amount, reason,
                metadata, item_id, quantity
            FROM unnest($21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34)
            WITH ORDINALITY AS u(slot, id, transaction_id, at, day, kind, currency, debit,
                credit, amount, reason, metadata, item_id, quantity, ord)
            WHERE NOT EXISTS (SELECT 1 FROM bad WHERE bad.slot = u.slot) ORDER BY ord
            RETURNING seq),
        -- An event's seq: the writer's base (see 0002_outbox_clock.sql) plus its
        -- ordinal; the same expression as SEQ_OF_WRITER in adapters/src/postgres.rs.
        ev AS (INSERT INTO events (seq, id, kind, at, players, payload)
            SELECT (SELECT base + (pg_current_xact_id()::text::bigint - xid) * 65536 FROM outbox_clock)
                + off, id, kind, at, ARRAY(SELECT jsonb_array_elements_text(players::jsonb)), payload
            FROM unnest($35, $36, $37, $38, $39, $40, $41)
                AS u(slot, off, id, kind, at, players, payload)
            WHERE NOT EXISTS (SELECT 1 FROM bad WHERE bad.slot = u.slot) ORDER BY off
            RETURNING seq)
    SELECT (SELECT array_agg(slot ORDER BY slot) FROM ok),
        (SELECT array_agg(slot ORDER BY slot, what, idx) FROM bad),
        (SELECT array_agg(what ORDER BY slot, what, idx) FROM bad),
        (SELECT array_agg(idx ORDER BY slot, what, idx) FROM bad),
        (SELECT count(*) FROM bu) + (SELECT count(*) FROM bi) + (SELECT count(*) FROM iu)
            + (SELECT count(*) FROM ii) + (SELECT count(*) FROM ki),
        (SELECT array_agg(seq ORDER BY seq) FROM le),
        (SELECT array_agg(seq ORDER BY seq) FROM ev)
    INTO o_written, o_bad_slots, o_bad_what, o_bad_idx, o_guarded, o_ledger, o_events;

    SELECT (SELECT count(*) FROM unnest($1) AS s(slot) WHERE s.slot = ANY(o_written))
        + (SELECT count(*) FROM unnest($7) AS s(slot) WHERE s.slot = ANY(o_written))
        + (SELECT count(*) FROM unnest($14) AS s(slot) WHERE s.slot = ANY(o_written))
    INTO v_expected;
    IF o_guarded <> v_expected THEN
        RAISE EXCEPTION 'a guarded row moved under a wallet or stack write (% of % written)',
            o_guarded, v_expected USING ERRCODE = 'GH001';
    END IF;

    IF cardinality($42) > 0 THEN
        INSERT INTO balances (account, currency, amount, version)
        SELECT u.a, u.c, sum(u.d)::bigint, 0
        FROM unnest($42, $43, $44, $45) AS u(slot, a, c, d)
        WHERE u.slot = ANY(o_written)
        GROUP BY u.a, u.c ORDER BY u.a, u.c
        ON CONFLICT (account, currency) DO UPDATE SET amount = balances.amount + excluded.amount;
    END IF;
END
$fn$;
