"""`pingpost deliver LEAD`: run the auction for one lead (a trace) or many (a batch).

Exit codes, one lead: 0 sold, 1 unsold or in doubt, 2 bad lead or config.
A batch: 0 every lead sold, 1 any lead unsold, in doubt or invalid, 2 cannot run.
A dry run: 0 every request rendered, 1 some could not be (or a lead is invalid).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pingpost.cli.common import (
    EXIT_NEGATIVE,
    EXIT_OK,
    ConfigOption,
    DebugOption,
    JsonOption,
    NoColorOption,
    ShowPiiOption,
    TestOption,
    VerboseOption,
    console,
    load,
    run,
)

if TYPE_CHECKING:
    from pingpost.auction.result import AuctionResult
    from pingpost.config.bundle import Config
    from pingpost.config.models import LeadType
    from pingpost.trace.batch import BatchOutput

BATCH_SUFFIXES = (".jsonl", ".ndjson")


def deliver(
    lead: Annotated[
        str,
        typer.Argument(
            metavar="LEAD",
            help="A .json file (one lead), a .jsonl file (one lead a line), or - (stdin, jsonl).",
            show_default=False,
        ),
    ],
    config: ConfigOption = None,
    lead_type: Annotated[
        str | None,
        typer.Option(
            "--lead-type", help="Lead type (default: the only one configured).", show_default=False
        ),
    ] = None,
    json_: JsonOption = False,
    test: TestOption = False,
    verbose: VerboseOption = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Render every request, send nothing.")
    ] = False,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=10_000, help="Auctions in flight (batch).")
    ] = 50,
    lead_id: Annotated[
        str | None,
        typer.Option(
            "--lead-id",
            help="Lead id for one lead (default: a new uuid); keeps the idempotency key "
            "<lead_id>:<account> stable when an in-doubt lead is delivered again.",
            show_default=False,
        ),
    ] = None,
    show_pii: ShowPiiOption = False,
    no_color: NoColorOption = False,
    debug: DebugOption = False,
) -> None:
    """Run the auction: ping every eligible buyer, post to the best bid, show the trace."""

    def body() -> int:
        from pingpost.errors import UsageError

        cfg = load(config)
        kind = cfg.lead_type(lead_type)
        if lead == "-" or lead.endswith(BATCH_SUFFIXES):
            if lead_id is not None:
                raise UsageError("--lead-id is for one lead, not a batch")
            output = _output(json_, verbose, show_pii, no_color)
            return _batch(
                cfg, kind, lead, output, test=test, dry_run=dry_run, concurrency=concurrency
            )
        from pingpost.cli.one_lead import checked_lead_id, deliver_and_print
        from pingpost.leads import load_lead

        one = load_lead(Path(lead), kind)
        return deliver_and_print(
            one, cfg, as_json=json_, verbose=verbose, show_pii=show_pii, no_color=no_color,
            test=test, dry_run=dry_run, lead_id=checked_lead_id(lead_id),
        )  # fmt: skip

    run(body, debug=debug)


def auction_exit_code(result: AuctionResult) -> int:
    if result.dry_run:
        rendered = all(a.status != "error" for a in result.accounts)
        return EXIT_OK if rendered else EXIT_NEGATIVE
    return EXIT_OK if result.result == "sold" else EXIT_NEGATIVE


def print_result(
    cfg: Config,
    result: AuctionResult,
    *,
    as_json: bool,
    verbose: bool,
    show_pii: bool = False,
    no_color: bool = False,
) -> None:
    """One lead's result on stdout: the trace, or the JSON document."""
    from pingpost.masking import Masker

    masker = Masker.for_result(cfg, result, show_pii=show_pii)
    if as_json:
        from pingpost.trace.json import auction_json, dumps

        print(dumps(auction_json(result, masker)))
        return
    from pingpost.trace.auction import auction_trace
    from pingpost.trace.console import fit_for_pipes

    out = fit_for_pipes(console(no_color=no_color))
    out.print(auction_trace(result, masker, verbose=verbose), crop=False)


def _output(as_json: bool, verbose: bool, show_pii: bool, no_color: bool) -> BatchOutput:
    from pingpost.trace.batch import BatchOutput
    from pingpost.trace.console import fit_for_pipes

    return BatchOutput(
        out=fit_for_pipes(console(no_color=no_color)),
        err=console(stderr=True, no_color=no_color),
        as_json=as_json,
        verbose=verbose,
        show_pii=show_pii,
    )


def _batch(
    cfg: Config,
    lead_type: LeadType,
    lead: str,
    output: BatchOutput,
    *,
    test: bool,
    dry_run: bool,
    concurrency: int,
) -> int:
    """Stream the leads through the auction; results on stdout, the rest on stderr."""
    import asyncio
    import contextlib

    from pingpost.auction import read_lines
    from pingpost.errors import UsageError
    from pingpost.trace.batch import count_lines, deliver_batch, summary_table

    path = None if lead == "-" else Path(lead)
    if path is not None and not path.is_file():
        raise UsageError(f"lead file `{lead}` not found (pass a .jsonl file, or - for stdin)")
    opened = path.open(encoding="utf-8", errors="replace") if path else None
    with opened or contextlib.nullcontext(sys.stdin) as stream:
        batch = deliver_batch(
            read_lines(stream),
            cfg,
            lead_type,
            output,
            source=lead if path else "<stdin>",
            total=count_lines(path) if path else None,
            concurrency=concurrency,
            test=test,
            dry_run=dry_run,
        )
        try:
            stats = asyncio.run(batch)
        except KeyboardInterrupt:  # a second Ctrl-C: report the posts it cut off, then exit 130
            output.aborted()
            raise
    output.err.print()
    output.err.print(summary_table(stats, dry_run=dry_run))
    stop = output.stop
    if stop.why:
        output.err.print(f"stopped ({stop.why}): no lead after line {stop.last_line} was read")
    failed = stats.invalid or output.render_errors or stop.why
    if dry_run:
        return EXIT_NEGATIVE if failed else EXIT_OK
    return EXIT_OK if not failed and stats.sold == stats.leads else EXIT_NEGATIVE
