"""One auction of the delivery log, for people and as JSON (`pingpost log show`).

A finished auction prints exactly what `deliver` printed (the result is rebuilt
from the stored document), followed, when `recover` settled or re-sent a post
since, by what changed and the result now. An interrupted auction (no result
was written) shows what is known: the lead, each post intent and any answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.text import Text

from pingpost.log.times import iso_time, shown_time
from pingpost.masking import Masker, Name
from pingpost.store.records import PostRecord
from pingpost.trace.auction import auction_trace, lead_box
from pingpost.trace.exchange import dollars, shown
from pingpost.trace.json import SCHEMA_VERSION, auction_json, money

if TYPE_CHECKING:
    from pingpost.log.shown import LoggedAuction

POST_STYLES = {
    "sold": "bold green",
    "post_rejected": "yellow",
    "post_error": "red",
    "in_doubt": "bold magenta",
    None: "bold magenta",
}
RESULT_WORDS = {
    "sold": ("SOLD", "bold green"),
    "unsold": ("UNSOLD", "bold yellow"),
    "in_doubt": ("IN DOUBT", "bold magenta"),
    "duplicate": ("DUPLICATE", "bold yellow"),
    "interrupted": ("INTERRUPTED", "bold magenta"),
}


def logged_trace(
    logged: LoggedAuction, masker: Masker, zone: ZoneInfo, *, verbose: bool = False
) -> Group:
    if logged.result is None:
        return interrupted_view(logged, masker, zone)
    parts: list[RenderableType] = [auction_trace(logged.result, masker, verbose=verbose)]
    if logged.changed:
        parts += [Text(""), Text("since then", "bold")]
        parts += [post_line(p, i, masker, zone) for i, p in enumerate(logged.later, 1)]
        parts += [Text(""), now_line(logged)]
    return Group(*parts)


def interrupted_view(logged: LoggedAuction, masker: Masker, zone: ZoneInfo) -> Group:
    posts = logged.stored.posts
    parts: list[RenderableType] = [lead_box(logged.auction_id, logged.lead, masker)]
    parts.append(Text("posts", "bold"))
    parts += [post_line(p, p.attempt, masker, zone) for p in posts]
    started = shown_time(logged.stored.row.started_at, zone)
    final = Text.assemble(("INTERRUPTED", "bold magenta"), f" (started {started}): ")
    final.append(shown(masker, interrupted_reason(posts)))
    if logged.interrupted:
        return Group(*parts, Text(""), final)
    return Group(*parts, Text(""), final, now_line(logged))  # resolved with `recover` since


def interrupted_reason(posts: tuple[PostRecord, ...]) -> str:
    """Why an interrupted auction matters: its sales, or the posts that may have arrived."""
    sold = [p.account for p in posts if p.status == "sold"]
    open_ = [p.account for p in posts if p.status in (None, "in_doubt")]
    said = "the auction stopped before its result was written"
    if sold:
        said += f"; sold to {', '.join(sold)}"
    if open_:
        n = len(open_)
        said += f"; {n} post{'s' * (n != 1)} may have reached the buyer ({', '.join(open_)})"
    return said


def post_line(post: PostRecord, number: int, masker: Masker, zone: ZoneInfo) -> Text:
    """`  1. acme-main  in_doubt  bid $12.50  sent 2026-12-03 10:00:02  key A-1:acme-main`,
    and what the buyer (or `recover`) said on a line of its own."""
    line = Text.assemble(f"  {number}. ", (post.account, "bold"), "  ")
    line.append(post.status or "no answer", POST_STYLES.get(post.status, ""))
    line.append(f"  bid {dollars(post.amount)}")
    if post.price is not None:
        line.append(f"  price {dollars(post.price)}", "bold")
    line.append(f"  sent {shown_time(post.sent_at, zone)}", "dim")
    if post.answered_at is not None:
        line.append(f"  answered {shown_time(post.answered_at, zone)}", "dim")
    line.append(f"  key {post.idempotency_key}" if post.idempotency_key else "  no key", "dim")
    if post.reason:
        line.append(f"\n{' ' * (len(str(number)) + 4)}")
        line.append(shown(masker, post.reason))
    return line


def now_line(logged: LoggedAuction) -> Text:
    row = logged.stored.row
    word, style = RESULT_WORDS.get(row.result, (row.result.upper(), "bold"))
    line = Text.assemble(("now ", "bold"), (word, style))
    if row.sold_to:
        line.append(f" to {row.sold_to}")
    if row.price is not None:
        line.append(" for ")
        line.append(dollars(row.price), "bold")
    return line


def logged_json(logged: LoggedAuction, masker: Masker, zone: ZoneInfo) -> dict[str, Any]:
    """`deliver`'s JSON result document; with `recovery` (the result now and the posts
    settled since) when `recover` changed it. An auction interrupted before its result
    was written: its lead's id and type, `interrupted: true`, its result (`interrupted`
    until `recover` resolves it) and its posts."""
    if logged.result is not None:
        document = auction_json(logged.result, masker)
        if logged.changed:
            row = logged.stored.row
            document["recovery"] = masker.document(
                {
                    "result": Name(row.result),
                    "sold_to": None if row.sold_to is None else Name(row.sold_to),
                    "price": money(row.price),
                    "posts": [post_json(p, zone) for p in logged.later],
                }
            )
        return document
    row = logged.stored.row
    return masker.document(
        {
            "schema_version": SCHEMA_VERSION,
            "lead_id": Name(row.auction_id),
            "lead_type": Name(row.lead_type),
            "result": Name(row.result),  # `interrupted`, or what `recover` resolved it to
            "interrupted": True,
            "sold_to": None if row.sold_to is None else Name(row.sold_to),
            "price": money(row.price),
            "reason": interrupted_reason(logged.stored.posts),
            "started_at": iso_time(row.started_at, zone),
            "source": row.source,
            "accounts": [],
            "posts": [post_json(p, zone) for p in logged.stored.posts],
        }
    )


def post_json(post: PostRecord, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "account": Name(post.account),
        "attempt": post.attempt,
        "status": None if post.status is None else Name(post.status),
        "bid": money(post.amount),
        "price": money(post.price),
        "reason": post.reason,
        "idempotency_key": None if post.idempotency_key is None else Name(post.idempotency_key),
        "sent_at": iso_time(post.sent_at, zone),
        "answered_at": iso_time(post.answered_at, zone),
    }
