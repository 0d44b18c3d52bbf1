"""The pure transport policy: failure classification (P5, P6), retry decisions, backoff."""

from __future__ import annotations

import socket
import ssl

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey
from hypothesis import given, settings
from hypothesis import strategies as st

from pingpost.config.models import Retry
from pingpost.exchange import Failure, RawResponse
from pingpost.transport import backoff_delay, classify_failure, should_retry
from pingpost.transport.policy import DeadlinePassed, SlotTimeout, TooLarge, plan_attempt

URL = "https://buyer.example:8443/ping?api_key=s3cret"
KEY = ConnectionKey("buyer.example", 8443, True, True, None, None, None, None)


def connector_error(os_error: OSError) -> aiohttp.ClientConnectorError:
    return aiohttp.ClientConnectorError(KEY, os_error)


# ------------------------------------------------------------ never sent: `connect`

NEVER_SENT = [
    (connector_error(ConnectionRefusedError(111, "refused")), "connection refused by"),
    (aiohttp.ClientConnectorDNSError(KEY, socket.gaierror(-2, "unknown")), "DNS lookup failed"),
    (aiohttp.ConnectionTimeoutError("to host"), "connect timeout to"),
    (TimeoutError(), "connect timeout to"),
    (
        aiohttp.ClientConnectorCertificateError(KEY, ssl.SSLCertVerificationError("bad")),
        "TLS certificate of",
    ),
    (connector_error(OSError(113, "No route to host")), "cannot connect to"),
    (aiohttp.InvalidURL("x"), "invalid URL"),
]


@pytest.mark.parametrize(("exc", "detail"), NEVER_SENT)
def test_failures_before_a_connection_prove_the_request_never_left(
    exc: BaseException, detail: str
) -> None:
    failure = classify_failure(exc, "connect", URL)
    assert failure.kind == "connect"
    assert failure.may_have_arrived is False
    assert detail in failure.detail
    assert "s3cret" not in failure.detail and "/ping" not in failure.detail


def test_connect_details_name_host_and_port() -> None:
    refused = classify_failure(connector_error(ConnectionRefusedError()), "connect", URL)
    assert refused.detail == "connection refused by buyer.example:8443"
    timeout = classify_failure(TimeoutError(), "connect", "http://10.0.0.1/x")
    assert timeout.detail == "connect timeout to 10.0.0.1:80"


def test_waiting_for_a_pool_slot_is_connect_kind() -> None:
    failure = classify_failure(SlotTimeout("acme-gold", 5), "slot", URL)
    assert failure == Failure(
        "connect",
        "timeout waiting for a free connection (max_connections 5; "
        "raise it if the buyer can take more)",
        False,
    )


def test_a_deadline_already_passed_sends_nothing() -> None:
    failure = classify_failure(DeadlinePassed(), "slot", URL)
    assert (failure.kind, failure.may_have_arrived) == ("connect", False)


# ------------------------------------------------------------ may have arrived


def response_error(message: str) -> aiohttp.ClientResponseError:
    return aiohttp.ClientResponseError(None, (), status=400, message=message)  # type: ignore[arg-type]


AFTER_SEND = [
    (TimeoutError(), "timeout"),
    (aiohttp.SocketTimeoutError(), "timeout"),
    (aiohttp.ServerDisconnectedError(), "reset"),
    (aiohttp.ClientPayloadError("Response payload is not completed"), "reset"),
    (aiohttp.ClientOSError(104, "Connection reset by peer"), "reset"),
    (ConnectionResetError(104, "reset"), "reset"),
    (response_error("Bad status line 'HELLO'"), "protocol"),
    (TooLarge("response body is above max_response_bytes (10)"), "too_large"),
    (ValueError("odd"), "protocol"),
]


@pytest.mark.parametrize(("exc", "kind"), AFTER_SEND)
def test_failures_after_a_connection_may_have_arrived(exc: BaseException, kind: str) -> None:
    failure = classify_failure(exc, "sent", URL)
    assert failure.kind == kind
    assert failure.may_have_arrived is True


def test_a_connector_error_after_send_is_still_in_doubt() -> None:
    # the phase decides, not the exception type: once sent, nothing proves otherwise
    failure = classify_failure(connector_error(ConnectionRefusedError()), "sent", URL)
    assert failure.may_have_arrived is True


def test_bad_content_encoding_is_a_protocol_error() -> None:
    from aiohttp.http_exceptions import ContentEncodingError

    exc = aiohttp.ClientPayloadError("bad gzip")
    exc.__cause__ = ContentEncodingError("Can not decode content-encoding: gzip")
    assert classify_failure(exc, "sent", URL).kind == "protocol"


def test_details_never_carry_the_url() -> None:
    exc = response_error(f"Bad status line, see {URL}")
    failure = classify_failure(exc, "sent", URL)
    assert "s3cret" not in failure.detail
    assert "https://buyer.example:8443/…" in failure.detail


# ------------------------------------------------------------ retries


def failed(kind: str, arrived: bool) -> RawResponse:
    return RawResponse(None, failure=Failure(kind, "x", arrived))  # type: ignore[arg-type]


EVERYTHING = Retry(attempts=3, on=("connect", "timeout", "5xx", "429"))


@pytest.mark.parametrize(
    ("response", "resendable", "expected"),
    [
        (failed("connect", False), False, True),  # proven never sent: always safe
        (failed("connect", False), True, True),
        (failed("timeout", True), True, True),
        (failed("timeout", True), False, False),  # P5: a post without idempotency key
        (RawResponse(503), True, True),
        (RawResponse(503), False, False),
        (RawResponse(429), True, True),
        (RawResponse(429), False, False),
        (RawResponse(200), True, False),
        (RawResponse(404), True, False),
        (RawResponse(302), True, False),
        (failed("reset", True), True, False),  # `reset` is not a retry reason
        (failed("protocol", True), True, False),
        (failed("too_large", True), True, False),
    ],
)
def test_should_retry(response: RawResponse, resendable: bool, expected: bool) -> None:
    assert should_retry(response, EVERYTHING, may_resend=resendable) is expected


def test_only_the_listed_reasons_are_retried() -> None:
    only_connect = Retry(attempts=3, on=("connect",))
    assert should_retry(failed("connect", False), only_connect, may_resend=True)
    assert not should_retry(failed("timeout", True), only_connect, may_resend=True)
    assert not should_retry(RawResponse(500), only_connect, may_resend=True)
    assert not should_retry(RawResponse(429), Retry(on=("5xx",)), may_resend=True)
    assert not should_retry(failed("connect", False), Retry(on=("5xx",)), may_resend=True)


KINDS = st.sampled_from(["connect", "timeout", "reset", "too_large", "protocol"])
ONS = st.lists(st.sampled_from(["connect", "timeout", "5xx", "429"]), unique=True)


@settings(max_examples=60, deadline=None)
@given(kind=KINDS, on=ONS, status=st.integers(100, 599))
def test_p5_nothing_that_may_have_arrived_is_resent_without_a_key(
    kind: str, on: list[str], status: int
) -> None:
    retry = Retry(attempts=5, on=tuple(on))
    assert not should_retry(failed(kind, True), retry, may_resend=False)
    assert not should_retry(RawResponse(status), retry, may_resend=False)


def test_backoff_doubles() -> None:
    assert [backoff_delay(0.05, n) for n in (1, 2, 3)] == [0.05, 0.1, 0.2]
    assert backoff_delay(0, 4) == 0


# ------------------------------------------------------------ time shares per try


def test_the_last_try_gets_everything_left() -> None:
    assert plan_attempt(10.0, 11.0, EVERYTHING, may_resend=True, tries_left=1) == (11.0, None)


def test_timeout_retries_split_the_time_left() -> None:
    retry = Retry(attempts=3, on=("timeout",))
    assert plan_attempt(10.0, 11.5, retry, may_resend=True, tries_left=3) == (10.5, None)
    # without may_resend a timeout is never retried: the try keeps the whole deadline
    assert plan_attempt(10.0, 11.5, retry, may_resend=False, tries_left=3) == (11.5, None)


def test_connect_retries_split_only_the_connect_phase() -> None:
    retry = Retry(attempts=2, on=("connect",))
    assert plan_attempt(10.0, 11.0, retry, may_resend=False, tries_left=2) == (11.0, 0.5)
    assert plan_attempt(
        10.0, 11.0, Retry(attempts=2, on=("5xx",)), may_resend=True, tries_left=2
    ) == (
        11.0,
        None,
    )
