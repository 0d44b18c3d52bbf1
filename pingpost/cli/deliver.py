"""`pingpost deliver LEAD`: run the auction for one lead (a trace) or many (a batch).

Exit codes, one lead: 0 sold, 1 unsold or in doubt, 2 bad lead or config.
A batch: 0 every lead sold, 1 any lead unsold, in doubt or invalid, 2 cannot run.
A dry run: 0 every request rendered, 1 some could not be (or a lead is invalid).

The one-lead path (`one_lead.py`) and the batch runner (`batch.py`) are imported
when the command runs, not at start-up: they load the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pingpost.cli.common import (
    ConfigOption,
    DebugOption,
    JsonOption,
    NoColorOption,
    NoStoreOption,
    ShowPiiOption,
    StoreOption,
    TestOption,
    VerboseOption,
    console,
    load,
    run,
    store_url,
)

if TYPE_CHECKING:
    from pingpost.cli.batch_output import BatchOutput

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
            "--lead-type",
            metavar="NAME",
            help="Lead type (default: the only one configured).",
            show_default=False,
        ),
    ] = None,
    json_: JsonOption = False,
    test: TestOption = False,
    verbose: VerboseOption = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Render every request, send nothing.")
    ] = False,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency", metavar="N", min=1, max=10_000, help="Auctions in flight (batch)."
        ),
    ] = 50,
    lead_id: Annotated[
        str | None,
        typer.Option(
            "--lead-id",
            metavar="ID",
            help="Auction id for one lead (default: the lead type's id_field, else a new "
            "uuid); sent in the idempotency key <lead_id>:<account>.",
            show_default=False,
        ),
    ] = None,
    again: Annotated[
        bool,
        typer.Option(
            "--again",
            help="Auction leads the store has already finished instead of skipping them "
            "(never a lead with a post in doubt: see `pingpost recover`).",
        ),
    ] = False,
    store: StoreOption = None,
    no_store: NoStoreOption = False,
    show_pii: ShowPiiOption = False,
    no_color: NoColorOption = False,
    debug: DebugOption = False,
) -> None:
    """Run the auction: ping every eligible buyer, post to the best bid, show the trace."""

    def body() -> int:
        from pingpost.errors import UsageError

        cfg = load(config)
        kind = cfg.lead_type(lead_type)
        url = store_url(store, no_store, config, cfg.settings)
        if lead == "-" or lead.endswith(BATCH_SUFFIXES):
            if lead_id is not None:
                raise UsageError("--lead-id is for one lead, not a batch")
            from pingpost.cli.batch import deliver_file

            output = _output(json_, verbose, show_pii, no_color)
            return deliver_file(
                cfg, kind, lead, output, test=test, dry_run=dry_run, concurrency=concurrency,
                store_url=url, again=again,
            )  # fmt: skip
        from pingpost.cli.one_lead import checked_lead_id, deliver_and_print
        from pingpost.leads import load_lead

        one = load_lead(Path(lead), kind)
        return deliver_and_print(
            one, cfg, as_json=json_, verbose=verbose, show_pii=show_pii, no_color=no_color,
            test=test, dry_run=dry_run, lead_id=checked_lead_id(lead_id), store_url=url,
            again=again,
        )  # fmt: skip

    run(body, debug=debug)


def _output(as_json: bool, verbose: bool, show_pii: bool, no_color: bool) -> BatchOutput:
    from pingpost.cli.batch_output import BatchOutput
    from pingpost.trace.console import fit_for_pipes

    return BatchOutput(
        out=fit_for_pipes(console(no_color=no_color)),
        err=console(stderr=True, no_color=no_color),
        as_json=as_json,
        verbose=verbose,
        show_pii=show_pii,
    )
