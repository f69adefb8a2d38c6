"""Schema of a project store and its forward migrations.

`PRAGMA user_version` holds the schema version. Each migration runs in its
own transaction, so a store is always at one whole version. A store newer
than this code is refused instead of being written in a shape it does not know.
"""

from __future__ import annotations

from typing import Final

import sqlcipher3

from labeler.core.errors import StorageError

_V1: Final = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE blobs (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    chunk_count INTEGER NOT NULL,
    key_version INTEGER NOT NULL
);
CREATE TABLE chunks (
    blob_id INTEGER NOT NULL REFERENCES blobs(id),
    idx INTEGER NOT NULL,
    file TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    PRIMARY KEY (blob_id, idx)
);
CREATE TABLE assets (
    id INTEGER PRIMARY KEY,
    bucket_id TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    blob_id INTEGER NOT NULL REFERENCES blobs(id),
    kind TEXT NOT NULL,
    format TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    stored_width INTEGER,
    stored_height INTEGER,
    orientation INTEGER NOT NULL DEFAULT 1,
    mode TEXT,
    frame_count INTEGER,
    fps REAL,
    duration_s REAL,
    encoding TEXT,
    notes TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'new',
    presence TEXT NOT NULL DEFAULT 'present',
    imported_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (bucket_id, path)
);
CREATE INDEX assets_by_status ON assets(status, id);
CREATE INDEX assets_by_kind ON assets(kind, id);
CREATE INDEX assets_by_sha ON assets(sha256);
CREATE TABLE fields (
    asset_id INTEGER NOT NULL REFERENCES assets(id),
    name TEXT NOT NULL,
    variant TEXT NOT NULL CHECK (variant IN ('full', 'masked')),
    class_id TEXT NOT NULL,
    key_version INTEGER NOT NULL,
    ciphertext BLOB NOT NULL,
    PRIMARY KEY (asset_id, name, variant)
);
CREATE TABLE annotations (
    id TEXT PRIMARY KEY,
    asset_id INTEGER NOT NULL REFERENCES assets(id),
    kind TEXT NOT NULL,
    label TEXT,
    data TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX annotations_by_asset ON annotations(asset_id, deleted);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    asset_id INTEGER NOT NULL REFERENCES assets(id),
    reviewer TEXT NOT NULL,
    decision TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL,
    signature BLOB NOT NULL
);
CREATE TABLE import_jobs (
    id INTEGER PRIMARY KEY,
    bucket_id TEXT NOT NULL,
    user TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'finished')),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    summary TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE import_errors (
    job_id INTEGER NOT NULL REFERENCES import_jobs(id),
    path TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (job_id, path)
);
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    signature BLOB NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit entries cannot be deleted'); END;
"""

# Video frames decoded once at import. A frame group is a blob of its own
# (a run of encoded frames, about one chunk long), so the `chunks` table names
# its chunk files and orphan collection and `verify` treat it like any other
# content. `video_extractions` is keyed by the video's own blob: assets with
# the same content share one extraction, and `frames_done` is the resume point
# of an extraction that was stopped or killed.
_V2_VIDEO: Final = """
CREATE TABLE video_extractions (
    blob_id INTEGER PRIMARY KEY REFERENCES blobs(id),
    encoding TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    rotation INTEGER NOT NULL,
    claimed_frames INTEGER,
    frames_done INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('running', 'finished')),
    stop_reason TEXT
);
CREATE TABLE video_frames (
    blob_id INTEGER NOT NULL REFERENCES blobs(id),
    frame INTEGER NOT NULL,
    pts_ms REAL NOT NULL,
    group_blob_id INTEGER NOT NULL REFERENCES blobs(id),
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL,
    PRIMARY KEY (blob_id, frame)
) WITHOUT ROWID;
CREATE INDEX video_frames_by_time ON video_frames(blob_id, pts_ms);
"""

# Originals whose embedded metadata some role may not see are encrypted under a
# field-class key (`blobs.class_id`; NULL means the content key), and the asset
# points at a display copy without that metadata (`blob_id`) and at the
# original (`original_blob_id`; NULL when the display blob is the original).
_V3_ORIGINALS: Final = """
ALTER TABLE blobs ADD COLUMN class_id TEXT;
ALTER TABLE assets ADD COLUMN original_blob_id INTEGER REFERENCES blobs(id);
"""

# Each entry is the SQL that moves the store up by one version; append only.
MIGRATIONS: Final[tuple[str, ...]] = (_V1, _V2_VIDEO, _V3_ORIGINALS)
SCHEMA_VERSION: Final = len(MIGRATIONS)


def migrate(connection: sqlcipher3.Connection) -> None:
    """Bring the store up to SCHEMA_VERSION, one whole migration at a time."""
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"the store has schema version {version}, newer than this Labeler "
            f"understands ({SCHEMA_VERSION}); update Labeler"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        # executescript would commit on its own and split a migration across
        # transactions, so statements run one by one inside ours.
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in split_statements(MIGRATIONS[target - 1]):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {target}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


def split_statements(script: str) -> list[str]:
    """Split a script into whole statements (triggers included) using SQLite's parser."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlcipher3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise StorageError("a schema migration ends in an incomplete statement")
    return statements
