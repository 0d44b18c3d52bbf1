"""Shared pytest setup. Area fixtures live in their own modules, registered here.

The run is split over every core (pytest-xdist, pyproject.toml), each worker a process
of its own: every test has its own store (`own_store`), temporary directories and
servers on ports the system picks, each worker its own PostgreSQL database; nothing a
test reads depends on the terminal (`COLUMNS`, below) or on another test.
"""

from __future__ import annotations

import compileall
import functools
import math
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import typer.main
import typer.testing

import pingpost

# Configs read the sandbox's base URL from this variable; tests set it per sandbox.
os.environ.pop("PINGPOST_SANDBOX_URL", None)
os.environ.setdefault("NO_COLOR", "1")
# Output is a pipe in tests: tables are as wide as pingpost makes a pipe's, not as wide
# as the COLUMNS of whoever runs the tests (pytest-xdist's workers get COLUMNS=80).
os.environ.pop("COLUMNS", None)

# CliRunner.invoke(app) builds the app's Click command anew each time: every command's
# parameters read from its signature, ~25 ms, more than most commands take to run in a
# test. A built command is reusable (Click's own tests invoke one many times): build each
# app's once. (Without the name, typer only builds it again: slower, not wrong.)
typer.testing._get_command = functools.cache(typer.main.get_command)  # type: ignore[attr-defined]

# H7: buyer configs on pytest-httpserver, canaries, CliRunner (tests/trace_cli_fixtures.py)
pytest_plugins = ["tests.trace_cli_fixtures"]

# H4: sandbox fixtures `sandbox`, `make_sandbox`, `sandbox_buyer`
# (tests/integration/sandbox_fixtures.py)
pytest_plugins += ["tests.integration.sandbox_fixtures"]

# The store: `postgres_database`, `postgres_url` (tests/store/fixtures.py)
pytest_plugins += ["tests.store.fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    """Write pingpost's bytecode before the run: the tests start a hundred `pingpost`
    processes (deliver, serve, sandbox), and where PYTHONDONTWRITEBYTECODE is set (many
    containers, CI) none writes it, so each compiled every module again, about 0.15 s
    of CPU apiece. Up-to-date files are left alone; a read-only tree is no error. Done
    once, before pytest-xdist starts its workers."""
    if not hasattr(config, "workerinput"):
        compileall.compile_dir(Path(pingpost.__file__).parent, quiet=2)


# Timing (P1: the ping round ends by ping_deadline + at most 50 ms). A loaded machine only
# ever makes things later, never earlier, so the best of a few runs is the code's own
# lateness: a deadline enforced 100 ms late fails every run, a busy neighbour only some.


@pytest.fixture(autouse=True)
def own_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own default store: without this, a command run on the sample
    configs writes .pingpost/store.db in the checkout, and a later test reads its leads
    as already sold. Tests of the default location unset the variable themselves."""
    path = tmp_path_factory.mktemp("store") / "store.db"
    monkeypatch.setenv("PINGPOST_STORE", f"sqlite:///{path}")


@pytest.fixture
def best_of() -> Callable[..., float]:
    """`best_of(measure, runs=5, enough=50)`: the smallest of up to `runs` results of
    `measure()`, stopping early at one that is `enough` (the bound the test asserts)."""

    def run(measure: Callable[[], float], runs: int = 5, enough: float = -math.inf) -> float:
        best = math.inf
        for _ in range(runs):
            best = min(best, measure())
            if best <= enough:
                break
        return best

    return run
