"""The trace of one lead's auction, for people.

A lead panel (pii masked), a table of every account sorted so the story reads
top-down (the winner, then the posts in order, the outbid, the rest), each
post attempt, and one final line. `verbose` adds every exchange in full.
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from pingpost.masking import Masker
from pingpost.render.views import displayable
from pingpost.trace.console import section
from pingpost.trace.exchange import STATUS_STYLES, dollars, exchange_view, ms, shown

if TYPE_CHECKING:
    from pingpost.auction.result import AccountResult, AuctionResult
    from pingpost.leads import Lead

# sort rank of each account status: the story of the auction, top-down
STORY_RANK = {
    "sold": 0,
    "post_rejected": 1,
    "post_error": 1,
    "in_doubt": 1,
    "outbid": 2,
    "accepted": 3,
    "below_floor": 4,
    "above_max": 4,
    "capped": 4,  # a reservation refused after its bid (or not pinged: at a cap)
    "rejected": 5,
    "error": 6,
    "paused": 7,
    "off_schedule": 7,
    "duplicate": 7,
    "not_pinged": 8,
    "filtered": 9,
}

ACCOUNT_STYLES = {
    "sold": "bold green",
    "post_rejected": "yellow",
    "post_error": "red",
    "in_doubt": "bold magenta",
    "outbid": "cyan",
    "accepted": "cyan",
    "below_floor": "yellow",
    "above_max": "yellow",
    "rejected": "dim",
    "error": "red",
    "not_pinged": "dim",
    "filtered": "dim",
    "capped": "yellow",
    "paused": "red",
    "off_schedule": "dim",
    "duplicate": "dim",
}


def story_order(result: AuctionResult) -> list[AccountResult]:
    """Winner first; then posted accounts in post order; bidders by bid; the rest by name."""
    posted = {name: i for i, name in enumerate(result.posted_to)}

    def key(account: AccountResult) -> tuple[int, int, Decimal, str]:
        bid = -(account.bid if account.bid is not None else Decimal(0))
        return (
            STORY_RANK.get(account.status, 9),
            posted.get(account.account, 0),
            bid,
            account.account,
        )

    return sorted(result.accounts, key=key)


def plain(value: Any) -> str:
    """A lead value as the user wrote it: dates ISO, booleans lower-case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def lead_panel(result: AuctionResult, masker: Masker, *, per_row: int = 2) -> Panel:
    """The lead's fields, `per_row` to a row; pii masked by `masker`."""
    return lead_box(result.lead_id, result.lead, masker, per_row=per_row)


def lead_box(lead_id: str, lead: Lead, masker: Masker, *, per_row: int = 2) -> Panel:
    """`lead_panel` for a lead without a result (an interrupted auction of the log)."""
    grid = Table.grid(padding=(0, 2))
    pairs = [
        (Text(displayable(name), "bold"), Text(shown(masker, plain(value))))
        for name, value in lead.values.items()
    ]
    for start in range(0, len(pairs), per_row):
        row = [cell for pair in pairs[start : start + per_row] for cell in pair]
        grid.add_row(*row)
    title = Text.assemble("lead ", (displayable(lead_id), "bold"), f" · {lead.lead_type}")
    return Panel(grid, title=title, title_align="left", expand=False)


def _bid(account: AccountResult) -> Text:
    return Text(dollars(account.bid), "bold")


def _reason(account: AccountResult, result: AuctionResult, masker: Masker) -> Text:
    if account.status == "sold":
        price = next((s.price for s in result.sales if s.account == account.account), None)
        price = price if price is not None else result.price
        if price is not None and price != account.bid:
            return Text(f"post price {dollars(price)}", "bold")
        return Text("")
    # "outbid: sold to x" under the status "outbid" reads better as "sold to x"
    reason = (account.reason or "").removeprefix(f"{account.status}: ")
    return Text(shown(masker, reason))


def _latency(account: AccountResult) -> Text:
    ping = account.ping
    if ping is None or ping.response is None:
        return Text("")
    return Text(ms(ping.latency_ms), "dim")


class accounts_table:
    """Every account, in story order: account, method, tier, status, latency, bid, reason.

    The table fits the console: on narrow ones (under `WIDE` columns) the method
    column is left out so the reasons stay readable; names and statuses are never cut.
    """

    WIDE = 110

    def __init__(self, result: AuctionResult, masker: Masker) -> None:
        self.result = result
        self.masker = masker

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        wide = options.max_width >= self.WIDE
        table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 2, 0, 0))
        table.add_column("account", no_wrap=True)
        if wide:
            table.add_column("method", no_wrap=True)
        table.add_column("tier", justify="right", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("latency", justify="right", no_wrap=True)
        table.add_column("bid", justify="right", no_wrap=True)
        table.add_column("reason", ratio=1)
        for account in story_order(self.result):
            cells = [
                Text(account.account),
                Text(account.method, "dim"),
                Text(str(account.priority)),
                Text(account.status, ACCOUNT_STYLES.get(account.status, "")),
                _latency(account),
                _bid(account),
                _reason(account, self.result, self.masker),
            ]
            table.add_row(*(cells if wide else cells[:1] + cells[2:]))
        yield table


def posts_view(result: AuctionResult, masker: Masker) -> Group | None:
    if not result.posted_to:
        return None
    by_name = {a.account: a for a in result.accounts}
    lines: list[RenderableType] = [Text("posts", "bold")]
    for i, name in enumerate(result.posted_to, 1):
        post = by_name[name].post if name in by_name else None
        outcome = post.outcome if post is not None else None
        line = Text.assemble(f"  {i}. ", (name, "bold"), "  ")
        if outcome is None:
            lines.append(line.append("not sent", "dim"))
            continue
        line.append(outcome.status, STATUS_STYLES.get(outcome.status, ""))
        line.append(f"  {ms(post.latency_ms)}" if post is not None else "", "dim")
        if outcome.price is not None:
            line.append(f"  price {dollars(outcome.price)}", "bold")
        if outcome.reason:
            line.append("  ")
            line.append(shown(masker, outcome.reason))
        lines.append(line)
    return Group(*lines)


def final_line(result: AuctionResult, masker: Masker) -> Text:
    took = ms(result.duration_ms)
    if result.dry_run:
        return _dry_run_line(result)
    if result.result == "sold":
        return _sold_line(result, took)
    if result.result == "in_doubt" and result.earlier is not None and not result.accounts:
        # held by an earlier auction (W3): nothing ran now, its reason says what to do
        return Text.assemble(
            ("IN DOUBT", "bold magenta"), f": {shown(masker, result.reason or '')}"
        )
    if result.result == "in_doubt":
        return Text.assemble(
            ("IN DOUBT", "bold magenta"),
            f" after {took}: {shown(masker, in_doubt_reason(result))}; check with the buyer "
            "before selling this lead again",
        )
    if result.result == "duplicate":
        why = (result.reason or "a duplicate").removeprefix("duplicate: ")
        return Text.assemble(("DUPLICATE", "bold yellow"), f": {shown(masker, why)}")
    if result.result == "skipped":
        why = (result.reason or "delivered before").removeprefix("skipped: ")
        return Text.assemble(("SKIPPED", "bold cyan"), f": {shown(masker, why)}")
    return Text.assemble(
        ("UNSOLD", "bold yellow"), f": {shown(masker, unsold_reason(result))} in {took}"
    )


def _sold_line(result: AuctionResult, took: str) -> Text:
    if len(result.sales) > 1:  # a shared lead: every sale, then the total
        each = ", ".join(f"{s.account} {dollars(s.price)}" for s in result.sales)
        line = Text.assemble(
            ("SOLD", "bold green"), f" to {len(result.sales)} buyers ({each}) for ",
            (dollars(result.revenue), "bold"), f" in all in {took}",
        )  # fmt: skip
    else:
        price = dollars(result.price) if result.price is not None else "no price"
        line = Text.assemble(
            ("SOLD", "bold green"), f" to {result.sold_to} for ", (price, "bold"), f" in {took}"
        )
    if any(a.status == "in_doubt" for a in result.accounts):  # `in_doubt: fallback`
        doubtful = ", ".join(a.account for a in result.accounts if a.status == "in_doubt")
        line.append(
            f" — warning: the post to {doubtful} may also have reached its buyer", "bold red"
        )
    return line


def store_line(result: AuctionResult) -> Text | None:
    """A warning when the store could not record all of the auction (W1-W2)."""
    if result.store_error is None:
        return None
    return Text(f"warning: {displayable(result.store_error)}", "bold red")


def in_doubt_reason(result: AuctionResult) -> str:
    if result.reason:  # the engine's words: "the post to x may have reached the buyer: ..."
        return result.reason
    doubtful = [a for a in result.accounts if a.status == "in_doubt"]
    name = doubtful[-1].account if doubtful else "a buyer"
    why = doubtful[-1].reason if doubtful and doubtful[-1].reason else "no definite answer"
    return f"the post to {name} may have reached the buyer: {why}"


def unsold_reason(result: AuctionResult) -> str:
    """The engine's reason, with how many accounts ended in each status."""
    counts: Counter[str] = Counter(a.status for a in result.accounts)
    tally = ", ".join(f"{status} {counts[status]}" for status in STORY_RANK if counts[status])
    why = result.reason or "no sale"
    return f"{why} ({tally})" if tally else why


def _dry_run_line(result: AuctionResult) -> Text:
    rendered = sum(1 for a in result.accounts if a.ping is not None and a.ping.request is not None)
    failed = sum(1 for a in result.accounts if a.status == "error")
    text = Text.assemble(
        ("DRY RUN", "bold cyan"), f": {rendered} ping{'s' * (rendered != 1)} rendered, nothing sent"
    )
    if failed:
        text.append(f"; {failed} account{'s' * (failed != 1)} could not render", "bold red")
    return text


def exchanges_view(result: AuctionResult, masker: Masker) -> Group:
    """Every exchange in full, in story order (for `--verbose`)."""
    parts: list[RenderableType] = []
    for account in story_order(result):
        for phase, exchange in (("ping", account.ping), ("post", account.post)):
            if exchange is None or (exchange.request is None and exchange.response is None):
                continue
            parts += [Text(""), section(f"{account.account} · {phase}")]
            parts.append(
                exchange_view(
                    exchange.request,
                    exchange.response,
                    exchange.outcome,
                    masker,
                    latency_ms=exchange.latency_ms,
                )
            )
    return Group(*parts)


def auction_trace(result: AuctionResult, masker: Masker, *, verbose: bool = False) -> Group:
    parts: list[RenderableType] = [lead_panel(result, masker), accounts_table(result, masker)]
    posts = posts_view(result, masker)
    if posts is not None:
        parts += [Text(""), posts]
    for decision in result.decisions:  # shared leads: exclusive or shared, and why
        parts.append(Text.assemble(("sale: ", "bold"), decision))
    if verbose:
        parts.append(exchanges_view(result, masker))
    parts += [Text(""), final_line(result, masker)]
    warning = store_line(result)
    if warning is not None:
        parts.append(warning)
    return Group(*parts)
