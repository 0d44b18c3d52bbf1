"""Who posted a lead: API keys checked in constant time, and each source's rate limit.

    Authorization: Bearer KEY  ─┐
    X-Api-Key: KEY             ─┴► Keyring.identify ──► Source | None   (every key compared)
    Source ──► RateLimits.take ──► 0 (go on) | seconds until a request is allowed (429)

The keyring compares SHA-256 digests of the keys (equal length whatever the key)
with `hmac.compare_digest`, against every enabled source, always: how long an
answer takes does not depend on whether the key exists, or on how much of it
matched. A disabled source's key is refused exactly like an unknown one.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable, Mapping

from pingpost.config.models import Source


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


def presented_key(authorization: str | None, x_api_key: str | None) -> str | None:
    """The key a request presents: `Authorization: Bearer KEY`, else `X-Api-Key: KEY`."""
    if authorization:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    if x_api_key and x_api_key.strip():
        return x_api_key.strip()
    return None


class Keyring:
    """The enabled sources' keys, as digests."""

    def __init__(self, sources: Mapping[str, Source]) -> None:
        self._entries = tuple(
            (_digest(source.api_key), source) for source in sources.values() if source.enabled
        )

    def __len__(self) -> int:
        return len(self._entries)

    def identify(self, key: str | None) -> Source | None:
        """The source whose key this is, or None. Every key is compared, whatever matches."""
        digest = _digest(key or "")
        found: Source | None = None
        for known, source in self._entries:
            match = hmac.compare_digest(digest, known)
            found = source if match and key else found
        return found


def admin_allowed(admin_key: str | None, key: str | None) -> bool:
    """Does `key` open the admin routes? Never without a configured admin key."""
    if not admin_key or not key:
        return False
    return hmac.compare_digest(_digest(admin_key), _digest(key))


class _Bucket:
    """A token bucket: `capacity` requests at once, refilled at `rate` per second."""

    __slots__ = ("capacity", "rate", "tokens", "updated")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def take(self, now: float) -> float:
        """0 when a request may go now (and counts it), else seconds until one may."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimits:
    """Per-source token buckets, in this process (each instance counts on its own).

    `50/s` allows bursts of 50 and 50 a second on average; `600/m` bursts of 600 and
    10 a second. Buckets survive a reload unless the source's rate changed.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, source: Source) -> float:
        """0 when `source` may post now, else seconds to wait (the 429's Retry-After)."""
        rate = source.per_second()
        if rate is None:
            return 0.0
        now = self._clock()
        bucket = self._buckets.get(source.name)
        capacity = float(source.rate_limit.partition("/")[0]) if source.rate_limit else 1.0
        if bucket is None or bucket.rate != rate or bucket.capacity != capacity:
            bucket = self._buckets[source.name] = _Bucket(rate, capacity, now)
        return bucket.take(now)


def retry_after(seconds: float) -> str:
    """A Retry-After value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
