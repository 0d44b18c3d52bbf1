"""The state of one auction while it runs: its inputs, and one mutable entry per account.

Entries are mutable only inside the engine; the result hands out frozen
`AccountResult`s built from them at the end.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from pingpost.auction.result import AccountResult, AccountStatus, Exchange
from pingpost.config.bundle import Config
from pingpost.config.models import DeliveryAccount, DeliveryMethod, Settings
from pingpost.errors import LeadError, RenderError
from pingpost.exchange import RenderedRequest
from pingpost.leads import Lead
from pingpost.render import render_request
from pingpost.transport import SendOptions, Transport

Phase = Literal["ping", "post"]


@dataclass(eq=False, slots=True)
class Entry:
    """One account in one auction."""

    account: DeliveryAccount
    method: DeliveryMethod
    status: AccountStatus = "not_pinged"
    reason: str | None = None
    bid: Decimal | None = None
    ping: Exchange | None = None
    post: Exchange | None = None
    captures: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.account.name

    def set(self, status: AccountStatus, reason: str | None = None) -> None:
        self.status = status
        self.reason = reason

    def result(self) -> AccountResult:
        return AccountResult(
            account=self.account.name,
            method=self.method.name,
            priority=self.account.priority,
            status=self.status,
            reason=self.reason,
            bid=self.bid,
            ping=self.ping,
            post=self.post,
        )


@dataclass(frozen=True)
class AuctionContext:
    lead: Lead
    lead_id: str
    config: Config
    transport: Transport
    test: bool = False

    @property
    def settings(self) -> Settings:
        return self.config.settings

    def render(
        self, entry: Entry, phase: Phase, captures: Mapping[str, str] | None = None
    ) -> RenderedRequest:
        """The request of `phase` for `entry` (raises RenderError/LeadError, nothing sent)."""
        request = render_request(
            entry.method,
            phase,
            self.lead,
            account=entry.account,
            captures=captures or {},
            lead_id=self.lead_id,
            test=self.test,
            user_agent=self.settings.http.user_agent,
        )
        key = entry.method.post.idempotency_key if phase == "post" else None
        if key is None:
            return request
        return with_header(request, key.header, idempotency_key(self.lead_id, entry.name))

    def options(self, entry: Entry, phase: Phase, deadline: float) -> SendOptions:
        request = entry.method.ping if phase == "ping" else entry.method.post
        return SendOptions(
            deadline=deadline,
            max_bytes=self.settings.http.max_response_bytes,
            retry=request.retry,
            pool=entry.name,
            # P5: a post is re-sent only with a key the buyer dedupes on
            may_resend=phase == "ping" or request.idempotency_key is not None,
            phase=phase,
        )


def why_not_rendered(exc: Exception) -> str:
    """The reason for an account's request that could not be built. A bug in rendering
    one method costs that account, not the auction (nothing was sent)."""
    if isinstance(exc, RenderError | LeadError):
        return str(exc)
    return f"internal error: {type(exc).__name__}: {exc}"


def idempotency_key(lead_id: str, account: str) -> str:
    """Stable per (lead, account): every try of one post carries the same key (P5)."""
    return f"{lead_id}:{account}"


def with_header(request: RenderedRequest, name: str, value: str) -> RenderedRequest:
    lowered = name.lower()
    kept = tuple((k, v) for k, v in request.headers if k.lower() != lowered)
    return dataclasses.replace(request, headers=(*kept, (name, value)))
