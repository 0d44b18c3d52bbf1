"""HTML answers over real HTTP: a 1 MB page read whole within the response cap, a larger
one refused unread (P9), a gzip-compressed page, a cookie among several Set-Cookie."""

from __future__ import annotations

import asyncio
import gzip
import time
from decimal import Decimal

import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Response

from pingpost.config.models import Response as Rules
from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.responses import interpret
from pingpost.transport import HttpTransport, SendOptions

RULES = Rules.model_validate(
    yaml.safe_load(
        """
        format: html
        accept: {selector: "div.result span.price", exists: true}
        bid: {selector: "div.result span.price"}
        capture: {last: {selector: "tr:last-child a@href"}, session: {cookie: session}}
        """
    )
)
ROW = '<tr class="row"><td class="c">{0}</td><td><a href="/x/{0}">link {0}</a></td></tr>\n'
PAGE = (
    "<html><body><table>"
    + "".join(ROW.format(i) for i in range(13_000))
    + "</table><div class=result><span class=price>9.99</span>"
).encode()
MEGABYTE = 1024 * 1024


def fetch(httpserver: HTTPServer, response: Response, max_bytes: int) -> RawResponse:
    httpserver.expect_request("/page").respond_with_response(response)
    request = RenderedRequest("GET", httpserver.url_for("/page"), ())

    async def send() -> RawResponse:
        async with HttpTransport() as transport:
            options = SendOptions(deadline=time.monotonic() + 10, max_bytes=max_bytes)
            return await transport.send(request, options)

    return asyncio.run(send())


def test_a_1_mb_page_within_the_response_cap(httpserver: HTTPServer) -> None:
    assert len(PAGE) > MEGABYTE
    headers = [("Set-Cookie", "a=1"), ("Set-Cookie", "session=s-77; HttpOnly")]
    page = Response(PAGE, content_type="text/html; charset=utf-8", headers=headers)
    raw = fetch(httpserver, page, max_bytes=2 * MEGABYTE)
    assert raw.failure is None and len(raw.body) == len(PAGE)
    outcome = interpret(RULES, raw)
    assert (outcome.status, outcome.bid) == ("accepted", Decimal("9.99"))
    assert outcome.captures == {"last": "/x/12999", "session": "s-77"}


def test_a_page_above_the_cap_is_refused_unread(httpserver: HTTPServer) -> None:
    raw = fetch(httpserver, Response(PAGE, content_type="text/html"), max_bytes=MEGABYTE)
    assert raw.failure is not None and raw.failure.kind == "too_large"
    assert interpret(RULES, raw).status == "error"


def test_a_compressed_page_is_read_after_decompression(httpserver: HTTPServer) -> None:
    page = Response(
        gzip.compress(PAGE),
        content_type="text/html",
        headers={"Content-Encoding": "gzip", "Set-Cookie": "session=z"},
    )
    outcome = interpret(RULES, fetch(httpserver, page, max_bytes=2 * MEGABYTE))
    assert (outcome.status, outcome.captures["session"]) == ("accepted", "z")
