"""Bids and prices: finite, non-negative Decimals, or InvalidBid (P7)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pingpost.responses import InvalidBid, parse_bid
from pingpost.responses.values import format_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.50", "12.50"),
        (12.5, "12.5"),
        (12, "12"),
        (0, "0"),
        ("0", "0"),
        ("$12.50", "12.50"),
        ("$ 12.50", "12.50"),
        ("1,250.00", "1250.00"),
        ("$1,250,000", "1250000"),
        ("  17.33\n", "17.33"),
        (".5", "0.5"),
        (17.33, "17.33"),  # the float's shortest spelling, not 17.329999999999998
        (8.5, "8.5"),
        (Decimal("4.30"), "4.30"),
        ("-0", "0"),
        (-0.0, "0.0"),
    ],
)
def test_valid_amounts(value: object, expected: str) -> None:
    bid = parse_bid(value)
    assert isinstance(bid, Decimal)
    assert str(bid) == expected
    assert not bid.is_signed()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (float("nan"), "NaN is not a finite number"),
        ("NaN", '"NaN" is not a finite number'),
        (float("inf"), "Infinity is not a finite number"),
        ("Infinity", '"Infinity" is not a finite number'),
        ("-inf", '"-inf" is not a finite number'),
        (json.loads("1e309"), "Infinity is not a finite number"),  # what JSON 1e309 becomes
        ("1e309", '"1e309" is not a number'),
        (Decimal("NaN"), "NaN is not a finite number"),
        (-1, "-1 is negative"),
        ("-1", '"-1" is negative'),
        ("-$5.00", '"-$5.00" is negative'),
        (-0.01, "-0.01 is negative"),
        ([12], "[12] is not a number"),
        ({}, "{} is not a number"),
        ("abc", '"abc" is not a number'),
        (None, "null is not a number"),
        (True, "true is not a number"),
        (False, "false is not a number"),
        ("", "empty"),
        ("   ", "empty"),
        ("12.50 USD", '"12.50 USD" is not a number'),
        ("1,25", '"1,25" is not a number'),
        ("١٢", '"١٢" is not a number'),  # Arabic-Indic digits: Decimal would take them
        ("0x10", '"0x10" is not a number'),
    ],
)
def test_invalid_amounts(value: object, message: str) -> None:
    with pytest.raises(InvalidBid) as caught:
        parse_bid(value)
    assert str(caught.value) == message


def test_long_text_is_shortened_in_the_message() -> None:
    with pytest.raises(InvalidBid) as caught:
        parse_bid("x" * 500)
    assert len(str(caught.value)) < 70
    assert "…" in str(caught.value)


def test_invalid_bid_is_a_value_error() -> None:
    assert issubclass(InvalidBid, ValueError)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children)
    ),
    max_leaves=5,
)
amount_like = st.from_regex(r"\A[-+ $]{0,3}[0-9,.]{0,12}(e[0-9]{1,3})?\s?\Z")


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, amount_like))
def test_parse_bid_only_returns_finite_non_negative_or_raises_invalid_bid(value: object) -> None:
    try:
        bid = parse_bid(value)
    except InvalidBid:
        return
    assert isinstance(bid, Decimal)
    assert bid.is_finite()
    assert bid >= 0
    assert not bid.is_signed()


@settings(max_examples=100, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_amount_strings_round_trip(amount: Decimal) -> None:
    assert parse_bid(f"${amount:,}") == amount
    assert parse_bid(str(amount)) == amount


@pytest.mark.parametrize(
    ("value", "text"),
    [(8.5, "8.5"), (1e20, "100000000000000000000"), (1e-7, "0.0000001"), (12, "12")],
)
def test_numbers_print_without_float_noise(value: float, text: str) -> None:
    assert format_number(value) == text
