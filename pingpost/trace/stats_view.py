"""`pingpost stats` as a table, a JSON document, or CSV rows.

Per account: pings, accepted %, bid p50/p95, wins, posts sold/rejected/in doubt
(and not sent), revenue, ping latency p50/p95/p99, errors by kind, cap use now,
paused now. Per source: leads, sold, revenue.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from rich.table import Table
from rich.text import Text

from pingpost.controls import CapUse
from pingpost.log.figures import AccountFigures, Totals
from pingpost.log.times import iso_time
from pingpost.masking import Name
from pingpost.store.records import StatsRow
from pingpost.trace.accounts_view import cap_json, caps_text
from pingpost.trace.exchange import dollars, ms
from pingpost.trace.fit import Column, FittedTable, Justify
from pingpost.trace.json import money

# (name, keep, justify): on a narrow console the lowest `keep` is left out first
ACCOUNT_COLUMNS: tuple[tuple[str, int, Justify], ...] = (
    ("account", 100, "left"), ("pings", 90, "right"), ("accepted", 85, "right"),
    ("bid p50", 60, "right"), ("bid p95", 40, "right"), ("wins", 95, "right"),
    ("sold", 70, "right"), ("rejected", 55, "right"), ("not sent", 35, "right"),
    ("in doubt", 75, "right"), ("revenue", 92, "right"), ("ping p50/p95/p99", 45, "right"),
    ("errors", 78, "left"), ("caps now", 65, "left"), ("paused until", 80, "left"),
)  # fmt: skip
LISTS = ("errors", "caps now")  # columns of items (`timeout 12, connect 3`): wrap between them
CSV_ACCOUNT = (
    "account", "auctions", "pings", "accepted", "accepted_pct", "bid_p50", "bid_p95", "wins",
    "posts_sold", "posts_rejected", "posts_not_sent", "posts_in_doubt", "revenue",
    "latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "errors", "caps", "paused_until",
)  # fmt: skip
CSV_SOURCE = ("source", "leads", "sold", "revenue")


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}%"


def _latency(f: AccountFigures) -> str:
    if not f.row.latency_ms:
        return ""
    return " / ".join(ms(x).removesuffix(" ms") for x in f.row.latency_ms) + " ms"


def _errors(errors: dict[str, int]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in sorted(errors.items(), key=lambda kv: -kv[1]))


def account_table(figures: list[AccountFigures]) -> FittedTable:
    table = FittedTable(
        [
            Column(name, keep, justify, wrap=name in LISTS, items=", " if name in LISTS else None)
            for name, keep, justify in ACCOUNT_COLUMNS
        ]
    )
    for f in figures:
        table.add_row(
            Text(f.name),
            Text(f"{f.row.pings:,}"),
            Text(_pct(f.accepted_pct)),
            Text(dollars(f.bid(50))),
            Text(dollars(f.bid(95))),
            Text(f"{f.row.wins:,}", "bold"),
            Text(f"{f.posts('sold'):,}"),
            Text(f"{f.posts('post_rejected'):,}"),
            Text(f"{f.posts('post_error'):,}"),
            Text(f"{f.posts('in_doubt'):,}", "bold magenta" if f.posts("in_doubt") else ""),
            Text(dollars(f.row.revenue) or "$0.00", "bold"),
            Text(_latency(f), "dim"),
            Text(_errors(f.row.errors), "red"),
            caps_text(f.state),
            Text(_paused_now(f), "bold magenta"),
        )
    return table


def _paused_now(f: AccountFigures) -> str:
    """`14:32 UTC` (the reason is in `pingpost accounts`)."""
    if f.state is None or f.state.paused is None:
        return ""
    return f.state.paused.removeprefix("paused: until ").split(" (")[0]


def source_table(rows: list[StatsRow]) -> Table:
    table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 2, 0, 0))
    for name in ("source", "leads", "sold", "sold %", "revenue"):
        table.add_column(name, justify="left" if name == "source" else "right")
    for row in rows:
        pct = 100.0 * row.wins / row.auctions if row.auctions else None
        table.add_row(
            Text(row.name),
            Text(f"{row.auctions:,}"),
            Text(f"{row.wins:,}", "bold"),
            Text(_pct(pct)),
            Text(dollars(row.revenue), "bold"),
        )
    return table


def totals_line(totals: Totals) -> Text:
    return Text.assemble(
        ("total", "bold"),
        f"  {totals.auctions:,} auction{'s' * (totals.auctions != 1)}, {totals.sold:,} sold, ",
        (dollars(totals.revenue) or "$0.00", "bold"),
        " revenue",
    )


def account_json(f: AccountFigures, zone: ZoneInfo) -> dict[str, Any]:
    row, state = f.row, f.state
    return {
        "account": Name(row.name),
        "configured": state is not None,
        "auctions": row.auctions,
        "pings": row.pings,
        "accepted": row.accepted,
        "accepted_pct": None if f.accepted_pct is None else round(f.accepted_pct, 1),
        "bid_p50": money(f.bid(50)),
        "bid_p95": money(f.bid(95)),
        "wins": row.wins,
        "posts": {
            status: f.posts(status)
            for status in ("sold", "post_rejected", "post_error", "in_doubt")
        },
        "revenue": money(row.revenue),
        "latency_ms": {f"p{p}": f.latency(p) for p in (50, 95, 99)},
        "errors": dict(sorted(row.errors.items())),
        "caps": [] if state is None else [cap_json(c, zone) for c in state.caps],
        "paused": state is not None and state.paused is not None,
        "paused_until": None if state is None else iso_time(state.paused_until, zone),
    }


def source_json(row: StatsRow) -> dict[str, Any]:
    return {
        "source": row.name,
        "leads": row.auctions,
        "sold": row.wins,
        "revenue": money(row.revenue),
    }


def account_csv(f: AccountFigures, zone: ZoneInfo) -> list[str]:
    doc = account_json(f, zone)
    cells: list[Any] = [
        f.name, f.row.auctions, f.row.pings, f.row.accepted, doc["accepted_pct"], doc["bid_p50"],
        doc["bid_p95"], f.row.wins, *doc["posts"].values(), doc["revenue"],
        *(None if x is None else round(x, 1) for x in doc["latency_ms"].values()),
        ";".join(f"{k}={n}" for k, n in doc["errors"].items()),
        ";".join(_cap_csv(c) for c in (f.state.caps if f.state else ())),
        doc["paused_until"],
    ]  # fmt: skip
    return ["" if c is None else str(c) for c in cells]


def _cap_csv(cap: CapUse) -> str:
    """`day:12/100` (leads), `month:340.00/5000.00` (spend), both when both are set."""
    used = []
    if cap.leads is not None:
        used.append(f"{cap.used.leads}/{cap.leads}")
    if cap.spend is not None:
        used.append(f"{cap.used.spend:f}/{cap.spend:f}")
    return f"{cap.per}:{' '.join(used)}"


def source_csv(row: StatsRow) -> list[str]:
    return [row.name, str(row.auctions), str(row.wins), format(row.revenue, "f")]
