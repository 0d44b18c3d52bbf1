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
from dataclasses import replace
from decimal import Decimal
from typing import Literal

from pingpost.store.api import SCHEMA_VERSION
from pingpost.store.errors import OtherAuction, UnknownAuction
from pingpost.store.memory_auctions import (
    Auction,
    Post,
    closed_record,
    is_sold,
    resolved_record,
    same,
    wanted,
    windows,
)
from pingpost.store.memory_stats import by_account, by_source
from pingpost.store.records import (
    AccountState,
    AuctionRecord,
    CapReached,
    KeyAnswered,
    KeyClaimed,
    KeyMismatch,
    KeyPending,
    LeadRecord,
    LogQuery,
    LogRow,
    OpenAuction,
    PostIntent,
    PostOutcome,
    PostStatus,
    PriorAuction,
    RequestClaim,
    StatsRow,
    StoredAuction,
    StoreInfo,
    Usage,
)
from pingpost.store.settle import NOT_CLOSABLE, settle


class MemoryStore:
    """The `Store` interface over dicts (see pingpost/store/api.py for each method)."""

    backend = "memory"

    def __init__(self) -> None:
        self._auctions: dict[str, Auction] = {}
        self._by_key: dict[str, list[str]] = {}  # lead key -> its auction ids, oldest first
        self._usage: dict[tuple[str, str], Usage] = {}
        self._leads_seen: dict[tuple[str, str], tuple[float, str]] = {}
        self._bought: dict[tuple[str, str], float] = {}
        self._states: dict[str, AccountState] = {}
        # (source, key) -> (body hash, answer, claimed at)
        self._requests: dict[tuple[str, str], tuple[str, KeyAnswered | None, float]] = {}
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
        ids = [i for i in self._by_key.get(lead_key, ()) if i in self._auctions]
        if not ids:
            return None
        auction_id = ids[-1]
        a = self._auctions[auction_id]
        sold = tuple(p.intent.account for p in a.posts if is_sold(p))
        open_posts = tuple(p.open_post() for p in a.posts if p.open)
        if a.record is not None:
            r = a.record
            return PriorAuction(auction_id, "finished", r.result, sold, open_posts, r.finished_at)
        return PriorAuction(auction_id, "interrupted", None, sold, open_posts, a.lead.started_at)

    async def post_intent(self, lead: LeadRecord, intent: PostIntent) -> CapReached | None:
        known = self._auctions.get(lead.auction_id)
        self._check_owner(lead, known)
        if known is not None and any(same(p.intent, intent) for p in known.posts):
            return None  # written before (a retried call): counted once
        for claim in intent.claims:
            used = self._usage.get((intent.account, claim.window), Usage())
            if claim.leads is not None and used.leads + 1 > claim.leads:
                return CapReached(intent.account, claim, used.leads, used.spend)
            if claim.spend is not None and used.spend + intent.amount > claim.spend:
                return CapReached(intent.account, claim, used.leads, used.spend)
        for window in windows(intent):
            self._count(intent.account, window, 1, intent.amount)
        auction = self._auction(lead)
        auction.posts.append(Post(intent, counted=intent.amount))
        return None

    async def post_outcome(self, outcome: PostOutcome) -> None:
        post = self._post(outcome.auction_id, outcome.account, outcome.attempt)
        self._settle(post, outcome)

    async def finish(self, record: AuctionRecord) -> None:
        self._check_owner(record.lead, self._auctions.get(record.lead.auction_id))
        posts = [(self._post(o.auction_id, o.account, o.attempt), o) for o in record.outcomes]
        for post, outcome in posts:  # each post found before any is settled: all or nothing
            self._settle(post, outcome)
        auction = self._auction(record.lead)
        auction.record = replace(record, lead=auction.lead)

    # -- the log ---------------------------------------------------------------------------

    async def log(self, query: LogQuery) -> list[LogRow]:
        rows = [a.row() for a in self._auctions.values() if wanted(a, query)]
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
            return by_source(finished)
        return by_account(finished)

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
        a.record = resolved_record(a, outcome, at, reason)

    async def close_auction(self, auction_id: str, *, at: float, reason: str) -> None:
        a = self._auctions.get(auction_id)
        if a is None:
            raise UnknownAuction(auction_id)
        if a.record is not None or any(p.open for p in a.posts):
            raise UnknownAuction(auction_id, NOT_CLOSABLE)
        a.record = closed_record(a, at, reason)

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
        self, source: str, key: str, body_hash: str, *, at: float, stale_before: float | None = None
    ) -> RequestClaim:
        known = self._requests.get((source, key))
        if known is None:
            self._requests[(source, key)] = (body_hash, None, at)
            return KeyClaimed()
        if known[0] != body_hash:
            return KeyMismatch()
        if known[1] is not None:
            return known[1]
        if stale_before is not None and known[2] < stale_before:
            self._requests[(source, key)] = (body_hash, None, at)
            return KeyClaimed(taken_over=True)
        return KeyPending()

    async def complete_request(self, source: str, key: str, status: int, body: bytes) -> None:
        known = self._requests.get((source, key))
        if known is not None:  # a key released meanwhile stays released
            self._requests[(source, key)] = (known[0], KeyAnswered(status, body), known[2])

    async def release_request(self, source: str, key: str) -> None:
        self._requests.pop((source, key), None)

    # -- helpers ---------------------------------------------------------------------------

    def _auction(self, lead: LeadRecord) -> Auction:
        auction = self._auctions.get(lead.auction_id)
        if auction is None:
            kept = replace(lead, run=None, follows=None)
            auction = self._auctions[lead.auction_id] = Auction(kept, lead.run)
            self._by_key.setdefault(lead.lead_key, []).append(lead.auction_id)
        return auction

    def _check_owner(self, lead: LeadRecord, known: Auction | None) -> None:
        """Raise OtherAuction when another run owns this auction id, or (its first write)
        delivers the same lead since W3 looked (`lead.follows`)."""
        if known is not None:
            if lead.run is not None and known.run != lead.run:
                same = known.lead.lead_key == lead.lead_key
                raise OtherAuction(lead.auction_id, lead.auction_id, same_lead=same)
            return
        if lead.follows is None:
            return
        ids = [i for i in self._by_key.get(lead.lead_key, ()) if i in self._auctions]
        if lead.follows:
            if lead.follows not in ids:
                return  # purged since: nothing to compare with
            ids = ids[ids.index(lead.follows) + 1 :]
        for other in reversed(ids):
            record = self._auctions[other].record
            if other != lead.auction_id and (record is None or record.result != "duplicate"):
                raise OtherAuction(lead.auction_id, other, same_lead=True)

    def _post(self, auction_id: str, account: str, attempt: int) -> Post:
        a = self._auctions.get(auction_id)
        for post in a.posts if a is not None else ():
            if post.intent.account == account and post.intent.attempt == attempt:
                return post
        raise UnknownAuction(auction_id, f"no post intent to {account} (attempt {attempt})")

    def _count(self, account: str, window: str, leads: int, spend: Decimal) -> None:
        used = self._usage.get((account, window), Usage())
        self._usage[(account, window)] = Usage(used.leads + leads, used.spend + spend)

    def _settle(self, post: Post, outcome: PostOutcome) -> None:
        intent = post.intent
        before = post.outcome.status if post.outcome is not None else None
        change = settle(before, post.counted, outcome.status, outcome.price, intent.amount)
        for window in windows(intent):
            self._count(intent.account, window, change.leads, change.spend)
        post.counted = change.counted
        if outcome.status == "sold":
            state = self._states.get(intent.account, AccountState())
            last = max(state.last_sale_at or -math.inf, outcome.answered_at)
            self._states[intent.account] = replace(state, last_sale_at=last)
            if outcome.dedupe_key is not None:
                key = (intent.account, outcome.dedupe_key)
                self._bought[key] = max(self._bought.get(key, -math.inf), outcome.answered_at)
        post.outcome = outcome

    def _is_open(self, auction_id: str) -> bool:
        a = self._auctions[auction_id]
        return a.record is None or any(p.open for p in a.posts)
