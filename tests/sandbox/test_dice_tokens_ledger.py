"""Deterministic chance, ping tokens and the ledger (no network)."""

from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pingpost.sandbox.dice import Dice, bid_cents
from pingpost.sandbox.ledger import Ledger
from pingpost.sandbox.spec import BuyerSpec
from pingpost.sandbox.tokens import TokenBook, format_token


def buyer(**kw) -> BuyerSpec:
    return BuyerSpec.model_validate(
        {"name": "b", "style": "json_flag", "ping_path": "/p", "post_path": "/q", **kw}
    )


def test_the_same_request_rolls_the_same_numbers():
    a = Dice(7, "acme", "ping", b'{"state": "CA"}')
    b = Dice(7, "acme", "ping", b'{"state": "CA"}')
    assert [a.uniform(i) for i in range(8)] == [b.uniform(i) for i in range(8)]
    for other in (
        Dice(8, "acme", "ping", b'{"state": "CA"}'),
        Dice(7, "acme2", "ping", b'{"state": "CA"}'),
        Dice(7, "acme", "post", b'{"state": "CA"}'),
        Dice(7, "acme", "ping", b'{"state": "TX"}'),
    ):
        assert other.uniform(0) != a.uniform(0)


@settings(max_examples=60, deadline=None)
@given(
    low=st.decimals(min_value=0, max_value=100, places=2),
    width=st.decimals(min_value=0, max_value=50, places=2),
    material=st.binary(max_size=20),
)
def test_bids_are_whole_cents_within_the_range(low, width, material):
    spec = buyer(bid=[low, low + width])
    bid = Dice(1, "b", "ping", material).bid(bid_cents(spec))
    assert low <= bid <= low + width
    assert bid == bid.quantize(Decimal("0.01"))


def test_a_fixed_bid_is_exact_and_odd_bounds_round_inwards():
    assert Dice(1, "b", "ping", b"x").bid(bid_cents(buyer(bid=[12.5, 12.5]))) == Decimal("12.50")
    assert bid_cents(buyer(bid=["1.005", "1.019"])) == (101, 101)


def test_latency_is_within_the_range():
    values = [Dice(1, "b", "ping", bytes([i])).latency(10, 40) for i in range(200)]
    assert all(0.010 <= v <= 0.040 for v in values)
    assert max(values) - min(values) > 0.02  # spread over the range, not a constant


def test_fault_shares_are_honoured():
    materials = [str(i).encode() for i in range(4000)]
    always = [Dice(1, "b", "ping", m).fault({"hang": 1.0}) for m in materials[:50]]
    assert set(always) == {"hang"}
    assert {Dice(1, "b", "ping", m).fault({}) for m in materials[:50]} == {None}
    drawn = [Dice(1, "b", "ping", m).fault({"reset": 0.2, "http_500": 0.3}) for m in materials]
    assert 0.17 < drawn.count("reset") / len(drawn) < 0.23
    assert 0.27 < drawn.count("http_500") / len(drawn) < 0.33
    assert 0.47 < drawn.count(None) / len(drawn) < 0.53


def test_lead_ids_have_the_digits_asked_for():
    numbers = {Dice(1, "b", "post", bytes([i])).number(11) for i in range(50)}
    assert all(len(n) == 11 and n.isdigit() and n[0] != "0" for n in numbers)
    assert len(numbers) == 50


def test_tokens_look_like_each_styles_published_ones():
    digest = bytes(range(32))
    assert re.fullmatch(
        r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", format_token("json_flag", digest)
    )
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", format_token("xml", digest))
    assert re.fullmatch(r"[A-Za-z0-9]{32}", format_token("json_status", digest))
    assert re.fullmatch(r"[0-9a-f]{32}", format_token("form_loose", digest))


def test_token_book_lifecycle():
    book = TokenBook(seed=1)
    token = book.issue("acme", "json_flag", Decimal("9.50"), ttl=10, ping_seq=4, now=100.0)
    other = book.issue("acme", "json_flag", Decimal("9.50"), ttl=10, ping_seq=5, now=100.0)
    assert token != other
    assert book.redeem("acme", None, 101.0) == (None, "missing token")
    assert book.redeem("acme", "nope", 101.0) == (None, "unknown token")
    assert book.redeem("crown", token, 101.0) == (None, "token was issued by acme")
    record, problem = book.redeem("acme", token, 101.0)
    assert (
        problem == ""
        and record is not None
        and (record.bid, record.ping_seq) == (Decimal("9.50"), 4)
    )
    assert book.redeem("acme", token, 102.0)[1] == "token reused"
    assert book.redeem("acme", other, 111.0)[1] == "token expired"
    assert book.redeem("acme", other, 111.0)[1] == "token expired"  # expired stays expired
    book.clear()
    assert len(book) == 0 and book.redeem("acme", other, 101.0)[1] == "unknown token"
    # after a reset the same counter gives the same tokens (same seed): runs repeat exactly
    again = book.issue("acme", "json_flag", Decimal("9.50"), ttl=10, ping_seq=4, now=100.0)
    assert again == token


def test_long_expired_tokens_are_swept():
    book = TokenBook(seed=1)
    for i in range(10_000):
        book.issue("b", "text", Decimal(1), ttl=1, ping_seq=i, now=float(i) / 100)
    assert len(book) < 10_000  # the sweep on the 10,000th issue dropped the long-expired ones


def test_ledger_filters_limits_and_switch():
    ledger = Ledger(limit=3)
    for i, (buyer_name, phase) in enumerate(
        [("a", "ping"), ("a", "post"), ("b", "ping"), ("b", "post")]
    ):
        ledger.record({"seq": ledger.next_seq(), "buyer": buyer_name, "phase": phase, "i": i})
    assert [e["i"] for e in ledger.entries()] == [1, 2, 3]
    assert [e["i"] for e in ledger.entries(buyer="b", phase="ping")] == [2]
    doc = ledger.document(phase="post")
    assert (doc["count"], doc["received"], doc["dropped"], doc["recording"]) == (2, 4, 1, True)
    ledger.entries()[0]["i"] = "changed"
    assert ledger.entries()[0]["i"] == 1  # copies, not the entries themselves
    ledger.clear()
    assert ledger.document()["received"] == 0
    off = Ledger(enabled=False)
    off.record({"seq": off.next_seq(), "buyer": "a", "phase": "ping"})
    assert off.document()["count"] == 0 and off.document()["received"] == 1
