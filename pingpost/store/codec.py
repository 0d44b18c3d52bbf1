"""How the SQL backends hold blobs and money.

Blobs start with one format byte, so the format can change without a migration:

    0  stored as is (short blobs)
    1  zlib
    2  zlib with a preset dictionary: 4 more bytes name it (the `dictionaries` table)

A JSON result document is about 13 KB. zlib alone makes it 3.4 KB; with a
dictionary made from the structure of an earlier document of the same store
(dictionary.py: the keys, the buyers' URLs and headers, their answers to pings,
never a lead's values nor a post) it is about 1.5 KB, for no more CPU. That
keeps the log of a 10,000-lead batch near 20 MB. Money is exact decimal text in
SQLite and NUMERIC in PostgreSQL.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable
from decimal import Decimal

RAW = 0
ZLIB = 1
ZLIB_DICT = 2
LEVEL = 3  # with a dictionary: 15% larger than level 6, a third less CPU
_SMALL = 64  # shorter blobs are not worth a zlib header

Dictionary = tuple[int, bytes]  # (id, bytes)
Lookup = Callable[[int], bytes]  # a dictionary's bytes by id


def pack(data: bytes, dictionary: Dictionary | None = None) -> bytes:
    """`data` with its format byte, compressed when that makes it smaller."""
    if len(data) <= _SMALL:
        return bytes((RAW,)) + data
    if dictionary is not None:
        number, zdict = dictionary
        deflate = _primed(zdict).copy()
        packed = deflate.compress(data) + deflate.flush()
        return bytes((ZLIB_DICT,)) + number.to_bytes(4, "big") + packed
    packed = zlib.compress(data, LEVEL)
    if len(packed) < len(data):
        return bytes((ZLIB,)) + packed
    return bytes((RAW,)) + data


@functools.lru_cache(maxsize=4)
def _primed(zdict: bytes) -> zlib._Compress:
    """A compressor with `zdict` loaded, to be copied for each blob: loading a dictionary
    hashes all of it, a third of the cost of packing a document (same bytes out)."""
    return zlib.compressobj(LEVEL, zdict=zdict)


def dictionary_of(blob: bytes) -> int | None:
    """The id of the dictionary a blob needs, if any."""
    if len(blob) >= 5 and blob[0] == ZLIB_DICT:
        return int.from_bytes(blob[1:5], "big")
    return None


def unpack(blob: bytes, lookup: Lookup | None = None) -> bytes:
    """The bytes `pack` was given. Raises ValueError on a format this pingpost cannot read."""
    if not blob:
        return b""
    kind, body = blob[0], memoryview(blob)[1:]
    if kind == RAW:
        return bytes(body)
    if kind == ZLIB:
        return zlib.decompress(body)
    if kind == ZLIB_DICT and lookup is not None:
        inflate = zlib.decompressobj(zdict=lookup(int.from_bytes(body[:4], "big")))
        return inflate.decompress(body[4:]) + inflate.flush()
    raise ValueError(f"unknown blob format {kind}")


def money_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def money(text: str | Decimal | None) -> Decimal | None:
    if text is None:
        return None
    return text if isinstance(text, Decimal) else Decimal(text)
