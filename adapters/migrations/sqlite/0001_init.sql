-- guildhall SQLite schema, version 1.
-- Times are i64 microseconds since the Unix epoch, UTC. Accounts are written as
-- `player:<id>` / `system:<name>`. JSON columns hold serde_json text.

-- Wallet balances. `version` is bumped by every guarded write; system accounts are
-- written by unguarded increments. An overflowing increment would turn the value into
-- a REAL, which the CHECK refuses (overflow is an error, never a wrap).
CREATE TABLE balances (
    account  TEXT    NOT NULL,
    currency TEXT    NOT NULL,
    amount   INTEGER NOT NULL CHECK (typeof(amount) = 'integer'),
    version  INTEGER NOT NULL,
    PRIMARY KEY (account, currency)
) WITHOUT ROWID;

-- Inventory stacks. A stack used up to 0 stays so its version keeps guarding.
CREATE TABLE items (
    player      TEXT    NOT NULL,
    item_id     TEXT    NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity >= 0),
    acquired_at INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    PRIMARY KEY (player, item_id)
) WITHOUT ROWID;

-- Double-entry ledger. `seq` is the history cursor, increasing with commit order.
CREATE TABLE ledger (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT    NOT NULL UNIQUE,
    transaction_id TEXT    NOT NULL,
    at             INTEGER NOT NULL,
    day            TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    currency       TEXT    NOT NULL,
    debit          TEXT    NOT NULL,
    credit         TEXT    NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount > 0),
    reason         TEXT    NOT NULL,
    metadata       TEXT    NOT NULL,
    item_id        TEXT,
    quantity       INTEGER
);
CREATE INDEX ledger_by_debit ON ledger (debit, seq);
CREATE INDEX ledger_by_credit ON ledger (credit, seq);
CREATE INDEX ledger_purchases_by_time ON ledger (at, item_id, quantity) WHERE kind = 'purchase';
CREATE INDEX ledger_purchases_by_day ON ledger (day, currency, amount) WHERE kind = 'purchase';

-- Outbox of domain events. AUTOINCREMENT: a pruned `seq` is never handed out again.
CREATE TABLE events (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    id      TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    at      INTEGER NOT NULL,
    players TEXT    NOT NULL,
    payload TEXT    NOT NULL
);
CREATE INDEX events_by_time ON events (at);

-- Idempotency records: the request fingerprint and the original result.
CREATE TABLE idempotency (
    scope       TEXT    NOT NULL,
    "key"       TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    result      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (scope, "key")
) WITHOUT ROWID;
CREATE INDEX idempotency_by_time ON idempotency (created_at);

-- The catalog. No price: both price columns are NULL.
CREATE TABLE catalog (
    id             TEXT    NOT NULL PRIMARY KEY,
    name           TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    price_currency TEXT,
    price_amount   INTEGER,
    max_stack      INTEGER,
    active         INTEGER NOT NULL,
    metadata       TEXT    NOT NULL
) WITHOUT ROWID;
