"""`Service`: the running state every request shares, and the config reload.

current (ServiceConfig, swapped whole, with its controls) ── transport (one aiohttp
session, all auctions) ── store (the log, the controls' state, idempotency keys; None:
--no-store, keys in this process only) ── metrics, log, rate limits
slots: at most `serve.max_in_flight` auctions; each runs as its own task, so a
client that hangs up, or a shutdown, never cuts an auction (or its post) short.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pingpost.auction.setup import delivery_for
from pingpost.errors import ConfigError, PingpostError
from pingpost.serve.accesslog import ServiceLog
from pingpost.serve.idempotency import Idempotency
from pingpost.serve.metrics import Metrics
from pingpost.serve.sources import RateLimits
from pingpost.serve.state import ServiceConfig, load_service_config
from pingpost.store.memory import MemoryStore
from pingpost.transport.limits import pool_limits

if TYPE_CHECKING:
    from pingpost.store.api import Store
    from pingpost.transport import HttpTransport

T = TypeVar("T")


class Service:
    def __init__(
        self,
        current: ServiceConfig,
        *,
        config_path: Path,
        store: Store | None,
        transport: HttpTransport,
        log: ServiceLog | None = None,
        test: bool = False,
    ) -> None:
        self.test = test  # every auction in test mode (`pingpost serve --test`)
        self.config_path = config_path
        self.store = store
        self.current = self.attach(current)  # StoreNeeded: the controls need a store
        self.transport = transport
        self.log = log or ServiceLog()
        self.metrics = Metrics()
        self.limits = RateLimits()
        self.idempotency = Idempotency(store if store is not None else MemoryStore())
        self.draining = False
        self._auctions = 0
        self._requests = 0  # lead requests being handled (auctions, waiters, replays)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._reloading = asyncio.Lock()
        self.metrics.sources.set(len(current.keyring))

    def attach(self, current: ServiceConfig) -> ServiceConfig:
        """`current` with its controls over the store, built once per config as `deliver`
        builds them once per run (test mode reads the store, never writes it)."""
        delivery = delivery_for(current.config, self.store, writes=not self.test)
        return dataclasses.replace(current, delivery=delivery)

    # -- admission and draining ----------------------------------------------------------

    def admit(self) -> bool:
        """Take an auction slot if one is free (never queue: the caller answers 503)."""
        if self.draining or self._auctions >= self.current.config.settings.serve.max_in_flight:
            return False
        self._auctions += 1
        self.metrics.in_flight.inc()
        return True

    def release(self) -> None:
        self._auctions -= 1
        self.metrics.in_flight.dec()

    @property
    def auctions_in_flight(self) -> int:
        return self._auctions

    def request_started(self) -> None:
        self._requests += 1
        self._idle.clear()

    def request_ended(self) -> None:
        self._requests -= 1
        self._settle()

    def spawn(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run `work` as a task the shutdown waits for, whatever happens to its caller."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        self._idle.clear()
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self._settle()

    def _settle(self) -> None:
        if self._requests == 0 and not self._tasks:
            self._idle.set()

    async def drain(self) -> None:
        """Stop taking leads (503 from now on) and wait for every one in flight."""
        self.draining = True
        await self._idle.wait()

    # -- reload ----------------------------------------------------------------------------

    async def reload(self) -> ConfigError | PingpostError | None:
        """Load the config again and swap it in whole; on any error keep the old one.
        Returns the error (None: reloaded)."""
        async with self._reloading:
            old = self.current
            try:
                new = await asyncio.to_thread(load_service_config, self.config_path, auth=old.auth)
                new = self.attach(new)
            except PingpostError as exc:
                self.metrics.reloads.labels("refused").inc()
                self.log.event(
                    "reload_refused", reason=_first_line(exc), problems=_problems(exc),
                    keeping="the old config",
                )  # fmt: skip
                return exc
            self.transport.set_pool_limits(**_pool_limits(new))
            self.current = new
            self.metrics.reloads.labels("done").inc()
            self.metrics.sources.set(len(new.keyring))
            self.log.event("reloaded", sources=len(new.keyring), accounts=len(new.config.accounts))
            return None


def _pool_limits(current: ServiceConfig) -> dict[str, Any]:
    config = current.config
    limits = pool_limits(config, config.settings.serve.max_in_flight)
    return {"default": limits.default, "limits": limits.limits}


def _problems(exc: Exception) -> list[str] | None:
    if not isinstance(exc, ConfigError):
        return None
    return [f"{p.location()}: {p.message}" for p in exc.problems if p.severity == "error"][:50]


def _first_line(exc: Exception) -> str:
    lines = str(exc).splitlines()
    if isinstance(exc, ConfigError) and len(lines) > 1:
        return f"{lines[1]} ({len(exc.problems)} problem(s))"
    return lines[0] if lines else type(exc).__name__
