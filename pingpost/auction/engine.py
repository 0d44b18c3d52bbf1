"""The auction of one lead: controls, the ping round(s), ranking, posts, the result.

    lead ──► dedupe lookup (lead type) ──► duplicate: refused before any ping
         ──► eligibility (enabled, filters) ──► controls (schedule, pause, caps, dedupe)
         ──► ping round (one deadline) ──► rank valid bids ──► sell (rounds.py)
               each post: intent durable (caps reserved) ──► post ──► outcome written
         ──► result written (store.finish) ──► returned, to be shown

Buyer trouble never raises: it ends as that account's status and reason. A
store that cannot be written before any post may have reached a buyer raises
`StoreUnavailable` (nothing was sent: fail closed); after, the result stands
with its `store_error`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pingpost.auction.context import AuctionContext, Entry, why_not_rendered
from pingpost.auction.controlling import controls_for, has_controls, hold_back, lead_check
from pingpost.auction.eligibility import ineligibility
from pingpost.auction.ending import (
    DRY_RUN,
    DUPLICATE_LEAD,
    INTERRUPTED,
    Field,
    auction_result,
    duplicate_result,
)
from pingpost.auction.posting import AuctionControl, PostRun
from pingpost.auction.result import AuctionResult, Exchange
from pingpost.auction.rounds import run_rounds
from pingpost.auction.writeahead import LeadClaimed, Recorder
from pingpost.config.bundle import Config
from pingpost.gcpolicy import fewer_collections
from pingpost.ids import new_auction_id
from pingpost.leads import Lead
from pingpost.render import placeholder_captures
from pingpost.store.errors import StoreUnavailable
from pingpost.transport import HttpTransport, Transport

if TYPE_CHECKING:
    from pingpost.controls import Controls
    from pingpost.store.api import Store

__all__ = [
    "DRY_RUN",
    "DUPLICATE_LEAD",
    "INTERRUPTED",
    "AuctionInterrupted",
    "run_auction",
    "run_auction_sync",
]
UNRECORDED = "the store could not record all of this auction ({}); `pingpost recover` lists it"


class AuctionInterrupted(asyncio.CancelledError):
    """The auction was cancelled: `result` records what is known (a post cut off is
    `in_doubt`, what was not done is `interrupted`), so the caller can still report the
    lead, and above all a post that may have sold (P6)."""

    def __init__(self, result: AuctionResult) -> None:
        super().__init__("auction interrupted")
        self.result = result


async def run_auction(
    lead: Lead,
    config: Config,
    *,
    transport: Transport,
    lead_id: str | None = None,
    test: bool = False,
    dry_run: bool = False,
    control: AuctionControl | None = None,
    clock: Callable[[], float] = time.time,
    store: Store | None = None,
    controls: Controls | None = None,
    source: str | None = None,
    again_of: str | None = None,
    follows: str | None = None,
) -> AuctionResult:
    """Run the auction for one valid lead and return every account's status.

    `dry_run` renders every ping and post (with placeholder captures) without
    sending anything. `store` makes it durable (W1-W2): post intents before the
    posts, outcomes, the result before it is returned; dry runs and test mode write
    nothing and consume no control. `controls` (built once per run by the caller;
    else made here when the config has any) decide who is pinged and reserve caps.
    `lead_id` is the auction id (default: the lead's `id_field` value, else a new
    one); `again_of` the interrupted auction of this very lead being run again (W3);
    `source` is recorded with the lead. `follows` is what W3 found for the lead key (the
    latest auction's id, "" none): the store refuses the auction's first write with
    `OtherAuction` (raised from here, nothing posted) if another run delivered the lead
    since; None checks nothing (a new submission). `clock` gives Unix seconds.
    `control` lets the caller see the posts in flight and stop after them.
    Cancelled, it raises `AuctionInterrupted` (a `CancelledError`) carrying the
    result so far; the store then has the outcomes it knows (a post cut off is in
    doubt) and no result: the auction is `interrupted` in the log.
    """
    if controls is None and has_controls(config):
        controls = controls_for(config, store, clock)
    auction_id = lead_id or lead.lead_id or new_auction_id()
    ctx = AuctionContext(lead, auction_id, config, transport, test)
    control = control if control is not None else AuctionControl()
    control.lead_id = auction_id
    recorder = Recorder(
        None if dry_run or test else store, controls, lead, auction_id,
        clock=clock, started_at=clock(), source=source, again_of=again_of, follows=follows,
    )  # fmt: skip
    auction = _Auction(ctx, recorder, controls, control)
    with fewer_collections():  # as batches do: the GC's policy for auctions (gcpolicy.py)
        return await auction.run(dry_run=dry_run)


class _Auction:
    """One auction's steps over its shared state."""

    def __init__(
        self,
        ctx: AuctionContext,
        recorder: Recorder,
        controls: Controls | None,
        control: AuctionControl,
    ) -> None:
        self.ctx = ctx
        self.recorder = recorder
        self.controls = controls
        self.started = time.monotonic()
        self.entries = _entries(ctx.lead, ctx.config)
        auction = ctx.settings.auction
        self.run_state = PostRun(
            max_posts=auction.max_posts,
            hold_in_doubt=auction.in_doubt == "hold",
            control=control,
            recorder=recorder if recorder.store is not None else None,
        )
        self.field = Field(self.entries, self.entries, self.entries)  # until known
        self.last: AuctionResult | None = None

    async def run(self, *, dry_run: bool) -> AuctionResult:
        """The auction's steps; cancelled at any point, `AuctionInterrupted` says what
        happened (and the store has what it must: the posts cut off, in doubt)."""
        try:
            return await self._steps(dry_run)
        except asyncio.CancelledError:
            _cut_off(self.field.pinged, self.run_state)
            if self.run_state.posted_to:
                await _shielded(self._record_cut_off())
            result = self.last or self._result(self.field, 0.0, dry_run=False)
            raise AuctionInterrupted(result) from None

    async def _steps(self, dry_run: bool) -> AuctionResult:
        ctx, controls = self.ctx, self.controls
        key = None
        if controls is not None:
            check = await lead_check(controls, ctx.lead, ctx.lead_id, self.recorder.again_of)
            if check.duplicate is not None:
                self.recorder.claimed()  # the lead was refused, not received: no claim
                return await self._duplicate(check.duplicate.reason, check.earlier)
            key = self.recorder.dedupe_key = check.key
        eligible = _eligible(self.entries, ctx.lead, ctx.config)
        pinged = await hold_back(controls, eligible, key) if controls is not None else eligible
        self.field = Field(self.entries, eligible, pinged)
        if dry_run:
            _dry_run(pinged, ctx)
            return self._result(self.field, 0.0, dry_run=True)
        try:
            ping_ms = await run_rounds(pinged, ctx, self.run_state, controls)
        except LeadClaimed as claimed:
            return await self._duplicate(claimed.verdict.reason, claimed.earlier)
        return await self._finish(self._result(self.field, ping_ms, dry_run=False))

    def _result(self, field: Field, ping_ms: float, *, dry_run: bool) -> AuctionResult:
        return auction_result(
            self.ctx, field, self.run_state, started=self.started,
            started_at=self.recorder.started_at, ping_ms=ping_ms, dry_run=dry_run,
        )  # fmt: skip

    async def _duplicate(self, reason: str, earlier: str | None) -> AuctionResult:
        result = duplicate_result(
            self.ctx, self.entries, reason, earlier,
            started=self.started, started_at=self.recorder.started_at,
        )  # fmt: skip
        return await self._finish(result)

    async def _finish(self, result: AuctionResult) -> AuctionResult:
        """W2: the result is durable before it is returned, or the store's failure says
        what the log misses (raised when nothing may have reached a buyer)."""
        self.last = result  # cut off while writing, the auction still reports it
        recorder = self.recorder
        if recorder.store is None:
            return result
        if result.result == "unsold" and self.run_state.control.stopping:
            await recorder.flush()  # the answers in: a rerun need not hold the lead in doubt
            return result  # stopped before its end: left `interrupted`, a rerun runs it again
        if recorder.failure is None:
            try:
                await recorder.finish(result, self.ctx.config)
                return result
            except LeadClaimed as claimed:  # claimed by another auction meanwhile
                return await self._duplicate(claimed.verdict.reason, claimed.earlier)
            except StoreUnavailable:
                pass
        failure = recorder.failure
        assert failure is not None
        if result.result in ("sold", "in_doubt") or recorder.unanswered:
            # a post left and the log misses part of it: `recover` lists the auction
            return dataclasses.replace(result, store_error=UNRECORDED.format(failure))
        raise failure

    async def _record_cut_off(self) -> None:
        """What an aborted auction knows: the posts it cut off, in doubt. No result is
        written: the auction stays `interrupted` (W2), and a rerun holds the lead in doubt
        or, with nothing open, auctions it again (W3)."""
        for entry in self.entries:
            if entry.status == "in_doubt" and entry.post is not None:
                await self.recorder.outcome(entry, "in_doubt", None, entry.reason, hold=True)
        await self.recorder.flush()  # these, and any answer held for the result


async def _shielded(work: Any) -> None:
    """Run `work` to its end even while the auction is being cancelled (bounded)."""
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(asyncio.shield(work), timeout=5.0)


def _cut_off(pinged: list[Entry], run: PostRun) -> None:
    """The auction was cancelled: the accounts it did not get to say so (a post cut off
    is `in_doubt` already, `posting.py`)."""
    run.control.stopping = True
    for entry in pinged:
        if entry.status == "not_pinged" and entry.reason is None:
            entry.set("not_pinged", INTERRUPTED)


def run_auction_sync(lead: Lead, config: Config, **kw: Any) -> AuctionResult:
    """`run_auction` for one lead from synchronous code, on its own HTTP transport
    (one pool per account, sized by the config: P3)."""

    async def main() -> AuctionResult:
        async with HttpTransport.for_config(config) as transport:
            return await run_auction(lead, config, transport=transport, **kw)

    return asyncio.run(main())


def _entries(lead: Lead, config: Config) -> list[Entry]:
    """The accounts that buy this lead type, tier 0 first then by name (a stable order)."""
    entries = [
        Entry(account, config.methods[account.method])
        for account in config.accounts.values()
        if config.methods[account.method].lead_type == lead.lead_type
    ]
    return sorted(entries, key=lambda e: (e.account.priority, e.name))


def _eligible(entries: list[Entry], lead: Lead, config: Config) -> list[Entry]:
    lead_type = config.lead_types.get(lead.lead_type)
    fields = lead_type.fields if lead_type is not None else None
    eligible = []
    for entry in entries:
        reason = ineligibility(entry.account, lead, fields)
        if reason is None:
            eligible.append(entry)
        else:
            entry.set("filtered", reason)
    return eligible


def _dry_run(eligible: list[Entry], ctx: AuctionContext) -> None:
    """Render every ping and post, send nothing: each request is in the account's exchanges."""
    for entry in eligible:
        placeholders = placeholder_captures(entry.method)
        try:
            entry.ping = Exchange(ctx.render(entry, "ping"), None, None)
            entry.post = Exchange(ctx.render(entry, "post", placeholders), None, None)
        except Exception as exc:
            entry.set("error", f"not sent: {why_not_rendered(exc)}")
        else:
            entry.set("not_pinged", DRY_RUN)
