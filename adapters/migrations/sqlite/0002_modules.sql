-- guildhall SQLite schema, version 2: mail, announcements, counters and the versioned
-- documents of parties and matchmaking. Rules stay in Rust; these tables only store
-- and guard versions.

-- Named counters (mail send limits, announcement caps), guarded by version.
CREATE TABLE counters (
    "key"      TEXT    NOT NULL PRIMARY KEY,
    count      INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX counters_expiry ON counters (expires_at);

-- Mailbox headers: every change of a box bumps its version.
CREATE TABLE mailboxes (
    player        TEXT    NOT NULL PRIMARY KEY,
    version       INTEGER NOT NULL,
    broadcast_seq INTEGER NOT NULL
) WITHOUT ROWID;

-- Stored mails, one JSON body each (written only with a guarded write of their box).
CREATE TABLE mails (
    player  TEXT    NOT NULL,
    id      TEXT    NOT NULL,
    sent_at INTEGER NOT NULL,
    body    TEXT    NOT NULL,
    PRIMARY KEY (player, id)
) WITHOUT ROWID;

-- Broadcasts, stored once; boxes copy them in on read.
CREATE TABLE broadcasts (
    seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    id   TEXT    NOT NULL UNIQUE,
    body TEXT    NOT NULL
);

CREATE TABLE templates (
    id   TEXT NOT NULL PRIMARY KEY,
    body TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE triggers (
    id    TEXT NOT NULL PRIMARY KEY,
    event TEXT NOT NULL,
    body  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX triggers_event ON triggers (event, id);

-- Versioned documents: parties, memberships, tickets, matches, ratings.
CREATE TABLE docs (
    kind    TEXT    NOT NULL,
    id      TEXT    NOT NULL,
    version INTEGER NOT NULL,
    body    TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
