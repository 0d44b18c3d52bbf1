"""The PostgreSQL schema, version by version (see pingpost/store/migrations.py).

The same tables as SQLite (sqlite/schema.py), with NUMERIC money and bigint
identities, and these differences: compressed blobs are stored EXTERNAL (no
second, useless compression by TOAST), documents stay in their table's pages up
to 8 KB (not in 2 KB TOAST chunks), and rollups fill a quarter of each page with
their tallies kept in the row (compressed, not in TOAST), so that their updates
stay HOT and are pruned in place instead of bloating the table. The hot writes
are server-side functions (functions.py), created with the tables.
"""

from __future__ import annotations

import secrets
from typing import Any

from pingpost.store.migrations import Step
from pingpost.store.postgres.functions import ALL as FUNCTIONS
from pingpost.store.postgres.functions import V2 as FUNCTIONS_V2

V1 = """
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE auctions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    auction_id text NOT NULL UNIQUE,
    lead_key text NOT NULL,
    lead_type text NOT NULL,
    source text,
    started_at double precision NOT NULL,
    result text,
    finished_at double precision,
    duration_ms double precision,
    sold_to text,
    price numeric,
    revenue numeric,
    reason text
);
CREATE INDEX auctions_by_key ON auctions (lead_key);
CREATE INDEX auctions_by_time ON auctions (started_at, auction_id);
CREATE INDEX auctions_by_result ON auctions (result, started_at, auction_id);
CREATE INDEX auctions_by_source ON auctions (source, started_at, auction_id);
CREATE INDEX auctions_interrupted ON auctions (started_at) WHERE result IS NULL;
CREATE TABLE unfolded (auction bigint PRIMARY KEY);
CREATE TABLE leads (auction bigint PRIMARY KEY, lead bytea NOT NULL);
CREATE TABLE documents (auction bigint PRIMARY KEY, document bytea NOT NULL)
    WITH (toast_tuple_target = 8160);
CREATE TABLE dictionaries (
    id integer PRIMARY KEY,
    data bytea NOT NULL,
    made_at double precision NOT NULL
);
ALTER TABLE leads ALTER COLUMN lead SET STORAGE EXTERNAL;
ALTER TABLE documents ALTER COLUMN document SET STORAGE EXTERNAL;
CREATE TABLE posts (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    auction bigint NOT NULL,
    account text NOT NULL,
    attempt integer NOT NULL,
    sent_at double precision NOT NULL,
    amount numeric NOT NULL,
    idempotency_key text,
    windows text[] NOT NULL,
    counted numeric NOT NULL,
    status text,
    price numeric,
    reason text,
    answered_at double precision,
    UNIQUE (auction, account, attempt)
);
CREATE INDEX posts_by_account ON posts (account, auction);
CREATE INDEX posts_open ON posts (auction) WHERE status IS NULL OR status = 'in_doubt';
CREATE TABLE lines (
    auction bigint NOT NULL,
    account text NOT NULL,
    status text NOT NULL,
    bid numeric,
    ping_ms double precision,
    post_ms double precision,
    error_kind text,
    price numeric,
    PRIMARY KEY (auction, account)
);
CREATE INDEX lines_by_account ON lines (account, auction);
CREATE TABLE rollups (
    level integer NOT NULL,
    kind text NOT NULL,
    bucket bigint NOT NULL,
    name text NOT NULL,
    data jsonb NOT NULL,
    PRIMARY KEY (level, kind, bucket, name)
) WITH (fillfactor = 25, toast_tuple_target = 8160);
ALTER TABLE rollups ALTER COLUMN data SET STORAGE MAIN;
CREATE TABLE usage (
    account text NOT NULL,
    cap_window text NOT NULL,
    leads integer NOT NULL,
    spend numeric NOT NULL,
    PRIMARY KEY (account, cap_window)
);
CREATE TABLE seen (
    scope text NOT NULL,
    key text NOT NULL,
    at double precision NOT NULL,
    auction_id text NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE bought (
    account text NOT NULL,
    key text NOT NULL,
    at double precision NOT NULL,
    PRIMARY KEY (account, key)
);
CREATE TABLE accounts (
    account text PRIMARY KEY,
    last_sale_at double precision,
    paused_until double precision,
    pause_reason text
);
CREATE TABLE requests (
    source text NOT NULL,
    key text NOT NULL,
    body_hash text NOT NULL,
    at double precision NOT NULL,
    status integer,
    body bytea,
    PRIMARY KEY (source, key)
)
"""


async def create_v1(conn: Any) -> None:
    """Version 1: every table and function, and the store's salt (made once, here)."""
    await conn.execute(V1)  # one script: asyncpg sends it as a simple query
    for script in FUNCTIONS:
        await conn.execute(script)
    await conn.execute("INSERT INTO meta VALUES ('salt', $1)", secrets.token_hex(16))


async def add_runs_v2(conn: Any) -> None:
    """Version 2: each auction names the run that owns it, and the intent and result
    functions refuse another run's auction (OtherAuction). Older auctions own none: no
    run writes to them again (a rerun gives its auctions new ids)."""
    await conn.execute("ALTER TABLE auctions ADD COLUMN run text")
    for script in FUNCTIONS_V2:
        await conn.execute(script)


STEPS: tuple[Step[Any], ...] = (
    Step(1, "create the store", create_v1),
    Step(2, "auctions owned by their run", add_runs_v2),
)


async def read_version(conn: Any) -> int:
    """The schema version in the current schema (0 when it has no pingpost tables)."""
    has_meta = await conn.fetchval(
        "SELECT 1 FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_name = 'meta'"
    )
    if not has_meta:
        return 0
    value = await conn.fetchval("SELECT value FROM meta WHERE key = 'schema_version'")
    return int(value) if value is not None else 0


async def write_version(conn: Any, version: int) -> None:
    await conn.execute(
        "INSERT INTO meta VALUES ('schema_version', $1) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        str(version),
    )
