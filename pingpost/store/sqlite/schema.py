"""The SQLite schema, version by version (see pingpost/store/migrations.py).

    auctions   one row per auction: the log's columns, small and indexed
    leads      the lead as received · documents: the JSON result document; both
               compressed (codec.py), each written once, apart so that scans of
               `auctions` never read them · dictionaries: for the documents' compression
    posts      post intents and their outcomes; `windows` names the cap counters each reserved
    lines      each account that took part in a finished auction (stats edges, log --account)
    rollups    stats tallies per minute/hour/day (rollups.py) · unfolded: the finished
               auctions not in them yet
    usage      cap counters · seen: lead dedupe keys · bought: account dedupe keys
    accounts   last sale, pause · requests: serve's idempotency keys · meta: version, salt

An auction row is written twice (its lead, then its result): open posts are
found through `posts_open`, and what is left to fold through `unfolded`, so that
no counter or flag on `auctions` churns its indexes. Money is exact decimal
text; times are Unix seconds (REAL).
"""

from __future__ import annotations

import secrets
import sqlite3

from pingpost.store.migrations import Step

V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE auctions (
    id INTEGER PRIMARY KEY,
    auction_id TEXT NOT NULL UNIQUE,
    lead_key TEXT NOT NULL,
    lead_type TEXT NOT NULL,
    source TEXT,
    started_at REAL NOT NULL,
    result TEXT,
    finished_at REAL,
    duration_ms REAL,
    sold_to TEXT,
    price TEXT,
    revenue TEXT,
    reason TEXT
);
CREATE INDEX auctions_by_key ON auctions (lead_key);
CREATE INDEX auctions_by_time ON auctions (started_at, auction_id);
CREATE INDEX auctions_by_result ON auctions (result, started_at, auction_id);
CREATE INDEX auctions_by_source ON auctions (source, started_at, auction_id);
CREATE INDEX auctions_interrupted ON auctions (started_at) WHERE result IS NULL;
CREATE TABLE unfolded (auction INTEGER PRIMARY KEY);
CREATE TABLE leads (auction INTEGER PRIMARY KEY, lead BLOB NOT NULL);
CREATE TABLE documents (auction INTEGER PRIMARY KEY, document BLOB NOT NULL);
CREATE TABLE dictionaries (id INTEGER PRIMARY KEY, data BLOB NOT NULL, made_at REAL NOT NULL);
CREATE TABLE posts (
    seq INTEGER PRIMARY KEY,
    auction INTEGER NOT NULL,
    account TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    sent_at REAL NOT NULL,
    amount TEXT NOT NULL,
    idempotency_key TEXT,
    windows TEXT NOT NULL,
    counted TEXT NOT NULL,
    status TEXT,
    price TEXT,
    reason TEXT,
    answered_at REAL,
    UNIQUE (auction, account, attempt)
);
CREATE INDEX posts_by_account ON posts (account, auction);
CREATE INDEX posts_open ON posts (auction) WHERE status IS NULL OR status = 'in_doubt';
CREATE TABLE lines (
    auction INTEGER NOT NULL,
    account TEXT NOT NULL,
    status TEXT NOT NULL,
    bid TEXT,
    ping_ms REAL,
    post_ms REAL,
    error_kind TEXT,
    price TEXT,
    PRIMARY KEY (auction, account)
) WITHOUT ROWID;
CREATE INDEX lines_by_account ON lines (account, auction);
CREATE TABLE rollups (
    level INTEGER NOT NULL,
    kind TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (level, kind, bucket, name)
) WITHOUT ROWID;
CREATE TABLE usage (
    account TEXT NOT NULL,
    cap_window TEXT NOT NULL,
    leads INTEGER NOT NULL,
    spend TEXT NOT NULL,
    PRIMARY KEY (account, cap_window)
) WITHOUT ROWID;
CREATE TABLE seen (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    at REAL NOT NULL,
    auction_id TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE TABLE bought (
    account TEXT NOT NULL,
    key TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (account, key)
) WITHOUT ROWID;
CREATE TABLE accounts (
    account TEXT PRIMARY KEY,
    last_sale_at REAL,
    paused_until REAL,
    pause_reason TEXT
) WITHOUT ROWID;
CREATE TABLE requests (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    at REAL NOT NULL,
    status INTEGER,
    body BLOB,
    PRIMARY KEY (source, key)
) WITHOUT ROWID;
"""


def create_v1(conn: sqlite3.Connection) -> None:
    """Version 1: every table, and the store's salt (made once, here)."""
    for statement in V1.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("INSERT INTO meta VALUES ('salt', ?)", (secrets.token_hex(16),))


def add_runs_v2(conn: sqlite3.Connection) -> None:
    """Version 2: each auction names the run that owns it (OtherAuction: one batch run
    twice at once never delivers a lead twice). Older auctions own none: no run writes to
    them again (a rerun gives its auctions new ids)."""
    conn.execute("ALTER TABLE auctions ADD COLUMN run TEXT")


STEPS: tuple[Step[None], ...] = (
    Step(1, "create the store", create_v1),
    Step(2, "auctions owned by their run", add_runs_v2),
)


def read_version(conn: sqlite3.Connection) -> int:
    """The schema version of the database (0 when it has no pingpost tables)."""
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if has_meta is None:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row is not None else 0


def write_version(conn: sqlite3.Connection, version: int) -> None:
    conn.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(version),),
    )
