"""The transport interface the auction, test-ping and test-post code against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from pingpost.config.models import Retry
from pingpost.exchange import RawResponse, RenderedRequest

NO_RETRY = Retry()

# Seconds a pooled connection may have been idle and still carry a post. A buyer closes
# idle keep-alive connections after its own timeout (2 s for gunicorn, 5 s for Apache,
# Node and uvicorn); a post written as that close crosses it may or may not have arrived,
# so it would be in doubt (P6) for no reason. Below every common server's timeout.
POST_MAX_IDLE = 1.0


@dataclass(frozen=True, slots=True)
class SendOptions:
    """How one exchange may run.

    `deadline` is an absolute `time.monotonic()` value covering the whole exchange:
    waiting for a pool slot, connect, send, receive and every retry (P1, P2).
    """

    deadline: float
    max_bytes: int  # settings.http.max_response_bytes (P9)
    retry: Retry = NO_RETRY  # one try; retrying is the method's choice
    pool: str = "default"  # the account name: connection limits are per pool (P3)
    # False for a post without an idempotency key: only failures proven never
    # sent are retried, whatever `retry.on` says (P5)
    may_resend: bool = True
    # a post: its body is never sent twice to answer a digest challenge (transport/
    # authflow.py), and it never rides a connection idle over POST_MAX_IDLE (P6)
    phase: Literal["ping", "post"] = "ping"


class Transport(Protocol):
    """Sends one rendered request. Never raises for network or HTTP trouble:
    the returned `RawResponse.failure` says what went wrong."""

    async def send(self, request: RenderedRequest, options: SendOptions) -> RawResponse: ...
