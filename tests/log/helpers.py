"""Helpers for the log's tests: a session on a store, and a store whose process "dies"
right after its post intents (what `kill -9` leaves while a post is in flight)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pingpost.store.api import Store
from pingpost.store.backends import store_for_url
from pingpost.store.records import AuctionRecord, PostOutcome

T = TypeVar("T")


def with_store(url: str, work: Callable[[Store], Awaitable[T]]) -> T:
    async def session() -> T:
        store = store_for_url(url)
        await store.open()
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(session())


class Killed:
    """`store`, but nothing after the post intents reaches it: the outcomes and the result
    of an auction whose process was killed while its posts were in flight are lost."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def post_outcome(self, outcome: PostOutcome) -> None:
        return None

    async def finish(self, record: AuctionRecord) -> None:
        return None
