"""`pingpost log`, `pingpost log show ID`, `pingpost log purge`: the delivery log (docs/log.md).

Exit codes: `log` 0 (an empty list too); `log show` 0 when the auction is in the
log, 2 when it is not; `log purge` 0, or 1 when `--lead-id` names no auction;
2 cannot run (configs, store, a bad option).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from pingpost.cli.common import (
    EXIT_OK,
    ConfigOption,
    DebugOption,
    JsonOption,
    NoColorOption,
    ShowPiiOption,
    StoreOption,
    UnusedNoColor,
    UnusedTest,
    UnusedVerbose,
    VerboseOption,
    run,
)
from pingpost.cli.help import Command, Group

if TYPE_CHECKING:
    from pingpost.cli.log_session import LogSession

RESULTS = ("sold", "unsold", "in_doubt", "duplicate", "interrupted")

app = typer.Typer(
    name="log",
    cls=Group,
    help="The delivery log: recent auctions (filters below), `show ID` for one, `purge`.",
    rich_markup_mode=None,
)

SinceOption = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="WHEN",
        help="From this time: 2h, 30m, 7d (back from now), 2026-12-01, '2026-12-01 14:30', "
        "today, yesterday (in settings `timezone`, else UTC).",
        show_default=False,
    ),
]
UntilOption = Annotated[
    str | None,
    typer.Option(
        "--until", metavar="WHEN", help="Before this time (as --since).", show_default=False
    ),
]


def named(name: str, metavar: str, help: str) -> Any:
    """An option that takes a value and has no default to show (`--account NAME`)."""
    return typer.Option(name, metavar=metavar, help=help, show_default=False)


AccountFilter = Annotated[
    str | None, named("--account", "NAME", "Auctions this account was pinged or posted in.")
]
ResultFilter = Annotated[
    str | None, named("--result", "RESULT", "sold, unsold, in_doubt, duplicate or interrupted.")
]
LeadIdFilter = Annotated[str | None, named("--lead-id", "ID", "The auction with this id.")]
SourceFilter = Annotated[
    str | None,
    named("--source", "NAME", "Leads from this source (a batch file, <stdin>, a serve source)."),
]
LimitOption = Annotated[
    int,
    typer.Option(
        "--limit", metavar="N", min=1, max=100_000, help="At most this many, newest first."
    ),
]


@app.callback(invoke_without_command=True)
def log(
    ctx: typer.Context,
    since: SinceOption = None,
    until: UntilOption = None,
    account: AccountFilter = None,
    result: ResultFilter = None,
    lead_id: LeadIdFilter = None,
    source: SourceFilter = None,
    limit: LimitOption = 50,
    json_: Annotated[bool, typer.Option("--json", help="One JSON line per auction.")] = False,
    store: StoreOption = None,
    config: ConfigOption = None,
    no_color: NoColorOption = False,
    debug: DebugOption = False,
    _test: UnusedTest = False,
    _verbose: UnusedVerbose = False,
) -> None:
    """Recent auctions, newest first: time, id, lead type, result, buyer, price, duration."""
    if ctx.invoked_subcommand is not None:
        return

    def body() -> int:
        from pingpost.cli.log_output import print_log
        from pingpost.cli.log_session import with_log
        from pingpost.errors import UsageError

        if result is not None and result not in RESULTS:
            raise UsageError(f"--result `{result}`: use one of {', '.join(RESULTS)}")

        async def listing(session: LogSession) -> int:
            from pingpost.store.records import LogQuery

            query = LogQuery(
                since=session.instant(since, "--since"),
                until=session.instant(until, "--until"),
                account=account, result=result, lead_id=lead_id, source=source, limit=limit + 1,
            )  # fmt: skip
            rows = await session.store.log(query)
            await print_log(
                session, rows, limit=limit, as_json=json_, no_color=no_color, account=account
            )
            return EXIT_OK

        return with_log(store, config, listing)

    run(body, debug=debug)


@app.command("show", cls=Command)
def show(
    auction_id: Annotated[
        str | None,
        typer.Argument(
            metavar="AUCTION_ID",
            help="The auction's id (see `pingpost log`); none: the newest auction.",
            show_default=False,
        ),
    ] = None,
    json_: JsonOption = False,
    verbose: VerboseOption = False,
    show_pii: ShowPiiOption = False,
    store: StoreOption = None,
    config: ConfigOption = None,
    no_color: NoColorOption = False,
    debug: DebugOption = False,
    _test: UnusedTest = False,
) -> None:
    """Print one auction as `deliver` printed it: the trace (-v: every exchange) or --json.
    Without AUCTION_ID, the newest auction of the log."""

    def body() -> int:
        from pingpost.cli.log_output import print_logged
        from pingpost.cli.log_session import with_log
        from pingpost.log.shown import logged_auction, newest_auction

        async def showing(session: LogSession) -> int:
            chosen = auction_id or await newest_auction(session.store)
            logged = await logged_auction(session.store, chosen, session.config)
            print_logged(
                session,
                logged,
                as_json=json_,
                verbose=verbose,
                show_pii=show_pii,
                no_color=no_color,
            )
            return EXIT_OK

        return with_log(store, config, showing)

    run(body, debug=debug)


@app.command("purge", cls=Command)
def purge(
    before: Annotated[
        str | None,
        named(
            "--before",
            "WHEN",
            "Delete auctions finished before this (as --since: 90d, 2026-09-01).",
        ),
    ] = None,
    lead_id: Annotated[
        str | None, named("--lead-id", "ID", "Delete this auction (a privacy request).")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    store: StoreOption = None,
    config: ConfigOption = None,
    debug: DebugOption = False,
    _test: UnusedTest = False,
    _verbose: UnusedVerbose = False,
    _no_color: UnusedNoColor = False,
) -> None:
    """Delete old auctions (default: those past settings `log: {retention}`) or one auction.

    The lead, the document, the posts and their stats go; the hashed keys that caps and
    duplicate checks need, and the cap counters, stay.
    """

    def body() -> int:
        from pingpost.cli.log_output import purged
        from pingpost.cli.log_session import with_log

        async def purging(session: LogSession) -> int:
            when = session.instant(before, "--before")
            return await purged(session, when, lead_id, as_json=json_)

        return with_log(store, config, purging, write=True, retention=False)

    run(body, debug=debug)
