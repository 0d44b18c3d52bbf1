"""How the SQL backends hold blobs and money.

Blobs (the lead, the JSON result document) start with one format byte, so the
format can change later without a migration: 0 = stored as is, 1 = zlib. A JSON
result document is about 12 KB and compresses about 4x (repeated keys, headers,
URLs), which keeps a 10,000-lead batch's log in a few tens of MB. Money is held
as exact decimal text in SQLite and as NUMERIC in PostgreSQL.
"""

from __future__ import annotations

import zlib
from decimal import Decimal

RAW = 0
ZLIB = 1
LEVEL = 6  # zlib's default: 15% smaller than level 1 on result documents, for little more CPU
_SMALL = 64  # shorter blobs are not worth a zlib header


def pack(data: bytes) -> bytes:
    """`data` with its format byte, compressed when that makes it smaller."""
    if len(data) > _SMALL:
        packed = zlib.compress(data, LEVEL)
        if len(packed) < len(data):
            return bytes((ZLIB,)) + packed
    return bytes((RAW,)) + data


def unpack(blob: bytes) -> bytes:
    """The bytes `pack` was given. Raises ValueError on a format this pingpost cannot read."""
    if not blob:
        return b""
    kind, body = blob[0], memoryview(blob)[1:]
    if kind == RAW:
        return bytes(body)
    if kind == ZLIB:
        return zlib.decompress(body)
    raise ValueError(f"unknown blob format {kind}")


def money_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def money(text: str | Decimal | None) -> Decimal | None:
    if text is None:
        return None
    return text if isinstance(text, Decimal) else Decimal(text)
