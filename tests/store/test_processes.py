"""Two processes sharing one SQLite file, and one PostgreSQL database: caps, claims, opening."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from pingpost.store import Store
from pingpost.store.backends import open_store

from .helpers import Backend

WORKER = Path(__file__).with_name("worker.py")


@contextmanager
def workers(scenario: str, processes: int) -> Iterator[Callable[[str], list[object]]]:
    """`processes` fresh processes running `scenario` (worker.py), each ready (pingpost
    imported); yields `run(url)`: every worker opens the store at `url` and runs the
    scenario at once, their results. Every worker is killed at the end, whatever
    happened, so that none outlives a failed test."""
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    procs = [
        subprocess.Popen([sys.executable, str(WORKER), scenario, f"p{i}"], text=True, **pipes)
        for i in range(processes)
    ]
    watchdog = threading.Timer(120, lambda: [proc.kill() for proc in procs])
    watchdog.start()

    def reply(proc: subprocess.Popen[str]) -> str:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line, f"worker {proc.args[-1]} ended: {proc.communicate()[1]}"
        return line.strip()

    def run(url: str) -> list[object]:
        for proc in procs:  # all at once: the workers only wait for this line
            assert proc.stdin is not None
            proc.stdin.write(url + "\n")
            proc.stdin.flush()
        answers = [reply(proc) for proc in procs]
        assert not [a for a in answers if a.startswith("error")], answers
        return [json.loads(a) for a in answers]

    try:
        assert [reply(proc) for proc in procs] == ["ready"] * processes
        yield run
    finally:
        watchdog.cancel()
        for proc in procs:
            proc.kill()
            proc.communicate()


def _together(backend: Backend, scenario: str, processes: int = 2) -> list[object]:
    """Run `scenario` in several fresh processes at once; their results."""
    with workers(scenario, processes) as run:
        return run(backend.url)


def test_two_processes_opening_a_new_store_migrate_once(sql_backend: Backend) -> None:
    salts = _together(sql_backend, "opened", processes=3)
    assert len(set(salts)) == 1  # one store, one salt: nobody migrated twice

    async def check(store: Store) -> None:
        info = await store.info()
        assert info.schema_version == info.supported_version == 2

    sql_backend.run(check)


def test_processes_opening_new_sqlite_stores_at_once_all_open_them(tmp_path: Path) -> None:
    """Four processes create one new store at the same moment, twelve stores in a row:
    each opens it, and all see one store (one salt)."""
    with workers("opened", processes=4) as run:
        for n in range(12):
            salts = run(f"sqlite:///{tmp_path / f'store{n}.db'}")
            assert len(set(salts)) == 1, salts


# Holds the write lock of a new SQLite file, still in its first journal mode, as a
# process creating the store does while it switches the file to WAL.
CREATING = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA auto_vacuum = INCREMENTAL")  # writes the file's first page
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


def test_a_store_another_process_is_creating_is_waited_for_not_refused(tmp_path: Path) -> None:
    """SQLite refuses the switch to WAL at once, without its busy timeout, while another
    process holds the new file's write lock: opening must wait for that process, as it
    waits for any write lock, not fail with 'store unavailable'."""
    path = tmp_path / "store.db"
    with subprocess.Popen(
        [sys.executable, "-c", CREATING, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) as creator:  # fmt: skip
        try:
            assert creator.stdout is not None and creator.stdout.readline() == "locked\n"
            assert creator.stdin is not None
            threading.Timer(0.3, creator.stdin.close).start()  # it commits 0.3 s from now

            async def scenario() -> tuple[str, bool]:
                store = await open_store(f"sqlite:///{path}")
                try:
                    info = await store.info()
                    return store.backend, info.schema_version == info.supported_version
                finally:
                    await store.close()

            assert asyncio.run(scenario()) == ("sqlite", True)  # created and migrated
        finally:
            creator.kill()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_two_processes_never_exceed_a_cap(sql_backend: Backend) -> None:
    accepted = _together(sql_backend, "caps")
    assert sum(accepted) == 10  # type: ignore[arg-type]

    async def check(store: Store) -> None:
        usage = await store.usage({"acme": ["day:2027-01-15"]})
        assert usage[("acme", "day:2027-01-15")].leads == 10
        assert len(await store.open_auctions()) == 10

    sql_backend.run(check)


def test_two_processes_never_spend_past_a_budget(sql_backend: Backend) -> None:
    accepted = _together(sql_backend, "spend")
    assert sum(accepted) == 14  # type: ignore[arg-type]  # 14 x 0.07 = 0.98; a 15th is 1.05

    async def check(store: Store) -> None:
        usage = await store.usage({"acme": ["month:2027-01"]})
        assert usage[("acme", "month:2027-01")].spend == Decimal("0.98")

    sql_backend.run(check)


def test_two_processes_claim_one_dedupe_key_once(sql_backend: Backend) -> None:
    assert sum(_together(sql_backend, "dedupe")) == 1  # type: ignore[arg-type]


def test_two_processes_claim_one_idempotency_key_once(sql_backend: Backend) -> None:
    assert sum(_together(sql_backend, "requests")) == 1  # type: ignore[arg-type]


def test_a_running_store_sees_the_other_processes_writes(sql_backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        before = await store.seen_lead("auto", "same", since=0)
        await asyncio.to_thread(_together, sql_backend, "dedupe", 1)
        after = await store.seen_lead("auto", "same", since=0)
        assert before is None and after is not None and after.startswith("p0-")

    sql_backend.run(scenario)
