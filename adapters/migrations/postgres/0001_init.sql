-- guildhall Postgres schema, version 1 (the same tables as the SQLite schema).
-- Times are BIGINT microseconds since the Unix epoch, UTC; days are 'YYYY-MM-DD' text;
-- accounts are written as `player:<id>` / `system:<name>`; JSON columns hold serde_json
-- text (TEXT, not JSONB, so every value comes back exactly as written). Key and sort
-- columns use the "C" collation: ids order by their bytes, as in every other store,
-- whatever the database's default collation.
--
-- The CHECK constraints are a second guard behind the rules: a player balance never
-- goes below zero (system accounts have no floor), a stack never below zero, a ledger
-- amount is always positive. An increment past the BIGINT range fails with SQLSTATE
-- 22003 and is reported as BALANCE_LIMIT.

CREATE TABLE balances (
    account  TEXT COLLATE "C" NOT NULL,
    currency TEXT COLLATE "C" NOT NULL,
    amount   BIGINT NOT NULL,
    version  BIGINT NOT NULL,
    PRIMARY KEY (account, currency),
    CONSTRAINT balances_player_floor CHECK (account LIKE 'system:%' OR amount >= 0)
);

-- Inventory stacks. A stack used up to 0 stays so its version keeps guarding.
CREATE TABLE items (
    player      TEXT COLLATE "C" NOT NULL,
    item_id     TEXT COLLATE "C" NOT NULL,
    quantity    BIGINT NOT NULL CONSTRAINT items_quantity_floor CHECK (quantity >= 0),
    acquired_at BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    PRIMARY KEY (player, item_id)
);

-- Double-entry ledger. `seq` is the history cursor; writers assign it under one
-- transaction-level advisory lock, so it increases with commit order.
CREATE TABLE ledger (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             TEXT COLLATE "C" NOT NULL UNIQUE,
    transaction_id TEXT NOT NULL,
    at             BIGINT NOT NULL,
    day            TEXT COLLATE "C" NOT NULL,
    kind           TEXT COLLATE "C" NOT NULL,
    currency       TEXT COLLATE "C" NOT NULL,
    debit          TEXT COLLATE "C" NOT NULL,
    credit         TEXT COLLATE "C" NOT NULL,
    amount         BIGINT NOT NULL CONSTRAINT ledger_amount_positive CHECK (amount > 0),
    reason         TEXT NOT NULL,
    metadata       TEXT NOT NULL,
    item_id        TEXT COLLATE "C",
    quantity       BIGINT
);
CREATE INDEX ledger_by_debit ON ledger (debit, seq);
CREATE INDEX ledger_by_credit ON ledger (credit, seq);
CREATE INDEX ledger_purchases_by_time ON ledger (at, item_id, quantity) WHERE kind = 'purchase';
CREATE INDEX ledger_purchases_by_day ON ledger (day, currency, amount) WHERE kind = 'purchase';

-- Outbox of domain events. An identity never hands out a pruned `seq` again.
-- `players` is an array with a GIN index for a player's own feed.
CREATE TABLE events (
    seq     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id      TEXT NOT NULL,
    kind    TEXT NOT NULL,
    at      BIGINT NOT NULL,
    players TEXT[] NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX events_by_time ON events (at);
CREATE INDEX events_by_player ON events USING GIN (players);

-- Idempotency records: the request fingerprint and the original result.
CREATE TABLE idempotency (
    scope       TEXT COLLATE "C" NOT NULL,
    "key"       TEXT COLLATE "C" NOT NULL,
    fingerprint TEXT NOT NULL,
    result      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (scope, "key")
);
CREATE INDEX idempotency_by_time ON idempotency (created_at);

-- The catalog. No price: both price columns are NULL.
CREATE TABLE catalog (
    id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    price_currency TEXT,
    price_amount   BIGINT,
    max_stack      BIGINT,
    active         BOOLEAN NOT NULL,
    metadata       TEXT NOT NULL
);

-- Named counters (mail send limits, announcement caps), guarded by version.
CREATE TABLE counters (
    "key"      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    count      BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX counters_expiry ON counters (expires_at);

-- Mailbox headers: every change of a box bumps its version.
CREATE TABLE mailboxes (
    player        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    version       BIGINT NOT NULL,
    broadcast_seq BIGINT NOT NULL
);

-- Stored mails, one JSON body each (written only with a guarded write of their box).
CREATE TABLE mails (
    player  TEXT COLLATE "C" NOT NULL,
    id      TEXT COLLATE "C" NOT NULL,
    sent_at BIGINT NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (player, id)
);
CREATE INDEX mails_by_time ON mails (player, sent_at, id);

-- Broadcasts, stored once; boxes copy them in on read.
CREATE TABLE broadcasts (
    seq  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id   TEXT COLLATE "C" NOT NULL UNIQUE,
    body TEXT NOT NULL
);

CREATE TABLE templates (
    id   TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    body TEXT NOT NULL
);

CREATE TABLE triggers (
    id    TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    event TEXT COLLATE "C" NOT NULL,
    body  TEXT NOT NULL
);
CREATE INDEX triggers_event ON triggers (event, id);

-- Versioned documents: parties, memberships, tickets, matches, ratings.
CREATE TABLE docs (
    kind    TEXT COLLATE "C" NOT NULL,
    id      TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
