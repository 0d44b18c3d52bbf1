from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from pingpost.auction.eligibility import filter_failure, ineligibility
from pingpost.config.models import DeliveryAccount, Filter, LeadField
from pingpost.leads import Lead

LEAD = Lead(
    "auto",
    {
        "State": "CA",
        "Age": 30,
        "Score": Decimal("7.5"),
        "Homeowner": True,
        "ZipCode": "90210",
        "BirthDate": date(1994, 5, 1),
        "Phone": "5551234567",
        "Email": "ada@example.com",
    },
)
FIELDS = {
    "Phone": LeadField(type="phone"),
    "State": LeadField(type="state"),
}


def account(**kw: Any) -> DeliveryAccount:
    return DeliveryAccount.model_validate(
        {"kind": "delivery_account", "name": "a", "method": "m", **kw}
    )


def fails(rule: dict[str, Any]) -> str | None:
    """The reason LEAD fails `rule`, or None when it holds."""
    return ineligibility(account(filters=[rule]), LEAD, FIELDS)


@pytest.mark.parametrize(
    "rule",
    [
        {"field": "State", "equals": "CA"},
        {"field": "State", "equals": "ca"},  # strings compare case-insensitively
        {"field": "State", "in": ["TX", "ca"]},
        {"field": "State", "not_in": ["NV", "UT"]},
        {"field": "State", "not_equals": "NV"},
        {"field": "Age", "equals": 30},
        {"field": "Age", "equals": "30"},
        {"field": "Age", "in": [30.0, 40]},
        {"field": "Age", "gte": 30},
        {"field": "Age", "gt": 29.5},
        {"field": "Age", "lt": 31},
        {"field": "Age", "lte": 30},
        {"field": "Score", "equals": 7.5},
        {"field": "Score", "gt": 7.4},
        {"field": "Homeowner", "equals": True},
        {"field": "Homeowner", "equals": "true"},
        {"field": "ZipCode", "matches": "^9"},
        {"field": "ZipCode", "gte": 90000},  # a numeric string compares as a number
        {"field": "ZipCode", "equals": 90210},
        {"field": "BirthDate", "equals": "1994-05-01"},
        {"field": "BirthDate", "matches": "^1994-"},
        {"field": "Phone", "equals": "(555) 123-4567"},  # phone operands keep digits only
        {"field": "Email", "exists": True},
        {"field": "Nickname", "exists": False},
    ],
)
def test_filters_that_hold(rule: dict[str, Any]) -> None:
    assert fails(rule) is None


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ({"field": "State", "in": ["NV", "TX"]}, "State=CA not in [NV, TX]"),
        ({"field": "State", "not_in": ["CA"]}, "State=CA in excluded [CA]"),
        ({"field": "State", "equals": "TX"}, "State=CA does not equal TX"),
        ({"field": "State", "not_equals": "CA"}, "State=CA must not equal CA"),
        ({"field": "Age", "gte": 31}, "Age=30 not >= 31"),
        ({"field": "Age", "gt": 30}, "Age=30 not > 30"),
        ({"field": "Age", "lt": 30}, "Age=30 not < 30"),
        ({"field": "Age", "lte": 29.5}, "Age=30 not <= 29.5"),
        ({"field": "Age", "equals": "thirty"}, "Age=30 does not equal thirty"),
        ({"field": "Homeowner", "equals": False}, "Homeowner=true does not equal false"),
        ({"field": "Homeowner", "equals": 1}, "Homeowner=true does not equal 1"),
        ({"field": "ZipCode", "matches": "^1"}, "ZipCode=90210 does not match ^1"),
        ({"field": "State", "gt": 3}, "State=CA is not a number (filter gt 3)"),
        ({"field": "Email", "exists": False}, "Email is present (must be absent)"),
        ({"field": "Nickname", "exists": True}, "Nickname is missing"),
        ({"field": "Nickname", "in": ["x"]}, "Nickname is missing"),
        ({"field": "Nickname", "not_in": ["x"]}, "Nickname is missing"),
        ({"field": "ZipCode", "matches": "("}, "ZipCode=90210: invalid regex"),
    ],
)
def test_filters_that_fail_say_why(rule: dict[str, Any], reason: str) -> None:
    got = fails(rule)
    assert got is not None
    assert got.startswith(reason)


def test_disabled_comes_first_and_the_first_failing_filter_is_reported() -> None:
    assert ineligibility(account(enabled=False), LEAD) == "disabled"
    rules = [
        {"field": "Age", "gte": 18},
        {"field": "State", "in": ["TX"]},
        {"field": "X", "exists": True},
    ]
    assert ineligibility(account(filters=rules), LEAD) == "State=CA not in [TX]"
    assert ineligibility(account(), LEAD) is None


def test_filter_failure_on_a_none_value_is_missing() -> None:
    rule = Filter.model_validate({"field": "Email", "equals": "x"})
    assert filter_failure(rule, None) == "Email is missing"
