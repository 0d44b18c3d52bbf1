"""What the log commands share: the configs, the store they read or repair, the clock
and the log's time zone, and the words for a bad time option.

A command that only reads never creates a store: with none at the URL yet, it
reads an empty log (and says so on stderr). A store from an older pingpost is
migrated first (under the store's lock), as every command that uses one does.
A command that writes applies the log's retention once, before its own work.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from pingpost.cli.common import config_dir, load
from pingpost.errors import UsageError
from pingpost.log.retention import apply_retention
from pingpost.log.times import BadTime, log_zone, parse_instant
from pingpost.store.backends import store_for_url
from pingpost.store.errors import StoreMissing, StoreTooOld
from pingpost.store.url import display_url, resolve_store_url

if TYPE_CHECKING:
    from pingpost.config.bundle import Config
    from pingpost.store.api import Store

T = TypeVar("T")


@dataclass(frozen=True)
class LogSession:
    config: Config
    store: Store
    url: str  # as shown: without a password
    now: float
    zone: ZoneInfo
    missing: bool  # no store at the URL yet: the log is empty

    def instant(self, text: str | None, option: str) -> float | None:
        """`--since 2h` and the like, in Unix seconds; a usage error names `option`."""
        if text is None:
            return None
        try:
            return parse_instant(text, now=self.now, zone=self.zone)
        except BadTime as exc:
            raise UsageError(f"{option}: {exc}") from None


def with_log(
    store_option: str | None,
    config_option: Path | None,
    body: Callable[[LogSession], Awaitable[T]],
    *,
    write: bool = False,
    retention: bool | None = None,
) -> T:
    """Run `body` with the log open (closed after, whatever happens). `write`: the command
    writes (the store is created if need be, and retention applied unless `retention`
    is False)."""
    config = load(config_option)
    url = resolve_store_url(store_option, False, config.settings, config_dir(config_option))
    assert url is not None
    keep = write if retention is None else retention
    return asyncio.run(_session(config, url, body, write=write, retention=keep))


async def _session(
    config: Config,
    url: str,
    body: Callable[[LogSession], Awaitable[T]],
    *,
    write: bool,
    retention: bool,
) -> T:
    store, missing = await _open(url, write=write)
    now = time.time()
    session = LogSession(config, store, display_url(url), now, log_zone(config.settings), missing)
    try:
        if missing:
            print(f"note: no store at {session.url} yet: nothing is logged", file=sys.stderr)
        if retention:
            await apply_retention(store, config.settings, now)
        return await body(session)
    finally:
        await store.close()


async def _open(url: str, *, write: bool) -> tuple[Store, bool]:
    """The store at `url`, opened; a reader facing no store gets an empty one."""
    store = store_for_url(url)
    if write:
        await store.open()
        return store, False
    try:
        await store.open(migrate=False)
    except StoreMissing:
        from pingpost.store.memory import MemoryStore

        return MemoryStore(), True
    except StoreTooOld:
        store = store_for_url(url)
        await store.open()
    return store, False
