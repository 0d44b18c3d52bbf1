"""W3: delivering a lead the store may have seen before (a batch run again after a crash).

    lead ──► lead key ──► store.prior(key)
      none ──────────────────────────────► auction it
      finished, nothing open ────────────► `skipped` (earlier id and outcome in the reason)
                                            `again`: auction it anyway
      a post with no answer, or in doubt ► `in_doubt` until `pingpost recover` resolves it
      interrupted, a sale recorded ──────► `skipped` (it was sold)
      interrupted, nothing open, no sale ► auction it as new (pings are harmless)

Two runs of one batch at once (two processes) both find nothing here, so the
check is made again, atomically, by the store at the auction's first write (its
first post intent, or its result): `follows` says what W3 found, and a lead
another run delivered since is refused (OtherAuction). Nothing is posted then;
the lead ends `skipped`, naming the other run's auction.

The auction id is new for each auction. A lead that brings its own id (the lead
type's `id_field`, or one given for a single lead) keeps it unless an auction
already has it (the same lead run again, or another lead sent with an id used
before): then `<id>~2`, `<id>~3`, ... so that the log and the buyers'
idempotency keys never mix two auctions. Two runs choosing one free id at once: the
store gives it to the first writer; the other, if its lead is another one, runs
again under the next free id (its pings are sent again).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pingpost.auction.engine import run_auction
from pingpost.auction.result import AuctionResult, Earlier
from pingpost.ids import again_id, new_auction_id
from pingpost.lead_keys import lead_key, received_json
from pingpost.store.errors import OtherAuction
from pingpost.store.records import LogQuery, PriorAuction

if TYPE_CHECKING:
    from pingpost.config.bundle import Config
    from pingpost.leads import Lead
    from pingpost.store.api import Store
    from pingpost.transport import Transport

MAX_AGAIN = 1000  # `<id>~N` tried up to this N (a lead run again a thousand times is a bug)
ID_TAKEN_RETRIES = 3  # runs under a next free id when another lead's run took this one
ELSEWHERE = (
    "skipped: auction {} is delivering this very lead at the same time (one batch run twice "
    "at once, or the lead twice in a batch); nothing was posted for it here"
)
ID_TAKEN = (
    "skipped: other leads' auctions took its id ({}) at the same time, again and again; "
    "nothing was posted for it: deliver it again"
)


@dataclass(frozen=True)
class Continuation:
    """What W3 decided for one lead: run its auction (with this id), or this result."""

    auction_id: str | None = None
    again_of: str | None = None
    result: AuctionResult | None = None  # skipped or in_doubt: no auction runs
    follows: str = ""  # the lead key's latest auction W3 saw ("": none)


async def deliver_lead(
    lead: Lead,
    config: Config,
    *,
    transport: Transport,
    store: Store | None,
    again: bool = False,
    lead_id: str | None = None,
    new_id: str | None = None,
    **kw: Any,
) -> AuctionResult:
    """`run_auction` behind W3: a lead delivered before is skipped (or run `again`), one
    with a post in doubt is not run at all. Without a store, simply the auction.

    `lead_id` is an id chosen for the lead (it wins over the lead type's `id_field`);
    `new_id` the id to use when the lead brings none (default: a new uuid)."""
    if store is None or kw.get("dry_run") or kw.get("test"):
        chosen = lead_id or lead.lead_id or new_id
        return await run_auction(lead, config, transport=transport, lead_id=chosen, **kw)
    clock = kw.get("clock", time.time)

    async def attempt() -> AuctionResult:
        step = await continuation(
            store, lead, again=again, lead_id=lead_id, new_id=new_id, clock=clock
        )
        if step.result is not None:
            return step.result
        return await run_auction(
            lead, config, transport=transport, store=store, lead_id=step.auction_id,
            again_of=step.again_of, follows=step.follows, **kw,
        )  # fmt: skip

    return await until_an_id_holds(attempt, lead, clock, looked=True)


async def until_an_id_holds(
    attempt: Callable[[], Awaitable[AuctionResult]],
    lead: Lead,
    clock: Callable[[], float],
    *,
    looked: bool,
) -> AuctionResult:
    """`attempt()` (which chooses the auction id), again while the store refuses it because
    another lead's run took the id at the same time (OtherAuction): it then chooses the
    next free one. After W3 `looked`, a refusal for this very lead means another run
    delivers it: the lead ends skipped (`elsewhere`), as it does after the last try."""
    for tries_left in range(ID_TAKEN_RETRIES, -1, -1):
        try:
            return await attempt()
        except OtherAuction as refused:
            if (looked and refused.same_lead) or not tries_left:
                return elsewhere(lead, refused, clock())
    raise AssertionError("unreachable")  # the loop returns


def elsewhere(lead: Lead, refused: OtherAuction, now: float) -> AuctionResult:
    """The lead another run delivers (the store refused this run's first write): skipped."""
    return AuctionResult(
        lead_id=refused.auction_id,
        lead=lead,
        result="skipped",
        sold_to=None,
        price=None,
        duration_ms=0.0,
        accounts=(),
        reason=(ELSEWHERE if refused.same_lead else ID_TAKEN).format(refused.other),
        started_at=now,
        earlier=Earlier(refused.other, None),
    )


async def continuation(
    store: Store,
    lead: Lead,
    *,
    again: bool = False,
    lead_id: str | None = None,
    new_id: str | None = None,
    clock: Any = time.time,
) -> Continuation:
    """W3's decision for `lead` (see the module's docstring)."""
    key = lead_key(lead.lead_type, received_json(lead))
    prior = await store.prior(key)
    base = lead_id or lead.lead_id
    if prior is None:
        return Continuation(await free_auction_id(store, base, new_id))
    if prior.open_posts:
        return Continuation(result=_held(lead, prior, clock()))
    if (prior.state == "finished" or prior.sold_to) and not again:
        return Continuation(result=_skipped(lead, prior, clock()))
    fresh = new_id if new_id != prior.auction_id else None
    auction_id = await free_auction_id(store, base, fresh)
    return Continuation(auction_id, again_of=prior.auction_id, follows=prior.auction_id)


async def free_auction_id(store: Store, base: str | None, new_id: str | None = None) -> str:
    """An auction id no auction in `store` has: `base` if none has it yet, else the first
    free `<base>~N`; without one, `new_id` or a new uuid."""
    if base is None:
        return new_id or new_auction_id()
    candidate = base
    for n in range(2, MAX_AGAIN):
        if not await store.log(LogQuery(lead_id=candidate, limit=1)):
            return candidate
        candidate = again_id(base, n)
    return new_auction_id()


def _earlier(prior: PriorAuction) -> Earlier:
    return Earlier(prior.auction_id, prior.result or "interrupted", prior.sold_to)


def _skipped(lead: Lead, prior: PriorAuction, now: float) -> AuctionResult:
    if prior.sold_to:
        outcome = "sold to " + ", ".join(prior.sold_to)
    else:
        outcome = prior.result or "interrupted"
    return _not_run(
        lead, prior, "skipped", f"skipped: delivered before in auction {prior.auction_id} "
        f"({outcome})", now,
    )  # fmt: skip


def _held(lead: Lead, prior: PriorAuction, now: float) -> AuctionResult:
    posts = ", ".join(
        f"{p.account} ({'in doubt' if p.status == 'in_doubt' else 'no answer recorded'})"
        for p in prior.open_posts
    )
    reason = (
        f"in doubt since auction {prior.auction_id}: the post to {posts} may have reached "
        "its buyer; resolve it with `pingpost recover` before delivering this lead again"
    )
    return _not_run(lead, prior, "in_doubt", reason, now)


def _not_run(
    lead: Lead, prior: PriorAuction, result: Any, reason: str, now: float
) -> AuctionResult:
    return AuctionResult(
        lead_id=prior.auction_id,
        lead=lead,
        result=result,
        sold_to=None,
        price=None,
        duration_ms=0.0,
        accounts=(),
        reason=reason,
        started_at=now,
        earlier=_earlier(prior),
    )
