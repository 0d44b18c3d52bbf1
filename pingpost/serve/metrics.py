"""`GET /metrics`: Prometheus text through prometheus-client, one registry per service.

Every figure is counted from an `AuctionResult` as it ends (`record_auction`) and
from each answered request (`record_request`). Labels are names from the config
(accounts, sources, lead types) and fixed words (statuses, results, error kinds),
so their number is bounded; no lead value is ever a label.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

if TYPE_CHECKING:
    from pingpost.auction.result import AccountResult, AuctionResult, Exchange

# seconds: buyers answer in tens of milliseconds; deadlines are a second or more
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST
# account statuses the controls give before any ping (counted as "caps" and the like)
HELD_BACK = ("capped", "off_schedule", "duplicate", "paused")
POSTED = ("sold", "post_rejected", "post_error", "in_doubt")


# `*_created` series double the text for nothing a dashboard uses
disable_created_metrics()  # type: ignore[no-untyped-call]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._auction_metrics(self.registry)
        self._account_metrics(self.registry)
        r = self.registry
        self.requests = Counter(
            "pingpost_http_requests", "Requests answered, by route and status code.",
            ["route", "status"], registry=r,
        )  # fmt: skip
        self.reloads = Counter(
            "pingpost_config_reloads", "Config reloads, by outcome.", ["outcome"], registry=r
        )
        self.sources = Gauge("pingpost_sources", "Enabled lead sources.", registry=r)
        # labelled series by (metric, labels): `labels()` costs about 4 us a call, and an
        # auction makes three or four per account; the label sets are config names, bounded
        self._series: dict[tuple[object, ...], Any] = {}

    def _of(self, metric: Any, *labels: str) -> Any:
        key = (id(metric), *labels)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = metric.labels(*labels)
        return series

    def _auction_metrics(self, r: CollectorRegistry) -> None:
        self.auctions = Counter(
            "pingpost_auctions", "Auctions run, by result.", ["result", "source"], registry=r
        )
        self.revenue = Counter(
            "pingpost_revenue", "Sum of sale prices (the configs' currency).", ["source"],
            registry=r,
        )  # fmt: skip
        self.duration = Histogram(
            "pingpost_auction_duration_seconds", "Auction wall time, lead in to result out.",
            registry=r, buckets=LATENCY_BUCKETS,
        )  # fmt: skip
        self.in_flight = Gauge("pingpost_auctions_in_flight", "Auctions running now.", registry=r)

    def _account_metrics(self, r: CollectorRegistry) -> None:
        by_account = ["account"]
        self.pings = Counter(
            "pingpost_account_pings", "Pings sent, by the account's status.", ["account", "status"],
            registry=r,
        )  # fmt: skip
        self.ping_latency = Histogram(
            "pingpost_account_ping_latency_seconds", "Ping exchange time.", by_account,
            registry=r, buckets=LATENCY_BUCKETS,
        )  # fmt: skip
        self.posts = Counter(
            "pingpost_account_posts", "Posts sent, by outcome.", ["account", "status"], registry=r
        )
        self.post_latency = Histogram(
            "pingpost_account_post_latency_seconds", "Post exchange time.", by_account,
            registry=r, buckets=LATENCY_BUCKETS,
        )  # fmt: skip
        self.errors = Counter(
            "pingpost_account_errors", "Failed exchanges, by kind.", ["account", "phase", "kind"],
            registry=r,
        )  # fmt: skip
        self.held_back = Counter(
            "pingpost_account_held_back",
            "Auctions an account sat out: capped, off_schedule, duplicate, paused.",
            ["account", "status"], registry=r,
        )  # fmt: skip
        self.sales = Counter("pingpost_account_sales", "Leads sold.", by_account, registry=r)
        self.account_revenue = Counter(
            "pingpost_account_revenue", "Sum of the account's sale prices.", by_account,
            registry=r,
        )  # fmt: skip

    def record_request(self, route: str, status: int) -> None:
        self._of(self.requests, route, str(status)).inc()

    def record_auction(self, result: AuctionResult, source: str | None) -> None:
        name = source or "-"
        self._of(self.auctions, result.result, name).inc()
        self.duration.observe(result.duration_ms / 1000)
        if result.price is not None and result.sold_to is not None:
            self._of(self.revenue, name).inc(float(result.price))
            self._of(self.account_revenue, result.sold_to).inc(float(result.price))
        for account in result.accounts:
            self._record_account(account)

    def _record_account(self, account: AccountResult) -> None:
        name = account.account
        if account.status in HELD_BACK:
            self._of(self.held_back, name, account.status).inc()
            return
        if account.ping is not None and account.ping.response is not None:
            self._of(self.pings, name, _ping_status(account.status)).inc()
            self._of(self.ping_latency, name).observe(account.ping.latency_ms / 1000)
            kind = error_kind(account.ping) if account.status == "error" else None
            if kind is not None:
                self._of(self.errors, name, "ping", kind).inc()
        if account.post is not None and account.post.response is not None:
            self._of(self.posts, name, account.status).inc()
            self._of(self.post_latency, name).observe(account.post.latency_ms / 1000)
            if account.status in ("post_error", "in_doubt"):
                self._of(self.errors, name, "post", error_kind(account.post) or "answer").inc()
        if account.status == "sold":
            self._of(self.sales, name).inc()

    def exposition(self) -> bytes:
        text: bytes = generate_latest(self.registry)
        return text


def _ping_status(status: str) -> str:
    """The ping's own verdict: what the account's status says about its answer."""
    bid = ("accepted", "outbid", "below_floor", "above_max", *POSTED)
    return "accepted" if status in bid else status


def error_kind(exchange: Exchange) -> str | None:
    """A short, bounded word for what went wrong in one exchange (None: nothing did)."""
    response = exchange.response
    if exchange.request is None:
        return "render"
    if response is None:
        return None
    if response.failure is not None:
        return response.failure.kind
    if response.status is not None and response.status >= 500:
        return "http_5xx"
    if response.status is not None and response.status >= 400:
        return "http_4xx"
    outcome = exchange.outcome
    if outcome is not None and outcome.decode_error:
        return "undecodable"
    return "answer"
