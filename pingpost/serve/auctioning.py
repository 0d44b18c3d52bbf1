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
from pingpost.auction.continuing import continuation, free_auction_id, until_an_id_holds
from pingpost.auction.result import AuctionResult
from pingpost.leads import Lead

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

    async def attempt() -> AuctionResult:
        lead_id, again_of, follows = None, None, None
        if store is not None and taken_over:
            step = await continuation(store, lead)
            if step.result is not None:
                return step.result
            lead_id, again_of, follows = step.auction_id, step.again_of, step.follows
        elif store is not None and lead.lead_id:
            lead_id = await free_auction_id(store, lead.lead_id)
        return await run_auction(
            lead, current.config, transport=service.transport, test=service.test,
            store=store, controls=controls, source=name, lead_id=lead_id,
            again_of=again_of, follows=follows,
        )  # fmt: skip

    # W3 looks only for a key taken over; else two submissions of one lead are two auctions
    return await until_an_id_holds(attempt, lead, time.time, looked=taken_over)
