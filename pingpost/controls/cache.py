"""A value read from the store at most once per `ttl` seconds of the injected clock.

Concurrent auctions that find it stale share one read instead of each making
their own. The value may be adjusted in place between reads (this process's own
reservations and sales), so the next read is the only thing that can undo them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class TimedCache(Generic[T]):
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.value: T | None = None
        self._read_at = float("-inf")
        self._task: asyncio.Future[T] | None = None

    def fresh(self, now: float) -> bool:
        return self.value is not None and now < self._read_at + self.ttl

    async def get(self, now: float, read: Callable[[], Awaitable[T]], *, stale: bool = False) -> T:
        """The cached value, or a new read when it is older than `ttl` (or `stale`)."""
        if self.value is not None and not stale and now < self._read_at + self.ttl:
            return self.value
        task = self._task
        if task is None:
            task = self._task = asyncio.ensure_future(self._read(read, now))
            task.add_done_callback(_retrieved)
        # shielded: one caller cancelled must not cancel the read the others wait for
        return await asyncio.shield(task)

    def forget(self) -> None:
        self.value = None

    async def _read(self, read: Callable[[], Awaitable[T]], now: float) -> T:
        try:
            value = await read()
            self.value, self._read_at = value, now
            return value
        finally:
            self._task = None


def _retrieved(task: asyncio.Future[Any]) -> None:
    """Mark a failed read as seen: its waiters got the error (or were all cancelled)."""
    if not task.cancelled():
        task.exception()
