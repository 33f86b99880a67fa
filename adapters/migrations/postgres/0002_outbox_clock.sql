-- Writers no longer take one commit lock, so `seq`s of the outbox (events) and of
-- broadcasts can no longer come from identities: two transactions could draw 10 and
-- 11 and commit 11 first, and a reader resuming after 11 would lose 10.
--
-- From here on a row's `seq` is
--     base + (writer's transaction id - xid) * 65536 + ordinal in the transaction
-- and readers read only rows below
--     base + (oldest transaction id still running - xid) * 65536,
-- i.e. rows of transactions that have all ended. A transaction id is assigned when a
-- transaction first writes and only grows, so every row a reader can later see has a
-- larger `seq` than every row it has read. `xid` is this migration's transaction id
-- (as a 64-bit, epoch-extended number) and `base` lies above every `seq` handed out
-- before it, so old cursors stay valid.
CREATE TABLE outbox_clock (
    xid  BIGINT NOT NULL,
    base BIGINT NOT NULL
);

INSERT INTO outbox_clock (xid, base)
SELECT pg_current_xact_id()::text::bigint,
       GREATEST(
           COALESCE(pg_sequence_last_value(pg_get_serial_sequence('events', 'seq')::regclass), 0),
           COALESCE(pg_sequence_last_value(pg_get_serial_sequence('broadcasts', 'seq')::regclass), 0),
           (SELECT COALESCE(max(seq), 0) FROM events),
           (SELECT COALESCE(max(seq), 0) FROM broadcasts)
       ) + 1;

ALTER TABLE events ALTER COLUMN seq DROP IDENTITY;
ALTER TABLE broadcasts ALTER COLUMN seq DROP IDENTITY;

COMMENT ON COLUMN ledger.seq IS
    'history order: drawn when the row is written; with concurrent writers not strictly commit order (the outbox is the resumable feed)';
