"""`pingpost stats` and `pingpost accounts`: figures per account over a time range, and
each account's controls as they stand now (docs/log.md). Exit codes: 0; 2 cannot run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer

from pingpost.cli.common import (
    EXIT_OK,
    ConfigOption,
    DebugOption,
    NoColorOption,
    StoreOption,
    UnusedTest,
    UnusedVerbose,
    run,
)
from pingpost.cli.log import SinceOption, UntilOption

if TYPE_CHECKING:
    from pingpost.cli.log_session import LogSession

DEFAULT_SINCE = "24h"


def stats(
    since: SinceOption = None,
    until: UntilOption = None,
    by: Annotated[
        Literal["account", "source"],
        typer.Option(
            "--by",
            metavar="account|source",
            help="One row per account, or per source (leads, sold, revenue).",
        ),
    ] = "account",
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    fmt: Annotated[
        Literal["table", "json", "csv"],
        typer.Option("--format", metavar="table|json|csv", help="table, json (as --json) or csv."),
    ] = "table",
    store: StoreOption = None,
    config: ConfigOption = None,
    no_color: NoColorOption = False,
    debug: DebugOption = False,
    _test: UnusedTest = False,
    _verbose: UnusedVerbose = False,
) -> None:
    """Figures per account over --since (default 24h): pings, accepted %, bids, wins, posts,
    revenue, latency p50/p95/p99, errors by kind, and each cap's use and any pause now."""

    def body() -> int:
        from pingpost.cli.log_session import with_log
        from pingpost.cli.stats_output import print_stats

        async def figures(session: LogSession) -> int:
            start = session.instant(since or DEFAULT_SINCE, "--since")
            end = session.instant(until, "--until")
            assert start is not None
            shape = "json" if json_ else fmt
            await print_stats(session, start, end, by=by, shape=shape, no_color=no_color)
            return EXIT_OK

        return with_log(store, config, figures)

    run(body, debug=debug)


def accounts(
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    store: StoreOption = None,
    config: ConfigOption = None,
    no_color: NoColorOption = False,
    debug: DebugOption = False,
    _test: UnusedTest = False,
    _verbose: UnusedVerbose = False,
) -> None:
    """Each account today: cap use per cap, schedule open or closed (and when that changes),
    paused until, last sale."""

    def body() -> int:
        from pingpost.cli.log_session import with_log
        from pingpost.cli.stats_output import print_accounts

        async def listing(session: LogSession) -> int:
            await print_accounts(session, as_json=json_, no_color=no_color)
            return EXIT_OK

        return with_log(store, config, listing)

    run(body, debug=debug)
