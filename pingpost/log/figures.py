"""`pingpost stats`: the store's figures per account (or source), with the controls' state.

store.stats(since, until) ──► pings, bids, wins, posts, revenue, latency, errors
controls.overview(now)    ──► cap use in the current windows, paused or not
every configured account is listed, active or not; an account no longer configured
is listed while the log still has its auctions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pingpost.config.bundle import Config
from pingpost.controls import AccountOverview, overview
from pingpost.store.api import Store
from pingpost.store.records import StatsRow

POST_STATUSES = ("sold", "post_rejected", "post_error", "in_doubt")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class AccountFigures:
    row: StatsRow
    state: AccountOverview | None  # None: no longer configured

    @property
    def name(self) -> str:
        return self.row.name

    @property
    def accepted_pct(self) -> float | None:
        """Accepted pings (valid bid or not) over pings, in percent; None without pings."""
        return 100.0 * self.row.accepted / self.row.pings if self.row.pings else None

    def bid(self, p: int) -> Decimal | None:
        """The p-th percentile bid, in cents (the SQL stores estimate it within 1%)."""
        bids = self.row.bids
        return bids[(50, 95).index(p)].quantize(CENT) if bids else None

    def latency(self, p: int) -> float | None:
        """The p-th percentile ping latency in ms, to 0.1 ms (estimated within 1%)."""
        latency = self.row.latency_ms
        return round(latency[(50, 95, 99).index(p)], 1) if latency else None

    def posts(self, status: str) -> int:
        return self.row.posts.get(status, 0)


@dataclass(frozen=True)
class Totals:
    auctions: int
    sold: int
    revenue: Decimal


async def account_figures(
    store: Store, config: Config, since: float, until: float, now: float
) -> list[AccountFigures]:
    """Each account's figures over [since, until), and its controls as they stand `now`."""
    rows = {row.name: row for row in await store.stats(since, until, by="account")}
    states = {state.account: state for state in await overview(config, store, now)}
    names = sorted(set(rows) | set(states))
    return [AccountFigures(rows.get(n) or StatsRow(n), states.get(n)) for n in names]


async def source_figures(store: Store, since: float, until: float) -> list[StatsRow]:
    """Leads received, sold and revenue per source (`-` for auctions without one)."""
    return await store.stats(since, until, by="source")


def totals(by_source: list[StatsRow]) -> Totals:
    return Totals(
        auctions=sum(r.auctions for r in by_source),
        sold=sum(r.wins for r in by_source),
        revenue=sum((r.revenue for r in by_source), Decimal(0)),
    )
