"""Ping tokens: issued on each accepted ping, required (once, in time) on the post."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from decimal import Decimal

# base64 without its two symbols: alphanumeric tokens like "wPDqmX209V3BEliVAZ0oO2rkJdv6EjAY"
_ALNUM_ONLY = bytes.maketrans(b"+/", b"Xy")
_SWEEP_EVERY = 10_000  # issues between sweeps of long-expired tokens
_KEEP_EXPIRED = 60.0  # seconds an expired token is still recognised as "expired"


@dataclass(slots=True)
class TokenRecord:
    buyer: str
    bid: Decimal
    expires: float  # time.monotonic()
    ping_seq: int  # the ledger entry of the ping that got this token
    used: bool = False


def format_token(style: str, digest: bytes) -> str:
    """Tokens look like the style's published ones (GUIDs, 32-char keys, hex ids)."""
    if style == "json_flag":
        return str(uuid.UUID(bytes=digest[:16])).upper()
    if style == "xml":
        return str(uuid.UUID(bytes=digest[:16]))
    if style in ("json_status", "text"):
        return base64.b64encode(digest).translate(_ALNUM_ONLY)[:32].decode()
    return digest[:16].hex()  # form_loose, not_found_404


class TokenBook:
    """Every token issued since the last reset, and whether it was used."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._records: dict[str, TokenRecord] = {}
        self._issued = 0

    def __len__(self) -> int:
        return len(self._records)

    def issue(
        self, buyer: str, style: str, bid: Decimal, ttl: float, ping_seq: int, now: float
    ) -> str:
        """A new token, unique per ping (a counter is part of what is hashed)."""
        self._issued += 1
        if self._issued % _SWEEP_EVERY == 0:
            self._sweep(now)
        digest = hashlib.blake2b(
            f"{self._seed}\x00{buyer}\x00{self._issued}".encode(), digest_size=32
        ).digest()
        token = format_token(style, digest)
        self._records[token] = TokenRecord(buyer, bid, now + ttl, ping_seq)
        return token

    def redeem(self, buyer: str, token: str | None, now: float) -> tuple[TokenRecord | None, str]:
        """Use a token on a post: (its record, "") when valid, else (record or None, problem)."""
        if not token:
            return None, "missing token"
        record = self._records.get(token)
        if record is None:
            return None, "unknown token"
        if record.buyer != buyer:
            return None, f"token was issued by {record.buyer}"
        if record.used:
            return record, "token reused"
        if now > record.expires:
            return record, "token expired"
        record.used = True
        return record, ""

    def clear(self) -> None:
        self._records.clear()
        self._issued = 0

    def _sweep(self, now: float) -> None:
        # Long-expired tokens are forgotten: a post with one is then "unknown", still rejected.
        cutoff = now - _KEEP_EXPIRED
        self._records = {t: r for t, r in self._records.items() if r.expires >= cutoff}
