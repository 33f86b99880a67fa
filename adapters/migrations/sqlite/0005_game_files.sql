-- Game data downloads (SPEC.md Game data downloads): one row per version of a file,
-- with its bytes. `version` is one sequence over every file (the newest row of a name is
-- its current version), taken inside the writer's transaction as MAX + 1, so versions
-- become visible in their order. `created_at`: microseconds since the epoch (UTC).
CREATE TABLE game_files (
    version      INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    bytes        BLOB    NOT NULL
);

CREATE INDEX game_files_name ON game_files (name, version);
