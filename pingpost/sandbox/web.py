"""The sandbox's HTTP side on aiohttp.web: read a request, ask the buyers, play their plan.

    aiohttp request ──► Request (method, path, query, content type, body)
                    ──► SandboxApp.handle ──► Plan (+ delay)
                    ──► play: reply · hang · drip · reset · oversized

aiohttp does the HTTP/1.1 (keep-alive, chunked bodies, size limits, malformed
requests); the faults act through its public response and transport objects:
a hang or a reset waits until aiohttp cancels the handler when the connection
goes (`handler_cancellation`), a drip or an oversized body is a StreamResponse
written piece by piece (each write waits for the socket: flow control).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from typing import NoReturn

from aiohttp import web
from multidict import CIMultiDict

from pingpost.sandbox.buyers import SandboxApp
from pingpost.sandbox.faults import DRIP_INTERVAL, OVERSIZED_BYTES, Plan, oversized_body
from pingpost.sandbox.request import Request
from pingpost.sandbox.styles import Reply, json_reply

log = logging.getLogger("pingpost.sandbox")
http_log = logging.getLogger("pingpost.sandbox.http")  # aiohttp's own complaints

SERVER_NAME = "pingpost-sandbox"
MAX_BODY_BYTES = 1024 * 1024  # larger request bodies are answered 413
MAX_LINE_BYTES = 16 * 1024  # a longer request line or header line is answered 400
_LINGER_RST = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def make_server(app: SandboxApp, *, lingering_time: float = 1.0) -> web.Server:
    """aiohttp's low-level server (no router: the buyers route) around one SandboxApp."""

    async def handler(http_request: web.BaseRequest) -> web.StreamResponse:
        request = await read_request(http_request)
        try:
            plan = app.handle(request)
        except Exception:  # a bug in the sandbox must not kill the server
            log.exception("sandbox failed on %s %s", request.method, request.path)
            plan = Plan("reply", json_reply(500, {"error": "sandbox bug; see its log"}))
        if plan.action == "reply" and plan.delay <= 0 and plan.reply is not None:
            return _response(plan.reply)  # the hot path: no coroutine for an instant answer
        return await play(plan, http_request)

    return web.Server(
        handler,
        handler_cancellation=True,  # a client that leaves ends its hanging handler
        access_log=None,
        logger=http_log,
        max_line_size=MAX_LINE_BYTES,
        max_field_size=MAX_LINE_BYTES,
        lingering_time=lingering_time,  # a refused request: read (and drop) its body this long
    )


class _OneLine(logging.Filter):
    """A malformed request is the client's mistake: one line in the log, not a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            problem = " ".join(str(record.exc_info[1]).split())
            record.msg = f"{record.getMessage()}: {problem}"
            record.args = None
            record.exc_info = record.exc_text = None
        return True


http_log.addFilter(_OneLine())


async def read_request(http_request: web.BaseRequest) -> Request:
    """The buyer's view of a request; its body is read whole (413 past MAX_BODY_BYTES)."""
    if http_request.headers.get("Expect", "").lower() == "100-continue":
        # The low-level server leaves `Expect` to the handler (web.Application's router
        # does the same): tell the client to send its body.
        await http_request.writer.write(_CONTINUE)
        http_request.writer.output_size = 0
    if http_request.content_length is not None and http_request.content_length > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(MAX_BODY_BYTES, http_request.content_length)
    content = http_request.content
    if content.is_eof():  # the whole body has arrived (small bodies): take it as it is
        body = content.read_nowait()
        if len(body) > MAX_BODY_BYTES:  # chunked, so not refused by its length above
            raise web.HTTPRequestEntityTooLarge(MAX_BODY_BYTES, len(body))
    else:
        body = await http_request.read()
    target = http_request.raw_path
    if not target.startswith("/"):  # absolute-form ("http://host/path"): keep the path
        target = http_request.rel_url.raw_path_qs
    path, _, query = target.partition("?")
    content_type = http_request.headers.get("Content-Type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    return Request(http_request.method, path, query, media_type, body, http_request.headers)


async def play(plan: Plan, http_request: web.BaseRequest) -> web.StreamResponse:
    """Carry out a plan once its delay has passed."""
    if plan.delay > 0:
        await asyncio.sleep(plan.delay)
    if plan.action == "hang":
        await _until_the_client_leaves()
    if plan.action == "reset":
        _reset(http_request)
        await _until_the_client_leaves()
    assert plan.reply is not None, f"a {plan.action} plan carries its reply"
    if plan.action == "drip":
        return await _drip(plan.reply, http_request)
    if plan.action == "oversized":
        return await _oversized(plan.reply, http_request)
    return _response(plan.reply)


def _response(reply: Reply) -> web.Response:
    return web.Response(status=reply.status, body=reply.body, headers=_headers(reply))


def _headers(reply: Reply) -> CIMultiDict[str]:
    """The reply's headers (a challenge, cookies: a name may repeat) and the sandbox's own."""
    headers = CIMultiDict(reply.headers)
    headers["Content-Type"] = reply.content_type
    headers["Server"] = SERVER_NAME
    return headers


async def _until_the_client_leaves() -> NoReturn:
    """Wait until aiohttp cancels this handler (the connection closed or the server stops)."""
    await asyncio.get_running_loop().create_future()
    raise AssertionError("the future is never resolved, only cancelled")


def _reset(http_request: web.BaseRequest) -> None:
    transport = http_request.transport
    if transport is None:  # the client is already gone
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # already closing: abort() is all there is to do
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
    transport.abort()


async def _drip(reply: Reply, http_request: web.BaseRequest) -> web.StreamResponse:
    """Headers at once, then the body one byte every DRIP_INTERVAL."""
    response = web.StreamResponse(status=reply.status, headers=_headers(reply))
    response.content_length = len(reply.body)
    await response.prepare(http_request)
    with contextlib.suppress(ConnectionError):  # the client left: aiohttp closes up
        for at in range(len(reply.body)):
            await response.write(reply.body[at : at + 1])
            await asyncio.sleep(DRIP_INTERVAL)
    return response


async def _oversized(reply: Reply, http_request: web.BaseRequest) -> web.StreamResponse:
    """A 10 MiB body announced by its Content-Length and streamed as the client reads it."""
    response = web.StreamResponse(status=reply.status, headers=_headers(reply))
    response.content_length = OVERSIZED_BYTES
    await response.prepare(http_request)
    with contextlib.suppress(ConnectionError):  # the client gave up reading: aiohttp closes up
        for chunk in oversized_body():
            await response.write(chunk)  # waits while the socket's buffer is full
    return response
