"""`MemoryStore`: the store's behaviour in plain Python, for unit tests.

It is the reference the SQL backends are tested against (tests/store runs one
suite on all three), so it is written for clarity, not speed. Nothing is
durable: a process that exits forgets it. Each method runs without an
`await` inside, so it is atomic within one event loop.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal, TypeVar

from pingpost.store.api import SCHEMA_VERSION
from pingpost.store.errors import UnknownAuction
from pingpost.store.records import (
    RELEASING,
    AccountLine,
    AccountState,
    AuctionRecord,
    CapReached,
    KeyAnswered,
    KeyClaimed,
    KeyMismatch,
    KeyPending,
    LeadRecord,
    LoggedResult,
    LogQuery,
    LogRow,
    OpenAuction,
    OpenPost,
    PostIntent,
    PostOutcome,
    PostRecord,
    PostStatus,
    PriorAuction,
    RequestClaim,
    StatsRow,
    StoredAuction,
    StoreInfo,
    Usage,
)

N = TypeVar("N", float, Decimal)


@dataclass
class _Post:
    intent: PostIntent
    outcome: PostOutcome | None = None

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
class _Auction:
    lead: LeadRecord
    record: AuctionRecord | None = None
    posts: list[_Post] = field(default_factory=list)

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


class MemoryStore:
    """The `Store` interface over dicts (see pingpost/store/api.py for each method)."""

    backend = "memory"

    def __init__(self) -> None:
        self._auctions: dict[str, _Auction] = {}
        self._by_key: dict[str, str] = {}  # lead key -> the latest auction id
        self._usage: dict[tuple[str, str], Usage] = {}
        self._leads_seen: dict[tuple[str, str], tuple[float, str]] = {}
        self._bought: dict[tuple[str, str], float] = {}
        self._states: dict[str, AccountState] = {}
        self._requests: dict[tuple[str, str], tuple[str, KeyAnswered | None]] = {}
        self._salt = secrets.token_bytes(16)

    async def open(self, *, migrate: bool = True) -> None:
        return None

    async def close(self) -> None:
        return None

    async def migrate(self) -> tuple[int, int]:
        return SCHEMA_VERSION, SCHEMA_VERSION

    async def info(self) -> StoreInfo:
        open_count = len(await self.open_auctions())
        counts = {
            "auctions": len(self._auctions),
            "posts": sum(len(a.posts) for a in self._auctions.values()),
            "open auctions": open_count,
        }
        return StoreInfo("memory", "memory:", SCHEMA_VERSION, SCHEMA_VERSION, None, counts)

    # -- write-ahead ---------------------------------------------------------------------

    async def prior(self, lead_key: str) -> PriorAuction | None:
        auction_id = self._by_key.get(lead_key)
        if auction_id is None or auction_id not in self._auctions:
            return None
        a = self._auctions[auction_id]
        sold = tuple(p.intent.account for p in a.posts if _sold(p))
        open_posts = tuple(p.open_post() for p in a.posts if p.open)
        if a.record is not None:
            r = a.record
            return PriorAuction(auction_id, "finished", r.result, sold, open_posts, r.finished_at)
        return PriorAuction(auction_id, "interrupted", None, sold, open_posts, a.lead.started_at)

    async def post_intent(self, lead: LeadRecord, intent: PostIntent) -> CapReached | None:
        for claim in intent.claims:
            used = self._usage.get((intent.account, claim.window), Usage())
            if claim.leads is not None and used.leads + 1 > claim.leads:
                return CapReached(intent.account, claim, used.leads, used.spend)
            if claim.spend is not None and used.spend + intent.amount > claim.spend:
                return CapReached(intent.account, claim, used.leads, used.spend)
        for claim in intent.claims:
            self._count(intent.account, claim.window, 1, intent.amount)
        auction = self._auction(lead)
        auction.posts.append(_Post(intent))
        return None

    async def post_outcome(self, outcome: PostOutcome) -> None:
        post = self._post(outcome.auction_id, outcome.account, outcome.attempt)
        self._settle(post, outcome)

    async def finish(self, record: AuctionRecord) -> None:
        self._auction(record.lead).record = record

    # -- the log ---------------------------------------------------------------------------

    async def log(self, query: LogQuery) -> list[LogRow]:
        rows = [a.row() for a in self._auctions.values() if _wanted(a, query)]
        rows.sort(key=lambda r: (r.started_at, r.auction_id), reverse=True)
        return rows[: query.limit]

    async def auction(self, auction_id: str) -> StoredAuction | None:
        a = self._auctions.get(auction_id)
        if a is None:
            return None
        document = a.record.document if a.record is not None and a.record.document else None
        return StoredAuction(a.row(), a.lead, document, tuple(p.record() for p in a.posts))

    async def stats(self, since: float, until: float, *, by: str = "account") -> list[StatsRow]:
        finished = [
            a.record
            for a in self._auctions.values()
            if a.record is not None and since <= a.lead.started_at < until
        ]
        if by == "source":
            return _by_source(finished)
        return _by_account(finished)

    async def open_auctions(self) -> list[OpenAuction]:
        found = []
        for a in self._auctions.values():
            open_posts = tuple(p.open_post() for p in a.posts if p.open)
            if a.record is not None and not open_posts:
                continue
            state: Literal["interrupted", "in_doubt"] = (
                "interrupted" if a.record is None else "in_doubt"
            )
            lead = a.lead
            found.append(
                OpenAuction(
                    lead.auction_id, lead.lead_type, lead.source, lead.started_at, state, open_posts
                )
            )
        return sorted(found, key=lambda o: o.started_at)

    async def resolve(
        self,
        auction_id: str,
        account: str,
        *,
        sold: bool,
        price: Decimal | None,
        at: float,
        reason: str,
    ) -> None:
        a = self._auctions.get(auction_id)
        if a is None:
            raise UnknownAuction(auction_id)
        posts = [p for p in a.posts if p.intent.account == account and p.open]
        if not posts:
            raise UnknownAuction(auction_id, f"no open post to {account}")
        post = posts[-1]
        status: PostStatus = "sold" if sold else "post_rejected"
        outcome = PostOutcome(
            auction_id, account, post.intent.attempt, status, at, price=price, reason=reason
        )
        self._settle(post, outcome)
        a.record = _resolved(a, at, reason)

    async def purge(self, *, before: float | None = None, auction_id: str | None = None) -> int:
        doomed = [
            aid
            for aid, a in self._auctions.items()
            if aid == auction_id
            or (before is not None and a.record is not None and a.record.finished_at < before)
        ]
        doomed = [aid for aid in doomed if aid == auction_id or not self._is_open(aid)]
        for aid in doomed:
            del self._auctions[aid]
        return len(doomed)

    # -- controls --------------------------------------------------------------------------

    async def salt(self) -> bytes:
        return self._salt

    async def usage(self, windows: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], Usage]:
        return {
            (account, w): self._usage.get((account, w), Usage())
            for account, ws in windows.items()
            for w in ws
        }

    async def claim_lead(
        self, scope: str, key: str, *, since: float, auction_id: str, at: float
    ) -> str | None:
        earlier = await self.seen_lead(scope, key, since=since)
        if earlier is None:
            self._leads_seen[(scope, key)] = (at, auction_id)
        return earlier

    async def seen_lead(self, scope: str, key: str, *, since: float) -> str | None:
        seen = self._leads_seen.get((scope, key))
        return seen[1] if seen is not None and seen[0] >= since else None

    async def bought(self, key: str, since: Mapping[str, float]) -> set[str]:
        return {
            account
            for account, t in since.items()
            if self._bought.get((account, key), -math.inf) >= t
        }

    async def account_states(self, accounts: Sequence[str]) -> dict[str, AccountState]:
        return {a: self._states.get(a, AccountState()) for a in accounts}

    async def pause(self, account: str, until: float | None, reason: str | None) -> None:
        state = self._states.get(account, AccountState())
        self._states[account] = replace(state, paused_until=until, pause_reason=reason)

    # -- serve -----------------------------------------------------------------------------

    async def claim_request(
        self, source: str, key: str, body_hash: str, *, at: float
    ) -> RequestClaim:
        known = self._requests.get((source, key))
        if known is None:
            self._requests[(source, key)] = (body_hash, None)
            return KeyClaimed()
        if known[0] != body_hash:
            return KeyMismatch()
        return known[1] if known[1] is not None else KeyPending()

    async def complete_request(self, source: str, key: str, status: int, body: bytes) -> None:
        body_hash, _ = self._requests[(source, key)]
        self._requests[(source, key)] = (body_hash, KeyAnswered(status, body))

    async def release_request(self, source: str, key: str) -> None:
        self._requests.pop((source, key), None)

    # -- helpers ---------------------------------------------------------------------------

    def _auction(self, lead: LeadRecord) -> _Auction:
        auction = self._auctions.get(lead.auction_id)
        if auction is None:
            auction = self._auctions[lead.auction_id] = _Auction(lead)
            self._by_key[lead.lead_key] = lead.auction_id
        return auction

    def _post(self, auction_id: str, account: str, attempt: int) -> _Post:
        a = self._auctions.get(auction_id)
        for post in a.posts if a is not None else ():
            if post.intent.account == account and post.intent.attempt == attempt:
                return post
        raise UnknownAuction(auction_id, f"no post intent to {account} (attempt {attempt})")

    def _count(self, account: str, window: str, leads: int, spend: Decimal) -> None:
        used = self._usage.get((account, window), Usage())
        self._usage[(account, window)] = Usage(used.leads + leads, used.spend + spend)

    def _settle(self, post: _Post, outcome: PostOutcome) -> None:
        intent = post.intent
        if outcome.status in RELEASING:
            for claim in intent.claims:
                self._count(intent.account, claim.window, -1, -intent.amount)
        elif outcome.status == "sold":
            if outcome.price is not None:
                for claim in intent.claims:
                    self._count(intent.account, claim.window, 0, outcome.price - intent.amount)
            state = self._states.get(intent.account, AccountState())
            self._states[intent.account] = replace(state, last_sale_at=outcome.answered_at)
            if outcome.dedupe_key is not None:
                self._bought[(intent.account, outcome.dedupe_key)] = outcome.answered_at
        post.outcome = outcome

    def _is_open(self, auction_id: str) -> bool:
        a = self._auctions[auction_id]
        return a.record is None or any(p.open for p in a.posts)


def _sold(post: _Post) -> bool:
    return post.outcome is not None and post.outcome.status == "sold"


def _wanted(a: _Auction, q: LogQuery) -> bool:
    row = a.row()
    return (
        (q.since is None or row.started_at >= q.since)
        and (q.until is None or row.started_at < q.until)
        and (q.result is None or row.result == q.result)
        and (q.lead_id is None or row.auction_id == q.lead_id)
        and (q.source is None or row.source == q.source)
        and (q.account is None or a.took_part(q.account))
    )


def _resolved(a: _Auction, at: float, reason: str) -> AuctionRecord:
    """The auction's result after an operator resolved one of its posts."""
    sales = [p.outcome for p in a.posts if p.outcome is not None and p.outcome.status == "sold"]
    prices = {
        o.account: o.price if o.price is not None else p.intent.amount
        for p in a.posts
        if (o := p.outcome) is not None and o.status == "sold"
    }
    still_open = any(p.open for p in a.posts)
    result: LoggedResult = "sold" if sales else ("in_doubt" if still_open else "unsold")
    best = max(prices.items(), key=lambda kv: kv[1]) if prices else None
    base = a.record or AuctionRecord(lead=a.lead, result="unsold", finished_at=at, duration_ms=0.0)
    return replace(
        base,
        result=result,
        sold_to=best[0] if best else None,
        price=best[1] if best else None,
        revenue=sum(prices.values(), Decimal(0)),
        reason=reason if result != "sold" else None,
    )


def percentile(values: Sequence[N], p: float) -> N:
    """Nearest-rank percentile of sorted `values` (p in 0..100)."""
    rank = max(1, math.ceil(p / 100 * len(values)))
    return values[rank - 1]


ACCEPTED_PING = frozenset(
    {
        "accepted",
        "below_floor",
        "above_max",
        "outbid",
        "sold",
        "post_rejected",
        "post_error",
        "in_doubt",
    }
)
POSTED = frozenset({"sold", "post_rejected", "post_error", "in_doubt"})


def _by_account(records: list[AuctionRecord]) -> list[StatsRow]:
    lines: dict[str, list[AccountLine]] = {}
    for r in records:
        for line in r.accounts:
            if line.ping_ms is not None or line.post_ms is not None:
                lines.setdefault(line.account, []).append(line)
    rows = []
    for name, ls in sorted(lines.items()):
        pinged = [x for x in ls if x.ping_ms is not None]
        bids = sorted(x.bid for x in ls if x.bid is not None)
        latency = sorted(x.ping_ms for x in pinged if x.ping_ms is not None)
        posts: dict[str, int] = {}
        errors: dict[str, int] = {}
        for x in ls:
            if x.status in POSTED:
                posts[x.status] = posts.get(x.status, 0) + 1
            if x.error_kind:
                errors[x.error_kind] = errors.get(x.error_kind, 0) + 1
        rows.append(
            StatsRow(
                name=name,
                auctions=len(ls),
                pings=len(pinged),
                accepted=sum(1 for x in pinged if x.status in ACCEPTED_PING),
                bids=tuple(percentile(bids, p) for p in (50, 95)) if bids else (),
                wins=sum(1 for x in ls if x.status == "sold"),
                posts=posts,
                revenue=sum((x.price for x in ls if x.price is not None), Decimal(0)),
                latency_ms=tuple(percentile(latency, p) for p in (50, 95, 99)) if latency else (),
                errors=errors,
            )
        )
    return rows


def _by_source(records: list[AuctionRecord]) -> list[StatsRow]:
    groups: dict[str, list[AuctionRecord]] = {}
    for r in records:
        groups.setdefault(r.lead.source or "-", []).append(r)
    return [
        StatsRow(
            name=name,
            auctions=len(rs),
            wins=sum(1 for r in rs if r.result == "sold"),
            revenue=sum((r.revenue for r in rs), Decimal(0)),
        )
        for name, rs in sorted(groups.items())
    ]
