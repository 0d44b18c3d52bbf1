"""The write-ahead of one auction (W1-W2): what the engine makes durable, and when.

    first write ──► the lead's dedupe claim (lead type `dedupe`), once
    before a post ──► store.post_intent (durable, with the caps' claims) ──► capped? next bidder
                      StoreUnavailable ──► fail closed: the post is not sent
    after its answer ──► store.post_outcome (releases or adjusts the reservation)
    at the end ──► store.finish (the result, its lines and document), before it is shown

An answer that comes with no other post in flight is held: the result's commit carries
it (`AuctionRecord.outcomes`), or, when another post follows, it is written just before
that post's intent. A kill between the answer and its commit leaves the post intent
open, as a kill just before the outcome's own commit would (W2): `recover` lists it.
One commit fewer after the last answer is an fsync less in every auction's time.

A store that fails after a post may have reached a buyer does not unmake that
post: the auction keeps its result and notes what the log misses
(`store_error`); one that fails before is the auction's error (nothing was
sold, nothing is in doubt, a rerun auctions the lead again).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from pingpost.auction.context import Entry, idempotency_key
from pingpost.auction.recording import auction_record, lead_record
from pingpost.auction.result import AuctionResult
from pingpost.store.errors import StoreUnavailable
from pingpost.store.records import LeadRecord, PostIntent, PostOutcome, PostStatus

if TYPE_CHECKING:
    from pingpost.config.bundle import Config
    from pingpost.controls import Controls, Verdict
    from pingpost.leads import Lead
    from pingpost.store.api import Store

Clock = Callable[[], float]


class LeadClaimed(Exception):
    """The lead-level duplicate check found an earlier lead when it was consumed (another
    auction claimed it since the check before the ping). Not a PingpostError: the engine
    turns it into the `duplicate` result."""

    def __init__(self, verdict: Verdict, earlier: str | None) -> None:
        super().__init__(verdict.reason)
        self.verdict = verdict
        self.earlier = earlier


class Recorder:
    """The store's part in one auction. `store=None`: nothing is written (no store, or a
    dry run); the controls' reservations are then not made either."""

    def __init__(
        self,
        store: Store | None,
        controls: Controls | None,
        lead: Lead,
        auction_id: str,
        *,
        clock: Clock,
        started_at: float,
        source: str | None,
        again_of: str | None = None,
        follows: str | None = None,
    ) -> None:
        self.store = store
        self.controls = controls
        self.lead = lead
        self.auction_id = auction_id
        self.clock = clock
        self.started_at = started_at
        self.source = source
        self.again_of = again_of
        self.follows = follows  # W3's look at the lead key (LeadRecord.follows)
        self.run = uuid.uuid4().hex  # this auction's writer: the store refuses any other
        self.dedupe_key: str | None = None  # the lead's key, recorded with a sale
        self.failure: StoreUnavailable | None = None  # the first write that failed
        self._record: LeadRecord | None = None
        self._claimed = False
        self._intents: dict[str, PostIntent] = {}  # by account: one post each at most
        self._answered: set[str] = set()  # accounts whose outcome is written or held
        self._held: list[PostOutcome] = []  # outcomes for the next write to carry
        self._written: set[str] = set()  # accounts whose outcome is durable
        self._attempts = 0

    @property
    def record(self) -> LeadRecord:
        if self._record is None:
            self._record = lead_record(
                self.lead, self.auction_id, started_at=self.started_at, source=self.source,
                run=self.run, follows=self.follows,
            )  # fmt: skip
        return self._record

    @property
    def unanswered(self) -> bool:
        """A post intent is written whose outcome is not (the store failed meanwhile):
        the store holds the auction open, and a rerun holds the lead in doubt."""
        return any(account not in self._written for account in self._intents)

    def claimed(self) -> None:
        """No claim is to be made (the lead was refused as a duplicate before any ping)."""
        self._claimed = True

    async def claim(self) -> None:
        """Consume the lead's duplicate check before the first write (raises LeadClaimed,
        StoreUnavailable). Claiming this late keeps a lead killed during its ping round
        from being its own duplicate when the batch is run again."""
        if self._claimed or self.store is None or self.controls is None:
            return
        check = await self.controls.check_lead(
            self.lead, self.auction_id, consume=True, again_of=self.again_of
        )
        self._claimed = True
        if check.duplicate is not None:
            raise LeadClaimed(check.duplicate, check.earlier)

    async def intent(self, entry: Entry, amount: Decimal) -> Verdict | None:
        """Make the post intent to `entry` durable before its post leaves (W1). Returns the
        `capped` verdict when the store refused its reservation; raises StoreUnavailable
        (the post must not be sent), LeadClaimed, and OtherAuction (another run delivers
        this lead or owns this auction id: the post must not be sent either)."""
        if self.store is None:
            return None
        await self.claim()
        if not await self.flush():
            assert self.failure is not None
            raise self.failure
        self._attempts += 1
        method_key = entry.method.post.idempotency_key
        intent = PostIntent(
            auction_id=self.auction_id,
            account=entry.name,
            attempt=self._attempts,
            amount=amount,
            sent_at=self.clock(),
            idempotency_key=(
                idempotency_key(self.auction_id, entry.name) if method_key is not None else None
            ),
            claims=self.controls.claims(entry.name) if self.controls is not None else (),
        )
        try:
            reached = await self.store.post_intent(self.record, intent)
        except StoreUnavailable as exc:
            self.failure = self.failure or exc
            raise
        verdict = self.controls.intent_written(intent, reached) if self.controls else None
        if reached is None:
            self._intents[entry.name] = intent
            return None
        return verdict

    async def outcome(
        self,
        entry: Entry,
        status: PostStatus,
        price: Decimal | None,
        reason: str | None,
        *,
        hold: bool = False,
    ) -> None:
        """Record what the post to `entry` became (W2), once: now, or with `hold` (no
        other post in flight) with the auction's next write. A store that fails leaves
        the intent open (a rerun holds the lead in doubt; `recover` resolves it)."""
        intent = self._intents.get(entry.name)
        if self.store is None or intent is None or entry.name in self._answered:
            return
        self._answered.add(entry.name)
        self._held.append(
            PostOutcome(
                auction_id=self.auction_id,
                account=entry.name,
                attempt=intent.attempt,
                status=status,
                answered_at=self.clock(),
                price=price,
                reason=reason,
                dedupe_key=self.dedupe_key if status == "sold" else None,
            )
        )
        if not hold:
            await self.flush()

    async def flush(self) -> bool:
        """Write the outcomes held so far; False when the store failed (they stay held)."""
        held, self._held = self._held, []  # taken at once: a post in parallel flushes too
        for n, outcome in enumerate(held):
            try:
                await self.store.post_outcome(outcome)  # type: ignore[union-attr]
            except StoreUnavailable as exc:
                self.failure = self.failure or exc
                self._held[:0] = held[n:]
                return False
            self._done(outcome)
        return True

    def _done(self, outcome: PostOutcome) -> None:
        self._written.add(outcome.account)
        if self.controls is not None:
            self.controls.outcome_written(self._intents[outcome.account], outcome)

    async def finish(self, result: AuctionResult, config: Config) -> None:
        """Write the auction's result (W2): durable before anyone is shown it. Raises
        StoreUnavailable, LeadClaimed (a lead with no post is claimed here) and
        OtherAuction."""
        if self.store is None:
            return
        await self.claim()
        held, self._held = tuple(self._held), []
        record = auction_record(
            result, config, lead=self.record, finished_at=self.clock(), outcomes=held
        )
        try:
            await self.store.finish(record)
        except Exception as exc:  # nothing was written: the outcomes are still to write
            self._held[:0] = held
            if isinstance(exc, StoreUnavailable):
                self.failure = self.failure or exc
            raise
        for outcome in held:
            self._done(outcome)
