"""Re-posting an open post under the same idempotency key (W4), as the engine posts.

    the open post ──► refuse unless its method declares an idempotency key and the
                      first post carried one (else the buyer could take the lead twice)
    the stored lead + the accepted ping's captures ──► the post, re-rendered, same key
    ──► post intent (durable) ──► send ──► post outcome ──► sold or rejected settles the
        open post(s) to that account; in doubt or not sent leaves them open

The re-post reserves no cap: the open post it repeats still holds the reservation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from pingpost.auction.context import AuctionContext, Entry, with_header
from pingpost.auction.posting import _send as send_post  # nothing raises once it may have left
from pingpost.auction.verdicts import PostStatus, judge_post
from pingpost.config.bundle import Config
from pingpost.controls import Controls
from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.leads import Lead
from pingpost.log.recover import open_post_of, settle_all, stored_auction
from pingpost.log.refusal import checked_buyer, stored_captures, stored_json
from pingpost.log.shown import stored_lead
from pingpost.responses.outcome import Outcome
from pingpost.store.api import Store
from pingpost.store.records import LogRow, PostIntent, PostOutcome, PostRecord, StoredAuction
from pingpost.trace.stored import stored_test_mode
from pingpost.transport import Transport

REPOST_SOLD = "re-posted under the same idempotency key: the buyer accepted"
REPOST_REJECTED = "re-posted under the same idempotency key: the buyer rejected it"


@dataclass(frozen=True)
class Repost:
    auction_id: str
    account: str
    attempt: int
    request: RenderedRequest
    response: RawResponse | None
    outcome: Outcome
    status: PostStatus
    price: Decimal | None
    row: LogRow  # the auction as the log has it now


async def repost(
    store: Store,
    config: Config,
    auction_id: str,
    *,
    account: str | None,
    transport: Transport,
    clock: Callable[[], float],
    test: bool = False,
) -> Repost:
    """Send the open post of `auction_id` to `account` again; raises CannotRepost."""
    stored = await stored_auction(store, auction_id)
    post = open_post_of(stored, account)
    ctx, entry, request = _prepared(config, stored, post, transport, test)
    attempt = max(p.attempt for p in stored.posts) + 1
    intent = PostIntent(
        auction_id, post.account, attempt, post.amount, clock(), post.idempotency_key
    )
    await store.post_intent(stored.lead, intent)  # W1: durable before it leaves
    response, outcome = await send_post(entry, request, ctx)
    status = judge_post(outcome, response)
    price = (outcome.price or post.amount) if status == "sold" else None
    key = await _dedupe_key(config, store, ctx.lead, auction_id, clock)
    reason = outcome.reason or outcome.decided_by or None
    await store.post_outcome(
        PostOutcome(auction_id, post.account, attempt, status, clock(), price, reason, key)
    )
    await _settle(store, stored, post.account, status, price, clock())
    row = (await stored_auction(store, auction_id)).row
    return Repost(auction_id, post.account, attempt, request, response, outcome, status, price, row)


def _prepared(
    config: Config, stored: StoredAuction, post: PostRecord, transport: Transport, test: bool
) -> tuple[AuctionContext, Entry, RenderedRequest]:
    """The context, the entry and the post, rendered again with the first post's key."""
    auction_id = stored.row.auction_id
    buyer, method = checked_buyer(config, auction_id, post)
    document = stored_json(stored)
    test = stored_test_mode(document) if document is not None else test
    lead = stored_lead(stored.lead, config)
    ctx = AuctionContext(lead, auction_id, config, transport, test)
    entry = Entry(buyer, method, captures=stored_captures(auction_id, document, post, method))
    request = ctx.render(entry, "post", entry.captures)
    assert method.post.idempotency_key is not None and post.idempotency_key is not None
    request = with_header(request, method.post.idempotency_key.header, post.idempotency_key)
    return ctx, entry, request


async def _dedupe_key(
    config: Config, store: Store, lead: Lead, auction_id: str, clock: Callable[[], float]
) -> str | None:
    """The lead's dedupe key, recorded with a sale as the engine records it."""
    check = await Controls(config, store, clock=clock).check_lead(lead, auction_id, consume=False)
    return check.key


async def _settle(
    store: Store,
    stored: StoredAuction,
    account: str,
    status: PostStatus,
    price: Decimal | None,
    at: float,
) -> None:
    """A definitive answer to the re-post is the answer to the post it repeats."""
    if status == "sold":
        await settle_all(store, stored, account, sold=True, price=price, at=at, why=REPOST_SOLD)
    elif status == "post_rejected":
        await settle_all(store, stored, account, sold=False, price=None, at=at, why=REPOST_REJECTED)
