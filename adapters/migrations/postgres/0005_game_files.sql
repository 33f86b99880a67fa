-- Game data downloads (SPEC.md Game data downloads): one row per version of a file,
-- with its bytes. `version` is one sequence over every file (the newest row of a name is
-- its current version), taken as MAX + 1 under an EXCLUSIVE lock of the table (readers
-- go on), so versions commit in their order and a "changed since N" reader never skips
-- one. `created_at`: microseconds since the epoch (UTC).
CREATE TABLE game_files (
    version      BIGINT PRIMARY KEY,
    name         TEXT COLLATE "C" NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    bytes        BYTEA NOT NULL
);

CREATE INDEX game_files_name ON game_files (name, version);
