"""One logged auction, as `pingpost log show` presents it.

    store.auction(id) ──► the lead (as received, read again against its lead type)
                      ──► the stored document ──► the result `deliver` printed
                      ──► the posts settled since (recover) ──► what changed after

An interrupted auction has no document: what is known is its lead and its post
intents with any answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pingpost.auction.result import AuctionResult
from pingpost.config.bundle import Config
from pingpost.errors import LeadError
from pingpost.leads import Lead, coerce_lead, decode_lead_json
from pingpost.log.errors import EmptyLog
from pingpost.store.api import Store
from pingpost.store.errors import UnknownAuction
from pingpost.store.records import LeadRecord, LogQuery, PostRecord, StoredAuction
from pingpost.trace.stored import rebuilt_result, stored_test_mode


@dataclass(frozen=True)
class LoggedAuction:
    stored: StoredAuction
    lead: Lead
    document: dict[str, Any] | None  # None: interrupted, no result was written
    result: AuctionResult | None  # rebuilt from `document`
    later: tuple[PostRecord, ...]  # posts settled or sent after the result was written

    @property
    def auction_id(self) -> str:
        return self.stored.row.auction_id

    @property
    def interrupted(self) -> bool:
        """No result was written (a post may have reached a buyer): `recover` lists it."""
        return self.document is None and self.stored.row.result == "interrupted"

    @property
    def test(self) -> bool:
        return self.document is not None and stored_test_mode(self.document)

    @property
    def changed(self) -> bool:
        """The log's result differs from the document's (resolved or re-posted since)."""
        row, doc = self.stored.row, self.document
        return doc is not None and (
            bool(self.later) or (row.result, row.sold_to) != (doc["result"], doc.get("sold_to"))
        )


async def logged_auction(store: Store, auction_id: str, config: Config) -> LoggedAuction:
    """The auction `auction_id` of the log; raises UnknownAuction."""
    stored = await store.auction(auction_id)
    if stored is None:
        raise UnknownAuction(auction_id, "not in the delivery log (see `pingpost log`)")
    lead = stored_lead(stored.lead, config)
    if stored.document is None:
        return LoggedAuction(stored, lead, None, None, ())
    document = json.loads(stored.document)
    result = rebuilt_result(document, lead)
    return LoggedAuction(stored, lead, document, result, later_posts(stored, document))


async def newest_auction(store: Store) -> str:
    """The id of the auction that started last; raises EmptyLog."""
    rows = await store.log(LogQuery(limit=1))
    if not rows:
        raise EmptyLog()
    return rows[0].auction_id


def stored_lead(record: LeadRecord, config: Config) -> Lead:
    """The lead as received, read against its lead type again (the values `deliver`
    showed); as stored when the lead type is gone or no longer takes it."""
    data = decode_lead_json(record.lead_json, f"auction {record.auction_id}")
    lead_type = config.lead_types.get(record.lead_type)
    if lead_type is not None:
        try:
            return coerce_lead(data, lead_type)
        except LeadError:
            pass
    values = data if isinstance(data, dict) else {"lead": data}
    return Lead(record.lead_type, values)


def later_posts(stored: StoredAuction, document: dict[str, Any]) -> tuple[PostRecord, ...]:
    """Posts the document does not tell: resolved since (its account was in doubt in the
    document, it is settled now) or sent since (a re-post)."""
    statuses = {a["account"]: a["status"] for a in document.get("accounts", ())}
    posted = list(document.get("posted_to", ()))
    later = []
    for post in stored.posts:
        earlier = posted.count(post.account)
        attempts = [p for p in stored.posts if p.account == post.account]
        resent = attempts.index(post) >= earlier
        settled = statuses.get(post.account) == "in_doubt" and post.status not in (None, "in_doubt")
        if resent or settled:
            later.append(post)
    return tuple(later)
