"""One suite, three backends: every test taking `backend` runs on memory, SQLite and PostgreSQL
(`sql_backend`: the two durable ones). PostgreSQL comes from tests/store/fixtures.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import Backend


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return make_backend(request, request.param, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """The durable backends only (several processes, reopening, unwritable stores)."""
    return make_backend(request, request.param, tmp_path)


def make_backend(request: pytest.FixtureRequest, name: str, tmp_path: Path) -> Backend:
    if name == "memory":
        return Backend("memory", "memory:")
    if name == "sqlite":
        return Backend("sqlite", "sqlite:///" + str(tmp_path / "store.db"))
    return Backend("postgresql", request.getfixturevalue("postgres_url"))
