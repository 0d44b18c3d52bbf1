"""Deterministic chance: every random decision is a function of the request itself.

A buyer's bid, latency and fault for a request come from a hash of (seed,
buyer, phase, request bytes), not from a shared random stream, so the same
request gets the same answer whatever else arrives, in whatever order.
"""

from __future__ import annotations

import hashlib
import random
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from pingpost.sandbox.spec import BuyerSpec, Phase

_BID, _LATENCY, _FAULT, _NUMBER = 0, 1, 2, 3
_SCALE = float(1 << 32)
_CENT = Decimal("0.01")


class Dice:
    """Eight uniform numbers in [0, 1), fixed by one request."""

    __slots__ = ("_digest",)

    def __init__(self, seed: int, buyer: str, phase: Phase, material: bytes) -> None:
        h = hashlib.blake2b(f"{seed}\x00{buyer}\x00{phase}\x00".encode(), digest_size=32)
        h.update(material)
        self._digest = h.digest()

    @property
    def digest(self) -> bytes:
        return self._digest

    def uniform(self, slot: int) -> float:
        return int.from_bytes(self._digest[4 * slot : 4 * slot + 4], "big") / _SCALE

    def bid(self, cents: tuple[int, int]) -> Decimal:
        """Uniform over the whole cents of [low, high] (see `bid_cents`)."""
        low, high = cents
        return Decimal(min(low + int(self.uniform(_BID) * (high - low + 1)), high)) * _CENT

    def latency(self, low_ms: float, high_ms: float) -> float:
        """Seconds to wait before answering."""
        return (low_ms + (high_ms - low_ms) * self.uniform(_LATENCY)) / 1000.0

    def fault(self, shares: dict[str, float]) -> str | None:
        """At most one fault mode, each hit by its share of requests (shares add up to <= 1)."""
        if not shares:
            return None
        roll = self.uniform(_FAULT)
        for mode, share in shares.items():
            if share >= 1.0 or roll < share:
                return mode
            roll -= share
        return None

    def number(self, digits: int) -> str:
        """A decimal id with this many digits (e.g. a buyer's lead id)."""
        value = int.from_bytes(self._digest[4 * _NUMBER : 4 * _NUMBER + 8], "big")
        return str(10 ** (digits - 1) + value % (9 * 10 ** (digits - 1)))

    def rng(self) -> random.Random:
        """A private generator for bulk randomness (garbage bodies)."""
        return random.Random(self._digest)


def bid_cents(buyer: BuyerSpec) -> tuple[int, int]:
    """The whole cents a buyer may bid: [ceil(low), floor(high)] (never empty)."""
    low = int((buyer.bid[0] / _CENT).to_integral_value(ROUND_CEILING))
    high = int((buyer.bid[1] / _CENT).to_integral_value(ROUND_FLOOR))
    return low, max(low, high)
