"""The one-lead trace: story order, the final line, masking, plain buyer text."""

from __future__ import annotations

from decimal import Decimal

from pingpost.trace.auction import auction_trace, final_line, story_order


def test_story_order_reads_top_down(make_result):
    names = [a.account for a in story_order(make_result())]
    assert names == [
        "acme-gold",  # sold
        "echo",  # posted first, rejected
        "delta",  # outbid, higher bid first
        "charlie",
        "bravo-low",  # below floor
        "foxtrot",  # rejected
        "yankee-error",  # error
        "zulu-filtered",  # filtered
    ]


def test_posted_accounts_keep_post_order(make_result, builders):
    result = make_result()
    accounts = [
        builders.account("late", "post_rejected", bid=Decimal("20")),
        builders.account("early", "post_error", bid=Decimal("5")),
        *result.accounts,
    ]
    posted = ("early", "echo", "late", "acme-gold")
    ordered = story_order(make_result(accounts=tuple(accounts), posted_to=posted))
    assert [a.account for a in ordered[:4]] == ["acme-gold", "early", "echo", "late"]


def test_trace_shows_table_posts_and_final_line(make_result, masker, render):
    text = render(auction_trace(make_result(), masker))
    lines = text.splitlines()
    assert lines[-1] == "SOLD to acme-gold for $12.50 in 412 ms"
    row = next(line for line in lines if line.startswith("acme-gold"))
    assert "sold" in row and "38 ms" in row and "$12.50" in row
    assert any("1. echo" in line and "rejected" in line and "No Matches" in line for line in lines)
    assert any("2. acme-gold" in line and "accepted" in line for line in lines)


def test_lead_panel_masks_pii_and_buyer_text_is_not_markup(make_result, masker, render):
    text = render(auction_trace(make_result(), masker))
    assert "Zelda" not in text and "4155550142" not in text
    assert "FirstName" in text and "****" in text and "94107" in text
    assert "[bold]no coverage[/bold]" in text  # printed literally, never interpreted


def test_verbose_adds_every_exchange_masked(make_result, masker, render):
    text = render(auction_trace(make_result(), masker, verbose=True))
    assert "acme-gold · ping" in text and "acme-gold · post" in text
    assert "→ POST http://127.0.0.1:8765/acme/ping" in text
    assert "Authorization: Bearer ****" in text
    assert "tok-SECRET" not in text and "Zelda" not in text
    assert "no response" in text and "timeout after 800 ms" in text  # yankee-error's ping


def test_final_line_unsold_counts_statuses(make_result, masker, builders):
    accounts = (
        builders.account("a", "rejected"),
        builders.account("b", "rejected"),
        builders.account("c", "filtered"),
    )
    result = make_result(
        result="unsold", sold_to=None, price=None, accounts=accounts, posted_to=(), reason="no bid"
    )
    assert final_line(result, masker).plain == "UNSOLD: no bid (rejected 2, filtered 1) in 412 ms"


def test_final_line_in_doubt_names_the_buyer(make_result, masker, builders):
    accounts = (builders.account("acme", "in_doubt", reason="timeout after sending"),)
    result = make_result(
        result="in_doubt", sold_to=None, price=None, accounts=accounts, posted_to=("acme",)
    )
    line = final_line(result, masker).plain
    assert line.startswith(
        "IN DOUBT after 412 ms: the post to acme may have reached the buyer: timeout after"
    )
    result = make_result(result="in_doubt", accounts=accounts, reason="the post to acme: Zelda")
    assert "the post to acme: ****; check with the buyer" in final_line(result, masker).plain


def test_final_line_of_a_lead_held_in_doubt_by_an_earlier_auction(make_result, masker):
    from pingpost.auction.result import Earlier

    reason = (
        "in doubt since auction A-7: the post to acme (no answer recorded) may have reached "
        "its buyer; resolve it with `pingpost recover` before delivering this lead again"
    )
    result = make_result(
        result="in_doubt", sold_to=None, price=None, accounts=(), posted_to=(), reason=reason,
        earlier=Earlier("A-7", "interrupted", ()),
    )  # fmt: skip
    assert final_line(result, masker).plain == f"IN DOUBT: {reason}"  # no timing: nothing ran


def test_final_line_dry_run_counts_rendered_pings(make_result, masker, builders):
    ping = builders.exchange()
    accounts = (
        builders.account("a", "not_pinged", reason="dry run", ping=ping),
        builders.account("b", "error", reason="not sent: bad template"),
    )
    result = make_result(result="unsold", accounts=accounts, dry_run=True, posted_to=())
    assert final_line(result, masker).plain == (
        "DRY RUN: 1 ping rendered, nothing sent; 1 account could not render"
    )


def test_auction_trace_is_terminal_safe(make_result, masker, render, builders):
    from pingpost.leads import Lead
    from pingpost.trace.auction import auction_trace

    evil = "\x1b[31mRED\x1b]0;pwned\x07\x00\r"
    ping = builders.exchange("rejected", body='{"m": "' + evil + '"}', reason=evil, bid=None)
    accounts = (
        builders.account("acme", "rejected", reason=evil, ping=ping),
        builders.account("echo", "in_doubt", reason=evil, ping=ping, post=ping),
    )
    result = make_result(
        result="in_doubt",
        sold_to=None,
        price=None,
        accounts=accounts,
        posted_to=("echo",),
        reason=evil,
        lead=Lead("auto_insurance", {"Note": evil}),
    )
    text = render(auction_trace(result, masker, verbose=True))
    for char in ("\x1b", "\x07", "\x00", "\r"):
        assert char not in text
    assert "\\x1b[31mRED" in text
