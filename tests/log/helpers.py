"""Writing real auction results into a store through its API, as the engine does:
the post intents (durable before each post), their outcomes, then the finished record
with the stored JSON result document.

Until the engine writes to the store itself (pingpost/auction/recording.py), the
log's tests run auctions with `run_auction_sync` and log them here.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

from pingpost.auction.result import AccountResult, AuctionResult
from pingpost.config.bundle import Config
from pingpost.controls import Controls
from pingpost.store.api import Store
from pingpost.store.records import (
    AccountLine,
    AuctionRecord,
    LeadRecord,
    PostIntent,
    PostOutcome,
)
from pingpost.store.url import store_for_url
from pingpost.trace.stored import stored_document

T = TypeVar("T")
POSTED = ("sold", "post_rejected", "post_error", "in_doubt")


def with_store(url: str, work: Callable[[Store], Awaitable[T]]) -> T:
    async def session() -> T:
        store = store_for_url(url)
        await store.open()
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(session())


def lead_record(
    result: AuctionResult, *, started_at: float, source: str | None = "leads.jsonl"
) -> LeadRecord:
    values = {k: _plain(v) for k, v in result.lead.values.items()}
    lead_json = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return LeadRecord(
        auction_id=result.lead_id,
        lead_key=hashlib.sha256(f"{result.lead.lead_type}\n{lead_json}".encode()).hexdigest(),
        lead_type=result.lead.lead_type,
        lead_json=lead_json,
        started_at=started_at,
        source=source,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral() else int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def line_of(account: AccountResult, result: AuctionResult) -> AccountLine:
    ping, post = account.ping, account.post
    pinged = ping is not None and ping.response is not None
    posted = post is not None and post.response is not None
    return AccountLine(
        account=account.account,
        status=account.status,
        bid=account.bid,
        ping_ms=ping.latency_ms if pinged and ping is not None else None,
        post_ms=post.latency_ms if posted and post is not None else None,
        error_kind=_error_kind(account),
        price=result.price if account.account == result.sold_to else None,
    )


def _error_kind(account: AccountResult) -> str | None:
    exchange = account.ping if account.status == "error" else account.post
    if account.status not in ("error", "post_error", "in_doubt") or exchange is None:
        return None
    response = exchange.response
    if response is None:
        return "not_sent"
    if response.failure is not None:
        return response.failure.kind
    if response.status is not None and response.status >= 500:
        return "http_5xx"
    return "invalid_answer"


async def log_result(
    store: Store,
    result: AuctionResult,
    config: Config,
    *,
    started_at: float | None = None,
    source: str | None = "leads.jsonl",
    keys: bool = True,
    finish: bool = True,
) -> LeadRecord:
    """Write `result` as the engine would: each post's intent and outcome, then (with
    `finish`) the record. `keys`: posts carry `<auction id>:<account>`."""
    at = time.time() - result.duration_ms / 1000 if started_at is None else started_at
    lead = lead_record(result, started_at=at, source=source)
    controls = Controls(config, store, clock=lambda: at)
    dedupe = (await controls.check_lead(result.lead, result.lead_id)).key  # as the engine
    by_name = {a.account: a for a in result.accounts}
    for attempt, name in enumerate(result.posted_to, 1):
        account = by_name[name]
        key = f"{result.lead_id}:{name}" if keys else None
        claims = controls.claims(name)
        amount = account.bid or Decimal(0)
        intent = PostIntent(result.lead_id, name, attempt, amount, at + 0.05, key, claims)
        assert await store.post_intent(lead, intent) is None
        if account.status in POSTED and finish:
            price = result.price if name == result.sold_to else None
            outcome = PostOutcome(
                result.lead_id, name, attempt, account.status, at + 0.1, price, account.reason,
                dedupe if account.status == "sold" else None,
            )  # fmt: skip
            await store.post_outcome(outcome)
    if finish:
        await store.finish(record_of(result, config, lead))
    return lead


def record_of(result: AuctionResult, config: Config, lead: LeadRecord) -> AuctionRecord:
    return AuctionRecord(
        lead=lead,
        result=result.result,
        finished_at=lead.started_at + result.duration_ms / 1000,
        duration_ms=result.duration_ms,
        sold_to=result.sold_to,
        price=result.price,
        revenue=result.price or Decimal(0),
        reason=result.reason,
        accounts=tuple(line_of(a, result) for a in result.accounts),
        document=stored_document(result, config),
    )
