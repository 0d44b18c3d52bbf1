"""Open auctions and their resolution by hand (W4).

    store.open_auctions ──► what is known: account, when the post left, any answer
    the buyer's word ──► resolve(sold at a price | not sold) ──► the auction's result
    every post answered, no result (killed in between) ──► close: the result the answers say

A post with no answer, or an in-doubt one, keeps its cap reservation until it is
resolved here: a sale keeps it (at the confirmed price), a "not sold" frees it.
Several open posts to one account (a re-post under the same idempotency key)
are one sale: resolving settles them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pingpost.log.errors import AnswerNeeded, AnswersLogged, NoOpenPost, PostAccountNeeded
from pingpost.store.api import Store
from pingpost.store.errors import UnknownAuction
from pingpost.store.records import LogRow, PostRecord, StoredAuction
from pingpost.trace.exchange import dollars

CONFIRMED_SOLD = "resolved by hand: the buyer confirmed the sale"
CONFIRMED_UNSOLD = "resolved by hand: the buyer confirmed it did not take the lead"
CLOSED = "closed by hand: every post was answered, none sold (the auction was interrupted)"


@dataclass(frozen=True)
class Resolution:
    auction_id: str
    account: str
    sold: bool
    price: Decimal | None  # the sale's price (the bid when none was given)
    settled: int  # open posts settled
    row: LogRow  # the auction as the log has it now


@dataclass(frozen=True)
class Closing:
    """An interrupted auction whose posts were all answered, closed from its answers."""

    auction_id: str
    answers: tuple[PostRecord, ...]  # every post, each with its answer
    row: LogRow  # the auction as the log has it now


def open_posts(stored: StoredAuction) -> list[PostRecord]:
    return [p for p in stored.posts if p.status is None or p.status == "in_doubt"]


def open_post_of(stored: StoredAuction, account: str | None) -> PostRecord:
    """The open post to `account`, or the only account with open posts. Raises NoOpenPost
    or PostAccountNeeded."""
    auction_id = stored.row.auction_id
    posts = open_posts(stored)
    if not posts:
        raise NoOpenPost(auction_id, "no post is waiting for an answer: nothing to resolve")
    accounts = sorted({p.account for p in posts})
    if account is None:
        if len(accounts) > 1:
            raise PostAccountNeeded(auction_id, accounts)
        account = accounts[0]
    mine = [p for p in posts if p.account == account]
    if not mine:
        raise NoOpenPost(auction_id, f"no open post to {account} (open: {', '.join(accounts)})")
    return mine[-1]


async def stored_auction(store: Store, auction_id: str) -> StoredAuction:
    stored = await store.auction(auction_id)
    if stored is None:
        raise UnknownAuction(auction_id, "not in the delivery log")
    return stored


async def resolve(
    store: Store,
    auction_id: str,
    *,
    sold: bool,
    price: Decimal | None,
    account: str | None,
    at: float,
    reason: str | None = None,
) -> Resolution:
    """Record what the buyer confirmed for the open post(s) of `auction_id` to `account`."""
    stored = await stored_auction(store, auction_id)
    post = open_post_of(stored, account)
    price = (price if price is not None else post.amount) if sold else None
    why = reason or (CONFIRMED_SOLD if sold else CONFIRMED_UNSOLD)
    settled = await settle_all(store, stored, post.account, sold=sold, price=price, at=at, why=why)
    now = await stored_auction(store, auction_id)
    return Resolution(auction_id, post.account, sold, price, settled, now.row)


async def settle(
    store: Store,
    auction_id: str,
    *,
    sold: bool | None,
    price: Decimal | None,
    account: str | None,
    at: float,
) -> Resolution | Closing:
    """`recover --resolve`: record the buyer's answer (`sold`) for an open post, or close an
    interrupted auction whose posts were all answered (nothing to ask: `sold`, if given,
    must be what the answers say). Raises AnswerNeeded, AnswersLogged, NoOpenPost, ..."""
    stored = await stored_auction(store, auction_id)
    if stored.row.result == "interrupted" and not open_posts(stored):
        return await _close(store, stored, sold=sold, price=price, at=at)
    if sold is None:
        if not open_posts(stored):
            raise NoOpenPost(auction_id, "no post is waiting for an answer: nothing to resolve")
        raise AnswerNeeded(auction_id)
    return await resolve(store, auction_id, sold=sold, price=price, account=account, at=at)


def answered(stored: StoredAuction) -> str:
    """What the answers of an auction say, in words: `sold to a for $9.50`, `none sold`."""
    sales = [p for p in stored.posts if p.status == "sold"]
    if sales:
        return ", ".join(
            f"sold to {p.account} for {dollars(p.price if p.price is not None else p.amount)}"
            for p in sales
        )
    return "none sold"


async def _close(
    store: Store, stored: StoredAuction, *, sold: bool | None, price: Decimal | None, at: float
) -> Closing:
    auction_id = stored.row.auction_id
    logged = answered(stored)
    was_sold = any(p.status == "sold" for p in stored.posts)
    if sold is not None and sold != was_sold:
        said = "sold" if sold else "unsold"
        raise AnswersLogged(auction_id, logged, f"it cannot be resolved as {said}")
    if price is not None:
        raise AnswersLogged(auction_id, logged, "the price is the one the buyer answered")
    await store.close_auction(auction_id, at=at, reason=CLOSED)
    now = await stored_auction(store, auction_id)
    return Closing(auction_id, stored.posts, now.row)


async def settle_all(
    store: Store,
    stored: StoredAuction,
    account: str,
    *,
    sold: bool,
    price: Decimal | None,
    at: float,
    why: str,
) -> int:
    """Resolve every open post of `stored` to `account` the same way; how many."""
    posts: Sequence[PostRecord] = [p for p in open_posts(stored) if p.account == account]
    for _ in posts:
        await store.resolve(
            stored.row.auction_id, account, sold=sold, price=price, at=at, reason=why
        )
    return len(posts)
