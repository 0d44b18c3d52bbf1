"""What one auction produced: every account's status and every exchange, as data.

The trace (rich) and the JSON result are both built from these types. Their
reprs leave out reasons: a buyer's reason may echo a secret or pii (P12); the
requests, responses, outcomes and the lead show their shape only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.leads import Lead
from pingpost.responses.outcome import Outcome

AccountStatus = Literal[
    "filtered",  # an `enabled: false` or a filter kept it out: not pinged
    "not_pinged",  # eligible but not pinged (an earlier priority tier sold; dry run)
    "accepted",  # bid, and the auction ended before its turn to post
    "rejected",  # its ping was rejected
    "error",  # its ping failed: timeout, 5xx, garbage, invalid bid, render error
    "below_floor",  # bid under the account's min_bid
    "above_max",  # bid over the account's max_bid
    "outbid",  # a higher-ranked bidder bought the lead
    "sold",  # posted and accepted: the winner
    "post_rejected",  # posted, definitively rejected
    "post_error",  # post failed and provably never reached the buyer
    "in_doubt",  # post may have reached the buyer (timeout after send, reset, 5xx)
    # the buyer controls (docs/controls.md): not pinged, or not posted to
    "off_schedule",  # outside every window of its schedule: not pinged
    "paused",  # auto-paused after consecutive failures: not pinged
    "capped",  # at a cap: not pinged, or its reservation was refused (nothing sent)
    "duplicate",  # it bought this lead within its dedupe window: not pinged
]

# `duplicate`: refused before any ping by the lead type's dedupe rule. `skipped`: this
# very lead was delivered before (W3): no auction ran, `earlier` names the one that did.
AuctionStatus = Literal["sold", "unsold", "in_doubt", "duplicate", "skipped"]


@dataclass(frozen=True, slots=True)
class Exchange:
    """One phase (ping or post) with one account: what was sent, what came back, what it meant."""

    request: RenderedRequest | None  # None when rendering failed
    response: RawResponse | None  # None in a dry run or when nothing was sent
    outcome: Outcome | None
    latency_ms: float = 0.0
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class AccountResult:
    account: str
    method: str
    priority: int
    status: AccountStatus
    reason: str | None = field(default=None, repr=False)
    bid: Decimal | None = None
    ping: Exchange | None = None
    post: Exchange | None = None


@dataclass(frozen=True, slots=True)
class Sale:
    """One sale of a lead: an accepted post and its price (the bid, or the price the
    buyer confirmed). A shared lead sells several times."""

    account: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class Earlier:
    """The earlier auction a result points to: the one that delivered this very lead
    (`skipped`, or `in_doubt` while its post is open) or the lead it duplicates."""

    auction_id: str
    result: str | None  # its result (`interrupted` if it never finished), if known
    sold_to: tuple[str, ...] = ()


# weakref_slot: `trace.json` keeps its plain document only as long as the result lives
@dataclass(frozen=True, slots=True, weakref_slot=True)
class AuctionResult:
    lead_id: str
    lead: Lead
    result: AuctionStatus
    sold_to: str | None
    price: Decimal | None
    duration_ms: float
    accounts: tuple[AccountResult, ...]
    ping_round_ms: float = 0.0
    posted_to: tuple[str, ...] = ()  # accounts posted to, in order (a post_error never left)
    dry_run: bool = False
    # one line: why not sold ("no valid bid"), or a sale's caveat
    reason: str | None = field(default=None, repr=False)
    sales: tuple[Sale, ...] = ()  # every sale, in the order they were made
    started_at: float = 0.0  # Unix seconds, from the auction's clock
    earlier: Earlier | None = None  # skipped, duplicate, or held in doubt by an earlier one
    decisions: tuple[str, ...] = ()  # shared leads: each exclusive-or-shared decision, in words
    # Set when the store could not record what happened after a post may have reached
    # a buyer: the result stands (a sale is a sale), but the log misses part of it.
    store_error: str | None = None

    @property
    def revenue(self) -> Decimal:
        """The sum of every sale's price (0 when unsold)."""
        return sum((sale.price for sale in self.sales), Decimal(0))
