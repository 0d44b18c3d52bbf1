"""One request on the wire with aiohttp: the exact URL, no redirects, a capped body."""

from __future__ import annotations

import functools
import math
import re

import aiohttp
from aiohttp import hdrs
from yarl import URL

from pingpost.exchange import Headers, RenderedRequest
from pingpost.transport.encoding import Decoder, decoder_for
from pingpost.transport.policy import TooLarge

_NO_TOTAL = aiohttp.ClientTimeout(total=None)
_NO_CONTENT_TYPE = ("Content-Type",)
# RFC 3986 characters only, every `%` followed by two hex digits
_ENCODED_URL = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")


async def exchange(
    session: aiohttp.ClientSession,
    request: RenderedRequest,
    max_bytes: int,
    connect_timeout: float | None,
) -> tuple[int, Headers, bytes]:
    """Send, then read the body up to the cap. Any error closes the connection."""
    try:
        url = to_url(request.url)
    except ValueError as exc:
        raise aiohttp.InvalidURL(request.url) from exc
    response = await session.request(
        request.method,
        url,
        headers=request.headers,
        data=request.body or None,
        # a body without a Content-Type stays so (aiohttp would invent octet-stream);
        # asked per request, as a session-wide skip costs every request
        skip_auto_headers=_NO_CONTENT_TYPE if _untyped_body(request) else None,
        allow_redirects=False,  # a 3xx is the buyer's answer, not an instruction (P13)
        # the deadline itself is the caller's asyncio.timeout_at; see docs/transport.md
        # for why aiohttp gets no total of its own
        timeout=_NO_TOTAL if connect_timeout is None else _connect_within(connect_timeout),
    )
    try:
        body = await read_body(response, max_bytes)
    except BaseException:
        response.close()  # never return a half-read connection to the pool
        raise
    response.release()
    return response.status, tuple(response.headers.items()), body


async def read_body(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """The body, read as a stream and decoded (gzip, deflate) as it arrives; neither the
    bytes on the wire nor the decoded ones may pass `max_bytes`, and no more than
    `max_bytes` + 1 of either is ever held (P9)."""
    length = response.content_length
    if length is not None and length > max_bytes:
        raise TooLarge(
            f"Content-Length {length} is above max_response_bytes ({max_bytes}); refused unread"
        )
    encoding = response.headers.get(hdrs.CONTENT_ENCODING)
    if encoding:
        return await _read_decoded(response.content, decoder_for(encoding, max_bytes), max_bytes)
    content = response.content
    limit = max_bytes + 1
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await content.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"response body is above max_response_bytes ({max_bytes})")
        if content.at_eof():
            break
    return b"".join(chunks)


async def _read_decoded(content: aiohttp.StreamReader, decoder: Decoder, max_bytes: int) -> bytes:
    """A compressed body: the same loop, each chunk decoded as it arrives."""
    limit = max_bytes + 1
    pieces: list[bytes] = []
    size = 0  # bytes on the wire; the decoder bounds the decoded ones
    while True:
        chunk = await content.read(limit - size)
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"response body is above max_response_bytes ({max_bytes})")
        pieces += decoder.feed(chunk)
        if content.at_eof():
            break
    decoder.finish()
    return b"".join(pieces)


@functools.lru_cache(maxsize=4096)
def to_url(url: str) -> URL:
    """The URL exactly as rendered when it is already percent-encoded ASCII (so a
    signed query reaches the buyer byte for byte); otherwise yarl encodes it."""
    return URL(url, encoded=_ENCODED_URL.fullmatch(url) is not None)


def _connect_within(seconds: float) -> aiohttp.ClientTimeout:
    # ceil_threshold=inf: aiohttp would otherwise round timeouts over 5 s up to whole seconds
    return aiohttp.ClientTimeout(total=None, sock_connect=seconds, ceil_threshold=math.inf)


def _untyped_body(request: RenderedRequest) -> bool:
    return bool(request.body) and request.header("content-type") is None
