"""Small fakes for engine tests: configs built in code and a scripted transport.

The fake transport plays buyers by URL path (`/<account>/<phase>`). It honours
the deadline like the real one (a hanging buyer returns a `timeout` failure at
the deadline) unless told to misbehave.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pingpost.auction import run_auction
from pingpost.auction.result import AccountResult, AuctionResult
from pingpost.config.bundle import Config
from pingpost.config.models import DeliveryAccount, DeliveryMethod, LeadType, Settings
from pingpost.exchange import Failure, RawResponse, RenderedRequest
from pingpost.leads import Lead
from pingpost.transport import SendOptions

LEAD_TYPE = LeadType.model_validate(
    {
        "kind": "lead_type",
        "name": "auto",
        "fields": {
            "State": {"type": "state", "required": True},
            "ZipCode": {"type": "zip", "required": True},
            "Age": {"type": "integer"},
        },
    }
)
LEAD = Lead("auto", {"State": "CA", "ZipCode": "90210", "Age": 30})


def method(
    name: str,
    *,
    ping: dict[str, Any] | None = None,
    post: dict[str, Any] | None = None,
    base: str = "http://buyers.test",
) -> DeliveryMethod:
    """A JSON buyer: ping answers {status, price, token}; post answers {result, price, message}."""
    return DeliveryMethod.model_validate(
        {
            "kind": "delivery_method",
            "name": name,
            "lead_type": "auto",
            "ping": {
                "url": f"{base}/{name}/ping",
                "mappings": {"state": "State", "zip": "ZipCode"},
                "response": {
                    "accept": {"path": "status", "equals": "accepted"},
                    "bid": {"path": "price"},
                    "reason": {"path": "message"},
                    "capture": {"token": {"path": "token"}},
                },
                **(ping or {}),
            },
            "post": {
                "url": f"{base}/{name}/post",
                "mappings": {"token": {"capture": "token"}, "state": "State"},
                "response": {
                    "accept": {"path": "result", "equals": "success"},
                    "price": {"path": "price"},
                    "reason": {"path": "message"},
                },
                **(post or {}),
            },
        }
    )


def account(name: str, **kw: Any) -> DeliveryAccount:
    return DeliveryAccount.model_validate(
        {"kind": "delivery_account", "name": name, "method": kw.pop("method", name), **kw}
    )


def config(
    accounts: list[DeliveryAccount],
    methods: list[DeliveryMethod] | None = None,
    **auction: Any,
) -> Config:
    """A Config; each account gets a default method of its own name unless given."""
    given = {m.name: m for m in methods or []}
    for acc in accounts:
        given.setdefault(acc.method, method(acc.method))
    return Config(
        lead_types={"auto": LEAD_TYPE},
        methods=given,
        accounts={a.name: a for a in accounts},
        settings=Settings.model_validate({"auction": auction}),
    )


Answer = Callable[[RenderedRequest, SendOptions], Awaitable[RawResponse]]


def reply(body: Any, status: int = 200, delay: float = 0.0) -> Answer:
    """A buyer answering `body` (JSON) after `delay` seconds, or a timeout at the deadline."""

    async def answer(request: RenderedRequest, options: SendOptions) -> RawResponse:
        started = time.monotonic()
        if started + delay > options.deadline:
            await asyncio.sleep(max(0.0, options.deadline - started))
            return timeout(started)
        await asyncio.sleep(delay)
        data = body if isinstance(body, str) else json.dumps(body)
        return RawResponse(
            status,
            (("Content-Type", "application/json"),),
            data.encode(),
            elapsed_ms=(time.monotonic() - started) * 1000,
        )

    return answer


def bid(price: Any, token: str = "t-1", delay: float = 0.0) -> Answer:
    return reply({"status": "accepted", "price": price, "token": token}, delay=delay)


def reject(message: str = "no") -> Answer:
    return reply({"status": "rejected", "message": message})


def sold(price: Any = None) -> Answer:
    return reply({"result": "success", **({"price": price} if price is not None else {})})


def hang() -> Answer:
    """A buyer that never answers; the (fake) transport gives up at the deadline."""
    return reply({}, delay=3600)


def failure(kind: str, may_have_arrived: bool, attempts: int = 1) -> Answer:
    async def answer(request: RenderedRequest, options: SendOptions) -> RawResponse:
        return RawResponse(
            None,
            attempts=attempts,
            failure=Failure(kind, kind, may_have_arrived),  # type: ignore[arg-type]
        )

    return answer


def timeout(started: float) -> RawResponse:
    return RawResponse(
        None,
        elapsed_ms=(time.monotonic() - started) * 1000,
        failure=Failure("timeout", "timeout", True),
    )


def stuck() -> Answer:
    """A *transport* that ignores the deadline (a bug the round guard must survive)."""

    async def answer(request: RenderedRequest, options: SendOptions) -> RawResponse:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    return answer


@dataclass
class FakeTransport:
    """Routes `/<account>/<phase>` to an answer; records every send in order."""

    answers: dict[str, Answer]
    sent: list[tuple[RenderedRequest, SendOptions]] = field(default_factory=list)

    async def send(self, request: RenderedRequest, options: SendOptions) -> RawResponse:
        self.sent.append((request, options))
        parts = urlsplit(request.url).path.strip("/").split("/")
        key = "/".join(parts[:2])
        answer = self.answers.get(key)
        if answer is None:
            raise AssertionError(f"unexpected request to {request.url}")
        return await answer(request, options)

    def paths(self) -> list[str]:
        return [urlsplit(r.url).path for r, _ in self.sent]


# Running one auction and reading its statuses, for the engine tests.
def auction(cfg: Config, transport: FakeTransport, lead: Lead = LEAD, **kw: Any) -> AuctionResult:
    return asyncio.run(run_auction(lead, cfg, transport=transport, lead_id="lead-1", **kw))


def by_name(result: AuctionResult) -> dict[str, AccountResult]:
    return {a.account: a for a in result.accounts}


def statuses(result: AuctionResult) -> dict[str, str]:
    return {a.account: a.status for a in result.accounts}
