"""The data that crosses the wire: a rendered request and a raw response.

Both are plain frozen data so that rendering, interpreting and tracing stay
pure functions; only `transport.py` turns one into the other. Their reprs show
the shape of an exchange, never its text: a URL, a header value or a body may
hold a secret or a lead's pii (P12), and a repr ends up in logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Headers = tuple[tuple[str, str], ...]
ANY_FIELD = "*"  # in `RenderedRequest.sensitive`: made from some lead field, which is unknown

FailureKind = Literal[
    "connect",  # refused, DNS, connect timeout, pool timeout: the request never left
    "timeout",  # the deadline passed after the request may have been sent
    "reset",  # the connection broke while sending or reading
    "too_large",  # the body (or Content-Length) is above max_response_bytes
    "protocol",  # not HTTP, bad chunking, a redirect we will not follow, ...
    "auth",  # no token, an unanswerable challenge: the request to the buyer never left
]


@dataclass(frozen=True)
class DigestCredentials:
    """`auth: {type: digest}` as rendered: the transport answers the buyer's challenge."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class OAuth2Client:
    """`auth: {type: oauth2}` as rendered: the transport gets (and caches) the bearer token."""

    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str | None = None
    client_auth: Literal["basic", "body"] = "basic"
    params: tuple[tuple[str, str], ...] = ()
    timeout: float = 10.0


# Auth the transport applies when it sends: it needs the network (a challenge, a token).
SendAuth = DigestCredentials | OAuth2Client


@dataclass(frozen=True, slots=True)
class RenderedRequest:
    """The exact request, ready to send. `body` is empty for GET/query requests.

    With `auth` set, the transport adds the `Authorization` header as it sends
    (digest, oauth2); it is never part of `headers`, so nothing shows it.
    """

    method: str
    url: str
    headers: Headers
    body: bytes = b""
    # (lead field, text) of values rendered from lead fields, e.g. `("FirstName", "ADA")`
    # for `format: upper` (ANY_FIELD: the field is unknown): the Masker hides those made
    # from pii fields (P12).
    sensitive: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)
    auth: SendAuth | None = field(default=None, repr=False)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def __repr__(self) -> str:
        return (
            f"RenderedRequest(method={self.method!r}, url=****, "
            f"headers=[{_names(self.headers)}], body=<{len(self.body)} bytes>)"
        )


@dataclass(frozen=True, slots=True)
class Failure:
    """Why there is no usable HTTP response."""

    kind: FailureKind
    detail: str  # one line for the user, e.g. "connection refused by 127.0.0.1:9"
    may_have_arrived: bool  # False only when it is proven the request never left


@dataclass(frozen=True, slots=True)
class RawResponse:
    """What came back from one exchange (after any retries)."""

    status: int | None  # None when no HTTP response arrived
    headers: Headers = ()
    body: bytes = b""
    elapsed_ms: float = 0.0
    attempts: int = 1
    failure: Failure | None = None
    # Bytes received, when `body` is not them: a response rebuilt from the delivery log
    # holds its masked text (None: `len(body)`).
    received_bytes: int | None = field(default=None, compare=False)

    @property
    def size(self) -> int:
        """How many body bytes came back."""
        return len(self.body) if self.received_bytes is None else self.received_bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def header_values(self, name: str) -> list[str]:
        """Every value of a header, in order (a buyer may send `Set-Cookie` several times)."""
        lowered = name.lower()
        return [v for k, v in self.headers if k.lower() == lowered]

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def __repr__(self) -> str:
        failure = "None" if self.failure is None else f"<{self.failure.kind}>"
        return (
            f"RawResponse(status={self.status!r}, headers=[{_names(self.headers)}], "
            f"body=<{len(self.body)} bytes>, elapsed_ms={self.elapsed_ms:.1f}, "
            f"attempts={self.attempts}, failure={failure})"
        )


def _names(headers: Headers) -> str:
    """The header names, for a repr: their values may be credentials."""
    return ", ".join(name for name, _ in headers)
