"""The memory store's auctions: posts and results in plain objects, and how a resolved
auction's result is recomputed (memory.py uses them)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

from pingpost.store.records import (
    AuctionRecord,
    LeadRecord,
    LogQuery,
    LogRow,
    OpenPost,
    PostIntent,
    PostOutcome,
    PostRecord,
)
from pingpost.store.settle import Sale, resolved, resolved_line


@dataclass
class Post:
    intent: PostIntent
    outcome: PostOutcome | None = None
    counted: Decimal = Decimal(0)  # the spend its reservation counts (see settle.py)

    def record(self) -> PostRecord:
        o = self.outcome
        return PostRecord(
            account=self.intent.account,
            attempt=self.intent.attempt,
            sent_at=self.intent.sent_at,
            amount=self.intent.amount,
            idempotency_key=self.intent.idempotency_key,
            status=o.status if o else None,
            price=o.price if o else None,
            reason=o.reason if o else None,
            answered_at=o.answered_at if o else None,
        )

    @property
    def open(self) -> bool:
        return self.outcome is None or self.outcome.status == "in_doubt"

    def open_post(self) -> OpenPost:
        i = self.intent
        status: Literal["in_doubt"] | None = "in_doubt" if self.outcome is not None else None
        reason = self.outcome.reason if self.outcome is not None else None
        return OpenPost(
            i.account, i.attempt, i.sent_at, i.amount, i.idempotency_key, status, reason
        )


@dataclass
class Auction:
    lead: LeadRecord  # as the SQL backends read it back: no run, no follows
    run: str | None = None  # the run that owns it
    record: AuctionRecord | None = None
    posts: list[Post] = field(default_factory=list)

    def row(self) -> LogRow:
        r = self.record
        return LogRow(
            auction_id=self.lead.auction_id,
            started_at=self.lead.started_at,
            lead_type=self.lead.lead_type,
            source=self.lead.source,
            result=r.result if r else "interrupted",
            sold_to=r.sold_to if r else None,
            price=r.price if r else None,
            duration_ms=r.duration_ms if r else None,
            reason=r.reason if r else None,
        )

    def took_part(self, account: str) -> bool:
        if any(p.intent.account == account for p in self.posts):
            return True
        lines = self.record.accounts if self.record else ()
        return any(
            a.account == account and (a.ping_ms is not None or a.post_ms is not None) for a in lines
        )


def is_sold(post: Post) -> bool:
    return post.outcome is not None and post.outcome.status == "sold"


def wanted(a: Auction, q: LogQuery) -> bool:
    row = a.row()
    return (
        (q.since is None or row.started_at >= q.since)
        and (q.until is None or row.started_at < q.until)
        and (q.result is None or row.result == q.result)
        and (q.lead_id is None or row.auction_id == q.lead_id)
        and (q.source is None or row.source == q.source)
        and (q.account is None or a.took_part(q.account))
    )


def windows(intent: PostIntent) -> list[str]:
    """The distinct cap windows of an intent: a sale counts once in each."""
    return list(dict.fromkeys(c.window for c in intent.claims))


def same(a: PostIntent, b: PostIntent) -> bool:
    return (a.account, a.attempt) == (b.account, b.attempt)


def resolved_record(a: Auction, outcome: PostOutcome, at: float, reason: str) -> AuctionRecord:
    """The auction's result after an operator resolved one of its posts; the account's
    line says what its post became, so that stats agree with the result."""
    sales = [
        Sale(p.intent.account, o.price if o.price is not None else p.intent.amount)
        for p in a.posts
        if (o := p.outcome) is not None and o.status == "sold"
    ]
    now = resolved(sales, still_open=any(p.open for p in a.posts))
    base = a.record or AuctionRecord(lead=a.lead, result="unsold", finished_at=at, duration_ms=0.0)
    price = next((s.price for s in sales if s.account == outcome.account), None)
    lines = tuple(
        resolved_line(line, outcome.status, price) if line.account == outcome.account else line
        for line in base.accounts
    )
    return replace(
        base,
        result=now.result,
        sold_to=now.sold_to,
        price=now.price,
        revenue=now.revenue,
        reason=reason if now.result != "sold" else None,
        accounts=lines,
    )


def closed_record(a: Auction, at: float, reason: str) -> AuctionRecord:
    """The result of an interrupted auction whose posts were all answered, from them."""
    sales = [
        Sale(p.intent.account, o.price if o.price is not None else p.intent.amount)
        for p in a.posts
        if (o := p.outcome) is not None and o.status == "sold"
    ]
    now = resolved(sales, still_open=False)
    return AuctionRecord(
        lead=a.lead, result=now.result, finished_at=at, duration_ms=0.0, sold_to=now.sold_to,
        price=now.price, revenue=now.revenue, reason=reason if now.result != "sold" else None,
    )  # fmt: skip
