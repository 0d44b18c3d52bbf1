"""Builders for the store suite: leads, intents, outcomes, records, and a scenario runner."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pingpost.store import Store
from pingpost.store.backends import store_for_url
from pingpost.store.records import (
    AccountLine,
    AuctionRecord,
    CapClaim,
    LeadRecord,
    LoggedResult,
    PostIntent,
    PostOutcome,
    PostStatus,
)

T0 = 1_800_000_000.0  # 2027-01-15 08:00 UTC, on a whole minute: tests add offsets


@dataclass(frozen=True)
class Backend:
    name: str
    url: str

    @property
    def durable(self) -> bool:
        return self.name != "memory"

    def make(self) -> Store:
        return store_for_url(self.url)

    def run(self, scenario: Callable[[Store], Awaitable[Any]]) -> Any:
        """Open a store, run `scenario(store)` in a fresh event loop, close it."""
        return asyncio.run(self.session(scenario))

    async def session(self, scenario: Callable[[Store], Awaitable[Any]]) -> Any:
        store = self.make()
        await store.open()
        try:
            return await scenario(store)
        finally:
            await store.close()


def lead(
    n: int | str = 1,
    *,
    key: str | None = None,
    at: float = T0,
    source: str | None = "batch.jsonl",
    lead_type: str = "auto_insurance",
    fields: dict[str, Any] | None = None,
) -> LeadRecord:
    data = fields or {"FirstName": "Grace", "Phone": "(212) 555-0199", "n": str(n)}
    return LeadRecord(
        auction_id=f"A{n}",
        lead_key=key or f"K{n}",
        lead_type=lead_type,
        lead_json=json.dumps(data, sort_keys=True),
        started_at=at,
        source=source,
    )


def intent(
    of: LeadRecord,
    account: str = "acme",
    *,
    attempt: int = 1,
    amount: str = "10.00",
    claims: tuple[CapClaim, ...] = (),
    key: str | None = None,
    at: float | None = None,
) -> PostIntent:
    return PostIntent(
        auction_id=of.auction_id,
        account=account,
        attempt=attempt,
        amount=Decimal(amount),
        sent_at=of.started_at + 0.5 if at is None else at,
        idempotency_key=key,
        claims=claims,
    )


def outcome(
    post: PostIntent,
    status: PostStatus,
    *,
    price: str | None = None,
    reason: str | None = None,
    dedupe_key: str | None = None,
) -> PostOutcome:
    return PostOutcome(
        auction_id=post.auction_id,
        account=post.account,
        attempt=post.attempt,
        status=status,
        answered_at=post.sent_at + 0.25,
        price=None if price is None else Decimal(price),
        reason=reason,
        dedupe_key=dedupe_key,
    )


def line(
    account: str,
    status: str = "outbid",
    *,
    bid: str | None = "5.00",
    ping_ms: float | None = 40.0,
    post_ms: float | None = None,
    error_kind: str | None = None,
    price: str | None = None,
) -> AccountLine:
    return AccountLine(
        account=account,
        status=status,
        bid=None if bid is None else Decimal(bid),
        ping_ms=ping_ms,
        post_ms=post_ms,
        error_kind=error_kind,
        price=None if price is None else Decimal(price),
    )


def record(
    of: LeadRecord,
    result: LoggedResult = "unsold",
    *,
    sold_to: str | None = None,
    price: str | None = None,
    lines: tuple[AccountLine, ...] = (),
    document: bytes | None = None,
    duration_ms: float = 120.0,
    reason: str | None = None,
) -> AuctionRecord:
    money = None if price is None else Decimal(price)
    doc = document if document is not None else json.dumps({"lead_id": of.auction_id}).encode()
    return AuctionRecord(
        lead=of,
        result=result,
        finished_at=of.started_at + duration_ms / 1000,
        duration_ms=duration_ms,
        sold_to=sold_to,
        price=money,
        revenue=money or Decimal(0),
        reason=reason,
        accounts=lines,
        document=doc,
    )


async def sell(
    store: Store, of: LeadRecord, account: str = "acme", price: str = "10.00", **kw: Any
) -> None:
    """A whole sold auction: intent, sale, result."""
    post = intent(of, account, amount=price, **kw)
    assert await store.post_intent(of, post) is None
    await store.post_outcome(outcome(post, "sold", price=price))
    sold = line(account, "sold", bid=price, post_ms=80.0, price=price)
    await store.finish(record(of, "sold", sold_to=account, price=price, lines=(sold,)))


def result_document(of: LeadRecord, accounts: int = 8) -> bytes:
    """A JSON result document shaped like the engine's: pings and a post carrying the lead."""
    fields = json.loads(of.lead_json)
    exchanges = []
    for i in range(accounts):
        ping_body = json.dumps({"zip": "94110", "age": 41, "vertical": "auto"})
        post_body = json.dumps({**fields, "token": f"tok-{i}"})
        exchanges.append(
            {
                "account": f"buyer-{i}",
                "method": f"method-{i}",
                "status": "sold" if i == 0 else "outbid",
                "reason": None if i == 0 else "outbid: sold to buyer-0",
                "bid": f"{10 + i}.50",
                "ping": {
                    "request": {
                        "method": "POST",
                        "url": f"https://buyer-{i}.example.com/v2/ping?src=1234&zip=94110",
                        "headers": {"Content-Type": "application/json", "X-Api-Key": "****"},
                        "body": ping_body,
                    },
                    "response": {
                        "status": 200,
                        "headers": {"Content-Type": "application/json", "Server": "nginx"},
                        "body": json.dumps({"status": "success", "price": f"{10 + i}.50"}),
                        "elapsed_ms": 40.5 + i,
                    },
                    "outcome": {"outcome": "accepted", "decided_by": "accept: path status"},
                },
                "post": {
                    "request": {"url": f"https://buyer-{i}.example.com/post", "body": post_body}
                }
                if i == 0
                else None,
            }
        )
    doc = {"lead_id": of.auction_id, "result": "sold", "accounts": exchanges}
    return json.dumps(doc).encode()
