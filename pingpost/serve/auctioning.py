"""One served lead's auction: the engine with the service's store, controls and source.

    a lead ──► run_auction(store, controls, source) ──► written ahead like `deliver`'s
      its own id (the lead type's id_field) taken already ──► `<id>~2`, ... (the log and
        the buyers' idempotency keys never mix two auctions)
    an Idempotency-Key taken over from a dead instance ──► W3 first (continuing.py): a
      post it left in doubt holds the lead (202), a lead it finished is not run again (409
      skipped), one it never posted is auctioned
    two submissions taking one free id at once ──► the store gives it to the first to
      write; the other runs again under the next (OtherAuction)

Each POST is a new submission (not `deliver`'s rerun of a file): the same lead posted
twice is auctioned twice unless its lead type's dedupe rule says duplicate.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pingpost.auction import run_auction
from pingpost.auction.continuing import (
    ID_TAKEN_RETRIES,
    continuation,
    elsewhere,
    free_auction_id,
)
from pingpost.auction.result import AuctionResult
from pingpost.leads import Lead
from pingpost.store.errors import OtherAuction

if TYPE_CHECKING:
    from pingpost.config.models import Source
    from pingpost.serve.service import Service
    from pingpost.serve.state import ServiceConfig


async def served_auction(
    service: Service,
    current: ServiceConfig,
    lead: Lead,
    source: Source | None,
    *,
    taken_over: bool = False,
) -> AuctionResult:
    delivery = current.delivery
    store = delivery.store if delivery is not None else None
    controls = delivery.controls if delivery is not None else None
    name = source.name if source is not None else None
    for tries_left in range(ID_TAKEN_RETRIES, -1, -1):
        lead_id, again_of, follows = None, None, None
        if store is not None and taken_over:
            step = await continuation(store, lead)
            if step.result is not None:
                return step.result
            lead_id, again_of, follows = step.auction_id, step.again_of, step.follows
        elif store is not None and lead.lead_id:
            lead_id = await free_auction_id(store, lead.lead_id)
        try:
            return await run_auction(
                lead, current.config, transport=service.transport, test=service.test,
                store=store, controls=controls, source=name, lead_id=lead_id,
                again_of=again_of, follows=follows,
            )  # fmt: skip
        except OtherAuction as refused:  # the id was taken meanwhile (two at once)
            if (follows is not None and refused.same_lead) or not tries_left:
                return elsewhere(lead, refused, time.time())
    raise AssertionError("unreachable")  # the loop returns
