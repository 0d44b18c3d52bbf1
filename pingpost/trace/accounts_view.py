"""Each account's controls as they stand (`pingpost accounts`), and the cap words `stats`
shares: `day 12/100` (leads), `month $340.00/$5,000.00` (spend)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text

from pingpost.controls import AccountOverview, CapUse
from pingpost.log.times import iso_time, shown_time
from pingpost.masking import Name
from pingpost.trace.exchange import dollars
from pingpost.trace.fit import Column, FittedTable
from pingpost.trace.json import money


def cap_text(cap: CapUse) -> str:
    """`day 12/100` (leads), `month $340.00/$5,000.00` (spend), or both of one window."""
    parts = []
    if cap.leads is not None:
        parts.append(f"{cap.used.leads}/{cap.leads}")
    if cap.spend is not None:
        parts.append(f"{dollars(cap.used.spend)}/{dollars(cap.spend)}")
    return f"{cap.per} {' '.join(parts)}"


def is_full(cap: CapUse) -> bool:
    leads = cap.leads is not None and cap.used.leads >= cap.leads
    return leads or (cap.spend is not None and cap.used.spend >= cap.spend)


def caps_text(state: AccountOverview | None, *, resets: bool = False) -> Text:
    """The caps' use; `resets`: a full cap says it holds the account back until when
    (`day 3/3 capped, resets 00:00 America/Chicago`)."""
    if state is None:
        return Text("not configured", "dim")
    if not state.caps:
        return Text("no caps", "dim")
    text = Text()
    for i, cap in enumerate(state.caps):
        text.append(", " if i else "")
        full = is_full(cap)
        text.append(cap_text(cap), "bold red" if full else "")
        if full and resets:
            text.append(f" capped, {cap.resets}", "red")
    return text


def accounts_table(states: list[AccountOverview], zone: ZoneInfo) -> FittedTable:
    table = FittedTable(
        [
            Column("account"),
            Column("schedule", keep=90, wrap=True),
            Column("caps", keep=80, wrap=True),
            Column("paused", keep=85, wrap=True),
            Column(f"last sale ({zone.key})", keep=60),
        ]
    )
    for state in states:
        table.add_row(
            Text(state.account),
            Text(state.schedule, "" if state.open else "yellow"),
            caps_text(state, resets=True),
            Text(state.paused or "", "bold magenta"),
            Text(shown_time(state.last_sale_at, zone) if state.last_sale_at else "never", "dim"),
        )
    return table


def cap_json(cap: CapUse, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "per": Name(cap.per),
        "window": Name(cap.window),
        "leads": cap.leads,
        "spend": money(cap.spend),
        "used_leads": cap.used.leads,
        "used_spend": money(cap.used.spend),
        "full": is_full(cap),
        "resets_at": iso_time(cap.resets_at, zone),
        "resets": cap.resets,
    }


def account_json(state: AccountOverview, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "account": Name(state.account),
        "timezone": state.zone,
        "schedule": state.schedule,
        "open": state.open,
        "caps": [cap_json(c, zone) for c in state.caps],
        "paused": state.paused is not None,
        "paused_until": iso_time(state.paused_until, zone),
        "pause": state.paused,
        "last_sale_at": iso_time(state.last_sale_at, zone),
        "exclusive": state.exclusive,
        "weight": state.weight,
    }
