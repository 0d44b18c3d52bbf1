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
]

AuctionStatus = Literal["sold", "unsold", "in_doubt"]


@dataclass(frozen=True)
class Exchange:
    """One phase (ping or post) with one account: what was sent, what came back, what it meant."""

    request: RenderedRequest | None  # None when rendering failed
    response: RawResponse | None  # None in a dry run or when nothing was sent
    outcome: Outcome | None
    latency_ms: float = 0.0
    attempts: int = 0


@dataclass(frozen=True)
class AccountResult:
    account: str
    method: str
    priority: int
    status: AccountStatus
    reason: str | None = field(default=None, repr=False)
    bid: Decimal | None = None
    ping: Exchange | None = None
    post: Exchange | None = None


@dataclass(frozen=True)
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
