"""Content-Encoding, decoded here and not by aiohttp, so that the decoded size is bounded.

aiohttp's own decompression hands out as much as a compressed chunk expands to
(64 KB of gzip can be 64 MB of zeros) on older versions. Here every layer's
output is capped at the same `max_response_bytes` as the raw body (P9): a
gzip or deflate bomb stops at the cap, whether or not it sent a Content-Length,
and memory never holds more than the cap.
"""

from __future__ import annotations

import zlib
from typing import Protocol

from pingpost.transport.policy import BadEncoding, TooLarge

_STEP = 64 * 1024  # decoded bytes per zlib call


class Decoder(Protocol):
    def feed(self, data: bytes) -> list[bytes]:
        """The decoded bytes of `data`, in pieces (joined once, at the end of the body)."""

    def finish(self) -> None:
        """At the end of the body: raises BadEncoding when the stream was cut short."""


class _Identity:
    def feed(self, data: bytes) -> list[bytes]:
        return [data]

    def finish(self) -> None:
        return None


class _Inflate:
    """gzip (every member) or deflate (zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, coding: str, max_bytes: int) -> None:
        self._gzip = coding in ("gzip", "x-gzip")
        self._room = max_bytes
        self._max_bytes = max_bytes
        self._head = b""  # deflate: the first two bytes tell zlib-wrapped from raw
        self._fed = False
        self._inflater: zlib._Decompress | None = None
        if self._gzip:
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, data: bytes) -> list[bytes]:
        self._fed = self._fed or bool(data)
        if self._inflater is None:
            self._head += data
            if len(self._head) < 2:
                return []
            data, self._head = self._head, b""
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS if _zlib_header(data) else -15)
        out = self._inflate(data)
        while self._gzip and self._inflater.eof and self._inflater.unused_data:
            rest = self._inflater.unused_data  # the next gzip member
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += self._inflate(rest)
        return out

    def finish(self) -> None:
        # an empty body (a 204, say) was never compressed: nothing to check
        if self._fed and (self._inflater is None or not self._inflater.eof):
            raise BadEncoding("the compressed body is truncated")

    def _inflate(self, data: bytes) -> list[bytes]:
        """`data` inflated in steps of at most _STEP bytes, so that a bomb is stopped
        at the cap while holding no more than the cap."""
        assert self._inflater is not None
        out: list[bytes] = []
        while data:
            try:
                chunk = self._inflater.decompress(data, min(self._room + 1, _STEP))
            except zlib.error as exc:
                raise BadEncoding(str(exc)) from None
            if len(chunk) > self._room:
                raise TooLarge(
                    f"decompressed response body is above max_response_bytes ({self._max_bytes})"
                )
            self._room -= len(chunk)
            out.append(chunk)
            data = self._inflater.unconsumed_tail  # input left over when the step was full
        return out


class _Chain:
    """Codings listed in the order applied: decoded last to first."""

    def __init__(self, decoders: list[Decoder]) -> None:
        self._decoders = decoders

    def feed(self, data: bytes) -> list[bytes]:
        pieces = [data]
        for decoder in self._decoders:
            pieces = [out for piece in pieces for out in decoder.feed(piece)]
        return pieces

    def finish(self) -> None:
        for decoder in self._decoders:
            decoder.finish()


IDENTITY: Decoder = _Identity()


def decoder_for(header: str | None, max_bytes: int) -> Decoder:
    """The decoder for a Content-Encoding header value (None or empty: the body as is)."""
    if not header:
        return IDENTITY
    codings = [c.strip().lower() for c in header.split(",") if c.strip()]
    decoders: list[Decoder] = []
    for coding in reversed(codings):
        if coding == "identity":
            continue
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise BadEncoding(f"unsupported Content-Encoding `{coding[:40]}`")
        decoders.append(_Inflate(coding, max_bytes))
    if not decoders:
        return IDENTITY
    return decoders[0] if len(decoders) == 1 else _Chain(decoders)


def _zlib_header(head: bytes) -> bool:
    """RFC 1950: compression method 8 and a header checksum divisible by 31."""
    return head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
