"""What `pingpost log`, `log show` and `log purge` print.

Results on stdout; notes (paused accounts, a list cut at --limit, an empty log,
an interrupted auction) on stderr, so that `--json` output stays JSON.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pingpost.cli.common import EXIT_NEGATIVE, EXIT_OK, console
from pingpost.masking import Masker

if TYPE_CHECKING:
    from pingpost.cli.log_session import LogSession
    from pingpost.log.shown import LoggedAuction
    from pingpost.store.records import LogRow


def note(text: str) -> None:
    print(f"note: {text}", file=sys.stderr)


async def print_log(
    session: LogSession,
    rows: list[LogRow],
    *,
    limit: int,
    as_json: bool,
    no_color: bool,
    account: str | None = None,
) -> None:
    """The rows (at most `limit`), then the accounts paused now."""
    from pingpost.trace.json import dumps

    more, rows = len(rows) > limit, rows[:limit]
    masker = Masker.for_lead(session.config, None)
    if as_json:
        from pingpost.trace.log_table import log_json

        for row in rows:
            sys.stdout.write(dumps(log_json(row, session.zone, masker), pretty=False) + "\n")
    elif rows:
        from pingpost.trace.console import fit_for_pipes
        from pingpost.trace.log_table import log_table

        out = fit_for_pipes(console(no_color=no_color))
        out.print(log_table(rows, session.zone, masker), crop=False)
    if not rows:
        note("no auction in the log matches" if not session.missing else "the log is empty")
    if account is not None and account not in session.config.accounts:
        note(f"no delivery_account `{account}` in the configs (its auctions are listed anyway)")
    if more:
        note(f"the newest {limit} shown; pass --limit N for more, or narrow with --since")
    for line in await paused_notes(session):
        note(line)


async def paused_notes(session: LogSession) -> list[str]:
    """`acme-gold is paused: until 14:32 UTC (20 consecutive errors)`, for each account
    paused now (auto-pause from `health`)."""
    from pingpost.controls import overview

    states = await overview(session.config, session.store, session.now)
    return [f"{s.account} is {s.paused}" for s in states if s.paused is not None]


def print_logged(
    session: LogSession,
    logged: LoggedAuction,
    *,
    as_json: bool,
    verbose: bool,
    show_pii: bool,
    no_color: bool,
) -> None:
    """One auction: `deliver`'s trace or JSON document, rebuilt from the log."""
    config = session.config
    if logged.result is not None:
        masker = Masker.for_result(config, logged.result, show_pii=show_pii)
    else:
        masker = Masker.for_lead(config, logged.lead, show_pii=show_pii)
    if logged.lead.lead_type not in config.lead_types and not show_pii:
        # which fields are pii is unknown now: every value of the lead is masked
        masker = masker.with_values(pii=every_form(logged.lead.values.values()))
        note(
            f"lead type `{logged.lead.lead_type}` is no longer configured: every lead "
            "field is masked (--show-pii shows them)"
        )
    if as_json:
        from pingpost.trace.json import dumps
        from pingpost.trace.logged import logged_json

        sys.stdout.write(dumps(logged_json(logged, masker, session.zone)) + "\n")
    else:
        from pingpost.trace.console import fit_for_pipes
        from pingpost.trace.logged import logged_trace

        out = fit_for_pipes(console(no_color=no_color))
        out.print(logged_trace(logged, masker, session.zone, verbose=verbose), crop=False)
    if logged.interrupted:
        note("this auction was interrupted: `pingpost recover` lists and resolves it")


def every_form(values: Iterable[object]) -> list[str]:
    """Each value as text, and as its digits alone (a phone number a method reformatted)."""
    forms = []
    for value in values:
        text = str(value)
        digits = "".join(c for c in text if c.isdigit())
        forms += [text, digits] if len(digits) >= 7 and digits != text else [text]
    return forms


async def purged(
    session: LogSession, before: float | None, auction_id: str | None, *, as_json: bool = False
) -> int:
    """Purge, print what went, return the exit code (1: `auction_id` is not in the log)."""
    from pingpost.errors import UsageError
    from pingpost.log.retention import retention_cutoff
    from pingpost.log.times import shown_time

    if before is None and auction_id is None:
        before = retention_cutoff(session.config.settings, session.now)
        if before is None:
            raise UsageError(
                "nothing to purge: pass --before WHEN or --lead-id ID (settings "
                "`log: {retention: 90d}` sets what a bare `pingpost log purge` deletes)"
            )
    known = auction_id is None or await session.store.auction(auction_id) is not None
    deleted = await session.store.purge(before=before, auction_id=auction_id)
    if as_json:
        from pingpost.log.times import iso_time
        from pingpost.trace.json import dumps

        doc = {"deleted": deleted, "before": iso_time(before, session.zone),
               "lead_id": auction_id, "found": known}  # fmt: skip
        print(dumps(doc, pretty=False))
        return EXIT_OK if known else EXIT_NEGATIVE
    what = []
    if before is not None:
        what.append(f"finished before {shown_time(before, session.zone)} {session.zone.key}")
    if auction_id is not None:
        what.append(f"auction {auction_id}" if known else f"no auction {auction_id} in the log")
    print(
        f"deleted {deleted} auction{'s' * (deleted != 1)} ({'; '.join(what)}); "
        "hashed dedupe keys and cap counters kept"
    )
    return EXIT_OK if known else EXIT_NEGATIVE
