"""`Idempotency-Key`: a retried submission gets the first answer, not a second auction.

    claim(source, key, body digest) ──► KeyClaimed   run the auction, then complete()
                                   ──► KeyAnswered  replay the stored answer
                                   ──► KeyMismatch  422: the key was used with another body
                                   ──► KeyPending   wait() for the first one's answer

The claim is made in the store, so it holds across instances. While this
instance owns a key, a second request for it here waits on a future; a request
on another instance polls the store until the answer is written. A key whose
owner died mid-auction stays pending until it is stale (`serve.
idempotency_stale_after`, far longer than any auction can take): then one retry
takes it over and the lead goes through W3 (serve/auctioning.py), so that a post
the dead instance may have made holds the lead in doubt instead of a second sale.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from decimal import Decimal
from typing import Any

from pingpost.store.api import Store
from pingpost.store.records import KeyAnswered, KeyClaimed, RequestClaim

MAX_KEY_LENGTH = 255
_POLL_FIRST, _POLL_MAX = 0.02, 0.5  # seconds between looks at another instance's key


def valid_key(key: str) -> bool:
    """1 to 255 visible ASCII characters (it is stored, and echoed in no answer)."""
    return 0 < len(key) <= MAX_KEY_LENGTH and all(33 <= ord(c) <= 126 for c in key)


def body_digest(lead_type: str, data: Any) -> str:
    """The digest of a submission: the lead type and the lead's canonical JSON (key order
    and spacing do not matter; `1.50` and `"1.50"` differ)."""
    canonical = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_exact
    )
    return hashlib.sha256(f"{lead_type}\n{canonical}".encode()).hexdigest()


def _exact(value: object) -> object:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    raise TypeError(f"{type(value).__name__} is not JSON")


class Idempotency:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._owned: dict[tuple[str, str], asyncio.Future[KeyAnswered | None]] = {}

    async def claim(
        self, source: str, key: str, digest: str, *, stale_after: float | None = None
    ) -> RequestClaim:
        """Claim the key; one claimed more than `stale_after` seconds ago and still
        unanswered is taken over (`KeyClaimed.taken_over`)."""
        now = time.time()
        stale_before = now - stale_after if stale_after is not None else None
        claim = await self.store.claim_request(
            source, key, digest, at=now, stale_before=stale_before
        )
        if isinstance(claim, KeyClaimed):
            self._owned[(source, key)] = asyncio.get_running_loop().create_future()
        return claim

    async def complete(self, source: str, key: str, status: int, body: bytes) -> None:
        try:
            await self.store.complete_request(source, key, status, body)
        finally:
            self._settle(source, key, KeyAnswered(status, body))

    async def release(self, source: str, key: str) -> None:
        try:
            await self.store.release_request(source, key)
        finally:
            self._settle(source, key, None)

    def keep(self, source: str, key: str) -> None:
        """Leave a claimed key unanswered in the store (it was taken over: giving it back
        would let a fresh claim skip W3); only this process's waiters are told."""
        self._settle(source, key, None)

    def _settle(self, source: str, key: str, answer: KeyAnswered | None) -> None:
        future = self._owned.pop((source, key), None)
        if future is not None and not future.done():
            future.set_result(answer)

    async def wait(self, source: str, key: str, digest: str, timeout: float) -> KeyAnswered | None:
        """The first request's answer, or None: not answered within `timeout`, or given
        back unanswered (the caller then says "try again")."""
        owned = self._owned.get((source, key))
        if owned is not None:
            try:
                return await asyncio.wait_for(asyncio.shield(owned), timeout)
            except TimeoutError:
                return None
        return await self._poll(source, key, digest, time.monotonic() + timeout)

    async def _poll(
        self, source: str, key: str, digest: str, deadline: float
    ) -> KeyAnswered | None:
        delay = _POLL_FIRST
        while time.monotonic() + delay < deadline:
            await asyncio.sleep(delay)
            delay = min(delay * 2, _POLL_MAX)
            claim = await self.store.claim_request(source, key, digest, at=time.time())
            if isinstance(claim, KeyAnswered):
                return claim
            if isinstance(claim, KeyClaimed):  # its owner gave it back: so do we
                await self.store.release_request(source, key)
                return None
        return None
