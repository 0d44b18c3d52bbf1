"""Buyer answers over real HTTP (pytest-httpserver -> HttpTransport -> interpret).

The unit tests in tests/responses feed `interpret` hand-made RawResponses; these
check that what the real transport hands over (headers as the server wrote them,
a decompressed body, a charset, a 404) reads the same way.
"""

from __future__ import annotations

import asyncio
import gzip
import time
from decimal import Decimal

import pytest
import yaml
from pytest_httpserver import HTTPServer

from pingpost.config.models import Response
from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.responses import interpret
from pingpost.responses.outcome import Outcome
from pingpost.transport import HttpTransport, SendOptions

FLAG_RULES = r"""
reject: {regex: '"Success"\s*:\s*false'}
accept: {path: Success, equals: true}
bid: Payout
reason: {regex: '"Message"\s*:\s*"([^"]*)"'}
capture: {transaction_id: TransactionId}
"""
XML_RULES = """
accept: {path: Result.Success, equals: true}
bid: Result.Payout
capture: {transaction_id: Result.TransactionId}
"""
NOT_FOUND_RULES = """
status: {404: reject}
bid: bid
reason: message
"""
LOOSE_RULES = r"""
accept: {regex: '(?i)success\W*\s*(true|>\s*true)'}
bid: {regex: '(?i)price\W*\s*([0-9.]+)'}
"""

FLAG_OK = (
    '{ "TransactionId": "D0447C7B-452B-4F2A-9D7B-F3F72848EEE9", "Success": true,\n'
    '  "Payout": 8.5, "Message": null, "Errors": null, "Sold": null, "Environment": "Testing" }'
)
FLAG_MALFORMED = (
    '{ "TransactionId": "49CE4DB7-775B-405B-BBBD-B23FB003073A", "Success": false, "Payout": null,\n'
    '  "Message": "BadRequest", "Errors": [ "\'Sinks\' must not be empty." ] "Sold": null }'
)
XML_OK = (
    '<?xml version="1.0" encoding="UTF-8"?><Result xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<TransactionId>ce34e151-6d00-488d-a465-3fa3cebe7ff9</TransactionId>"
    '<Success>true</Success><Payout>8.50</Payout><Sold xsi:nil="true" /></Result>'
)


def exchange(
    httpserver: HTTPServer,
    rules: str,
    body: bytes,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    phase: str = "ping",
) -> tuple[RawResponse, Outcome]:
    httpserver.expect_request("/buyer").respond_with_data(body, status=status, headers=headers)
    request = RenderedRequest(
        "POST", httpserver.url_for("/buyer"), (("Content-Type", "application/json"),), b"{}"
    )

    async def send() -> RawResponse:
        async with HttpTransport() as transport:
            options = SendOptions(deadline=time.monotonic() + 5, max_bytes=65536)
            return await transport.send(request, options)

    response = asyncio.run(send())
    assert response.failure is None, response.failure
    parsed = Response.model_validate(yaml.safe_load(rules))
    return response, interpret(parsed, response, phase=phase)  # type: ignore[arg-type]


def test_json_flag_payout_accepted(httpserver: HTTPServer) -> None:
    _, outcome = exchange(
        httpserver, FLAG_RULES, FLAG_OK.encode(), headers={"Content-Type": "application/json"}
    )
    assert (outcome.status, outcome.bid) == ("accepted", Decimal("8.5"))
    assert outcome.captures == {"transaction_id": "D0447C7B-452B-4F2A-9D7B-F3F72848EEE9"}


def test_malformed_json_rejection_read_by_regex(httpserver: HTTPServer) -> None:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    _, outcome = exchange(httpserver, FLAG_RULES, FLAG_MALFORMED.encode(), headers=headers)
    assert (outcome.status, outcome.reason) == ("rejected", "BadRequest")
    assert outcome.decode_error is not None


def test_gzipped_answer_is_read_decompressed(httpserver: HTTPServer) -> None:
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    response, outcome = exchange(
        httpserver, FLAG_RULES, gzip.compress(FLAG_OK.encode()), headers=headers
    )
    assert response.body == FLAG_OK.encode()
    assert (outcome.status, outcome.bid) == ("accepted", Decimal("8.5"))


@pytest.mark.parametrize(
    "content_type", ["text/xml; charset=utf-8", "text/html", "application/json"]
)
def test_namespaced_xml_whatever_the_label(httpserver: HTTPServer, content_type: str) -> None:
    _, outcome = exchange(
        httpserver, XML_RULES, XML_OK.encode(), headers={"Content-Type": content_type}
    )
    assert (outcome.status, str(outcome.bid)) == ("accepted", "8.50")
    assert outcome.captures == {"transaction_id": "ce34e151-6d00-488d-a465-3fa3cebe7ff9"}


def test_latin1_charset(httpserver: HTTPServer) -> None:
    body = '{"bid": 3, "message": "Zoë"}'.encode("latin-1")
    headers = {"Content-Type": "application/json; charset=ISO-8859-1"}
    _, outcome = exchange(httpserver, NOT_FOUND_RULES, body, headers=headers)
    assert (outcome.status, outcome.reason, outcome.bid) == ("accepted", "Zoë", Decimal(3))


def test_404_means_no_buyer(httpserver: HTTPServer) -> None:
    body = b'{"message": "no buyer for this lead"}'
    headers = {"Content-Type": "application/json"}
    for phase in ("ping", "post"):
        _, outcome = exchange(
            httpserver, NOT_FOUND_RULES, body, status=404, headers=headers, phase=phase
        )
        assert (outcome.status, outcome.reason) == (
            "rejected",
            "HTTP 404 Not Found: no buyer for this lead",
        )
        httpserver.clear()


def test_loose_answer_with_a_misleading_content_type(httpserver: HTTPServer) -> None:
    body = b'{ id: a8c75ef7, price: 4.30, message: "success", code = "OK", success: true }'
    _, outcome = exchange(
        httpserver, LOOSE_RULES, body, headers={"Content-Type": "application/json"}
    )
    assert (outcome.status, outcome.bid) == ("accepted", Decimal("4.30"))


def test_a_5xx_post_is_in_doubt(httpserver: HTTPServer) -> None:
    _, outcome = exchange(
        httpserver, FLAG_RULES, FLAG_OK.encode(), status=502, phase="post",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert (outcome.status, outcome.reason) == ("in_doubt", "HTTP 502 Bad Gateway")
