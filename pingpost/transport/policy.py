"""Pure transport policy: what a failure means (P5, P6) and whether to try again (P2, P5).

Nothing here touches the network, so every rule is unit-tested directly. The one
fact the classification needs besides the exception is how far the attempt got
(`Phase`): until aiohttp hands over a connection nothing can have been written,
so any failure before that point proves the request never left.
"""

from __future__ import annotations

import ssl
from typing import Literal
from urllib.parse import urlsplit

import aiohttp

from pingpost.config.models import Retry
from pingpost.exchange import Failure, RawResponse
from pingpost.transport.redact import scrub_urls

# slot: waiting for one of the pool's slots; connect: DNS, TCP and TLS;
# sent: a connection was handed over, so bytes may have left from here on
Phase = Literal["slot", "connect", "sent"]

_DNS_ERROR: type[BaseException] = getattr(
    aiohttp, "ClientConnectorDNSError", aiohttp.ClientConnectorError
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class TooLarge(Exception):
    """The response is above max_response_bytes (raised by the body reader)."""


class BadEncoding(Exception):
    """The body does not match its Content-Encoding, or names one pingpost cannot decode."""


class DeadlinePassed(Exception):
    """The deadline had passed before the attempt began: nothing was sent."""


class SlotTimeout(Exception):
    """The deadline hit while waiting for a free slot in the account's pool."""

    def __init__(self, pool: str, limit: int) -> None:
        super().__init__(pool, limit)
        self.pool = pool
        self.limit = limit


def classify_failure(exc: BaseException, phase: Phase, url: str) -> Failure:
    """The `Failure` for an exception raised during one attempt.

    `may_have_arrived` is False only when `phase` proves the request never left.
    Details name the host, never the whole URL: a URL can carry secrets.
    """
    if isinstance(exc, SlotTimeout):
        return Failure(
            "connect",
            f"timeout waiting for a free connection (max_connections {exc.limit}; "
            "raise it if the buyer can take more)",
            False,
        )
    if isinstance(exc, DeadlinePassed):
        return Failure("connect", "the deadline had passed before the request was sent", False)
    if phase != "sent":
        return Failure("connect", _connect_detail(exc, _host_port(url)), False)
    return _after_send(exc)


def _connect_detail(exc: BaseException, where: str) -> str:
    """Why no connection to `where` was made."""
    if isinstance(exc, TimeoutError):
        return f"connect timeout to {where}"
    if isinstance(exc, aiohttp.InvalidURL):
        return "invalid URL: check the method's url"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        cert = exc.certificate_error
        why = getattr(cert, "verify_message", None) or type(cert).__name__
        return f"TLS certificate of {where} not trusted: {why}"
    if isinstance(exc, aiohttp.ClientSSLError | ssl.SSLError):
        return f"TLS handshake with {where} failed"
    if isinstance(exc, _DNS_ERROR):
        return f"DNS lookup failed for {where.rsplit(':', 1)[0]}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return f"connection refused by {where}"
        return f"cannot connect to {where}: {exc.strerror or type(exc.os_error).__name__}"
    return f"cannot connect to {where}: {_describe(exc)}"


def _after_send(exc: BaseException) -> Failure:
    """Failures once the request may have left: the buyer may have it (P6)."""
    if isinstance(exc, TooLarge):
        return Failure("too_large", str(exc), True)
    if isinstance(exc, TimeoutError):
        return Failure("timeout", "timeout: no complete response before the deadline", True)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        detail = "connection closed by the server before a complete response"
        return Failure("reset", detail, True)
    if isinstance(exc, BadEncoding):
        detail = f"response body does not match its Content-Encoding: {exc}"
        return Failure("protocol", detail, True)
    if isinstance(exc, aiohttp.ClientPayloadError):
        cause = exc.__cause__ or exc.__context__
        if type(cause).__name__ == "ContentEncodingError":
            return Failure("protocol", "response body does not match its Content-Encoding", True)
        return Failure("reset", "connection broke while reading the response body", True)
    if isinstance(exc, aiohttp.ClientResponseError):
        detail = _clip(scrub_urls(str(exc.message)))
        return Failure("protocol", f"malformed HTTP response: {detail}", True)
    if isinstance(exc, aiohttp.ClientConnectionError | OSError):
        return Failure("reset", f"connection broke: {_describe(exc)}", True)
    return Failure("protocol", f"unusable response: {_describe(exc)}", True)


def should_retry(response: RawResponse, retry: Retry, *, may_resend: bool) -> bool:
    """Whether `response` (one attempt's result) calls for another try.

    Without `may_resend` only a failure proven never sent is retried (P5),
    whatever `retry.on` lists.
    """
    failure = response.failure
    if failure is not None:
        if failure.kind == "connect" and not failure.may_have_arrived:
            return "connect" in retry.on
        return may_resend and failure.kind == "timeout" and "timeout" in retry.on
    status = response.status or 0
    if not may_resend:
        return False
    if status == 429:
        return "429" in retry.on
    return 500 <= status <= 599 and "5xx" in retry.on


def plan_attempt(
    now: float, deadline: float, retry: Retry, *, may_resend: bool, tries_left: int
) -> tuple[float, float | None]:
    """This try's own deadline and connect timeout, within the exchange's `deadline`.

    A timeout can only be retried if a try times out before the exchange does, so
    with `timeout` retries each try gets an equal share of the time left; with
    `connect` retries the connect phase alone gets that share. The last try
    always gets everything that is left.
    """
    if tries_left <= 1:
        return deadline, None
    share = (deadline - now) / tries_left
    if may_resend and "timeout" in retry.on:
        return now + share, None
    if "connect" in retry.on:
        return deadline, share
    return deadline, None


def backoff_delay(backoff: float, attempt_number: int) -> float:
    """Seconds to wait after try `attempt_number` (1-based) failed: doubled each time."""
    return backoff * 2.0 ** (attempt_number - 1)


def _host_port(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return "the buyer"
    host = parts.hostname or "?"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


def _describe(exc: BaseException) -> str:
    """A short, URL-free description of an exception."""
    text = str(exc).strip()
    name = type(exc).__name__
    return _clip(scrub_urls(f"{name}: {text}" if text else name))


def _clip(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
