"""What `pingpost recover` prints, and the exit code of each of its three uses."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from pingpost.cli.common import EXIT_NEGATIVE, EXIT_OK, console
from pingpost.masking import Masker

if TYPE_CHECKING:
    from decimal import Decimal

    from pingpost.cli.log_session import LogSession
    from pingpost.log.recover import Closing
    from pingpost.store.records import LogRow

HOW = (
    "`pingpost log show AUCTION_ID --show-pii` shows the lead and its posts, to ask the "
    "buyer about; resolve with `pingpost recover --resolve AUCTION_ID --as sold|unsold "
    "[--price P]` once the buyer says; `--repost AUCTION_ID` sends the post again where it can"
)
CLOSE = (
    "every post of {} was answered, nothing to ask: close it with `pingpost recover "
    "--resolve AUCTION_ID` (its result is then what the buyers answered)"
)


def _footer(answered: list[str], listed: int) -> str:
    """How to settle what is listed: ask the buyers, or (all answered) close it."""
    lines = [HOW] if len(answered) < listed else []
    if answered:
        more = f" and {len(answered) - 3} more" if len(answered) > 3 else ""
        lines.append(CLOSE.format(", ".join(answered[:3]) + more))
    return "\n" + "\n".join(lines)


async def listed(session: LogSession, *, as_json: bool, no_color: bool) -> int:
    """Every open auction; 1 when there is any, 0 when there is none."""
    from pingpost.log.listing import open_items
    from pingpost.trace.recover_view import open_json, open_list

    items = await open_items(session.store, session.config)
    maskers = [Masker.for_lead(session.config, item.lead) for item in items]
    if as_json:
        from pingpost.trace.json import dumps

        sys.stdout.write(dumps(open_json(items, maskers, session.zone)) + "\n")
    elif items:
        from pingpost.trace.console import fit_for_pipes

        out = fit_for_pipes(console(no_color=no_color))
        out.print(open_list(items, maskers, session.zone), crop=False)
    if not items:
        print("nothing to recover: no interrupted or in-doubt auction", file=sys.stderr)
        return EXIT_OK
    print(
        _footer([i.auction.auction_id for i in items if not i.posts], len(items)), file=sys.stderr
    )
    return EXIT_NEGATIVE


async def resolved(
    session: LogSession,
    auction_id: str,
    sold: bool | None,
    price: Decimal | None,
    account: str | None,
    *,
    as_json: bool,
) -> int:
    from pingpost.log.recover import Closing, settle

    done = await settle(
        session.store, auction_id, sold=sold, price=price, account=account, at=time.time()
    )
    if isinstance(done, Closing):
        return _closed(done, as_json=as_json)
    from pingpost.trace.exchange import dollars

    row = done.row
    if as_json:
        from pingpost.trace.json import dumps, money

        doc = {
            "auction_id": auction_id,
            "resolved": {
                "account": done.account,
                "as": "sold" if done.sold else "unsold",
                "price": money(done.price),
                "posts": done.settled,
            },
            "auction": {"result": row.result, "sold_to": row.sold_to, "price": money(row.price)},
        }
        sys.stdout.write(dumps(doc, pretty=False) + "\n")
        return EXIT_OK
    what = (
        f"sold at {dollars(done.price)}" if done.sold else "not sold (its cap reservation released)"
    )
    print(
        f"{auction_id}: the post to {done.account} recorded {what}; the auction is now {_now(row)}"
    )
    return EXIT_OK


def _closed(done: Closing, *, as_json: bool) -> int:
    """An interrupted auction whose posts were all answered, now closed from them."""

    row = done.row
    if as_json:
        from pingpost.trace.json import dumps, money

        answers = [
            {"account": p.account, "attempt": p.attempt, "status": p.status,
             "price": money(p.price)}
            for p in done.answers
        ]  # fmt: skip
        doc = {
            "auction_id": done.auction_id,
            "closed": {"answers": answers},
            "auction": {"result": row.result, "sold_to": row.sold_to, "price": money(row.price)},
        }
        sys.stdout.write(dumps(doc, pretty=False) + "\n")
        return EXIT_OK
    said = ", ".join(f"{p.account} {_answer(p.status, p.price or p.amount)}" for p in done.answers)
    print(f"{done.auction_id}: every post was answered ({said}); the auction is now {_now(row)}")
    return EXIT_OK


def _answer(status: str | None, price: Decimal) -> str:
    from pingpost.trace.exchange import dollars

    if status == "sold":
        return f"bought it at {dollars(price)}"
    return "rejected it" if status == "post_rejected" else "was never reached"


def _now(row: LogRow) -> str:
    from pingpost.trace.exchange import dollars

    return f"{row.result}" + (f" to {row.sold_to} for {dollars(row.price)}" if row.sold_to else "")


async def reposted(
    session: LogSession,
    auction_id: str,
    account: str | None,
    *,
    test: bool,
    as_json: bool,
    no_color: bool,
) -> int:
    from pingpost.log.repost import repost
    from pingpost.transport import HttpTransport

    async with HttpTransport.for_config(session.config) as transport:
        done = await repost(
            session.store, session.config, auction_id, account=account,
            transport=transport, clock=time.time, test=test,
        )  # fmt: skip
    stored = await session.store.auction(auction_id)
    lead = stored.lead if stored is not None else None
    masker = _masker(session, lead).with_requests((done.request,))
    if as_json:
        from pingpost.auction.result import Exchange
        from pingpost.trace.json import dumps, exchange_json

        exchange = Exchange(done.request, done.response, done.outcome, attempts=1)
        doc = {"auction_id": auction_id, "account": done.account, "attempt": done.attempt,
               "status": done.status, "result": done.row.result,
               "post": exchange_json(exchange, masker)}  # fmt: skip
        sys.stdout.write(dumps(doc) + "\n")
    else:
        from pingpost.trace.console import fit_for_pipes
        from pingpost.trace.recover_view import repost_view

        fit_for_pipes(console(no_color=no_color)).print(repost_view(done, masker), crop=False)
    return EXIT_OK if done.status in ("sold", "post_rejected") else EXIT_NEGATIVE


def _masker(session: LogSession, lead_record: object) -> Masker:
    from pingpost.log.shown import stored_lead
    from pingpost.store.records import LeadRecord

    if not isinstance(lead_record, LeadRecord):
        return Masker.for_lead(session.config, None)
    return Masker.for_lead(session.config, stored_lead(lead_record, session.config))
