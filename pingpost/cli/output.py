"""One lead's result on stdout, and the exit code it gives (docs/commands.md).

Exit codes, one lead: 0 sold (or skipped: sold before), 1 unsold, in doubt,
duplicate, or skipped when it did not sell before; 2 when the store could not
record all of it; a dry run: 0 when every request rendered, 1 when some could not be.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pingpost.cli.common import EXIT_CANNOT_RUN, EXIT_NEGATIVE, EXIT_OK, console
from pingpost.cli.stdout import write_stdout
from pingpost.masking import Masker

if TYPE_CHECKING:
    from pingpost.auction.result import AuctionResult
    from pingpost.config.bundle import Config


def auction_exit_code(result: AuctionResult) -> int:
    if result.dry_run:
        rendered = all(a.status != "error" for a in result.accounts)
        return EXIT_OK if rendered else EXIT_NEGATIVE
    if result.store_error is not None:  # the store missed part of it: `recover` lists it
        return EXIT_CANNOT_RUN
    if result.result == "skipped":  # delivered before: done if it sold then (W3)
        sold_before = result.earlier is not None and bool(result.earlier.sold_to)
        return EXIT_OK if sold_before else EXIT_NEGATIVE
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
    masker = Masker.for_result(cfg, result, show_pii=show_pii)
    if as_json:
        from pingpost.trace.json import auction_json, dumps  # rich is not needed for JSON

        write_stdout(dumps(auction_json(result, masker)) + "\n")
        return
    from pingpost.trace.auction import auction_trace
    from pingpost.trace.console import fit_for_pipes

    out = fit_for_pipes(console(no_color=no_color))
    with out.capture() as held:  # then written whole, whatever signal comes (stdout.py)
        out.print(auction_trace(result, masker, verbose=verbose), crop=False)
    write_stdout(held.get())
