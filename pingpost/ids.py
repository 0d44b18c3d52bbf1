"""Auction ids: new ones, and the rule for ids that come from outside.

An id given by the caller (one lead's own id, or a lead type's `id_field`)
becomes the auction id: it names the auction in the log and is sent to buyers
in the idempotency key header as `<id>:<account>`, so it must be plain text.
"""

from __future__ import annotations

import os
import time
import uuid

MAX_ID_LENGTH = 200
AGAIN = "~"  # `<id>~2`: the second auction of a lead whose id was used (docs/store.md)


def new_auction_id() -> str:
    """A new UUID, version 7 (RFC 9562): the time in milliseconds, then 74 random bits.
    Ids of one run sort by their start, and the store's index of auction ids grows at
    its end instead of at a random page for each auction (a page written per lead)."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # the RFC's variant
    return str(uuid.UUID(int=value))


def auction_id_problem(text: str) -> str | None:
    """Why `text` cannot be an auction id, or None when it can."""
    if not text.strip() or len(text) > MAX_ID_LENGTH or not text.isprintable():
        return (
            f"an auction id must be 1 to {MAX_ID_LENGTH} printable characters (it is sent "
            "in the idempotency key header as <id>:<account>)"
        )
    return None


def again_id(base: str, n: int) -> str:
    """The id of the `n`-th auction (n >= 2) of a lead whose own id is `base`."""
    return f"{base}{AGAIN}{n}"
