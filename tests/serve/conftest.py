"""Fixtures of the service tests: sandbox buyers, a config against them, the environment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pingpost.sandbox import Sandbox, SandboxSpec, start_sandbox

from .helpers import ENV, buyer, write_config


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sources' keys, as the configs read them from the environment."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PINGPOST_ADMIN_KEY", raising=False)


@pytest.fixture
def buyers() -> Iterator[Callable[..., Sandbox]]:
    """`buyers(*specs)`: a sandbox of these buyers on a free port, stopped after the test."""
    started: list[Sandbox] = []

    def make(*specs: dict[str, Any], seed: int = 1) -> Sandbox:
        spec = SandboxSpec.model_validate({"seed": seed, "buyers": list(specs)})
        sandbox = start_sandbox(spec, port=0)
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def two_buyers(buyers: Callable[..., Sandbox], tmp_path: Path) -> tuple[Sandbox, Path]:
    """Buyers `a` (bids 12) and `b` (bids 9), and a config with both sources."""
    sandbox = buyers(buyer("a", 12), buyer("b", 9))
    return sandbox, write_config(tmp_path / "configs", sandbox.url, ["a", "b"])
