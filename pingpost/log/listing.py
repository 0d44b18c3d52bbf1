"""What `pingpost recover` lists: every open auction, its open posts, and for each post
whether it can be re-posted (and why not)."""

from __future__ import annotations

from dataclasses import dataclass

from pingpost.config.bundle import Config
from pingpost.leads import Lead
from pingpost.log.recover import open_posts
from pingpost.log.refusal import repost_refusal
from pingpost.log.shown import stored_lead
from pingpost.store.api import Store
from pingpost.store.records import OpenAuction, PostRecord


@dataclass(frozen=True)
class OpenPostItem:
    post: PostRecord
    refusal: str | None  # why it cannot be re-posted; None: it can


@dataclass(frozen=True)
class OpenItem:
    auction: OpenAuction
    posts: tuple[OpenPostItem, ...]  # the posts waiting for an answer
    sold_to: tuple[str, ...]  # accounts that bought it already (an interrupted shared sale)
    lead: Lead  # to mask what the buyers said with


async def open_items(store: Store, config: Config) -> list[OpenItem]:
    """Interrupted and in-doubt auctions, oldest first."""
    found = []
    for auction in await store.open_auctions():
        stored = await store.auction(auction.auction_id)
        if stored is None:  # purged between the two reads
            continue
        posts = tuple(
            OpenPostItem(p, repost_refusal(config, stored, p)) for p in open_posts(stored)
        )
        sold = tuple(p.account for p in stored.posts if p.status == "sold")
        found.append(OpenItem(auction, posts, sold, stored_lead(stored.lead, config)))
    return found
