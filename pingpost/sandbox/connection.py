"""One client connection: read requests, ask the buyers for a plan, carry it out.

Requests on a connection are answered one at a time, in order (pipelined
requests wait in the reader's buffer). Latency is a timer, not a task, so a
thousand waiting answers cost a thousand heap entries and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from collections.abc import Iterator

from pingpost.sandbox.buyers import SandboxApp
from pingpost.sandbox.faults import DRIP_INTERVAL, OVERSIZED_BYTES, Plan, oversized_body
from pingpost.sandbox.http import (
    MAX_BODY_BYTES,
    MAX_HEAD_BYTES,
    HttpError,
    RequestReader,
    encode_head,
    encode_reply,
    encode_response,
)
from pingpost.sandbox.styles import Reply, json_reply

log = logging.getLogger("pingpost.sandbox")

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_LINGER_RST = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST
_MAX_BUFFERED = MAX_HEAD_BYTES + MAX_BODY_BYTES  # unread bytes kept while an answer waits
_LINGER_SECONDS = 1.0  # after refusing a request: how long to drain the client before closing


class Connection(asyncio.Protocol):
    def __init__(self, app: SandboxApp, registry: set[Connection]) -> None:
        self._app = app
        self._registry = registry
        self._reader = RequestReader()
        self._transport: asyncio.Transport | None = None
        self._busy = False  # a request is being answered
        self._hanging = False  # a hang fault: read and ignore everything from now on
        self._keep_alive = True
        self._continue_sent = False
        self._timer: asyncio.TimerHandle | None = None
        self._stream: Iterator[bytes] | None = None
        self._paused = False
        self._drip: bytes = b""

    # ----------------------------------------------------------------------- asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._registry.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._registry.discard(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._stream = None
        self._transport = None

    def data_received(self, data: bytes) -> None:
        if self._hanging:
            return
        self._reader.feed(data)
        if not self._busy:
            self._serve_next()
        elif self._reader.buffered > _MAX_BUFFERED and self._transport is not None:
            # A client sending ahead while its answer waits: stop reading until we catch up.
            self._transport.pause_reading()

    def eof_received(self) -> bool:
        # The client will send no more; finish the answer in progress, then close.
        self._keep_alive = False
        if self._hanging and self._timer is not None:  # a refused request: done draining
            return False
        return self._busy

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        if self._stream is not None:
            self._pump()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    # ----------------------------------------------------------------------- requests

    def _serve_next(self) -> None:
        if self._transport is None or self._busy:
            return
        try:
            request = self._reader.next()
        except HttpError as exc:
            self._refuse(exc)
            return
        if request is None:
            if self._reader.wants_continue and not self._continue_sent:
                self._continue_sent = True
                self._transport.write(_CONTINUE)
            return
        self._continue_sent = False
        self._busy = True
        self._keep_alive = self._keep_alive and request.keep_alive
        try:
            plan = self._app.handle(request)
        except Exception:  # a bug in the sandbox must not kill the server
            log.exception("sandbox failed on %s %s", request.method, request.path)
            plan = Plan("reply", json_reply(500, {"error": "sandbox bug; see its log"}))
        if plan.delay > 0:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(plan.delay, self._carry_out, plan)
        else:
            self._carry_out(plan)

    def _carry_out(self, plan: Plan) -> None:
        self._timer = None
        if self._transport is None:
            return
        if plan.action == "reply" and plan.reply is not None:
            self._send(plan.reply)
        elif plan.action == "hang":
            self._hanging = True
            self._reader = RequestReader()  # drop what was buffered
            if not self._transport.is_reading():  # keep reading: to notice the client leave
                self._transport.resume_reading()
        elif plan.action == "reset":
            self._reset()
        elif plan.action == "drip" and plan.reply is not None:
            self._start_drip(plan.reply)
        elif plan.action == "oversized" and plan.reply is not None:
            self._start_oversized(plan.reply)

    def _send(self, reply: Reply) -> None:
        assert self._transport is not None
        if reply.headers:  # a challenge, cookies: the general encoder
            headers = (("Content-Type", reply.content_type), *reply.headers)
            data = encode_response(reply.status, headers, reply.body, keep_alive=self._keep_alive)
        else:
            data = encode_reply(
                reply.status, reply.content_type, reply.body, keep_alive=self._keep_alive
            )
        self._transport.write(data)
        self._done()

    def _refuse(self, exc: HttpError) -> None:
        """Answer a request we cannot read, then close gently: half-close and discard what
        the client still sends for a moment, so that it reads the answer, not a reset."""
        assert self._transport is not None
        reply = json_reply(exc.status, {"error": exc.message})
        self._busy = self._hanging = True  # from now on incoming bytes are discarded
        self._transport.write(
            encode_reply(reply.status, reply.content_type, reply.body, keep_alive=False)
        )
        if self._transport.can_write_eof():
            self._transport.write_eof()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(_LINGER_SECONDS, self._transport.close)

    def _done(self) -> None:
        """The answer is out: close, or go on with the next request."""
        self._busy = False
        if self._transport is None:
            return
        if not self._keep_alive:
            self._transport.close()
            return
        if not self._transport.is_reading():
            self._transport.resume_reading()
        if self._reader.buffered:
            asyncio.get_running_loop().call_soon(self._serve_next)

    # ----------------------------------------------------------------------- faults

    def _reset(self) -> None:
        assert self._transport is not None
        sock = self._transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # already gone: abort() is all there is to do
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
        self._transport.abort()

    def _start_drip(self, reply: Reply) -> None:
        """Headers at once, then the body one byte every DRIP_INTERVAL."""
        assert self._transport is not None
        headers = (("Content-Type", reply.content_type), *reply.headers)
        head = encode_head(reply.status, headers, len(reply.body), keep_alive=self._keep_alive)
        self._transport.write(head)
        self._drip = reply.body
        self._drip_step()

    def _drip_step(self) -> None:
        self._timer = None
        if self._transport is None:
            return
        if not self._drip:
            self._done()
            return
        self._transport.write(self._drip[:1])
        self._drip = self._drip[1:]
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(DRIP_INTERVAL, self._drip_step)

    def _start_oversized(self, reply: Reply) -> None:
        assert self._transport is not None
        headers = (("Content-Type", reply.content_type),)
        self._transport.write(
            encode_head(reply.status, headers, OVERSIZED_BYTES, keep_alive=self._keep_alive)
        )
        self._stream = oversized_body()
        self._pump()

    def _pump(self) -> None:
        """Write the stream while the transport takes it (flow control: pause/resume_writing)."""
        while self._stream is not None and self._transport is not None and not self._paused:
            chunk = next(self._stream, None)
            if chunk is None:
                self._stream = None
                self._done()
                return
            self._transport.write(chunk)
