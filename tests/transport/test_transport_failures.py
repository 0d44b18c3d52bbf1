"""Every failure kind over real sockets, classified as P5/P6 need (integration).

The buyers are asyncio servers written in `servers.py`: they refuse, hang, drip,
reset, close early, send garbage or far too much.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import sys
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from pingpost.exchange import RawResponse
from pingpost.transport import HttpTransport, SendOptions

from .helpers import SLACK_MS, FakeResolver, free_port, options, post
from .servers import (
    Behaviour,
    RawServer,
    answer,
    drip,
    hang,
    reset,
    response,
    send_and_hold,
    send_then_close,
)


async def exchange(
    behaviour: Behaviour, *, closed: bool = False, **opts: Any
) -> tuple[RawResponse, RawServer]:
    """One send to a server that behaves so. `closed`: also wait until the transport,
    still open, has closed the connection it gave up on (a failure must not leak it)."""
    async with RawServer(behaviour) as server, HttpTransport() as transport:
        result = await transport.send(post(server.url + "/ping"), options(**opts))
        if closed:
            await server.wait_closed_by_client()
    return result, server


def check(result: RawResponse, kind: str, arrived: bool, detail: str = "") -> None:
    assert result.status is None
    assert result.failure is not None, result
    assert (result.failure.kind, result.failure.may_have_arrived) == (kind, arrived), result
    assert detail in result.failure.detail
    assert result.attempts == 1


# ------------------------------------------------------------ never sent


def test_connection_refused() -> None:
    async def scenario() -> RawResponse:
        async with HttpTransport() as transport:
            return await transport.send(post(f"http://127.0.0.1:{free_port()}/"), options())

    check(asyncio.run(scenario()), "connect", False, "connection refused by 127.0.0.1:")


def test_dns_failure() -> None:
    async def scenario() -> RawResponse:
        async with HttpTransport(resolver=FakeResolver()) as transport:
            return await transport.send(post("http://buyer.invalid/ping?k=s3cret"), options())

    result = asyncio.run(scenario())
    check(result, "connect", False, "DNS lookup failed for buyer.invalid")
    assert result.failure is not None and "s3cret" not in result.failure.detail


def test_dns_that_hangs_is_a_connect_timeout_at_the_deadline(best_of: Callable[..., float]) -> None:
    async def scenario() -> RawResponse:
        async with HttpTransport(resolver=FakeResolver(hang=True)) as transport:
            return await transport.send(post("http://buyer.invalid/"), options(0.2))

    def late_ms() -> float:
        result = asyncio.run(scenario())
        check(result, "connect", False, "connect timeout to buyer.invalid:80")
        assert result.elapsed_ms >= 200
        return result.elapsed_ms - 200

    assert best_of(late_ms, enough=SLACK_MS) <= SLACK_MS


@contextmanager
def full_backlog() -> Iterator[int]:
    """A port whose accept queue is full: the kernel drops our SYNs, connect hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    try:
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@pytest.mark.skipif(sys.platform != "linux", reason="relies on Linux dropping SYNs on a full queue")
def test_connect_timeout() -> None:
    async def scenario(port: int) -> RawResponse:
        await asyncio.sleep(0.02)
        async with HttpTransport() as transport:
            return await transport.send(post(f"http://127.0.0.1:{port}/"), options(0.2))

    with full_backlog() as port:
        result = asyncio.run(scenario(port))
    check(result, "connect", False, f"connect timeout to 127.0.0.1:{port}")


def test_a_deadline_already_past_sends_nothing_even_on_a_warm_connection() -> None:
    async def scenario() -> tuple[RawResponse, RawServer]:
        async with RawServer(answer()) as server, HttpTransport() as transport:
            warm = await transport.send(post(server.url), options())
            assert warm.status == 200
            past = SendOptions(deadline=time.monotonic() - 0.001, max_bytes=1000)
            return await transport.send(post(server.url), past), server

    result, server = asyncio.run(scenario())
    check(result, "connect", False, "deadline had passed")
    assert len(server.requests) == 1


# ------------------------------------------------------------ may have arrived


def test_hang_after_the_request_is_a_timeout() -> None:
    result, server = asyncio.run(exchange(hang, closed=True, seconds=0.2))
    check(result, "timeout", True, "timeout: no complete response before the deadline")
    assert len(server.requests) == 1
    assert server.open == 0  # the client closed the connection it gave up on


def test_dripping_body_is_a_timeout(best_of: Callable[..., float]) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"

    def late_ms() -> float:
        result, _ = asyncio.run(exchange(drip(head), closed=True, seconds=0.3))
        check(result, "timeout", True)
        assert result.elapsed_ms >= 300
        return result.elapsed_ms - 300

    assert best_of(late_ms, enough=SLACK_MS) <= SLACK_MS


def test_dripping_headers_is_a_timeout() -> None:
    result, _ = asyncio.run(exchange(drip(b"HTTP/1.1 200 OK\r\nX-Slow: "), seconds=0.3))
    check(result, "timeout", True)


def test_reset_after_the_request() -> None:
    result, server = asyncio.run(exchange(reset))
    check(result, "reset", True)
    assert len(server.requests) == 1


def test_closed_without_an_answer() -> None:
    result, _ = asyncio.run(exchange(send_then_close(b"")))
    check(result, "reset", True, "connection closed by the server")


def test_closed_in_the_middle_of_the_body() -> None:
    partial = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"
    result, _ = asyncio.run(exchange(send_then_close(partial)))
    check(result, "reset", True, "connection broke while reading the response body")


def test_garbage_instead_of_http_is_a_protocol_error() -> None:
    result, _ = asyncio.run(exchange(send_then_close(b"HELLO, THIS IS NOT HTTP\r\n\r\n")))
    check(result, "protocol", True, "malformed HTTP response")


def test_bad_content_length_is_a_protocol_error() -> None:
    bad = b"HTTP/1.1 200 OK\r\nContent-Length: twelve\r\n\r\nhello"
    result, _ = asyncio.run(exchange(send_then_close(bad)))
    check(result, "protocol", True)


def test_body_that_does_not_match_its_encoding_is_a_protocol_error() -> None:
    body = b"this is not gzip at all"
    raw = response(200, body, {"Content-Encoding": "gzip"})
    result, _ = asyncio.run(exchange(send_and_hold(raw)))
    check(result, "protocol", True, "Content-Encoding")


def test_gzip_bodies_are_decoded() -> None:
    raw = response(200, gzip.compress(b'{"bid": "1.00"}'), {"Content-Encoding": "gzip"})
    result, _ = asyncio.run(exchange(send_and_hold(raw)))
    assert (result.status, result.body) == (200, b'{"bid": "1.00"}')


# ------------------------------------------------------------ too large (P9)


def test_content_length_above_the_cap_is_refused_unread() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n" + b"x" * 100
    result, server = asyncio.run(exchange(send_and_hold(head), closed=True, max_bytes=1000))
    check(result, "too_large", True, "Content-Length 10000000 is above max_response_bytes (1000)")
    assert server.open == 0  # closed, not kept for reuse


def test_streamed_body_above_the_cap_stops_at_the_cap() -> None:
    # no Content-Length: the body runs until the server closes; the server never does
    head = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"y" * 5000
    result, server = asyncio.run(exchange(send_and_hold(head), closed=True, max_bytes=1000))
    check(result, "too_large", True, "response body is above max_response_bytes (1000)")
    assert server.open == 0


def test_chunked_body_above_the_cap() -> None:
    chunk = b"400\r\n" + b"z" * 1024 + b"\r\n"
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 3
    result, _ = asyncio.run(exchange(send_and_hold(head), max_bytes=2048))
    check(result, "too_large", True)


@pytest.mark.parametrize(("size", "ok"), [(1000, True), (1001, False)])
def test_the_cap_is_inclusive(size: int, ok: bool) -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunked += b"%x\r\n%s\r\n0\r\n\r\n" % (size, b"b" * size)
    for raw in (response(200, b"a" * size), chunked):
        result, _ = asyncio.run(exchange(send_and_hold(raw), max_bytes=1000))
        assert (result.status == 200) is ok
        assert len(result.body) == (size if ok else 0)


def test_a_connection_refused_unread_is_not_reused() -> None:
    big = b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n" + b"x" * 100

    async def scenario() -> RawServer:
        async with RawServer(send_and_hold(big)) as server, HttpTransport() as transport:
            for _ in range(2):
                result = await transport.send(post(server.url), options(max_bytes=1000))
                assert result.failure is not None and result.failure.kind == "too_large"
            return server

    assert asyncio.run(scenario()).connections == 2


# ------------------------------------------------------------ compressed bodies (P9)


def compressed(data: bytes, coding: str, *, raw_deflate: bool = False) -> bytes:
    wbits = 31 if coding == "gzip" else (-15 if raw_deflate else 15)
    packer = zlib.compressobj(1, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


def bomb(coding: str, megabytes: int) -> bytes:
    """`megabytes` MB of zeros, compressed about a thousand times."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31 if coding == "gzip" else 15)
    block = b"\0" * (1 << 20)
    return b"".join([*(packer.compress(block) for _ in range(megabytes)), packer.flush()])


def encoded(body: bytes, coding: str, *, length: bool) -> bytes:
    if length:
        return response(200, body, {"Content-Encoding": coding})
    head = f"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Encoding: {coding}\r\n\r\n"
    return head.encode() + body  # no Content-Length: the body runs until the server closes


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
@pytest.mark.parametrize("length", [True, False], ids=["content-length", "until-close"])
def test_a_compression_bomb_stops_at_the_cap_holding_no_more_than_the_cap(
    coding: str, length: bool
) -> None:
    cap = 2_000_000
    raw = encoded(bomb(coding, 100), coding, length=length)  # 100 MB of zeros in ~100 KB

    async def scenario() -> tuple[RawResponse, int]:
        async with RawServer(send_and_hold(raw)) as server, HttpTransport() as transport:
            tracemalloc.start()
            try:
                result = await transport.send(post(server.url + "/"), options(10, max_bytes=cap))
                return result, tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    result, peak = asyncio.run(scenario())
    check(
        result, "too_large", True, f"decompressed response body is above max_response_bytes ({cap})"
    )
    # the decoded bytes held at once are bounded by the cap (plus buffers), not by the bomb
    assert peak < 1.5 * cap, f"peak {peak / 1e6:.1f} MB for a cap of {cap / 1e6:.1f} MB"


@pytest.mark.parametrize(
    ("coding", "raw_deflate"), [("gzip", False), ("deflate", False), ("deflate", True)]
)
@pytest.mark.parametrize("length", [True, False], ids=["content-length", "until-close"])
def test_the_decompressed_cap_is_inclusive(coding: str, raw_deflate: bool, length: bool) -> None:
    cap = 100_000
    for size, ok in ((cap, True), (cap + 1, False)):
        body = compressed(b"q" * size, coding, raw_deflate=raw_deflate)
        raw = encoded(body, coding, length=length)
        server = send_and_hold(raw) if length else send_then_close(raw)
        result, _ = asyncio.run(exchange(server, max_bytes=cap))
        if ok:
            assert (result.status, result.body) == (200, b"q" * size), result.failure
        else:
            check(result, "too_large", True, "decompressed")


def test_gzip_members_are_all_decoded() -> None:
    body = gzip.compress(b'{"bid": ') + gzip.compress(b'"1.00"}')
    result, _ = asyncio.run(
        exchange(send_and_hold(response(200, body, {"Content-Encoding": "gzip"})))
    )
    assert (result.status, result.body) == (200, b'{"bid": "1.00"}')


@pytest.mark.parametrize(
    ("coding", "body", "detail"),
    [
        ("gzip", gzip.compress(b"x" * 1000, mtime=0)[:-20], "truncated"),
        ("deflate", b"\x78\x9c not deflate at all", "Content-Encoding"),
        ("br", b"anything", "unsupported Content-Encoding `br`"),
    ],
)
def test_a_body_that_does_not_decode_is_a_protocol_error(
    coding: str, body: bytes, detail: str
) -> None:
    raw = response(200, body, {"Content-Encoding": coding})
    result, _ = asyncio.run(exchange(send_and_hold(raw)))
    check(result, "protocol", True, detail)


def test_an_empty_body_with_an_encoding_is_empty() -> None:
    raw = response(204, b"", {"Content-Encoding": "gzip"})
    result, _ = asyncio.run(exchange(send_and_hold(raw)))
    assert (result.status, result.body) == (204, b"")
