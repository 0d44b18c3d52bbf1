"""Pydantic errors become one located, friendly line each."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import ACCOUNT, LEAD_TYPE, METHOD, check, found


def method_problems(tmp_path: Path, old: str, new: str) -> list[tuple[str, int, int, str]]:
    assert old in METHOD
    return found(check(tmp_path, {"methods/acme.yaml": METHOD.replace(old, new, 1)}))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "timeout: 1.0",
            "timout: 1.0",
            (6, 3, "unknown key `timout` in delivery_method `acme` ping; did you mean `timeout`?"),
        ),
        (
            "timeout: 1.0",
            "timeout: fast",
            (6, 12, "delivery_method `acme` ping.timeout: expected a number, got `fast`"),
        ),
        (
            "timeout: 1.0",
            "timeout: 0",
            (6, 12, "delivery_method `acme` ping.timeout: must be greater than 0, got `0`"),
        ),
        (
            "timeout: 1.0",
            "method: get\n  content_type: jsn",
            (
                7,
                17,
                "delivery_method `acme` ping.content_type: expected one of json, xml, form, "
                "query, got `jsn`; did you mean `json`?",
            ),
        ),
        (
            "  url: https://acme.example/post\n",
            "",
            (15, 1, "missing key `url` in delivery_method `acme` post"),
        ),
        (
            "timeout: 1.0",
            "timeout: 1.0\n  headers: {X-Version: 2}",
            (
                7,
                24,
                "delivery_method `acme` ping.headers.X-Version: expected a string, got `2`; "
                'quote it: "2"',
            ),
        ),
        (
            "timeout: 1.0",
            "timeout: 1.0\n  auth: {type: bearr, token: x}",
            (
                7,
                16,
                "delivery_method `acme` ping.auth.type: unknown type `bearr`; expected one of "
                "none, basic, bearer, header, query, digest, oauth2; did you mean `bearer`?",
            ),
        ),
        (
            "timeout: 1.0",
            "timeout: 1.0\n  auth: {token: x}",
            (
                7,
                3,
                "missing key `type` in delivery_method `acme` ping.auth (one of none, basic, "
                "bearer, header, query, digest, oauth2)",
            ),
        ),
        (
            "zip: Zip",
            "zip: {field: Zip, value: 1}",
            (
                8,
                10,
                "delivery_method `acme` ping.mappings.zip: a mapping needs exactly one source "
                "of `field`, `value`, `capture`, `template` (got field, value)",
            ),
        ),
        (
            "zip: Zip",
            "zip: 5",
            (
                8,
                10,
                "delivery_method `acme` ping.mappings.zip: expected a mapping (key: value), "
                "got `5`",
            ),
        ),
        (
            "accept: {path: status, equals: ok}",
            "accept: {contain: ok}",
            (
                11,
                14,
                "unknown key `contain` in delivery_method `acme` ping.response.accept; "
                "did you mean `contains`?",
            ),
        ),
        (
            "accept: {path: status, equals: ok}",
            "accept: {status: [200, x]}",
            (
                11,
                28,
                "delivery_method `acme` ping.response.accept.status[1]: expected a whole "
                "number, got `x`",
            ),
        ),
        (
            "accept: {path: status, equals: ok}",
            "accept: {path: status, equals: ok}\n    status: {abc: reject}",
            (
                12,
                14,
                "delivery_method `acme` ping.response.status.abc: the key `abc` must be a "
                "whole number",
            ),
        ),
        (
            "accept: {path: status, equals: ok}",
            "accept: {not: {not: {status: x}}}",
            (
                11,
                34,
                "delivery_method `acme` ping.response.accept.not.not.status: expected a whole "
                "number or a list, got `x`",
            ),
        ),
        (
            "  mappings:\n    zip: Zip",
            "  include_ping_mappings: true\n  mappings:\n    zip: Zip",
            (
                7,
                3,
                "unknown key `include_ping_mappings` in delivery_method `acme` ping; it only "
                "means something in `post:` (start from the ping's mappings)",
            ),
        ),
        (
            "expect: {outcome: accepted}",
            "expect: {outcome: acepted}",
            (
                29,
                25,
                "delivery_method `acme` examples[0].post.expect.outcome: expected one of "
                "accepted, rejected, error, in_doubt, got `acepted`; did you mean `accepted`?",
            ),
        ),
    ],
)
def test_method_schema_errors(
    tmp_path: Path, old: str, new: str, expected: tuple[int, int, str]
) -> None:
    assert method_problems(tmp_path, old, new) == [("acme.yaml", *expected)]


def test_union_errors_collapse_into_one_line(tmp_path: Path) -> None:
    account = ACCOUNT.replace('vars: {source: "s-1"}', "vars: {source: [1]}")
    assert found(check(tmp_path, {"accounts/gold.yaml": account})) == [
        (
            "gold.yaml",
            4,
            16,
            "delivery_account `gold` vars.source: expected a string or a whole number or a "
            "number or true or false, got a list",
        )
    ]


def test_filter_and_pricing_errors(tmp_path: Path) -> None:
    account = ACCOUNT + "pricing: {min_bid: -1, max_bid: abc}\nfilters:\n  - {field: Age}\n"
    assert found(check(tmp_path, {"accounts/gold.yaml": account})) == [
        (
            "gold.yaml",
            5,
            20,
            "delivery_account `gold` pricing.min_bid: must be at least 0, got `-1`",
        ),
        (
            "gold.yaml",
            5,
            33,
            "delivery_account `gold` pricing.max_bid: expected a decimal number such as 12.50, "
            "got `abc`",
        ),
        (
            "gold.yaml",
            7,
            5,
            "delivery_account `gold` filters[0]: a filter needs exactly one operator of equals, "
            "not_equals, in, not_in, matches, gt, gte, lt, lte, exists",
        ),
    ]


def test_lead_type_errors_and_a_missing_name(tmp_path: Path) -> None:
    lead_type = LEAD_TYPE.replace("name: auto\n", "").replace("{type: zip,", "{type: zipp,")
    assert found(check(tmp_path, {"lead_types/auto.yaml": lead_type})) == [
        ("auto.yaml", 1, 1, "missing key `name` in lead_type"),
        (
            "auto.yaml",
            3,
            15,
            "lead_type fields.Zip.type: expected one of string, integer, number, boolean, date, "
            "email, phone, zip, state, enum, got `zipp`; did you mean `zip`?",
        ),
    ]


def test_a_problem_found_by_yaml_is_not_repeated_by_the_schema(tmp_path: Path) -> None:
    account = ACCOUNT.replace("method: acme", "method: !!python/object/apply:os.system [ls]")
    assert found(check(tmp_path, {"accounts/gold.yaml": account}), "error") == [
        (
            "gold.yaml",
            3,
            9,
            "the tag `!!python/object/apply:os.system` is not allowed: pingpost configs are "
            "plain data (quote the value if it is text)",
        )
    ]
