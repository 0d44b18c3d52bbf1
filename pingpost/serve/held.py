"""A held submission's answer once `pingpost recover` has settled its auction.

    stored answer 202 (in doubt) ──► the auction it names, in the store
      still in doubt or interrupted ──► the 202 again, byte for byte
      resolved (`recover --resolve`, `--repost`) ──► 201 sold / 200 unsold: the logged
        result as `log show --json` prints it (pii masked), `result`, `sold_to` and
        `price` as resolved, `recovery` telling what changed

An Idempotency-Key replays its first answer, but a 202 is not a final one: it says
the lead is held until an operator learns from the buyer what its post became. Once
that is recorded, a retry with the key learns it too, without a second auction. The
answer is rebuilt on each such retry (they are rare: held leads only) rather than
stored over the 202, so that a later `recover` on the same auction shows too.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pingpost.errors import PingpostError
from pingpost.serve.answers import STATUS_BY_RESULT

if TYPE_CHECKING:
    from pingpost.config.bundle import Config
    from pingpost.store.api import Store

HELD = STATUS_BY_RESULT["in_doubt"]
OPEN = ("in_doubt", "interrupted")  # what `recover` has not settled yet


async def settled_answer(store: Store, config: Config, body: bytes) -> tuple[int, bytes] | None:
    """The answer for a stored 202 `body` if its auction has been settled since; None while
    it is still open (or cannot be read now: the 202 is still true as far as we know)."""
    auction_id = _auction_of(body)
    if auction_id is None:
        return None
    # the log's rendering (rich included) is loaded by the rare retry that needs it
    from pingpost.log.shown import logged_auction
    from pingpost.log.times import log_zone
    from pingpost.masking import Masker
    from pingpost.trace.json import dumps, money
    from pingpost.trace.logged import logged_json

    try:
        stored = await store.auction(auction_id)
        if stored is None or stored.row.result in OPEN:
            return None
        if stored.lead.lead_type not in config.lead_types:
            return None  # which of its fields are pii is unknown now: nothing shown
        logged = await logged_auction(store, auction_id, config)
    except PingpostError:
        return None
    if logged.result is not None:
        masker = Masker.for_result(config, logged.result)
    else:
        masker = Masker.for_lead(config, logged.lead)
    document = logged_json(logged, masker, log_zone(config.settings))
    row = stored.row
    document.update(result=row.result, sold_to=row.sold_to, price=money(row.price))
    document["reason"] = None if row.reason is None else masker.text(row.reason)
    document.setdefault("duration_ms", None)  # interrupted before its result: unknown
    status = STATUS_BY_RESULT.get(row.result, 200)
    return status, dumps(document, pretty=False).encode("utf-8", "backslashreplace")


def _auction_of(body: bytes) -> str | None:
    """The auction a held answer names: its own, or the earlier one that holds the lead
    (both are `lead_id`: a lead held by an earlier auction is answered with that id)."""
    try:
        document: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict) or document.get("result") != "in_doubt":
        return None
    auction_id = document.get("lead_id")
    return auction_id if isinstance(auction_id, str) else None
