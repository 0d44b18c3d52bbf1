"""Open auctions and their resolution by hand (W4).

    store.open_auctions ──► what is known: account, when the post left, any answer
    the buyer's word ──► resolve(sold at a price | not sold) ──► the auction's result

A post with no answer, or an in-doubt one, keeps its cap reservation until it is
resolved here: a sale keeps it (at the confirmed price), a "not sold" frees it.
Several open posts to one account (a re-post under the same idempotency key)
are one sale: resolving settles them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pingpost.log.errors import NoOpenPost, PostAccountNeeded
from pingpost.store.api import Store
from pingpost.store.errors import UnknownAuction
from pingpost.store.records import LogRow, PostRecord, StoredAuction

CONFIRMED_SOLD = "resolved by hand: the buyer confirmed the sale"
CONFIRMED_UNSOLD = "resolved by hand: the buyer confirmed it did not take the lead"


@dataclass(frozen=True)
class Resolution:
    auction_id: str
    account: str
    sold: bool
    price: Decimal | None  # the sale's price (the bid when none was given)
    settled: int  # open posts settled
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
