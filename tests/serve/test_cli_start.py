"""`pingpost serve` reads its config directory once at start: the settings that name the
store come from the same load the service then runs on."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import pingpost.config
import pingpost.serve
import pingpost.serve.state
from pingpost.cli.app import app
from pingpost.store.url import ENV_VAR

from .helpers import write_config


def test_the_configs_are_loaded_once_and_name_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "from-settings.db"
    config = write_config(tmp_path / "configs", "http://127.0.0.1:9", ["a"],
                          settings=f"store: sqlite:///{store}\n")  # fmt: skip
    monkeypatch.delenv(ENV_VAR, raising=False)
    for name in ("aiohttp", "asyncio"):  # the command routes them to its log: undone after
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "handlers", list(logger.handlers))
        monkeypatch.setattr(logger, "propagate", logger.propagate)
    loads: list[Path] = []
    real = pingpost.config.load_config

    def counted(path: Path, *args: Any, **kwargs: Any) -> Any:
        loads.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(pingpost.config, "load_config", counted)
    monkeypatch.setattr(pingpost.serve.state, "load_config", counted)
    served: dict[str, Any] = {}
    real_serve = pingpost.serve.serve

    async def started_and_stopped(options: Any, opened: Any, **kwargs: Any) -> None:
        served.update(store=opened, **kwargs)
        stop = asyncio.Event()
        stop.set()  # start (open the store, listen), then stop at once
        await real_serve(options, opened, stop=stop, **kwargs)

    monkeypatch.setattr(pingpost.serve, "serve", started_and_stopped)
    args = ["serve", "-c", str(config), "--port", "0", "--log-format", "json"]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    assert '"event":"listening"' in run.output and '"event":"stopped"' in run.output
    assert loads == [config]  # once, not once for the store's URL and again to serve
    assert served["store"].path == store and store.exists()  # the settings named it
