"""`pingpost recover`: open auctions with what is known, and a re-post's exchange."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.text import Text

from pingpost.log.listing import OpenItem
from pingpost.log.times import iso_time, shown_time
from pingpost.masking import Masker, Name
from pingpost.trace.console import section
from pingpost.trace.exchange import dollars, exchange_view, ms, shown
from pingpost.trace.logged import POST_STYLES, post_json, post_line

if TYPE_CHECKING:
    from pingpost.log.repost import Repost  # the engine: only for a re-post

STATE_STYLES = {"interrupted": "bold magenta", "in_doubt": "bold magenta"}


def open_list(items: list[OpenItem], maskers: list[Masker], zone: ZoneInfo) -> Group:
    """The open auctions, each masked by its own lead's masker."""
    n = len(items)
    parts: list[RenderableType] = [Text(f"{n} open auction{'s' * (n != 1)}", "bold")]
    for item, masker in zip(items, maskers, strict=True):
        a = item.auction
        head = Text.assemble("\n", (a.auction_id, "bold"), "  ", (a.state, STATE_STYLES[a.state]))
        head.append(f"  {a.lead_type}  started {shown_time(a.started_at, zone)}", "dim")
        if a.source:
            head.append(f"  source {a.source}", "dim")
        if item.sold_to:
            head.append(f"  sold to {', '.join(item.sold_to)}", "bold green")
        parts.append(head)
        if not item.posts:  # killed between its last answer and its result: nothing to ask
            done = f"sold to {', '.join(item.sold_to)}" if item.sold_to else "none sold"
            parts.append(
                Text(
                    f"  every post was answered ({done}); only the result was not written: "
                    "nothing to ask a buyer; close it as the answers say",
                    "dim",
                )
            )
        for entry in item.posts:
            parts.append(post_line(entry.post, entry.post.attempt, masker, zone))
            can = "can be re-posted (same idempotency key)"
            parts.append(
                Text(
                    f"     {can if entry.refusal is None else 'no re-post: ' + entry.refusal}",
                    "dim",
                )
            )
    return Group(*parts)


def open_json(items: list[OpenItem], maskers: list[Masker], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "open": [
            masker.document(
                {
                    "auction_id": Name(i.auction.auction_id),
                    "state": Name(i.auction.state),
                    "lead_type": Name(i.auction.lead_type),
                    "source": i.auction.source,
                    "started_at": iso_time(i.auction.started_at, zone),
                    "sold_to": [Name(s) for s in i.sold_to],
                    "posts": [
                        {
                            **post_json(p.post, zone),
                            "can_repost": p.refusal is None,
                            "repost_refusal": p.refusal,
                        }
                        for p in i.posts
                    ],
                }
            )
            for i, masker in zip(items, maskers, strict=True)
        ]
    }


def repost_view(done: Repost, masker: Masker) -> Group:
    key = done.request.header("idempotency-key") or ""
    title = f"post · {done.account} · re-post, attempt {done.attempt}"
    exchange = exchange_view(
        done.request, done.response, done.outcome, masker,
        latency_ms=done.response.elapsed_ms if done.response is not None else None,
    )  # fmt: skip
    status = Text(done.status, POST_STYLES.get(done.status, ""))
    line = Text.assemble(("REPOST ", "bold"), status)
    if done.price is not None:
        line.append(f" at {dollars(done.price)}", "bold")
    if done.response is not None:
        line.append(f" in {ms(done.response.elapsed_ms)}")
    if done.outcome.reason and done.status != "sold":
        line.append(f": {shown(masker, done.outcome.reason)}")
    line.append(f" (key {key})" if key else "", "dim")
    return Group(section(title), exchange, Text(""), line, now_text(done))


def now_text(done: Repost) -> Text:
    row = done.row
    text = Text.assemble(f"auction {done.auction_id} is now ", (row.result, "bold"))
    if row.sold_to:
        text.append(
            f" (sold to {row.sold_to}"
            + (f" for {dollars(row.price)})" if row.price is not None else ")")
        )
    return text
