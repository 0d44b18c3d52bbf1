"""Sandbox fixtures for any test (registered in tests/conftest.py via `pytest_plugins`).

- `sandbox`: the default buyers (pingpost/sandbox/default.yaml) on a free port,
  shared by the whole session but with ledger and tokens cleared for each test,
  and `PINGPOST_SANDBOX_URL` set to its base URL (the configs read it).
- `make_sandbox(spec)`: a sandbox of your own buyers (a dict, a SandboxSpec or a
  YAML path), on a free port, stopped after the test.
- `sandbox_buyer(name, style, **fields)`: a buyer dict with sensible defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pingpost.sandbox import Sandbox, SandboxSpec, load_sandbox_spec, start_sandbox

SpecSource = SandboxSpec | dict[str, Any] | str | Path


@pytest.fixture(scope="session")
def sandbox_session() -> Iterator[Sandbox]:
    with start_sandbox(load_sandbox_spec(), port=0) as sb:
        yield sb


@pytest.fixture
def sandbox(sandbox_session: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The default buyers, fresh ledger and tokens; PINGPOST_SANDBOX_URL points at them."""
    sandbox_session.reset()
    monkeypatch.setenv("PINGPOST_SANDBOX_URL", sandbox_session.url)
    return sandbox_session


@pytest.fixture
def make_sandbox() -> Iterator[Callable[[SpecSource], Sandbox]]:
    started: list[Sandbox] = []

    def make(spec: SpecSource) -> Sandbox:
        if isinstance(spec, dict):
            spec = SandboxSpec.model_validate(spec)
        elif isinstance(spec, str | Path):
            spec = load_sandbox_spec(spec)
        sb = start_sandbox(spec, port=0)
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()


def buyer_dict(name: str, style: str = "json_status", **fields: Any) -> dict[str, Any]:
    """A buyer at /<name>/ping and /<name>/post, fast (1-3 ms), bidding 10.00; override any key."""
    return {
        "name": name,
        "style": style,
        "ping_path": f"/{name}/ping",
        "post_path": f"/{name}/post",
        "bid": [10, 10],
        "latency_ms": [1, 3],
        **fields,
    }


@pytest.fixture
def sandbox_buyer() -> Callable[..., dict[str, Any]]:
    return buyer_dict
