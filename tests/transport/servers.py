"""Misbehaving HTTP servers on raw asyncio sockets, for the transport's failure tests.

Each `Behaviour` gets the connection after the request line and headers have been
read (`Request`); it decides what the buyer does: answer, hang, drip, reset, ...
`RawServer` counts requests and currently open connections, so tests can prove
that nothing was sent twice and that the client closed what it opened.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from types import TracebackType


@dataclass
class Request:
    line: bytes
    headers: dict[str, str]
    body: bytes


Behaviour = Callable[[Request, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def response(
    status: int = 200, body: bytes = b"ok", headers: dict[str, str] | None = None
) -> bytes:
    head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return head.encode() + b"\r\n" + body


@dataclass
class RawServer:
    behaviour: Behaviour
    ssl: ssl.SSLContext | None = None  # for a TLS server
    requests: list[Request] = field(default_factory=list)
    connections: int = 0  # accepted so far
    open: int = 0  # open right now
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def port(self) -> int:
        assert self._server is not None
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(
            self._serve,
            "127.0.0.1",
            0,
            ssl=self.ssl,
        )
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await asyncio.sleep(0.01)  # let the aborted transports finish closing

    async def wait_closed_by_client(self, timeout: float = 2.0) -> None:
        """Wait until the client has closed every connection it opened."""
        async with asyncio.timeout(timeout):
            while self.open:
                await asyncio.sleep(0.01)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        self._writers.add(writer)
        try:
            while True:  # keep-alive: one request after another
                request = await read_request(reader)
                if request is None:
                    break
                self.requests.append(request)
                await self.behaviour(request, reader, writer)
                if writer.transport.is_closing():
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self.open -= 1
            self._writers.discard(writer)
            writer.transport.abort()


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    line, *rest = head.decode("latin-1").split("\r\n")
    headers = {}
    for item in rest:
        if ":" in item:
            name, value = item.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Request(line.encode(), headers, body)


# ------------------------------------------------------------------ behaviours


def answer(status: int = 200, body: bytes = b"ok") -> Behaviour:
    async def run(req: Request, reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(response(status, body))
        await w.drain()

    return run


async def hang(req: Request, reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    """Take the request, never answer; wait for the client to go away."""
    await reader.read()
    w.transport.abort()


def slow(delay: float) -> Behaviour:
    async def run(req: Request, reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        await asyncio.sleep(delay)
        w.write(response())
        await w.drain()

    return run


def drip(head: bytes, every: float = 0.05) -> Behaviour:
    """Send `head` at once, then one body byte every `every` seconds, forever."""

    async def run(req: Request, reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(head)
        while not w.transport.is_closing():
            await asyncio.sleep(every)
            w.write(b"x")
            await w.drain()

    return run


def send_then_close(data: bytes) -> Behaviour:
    """Write `data` (maybe nothing, maybe a partial response), then close cleanly."""

    async def run(req: Request, reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        if data:
            w.write(data)
            await w.drain()
        w.close()

    return run


async def reset(req: Request, reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    """Answer the request with a TCP RST."""
    sock = w.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    w.transport.abort()


def send_and_hold(data: bytes) -> Behaviour:
    """Write `data` and keep the connection open until the client closes it."""

    async def run(req: Request, reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(data)
        with suppress(ConnectionError):
            await w.drain()
        await reader.read()
        w.transport.abort()

    return run


def closes_when_idle(idle_close: float, body: bytes = b"ok") -> Behaviour:
    """Answers `body`; a request that arrives on a connection idle for more than
    `idle_close` seconds is dropped unanswered (the connection closed), as happens when
    a buyer's keep-alive timeout closes the connection while the request is on the wire.
    `dropped` (an attribute of the behaviour) counts them."""
    last: dict[asyncio.StreamWriter, float] = {}

    async def run(req: Request, reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        now = asyncio.get_running_loop().time()
        if w in last and now - last[w] > idle_close:
            run.dropped += 1  # type: ignore[attr-defined]
            w.close()
            return
        w.write(response(200, body))
        await w.drain()
        last[w] = asyncio.get_running_loop().time()

    run.dropped = 0  # type: ignore[attr-defined]
    return run
