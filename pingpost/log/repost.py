"""Re-posting an open post under the same idempotency key (W4), as the engine posts.

    the open post ──► refuse unless its method declares an idempotency key and the
                      first post carried one (else the buyer could take the lead twice)
    the stored lead + the accepted ping's captures ──► the post, re-rendered, same key
    ──► post intent (durable) ──► send ──► post outcome ──► sold or rejected settles the
        open post(s) to that account; in doubt or not sent leaves them open

The re-post reserves no cap: the open post it repeats still holds the reservation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pingpost.auction.context import AuctionContext, Entry, with_header
from pingpost.auction.posting import _send as send_post  # nothing raises once it may have left
from pingpost.auction.verdicts import PostStatus, judge_post
from pingpost.config.bundle import Config
from pingpost.config.models import DeliveryAccount, DeliveryMethod
from pingpost.controls import Controls
from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.leads import Lead
from pingpost.log.errors import CannotRepost
from pingpost.log.recover import open_post_of, settle_all, stored_auction
from pingpost.log.shown import stored_lead
from pingpost.masking import MASK
from pingpost.render.placeholders import captures_used
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


def repost_refusal(config: Config, stored: StoredAuction, post: PostRecord) -> str | None:
    """Why `post` cannot be re-posted (None: it can), without sending anything."""
    try:
        _, method = _buyer(config, stored.row.auction_id, post)
        _captures(stored.row.auction_id, _document(stored), post, method)
    except CannotRepost as refused:
        return refused.why
    return None


def _prepared(
    config: Config, stored: StoredAuction, post: PostRecord, transport: Transport, test: bool
) -> tuple[AuctionContext, Entry, RenderedRequest]:
    """The context, the entry and the post, rendered again with the first post's key."""
    auction_id = stored.row.auction_id
    buyer, method = _buyer(config, auction_id, post)
    document = _document(stored)
    test = stored_test_mode(document) if document is not None else test
    lead = stored_lead(stored.lead, config)
    ctx = AuctionContext(lead, auction_id, config, transport, test)
    entry = Entry(buyer, method, captures=_captures(auction_id, document, post, method))
    request = ctx.render(entry, "post", entry.captures)
    assert method.post.idempotency_key is not None and post.idempotency_key is not None
    request = with_header(request, method.post.idempotency_key.header, post.idempotency_key)
    return ctx, entry, request


def _buyer(
    config: Config, auction_id: str, post: PostRecord
) -> tuple[DeliveryAccount, DeliveryMethod]:
    """The account and its method, if a second post under the first one's key is safe."""
    buyer = config.accounts.get(post.account)
    if buyer is None:
        raise CannotRepost(auction_id, post.account, "the account is no longer configured")
    method = config.methods[buyer.method]
    if method.post.idempotency_key is None:
        raise CannotRepost(
            auction_id,
            post.account,
            f"its delivery method `{method.name}` declares no idempotency key, so the buyer "
            "could take the lead a second time",
        )
    if post.idempotency_key is None:
        raise CannotRepost(
            auction_id,
            post.account,
            "the first post carried no idempotency key, so the buyer could not tell a "
            "second one from a new lead",
        )
    return buyer, method


def _document(stored: StoredAuction) -> dict[str, Any] | None:
    import json

    return None if stored.document is None else json.loads(stored.document)


def _captures(
    auction_id: str, document: Mapping[str, Any] | None, post: PostRecord, method: DeliveryMethod
) -> dict[str, str]:
    """The accepted ping's captures the post reads, from the stored document."""
    needed = post_reads(method)
    found = _ping_captures(document, post.account)
    missing = [n for n in needed if n not in found]
    masked = [n for n in needed if found.get(n) == MASK]
    if not missing and not masked:
        return {name: found[name] for name in needed}
    if document is None:
        why = "the auction was interrupted before its result (with the captures) was written"
    elif masked:
        why = "the log keeps them masked (they matched a secret)"
    else:
        why = "the log has no accepted ping from this account with them"
    names = ", ".join(missing or masked)
    raise CannotRepost(
        auction_id, post.account, f"its post reads the ping's captures ({names}): {why}"
    )


def post_reads(method: DeliveryMethod) -> list[str]:
    """The captures the post reads (not every one the ping captures)."""
    response = method.ping.response.model_copy(update={"capture": {}})
    ping = method.ping.model_copy(update={"response": response})
    return captures_used(method.model_copy(update={"ping": ping}))


def _ping_captures(document: Mapping[str, Any] | None, account: str) -> dict[str, str]:
    for line in document.get("accounts", ()) if document is not None else ():
        if line.get("account") == account:
            outcome = (line.get("ping") or {}).get("outcome") or {}
            return {str(k): str(v) for k, v in (outcome.get("captures") or {}).items()}
    return {}


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
