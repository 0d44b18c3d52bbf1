"""`pingpost recover`: list interrupted and in-doubt auctions, and resolve them (docs/log.md).

Exit codes: listing, 0 when nothing is open, 1 when open auctions are listed;
`--resolve`, 0 once recorded (or an auction whose posts were all answered
closed); `--repost`, 0 when the buyer's answer settles the post (sold, or
rejected: recorded unsold), 1 when it is still open (in doubt again, or not
sent); 2 cannot run (unknown auction, nothing open, no idempotency key to
re-post with, an answer the log contradicts, a bad option).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer

from pingpost.cli.common import (
    ConfigOption,
    DebugOption,
    JsonOption,
    NoColorOption,
    StoreOption,
    UnusedVerbose,
    run,
)
from pingpost.cli.log import named

if TYPE_CHECKING:
    from decimal import Decimal

    from pingpost.cli.log_session import LogSession


ResolveOption = Annotated[
    str | None,
    named(
        "--resolve",
        "AUCTION_ID",
        "Record the buyer's answer (--as) for this auction's open post; alone, close an "
        "interrupted auction whose posts were all answered.",
    ),
]
AsOption = Annotated[
    Literal["sold", "unsold"] | None,
    typer.Option(
        "--as",
        metavar="sold|unsold",
        help="With --resolve: what the buyer confirmed.",
        show_default=False,
    ),
]
PriceOption = Annotated[
    str | None, named("--price", "P", "With --as sold: the price confirmed (default: the bid).")
]
RepostOption = Annotated[
    str | None,
    named(
        "--repost",
        "AUCTION_ID",
        "Send the open post again under the same idempotency key (only where its method "
        "declares one).",
    ),
]
AccountChoice = Annotated[
    str | None,
    named("--account", "NAME", "The account whose post to settle, when several are open."),
]
RepostTest = Annotated[
    bool,
    typer.Option(
        "--test",
        help="With --repost of an interrupted auction: post to the method's test_url "
        "(a finished auction is re-posted as it ran).",
    ),
]


def recover(
    resolve: ResolveOption = None,
    as_: AsOption = None,
    price: PriceOption = None,
    repost: RepostOption = None,
    account: AccountChoice = None,
    test: RepostTest = False,
    json_: JsonOption = False,
    store: StoreOption = None,
    config: ConfigOption = None,
    no_color: NoColorOption = False,
    debug: DebugOption = False,
    _verbose: UnusedVerbose = False,
) -> None:
    """List every interrupted or in-doubt auction with what is known, or resolve one."""

    def body() -> int:
        from pingpost.cli import recover_output as out
        from pingpost.cli.log_session import with_log

        amount = _checked(resolve, as_, price, repost, account)
        if resolve is not None:
            sold = None if as_ is None else as_ == "sold"

            async def resolving(session: LogSession) -> int:
                return await out.resolved(session, resolve, sold, amount, account, as_json=json_)

            return with_log(store, config, resolving, write=True)
        if repost is not None:

            async def reposting(session: LogSession) -> int:
                return await out.reposted(
                    session, repost, account, test=test, as_json=json_, no_color=no_color
                )

            return with_log(store, config, reposting, write=True)

        async def listing(session: LogSession) -> int:
            return await out.listed(session, as_json=json_, no_color=no_color)

        return with_log(store, config, listing)

    run(body, debug=debug)


def _checked(
    resolve: str | None,
    as_: str | None,
    price: str | None,
    repost: str | None,
    account: str | None,
) -> Decimal | None:
    """The options that go together, and the price as money."""
    from decimal import Decimal, InvalidOperation

    from pingpost.errors import UsageError

    if resolve is not None and repost is not None:
        raise UsageError("--resolve and --repost: one at a time")
    if resolve is None and as_ is not None:
        raise UsageError("--as goes with --resolve AUCTION_ID")
    if price is not None and as_ != "sold":
        raise UsageError("--price goes with --resolve AUCTION_ID --as sold")
    if account is not None and resolve is None and repost is None:
        raise UsageError("--account goes with --resolve or --repost")
    if price is None:
        return None
    try:
        amount = Decimal(price)
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0:
        raise UsageError(f"--price `{price}` is not an amount (write it like 12.50)")
    return amount
