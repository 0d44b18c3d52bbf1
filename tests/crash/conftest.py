"""Fixtures of the crash tests: `market` (SQLite store) and `pg_market` (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pingpost.sandbox import Sandbox

from .market import Market, sandbox_spec, write_configs

MakeSandbox = Callable[[dict[str, object]], Sandbox]


@pytest.fixture
def market(make_sandbox: MakeSandbox, tmp_path: Path) -> Market:
    sandbox = make_sandbox(sandbox_spec())
    return Market(sandbox, write_configs(tmp_path), f"sqlite:///{tmp_path / 'store.db'}")


@pytest.fixture
def pg_market(make_sandbox: MakeSandbox, tmp_path: Path, postgres_url: str) -> Market:
    sandbox = make_sandbox(sandbox_spec())
    return Market(sandbox, write_configs(tmp_path), postgres_url)
