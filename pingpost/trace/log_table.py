"""`pingpost log`: recent auctions as a table, or one JSON line each.

    time · auction id · lead type · source · result · sold to · price · duration · reason

The source is who sent the lead: a `serve` source's name, or the batch file `deliver`
read (`<stdin>`); empty for one given on the command line or sent without a key.

Times in the log's zone (its name in the header). Buyer and lead text is plain
`Text`, never markup, and goes through the masker; a buyer's words in a reason are
left to `log show`, which masks them with the lead's pii (`listed_reason`).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text

from pingpost.log.times import iso_time, shown_time
from pingpost.masking import Masker, Name
from pingpost.render.views import displayable
from pingpost.store.records import LogRow
from pingpost.trace.exchange import dollars, ms, shown
from pingpost.trace.fit import Column, FittedTable
from pingpost.trace.json import money

RESULT_STYLES = {
    "sold": "bold green",
    "unsold": "yellow",
    "in_doubt": "bold magenta",
    "interrupted": "bold magenta",
    "duplicate": "dim",
}


def log_table(rows: list[LogRow], zone: ZoneInfo, masker: Masker) -> FittedTable:
    table = FittedTable(
        [
            Column(f"time ({zone.key})"),
            Column("auction id", keep=95),
            Column("lead type", keep=30),
            Column("source", keep=35),
            Column("result", keep=90),
            Column("sold to", keep=80),
            Column("price", keep=85, justify="right"),
            Column("duration", keep=40, justify="right"),
            Column("reason", keep=50, wrap=True),
        ]
    )
    for row in rows:
        table.add_row(
            Text(shown_time(row.started_at, zone)),
            Text(displayable(row.auction_id)),
            Text(row.lead_type),
            Text(row.source or ""),
            Text(row.result, RESULT_STYLES.get(row.result, "")),
            Text(row.sold_to or ""),
            Text(dollars(row.price), "bold"),
            Text("" if row.duration_ms is None else ms(row.duration_ms), "dim"),
            Text(shown(masker, listed_reason(row))),
        )
    return table


def listed_reason(row: LogRow) -> str:
    """The engine's words of a row's reason, without what a buyer said after them (`the
    post to x may have reached the buyer: <the buyer's reason>`): a buyer can echo the
    lead, and the list has no lead to mask it with. `log show` has the whole reason."""
    reason = row.reason or ""
    head, sep, _ = reason.partition(": ")
    return head if sep and head.startswith("the post to ") else reason


def log_json(row: LogRow, zone: ZoneInfo, masker: Masker) -> dict[str, Any]:
    """One auction of `pingpost log --json` (`lead_id` is the auction id, as in the
    JSON result document)."""
    return masker.document(
        {
            "auction_id": Name(row.auction_id),
            "lead_id": Name(row.auction_id),
            "started_at": iso_time(row.started_at, zone),
            "lead_type": Name(row.lead_type),
            "source": None if row.source is None else Name(row.source),
            "result": Name(row.result),
            "sold_to": None if row.sold_to is None else Name(row.sold_to),
            "price": money(row.price),
            "duration_ms": None if row.duration_ms is None else round(row.duration_ms, 1),
            "reason": listed_reason(row) or None,
        }
    )
