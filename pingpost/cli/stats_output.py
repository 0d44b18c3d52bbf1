"""What `pingpost stats` and `pingpost accounts` print (tables, JSON, CSV) on stdout."""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pingpost.cli.common import console

if TYPE_CHECKING:
    from pingpost.cli.log_session import LogSession
    from pingpost.log.figures import AccountFigures, Totals
    from pingpost.store.records import StatsRow


@dataclass(frozen=True)
class Report:
    session: LogSession
    since: float
    until: float
    by: str
    figures: list[AccountFigures]
    sources: list[StatsRow]
    totals: Totals


async def print_stats(
    session: LogSession, since: float, until: float | None, *, by: str, shape: str, no_color: bool
) -> None:
    from pingpost.log.figures import account_figures, source_figures, totals

    end = session.now if until is None else until
    sources = await source_figures(session.store, since, end)
    figures = await account_figures(session.store, session.config, since, end, session.now)
    report = Report(session, since, end, by, figures, sources, totals(sources))
    if shape == "csv":
        _csv(report)
    elif shape == "json":
        _json(report)
    else:
        _tables(report, no_color=no_color)


def _csv(report: Report) -> None:
    from pingpost.trace import stats_view as view

    out = csv.writer(sys.stdout, lineterminator="\n")
    if report.by == "source":
        out.writerows([view.CSV_SOURCE, *(view.source_csv(r) for r in report.sources)])
        return
    zone = report.session.zone
    out.writerows([view.CSV_ACCOUNT, *(view.account_csv(f, zone) for f in report.figures)])


def _json(report: Report) -> None:
    from pingpost.log.times import iso_time
    from pingpost.trace import stats_view as view
    from pingpost.trace.json import dumps, money

    zone, whole = report.session.zone, report.totals
    rows = (
        [view.source_json(r) for r in report.sources]
        if report.by == "source"
        else [view.account_json(f, zone) for f in report.figures]
    )
    document = {
        "since": iso_time(report.since, zone),
        "until": iso_time(report.until, zone),
        "by": report.by,
        "totals": {"auctions": whole.auctions, "sold": whole.sold, "revenue": money(whole.revenue)},
        "rows": rows,
    }
    sys.stdout.write(dumps(document) + "\n")


def _tables(report: Report, *, no_color: bool) -> None:
    from rich.text import Text

    from pingpost.log.times import shown_time
    from pingpost.trace import stats_view as view
    from pingpost.trace.console import fit_for_pipes

    zone = report.session.zone
    start = shown_time(report.since, zone, seconds=False)
    end = shown_time(report.until, zone, seconds=False)
    out = fit_for_pipes(console(no_color=no_color))
    out.print(Text.assemble((f"stats per {report.by}", "bold"), f", {start} to {end} {zone.key}"))
    if report.by == "source":
        out.print(view.source_table(report.sources), crop=False)
    else:
        out.print(view.account_table(report.figures), crop=False)
    out.print(view.totals_line(report.totals))


async def print_accounts(session: LogSession, *, as_json: bool, no_color: bool) -> None:
    from pingpost.controls import overview
    from pingpost.trace.accounts_view import account_json, accounts_table

    states = await overview(session.config, session.store, session.now)
    if as_json:
        from pingpost.log.times import iso_time
        from pingpost.trace.json import dumps

        document = {
            "at": iso_time(session.now, session.zone),
            "accounts": [account_json(s, session.zone) for s in states],
        }
        sys.stdout.write(dumps(document) + "\n")
        return
    from pingpost.trace.console import fit_for_pipes

    out = fit_for_pipes(console(no_color=no_color))
    out.print(accounts_table(states, session.zone), crop=False)
