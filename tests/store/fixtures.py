"""PostgreSQL for tests, registered for the whole suite (tests/conftest.py).

The server comes from $PINGPOST_TEST_POSTGRES (default
postgresql://postgres@127.0.0.1:5432/test). A test run creates a database of its
own (`postgres_database`, dropped at the end); `postgres_url` gives each test a
fresh schema in it (a store URL with `?schema=`). Without a reachable server the
tests that use them skip, saying why; under CI=true they fail instead, so a
green CI never hides skipped store tests.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    return os.environ.get("PINGPOST_TEST_POSTGRES") or DEFAULT_POSTGRES


def _with_database(url: str, database: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


# The databases to drop when the run ends: DROP DATABASE waits for a checkpoint of all
# the run wrote (7-10 s at the end of the suite), so a process of its own drops them
# once the run is over, and nobody waits for it.
_TO_DROP: list[str] = []
_DROP = """
import asyncio, sys
import asyncpg
async def main():
    conn = await asyncpg.connect(sys.argv[1], timeout=10)
    for name in sys.argv[2:]:
        await conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()
asyncio.run(main())
"""
_dropping: list[subprocess.Popen[bytes]] = []  # held until exit: never a ResourceWarning


def _drop_after_the_run(admin: str) -> None:
    names, _TO_DROP[:] = list(_TO_DROP), []
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL}
    command = [sys.executable, "-c", _DROP, admin, *names]
    _dropping.append(
        subprocess.Popen(command, **quiet, stderr=subprocess.DEVNULL, start_new_session=True)
    )


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """The URL of a database made for this test run (dropped at the end), or skip/fail."""
    admin = postgres_admin_url()
    name = f"pingpost_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # unreachable, refused, bad credentials
        reason = f"PostgreSQL at {admin} is not usable ({type(exc).__name__}: {exc})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
        pytest.skip(f"{reason}; set PINGPOST_TEST_POSTGRES to run these tests")
    _TO_DROP.append(name)
    try:
        yield _with_database(admin, name)
    finally:
        _drop_after_the_run(admin)


@pytest.fixture
def own_database(postgres_database: str) -> str:
    """The name of a database of this test's own, to take out of service (read-only,
    closed to connections); dropped when the run ends."""
    name = f"pingpost_own_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(postgres_admin_url(), f'CREATE DATABASE "{name}"'))
    _TO_DROP.append(name)
    return name


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """A store URL on a schema of this test's own, in the run's database."""
    return f"{postgres_database}?schema=t_{uuid.uuid4().hex[:12]}"
