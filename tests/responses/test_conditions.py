"""Every condition form, its operators, its words, and conditions that cannot run."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter

from pingpost.config.models import Condition
from pingpost.responses import decode_body, describe
from pingpost.responses.conditions import Check, check
from pingpost.responses.values import truthy

from .helpers import JSON, answer

CONDITION: TypeAdapter[Any] = TypeAdapter(Condition)

BODY = (
    '{"status": "accepted", "Success": true, "flag": "True", "Payout": 8.5, "price": "8.50",'
    ' "count": 0, "zero": "0", "sold": "false", "empty": "", "none": null, "list": [1, 2],'
    ' "errors": [], "nested": {"id": "p-1"}, "text": "  No Matches  ", "money": "$12.50"}'
)


def run(condition: str, body: str = BODY, status: int = 200, **kw: Any) -> Check:
    cond = CONDITION.validate_python(yaml.safe_load(condition))
    response = answer(body, status=status, content_type=kw.pop("content_type", JSON), **kw)
    return check(cond, response, decode_body(response.body, response.header("content-type")))


@pytest.mark.parametrize(
    ("condition", "matched"),
    [
        ("status", True),
        ("Success", True),
        ("nested.id", True),
        ("list", True),
        ("count", False),  # zero is false
        ("zero", False),  # and so is "0"
        ("sold", False),  # XML and form bodies spell false as text
        ("empty", False),
        ("none", False),
        ("errors", False),
        ("missing", False),
        ("{path: Payout}", True),
    ],
)
def test_a_bare_path_is_truthy(condition: str, matched: bool) -> None:
    assert run(condition).matched is matched


@pytest.mark.parametrize(
    ("condition", "matched"),
    [
        ("{path: status, equals: accepted}", True),
        ("{path: status, equals: ACCEPTED}", True),  # case-insensitive
        ("{path: text, equals: no matches}", True),  # trimmed
        ("{path: status, equals: rejected}", False),
        ("{path: Success, equals: true}", True),
        ("{path: flag, equals: true}", True),  # "True" equals true
        ("{path: Success, equals: 'true'}", True),
        ("{path: Payout, equals: '8.50'}", True),  # JSON 8.5 equals "8.50" numerically
        ("{path: Payout, equals: 8.5}", True),
        ("{path: price, equals: 8.5}", True),  # "8.50" equals 8.5
        ("{path: price, equals: '8.5'}", False),  # two strings compare as text
        ("{path: count, equals: 0}", True),
        ("{path: Success, equals: 1}", False),  # a boolean is not a number
        ("{path: none, equals: null}", True),
        ("{path: missing, equals: null}", True),
        ("{path: list, equals: 1}", False),
        ("{path: status, not_equals: rejected}", True),
        ("{path: status, not_equals: Accepted}", False),
        ("{path: missing, not_equals: x}", True),
        ("{path: status, in: [sold, accepted]}", True),
        ("{path: status, in: [sold, rejected]}", False),
        ("{path: Payout, in: [8.50, 9]}", True),
        ("{path: status, matches: '^acc'}", True),
        ("{path: status, matches: '^rej'}", False),
        ("{path: Payout, matches: '^8\\.5$'}", True),  # numbers match as their text
        ("{path: missing, matches: '.*'}", False),
        ("{path: Payout, gt: 8}", True),
        ("{path: Payout, gt: 8.5}", False),
        ("{path: Payout, gte: 8.5}", True),
        ("{path: price, lt: 9}", True),  # numeric strings compare as numbers
        ("{path: price, lte: 8.49}", False),
        ("{path: status, gt: 1}", False),  # not a number
        ("{path: money, gt: 1}", False),  # "$12.50" is a bid spelling, not a number
        ("{path: missing, lt: 1}", False),
        ("{path: nested.id, exists: true}", True),
        ("{path: missing, exists: true}", False),
        ("{path: missing, exists: false}", True),
        ("{path: none, exists: true}", False),  # null counts as absent
        ("{path: 'length(list)', equals: 2}", True),  # any JMESPath expression
        ('{path: "list[?@ > `1`] | [0]", equals: 2}', True),
    ],
)
def test_path_operators(condition: str, matched: bool) -> None:
    assert run(condition).matched is matched


def test_path_verdicts_say_what_was_found() -> None:
    assert run("{path: status, equals: rejected}").detail == 'got "accepted"'
    assert run("{path: missing, equals: x}").detail == "not found"
    assert run("{path: Success}").detail == "got true"
    assert run("{path: status, gt: 1}").detail == 'got "accepted" (not a number)'


def test_a_path_on_a_body_that_did_not_decode_cannot_run() -> None:
    result = run("{path: Success, equals: true}", body='{"Success": true "x": 1}')
    assert not result.matched
    assert result.problem == result.detail
    assert result.detail.startswith("body is not json: Expecting ',' delimiter")


def test_regex_and_contains_search_the_raw_text_of_any_body() -> None:
    broken = '{ "Success": true "Price":"4.30" }'
    assert run('{regex: "\\"Price\\":\\"([0-9.]+)\\""}', body=broken).matched
    assert (
        run('{regex: "\\"Price\\":\\"([0-9.]+)\\""}', body=broken).detail
        == 'found "\\"Price\\":\\"4.30\\""'
    )
    assert not run("{regex: '<price>'}", body=broken).matched
    assert run("{regex: '(?i)SUCCESS'}", body=broken).matched
    assert run('{contains: "\\"Success\\": true"}', body=broken).matched
    assert not run("{contains: success}", body=broken).matched  # contains is case-sensitive
    assert run("{contains: success}", body=broken).detail == "not found"


@pytest.mark.parametrize(
    ("condition", "status", "matched"),
    [
        ("{status: 200}", 200, True),
        ("{status: 200}", 201, False),
        ("{status: [200, 201]}", 201, True),
        ("{status: [200, 201]}", 204, False),
    ],
)
def test_status(condition: str, status: int, matched: bool) -> None:
    assert run(condition, status=status).matched is matched


def test_header() -> None:
    headers = {"X-Result": " Accepted ", "X-Empty": ""}
    assert run("{header: x-result}", headers=headers).matched
    assert run("{header: X-Result, equals: accepted}", headers=headers).matched
    assert not run("{header: X-Result, equals: rejected}", headers=headers).matched
    assert run("{header: X-Empty}", headers=headers).matched  # present, even if empty
    missing = run("{header: X-Price}", headers=headers)
    assert (missing.matched, missing.detail) == (False, "no such header")


@pytest.mark.parametrize(
    ("condition", "matched"),
    [
        ("{all: [{status: 200}, {path: Success}]}", True),
        ("{all: [{status: 200}, {path: count}]}", False),
        ("{any: [{path: count}, {contains: accepted}]}", True),
        ("{any: [{path: count}, {contains: nope}]}", False),
        ("{not: {path: count}}", True),
        ("{not: {path: Success}}", False),
        ("{all: [{not: {status: 500}}, {any: [Success, count]}]}", True),
    ],
)
def test_combinations(condition: str, matched: bool) -> None:
    assert run(condition).matched is matched


def test_combinations_of_rules_that_cannot_run_stay_unknown() -> None:
    garbage = "{ not json"
    # `any` matches when one part matches, whatever could not run.
    assert run("{any: [Success, {contains: json}]}", body=garbage).matched
    # `all` is a definite no when one part is, else unknown.
    result = run("{all: [Success, {contains: nope}]}", body=garbage)
    assert (result.matched, result.problem) == (False, None)
    assert run("{all: [Success, {contains: json}]}", body=garbage).problem is not None
    # `not` of unknown is unknown, never a match.
    result = run("{not: {path: Success}}", body=garbage)
    assert not result.matched
    assert result.problem is not None
    assert run("{any: [Success, {contains: nope}]}", body=garbage).problem is not None


def test_combination_verdicts_name_the_deciding_part() -> None:
    assert run("{all: [{status: 200}, {path: count}]}").detail == "path count: got 0"
    assert run("{any: [{path: count}, {status: 200}]}").detail == "status 200: got 200"
    assert run("{any: [{path: count}, {status: 201}]}").detail == "none matched"


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("Success", "path Success"),
        ("{path: Success, equals: true}", "path Success equals true"),
        ("{path: status, equals: accepted}", 'path status equals "accepted"'),
        ("{path: Payout, gte: 5}", "path Payout gte 5"),
        ("{path: status, in: [a, 1, null]}", 'path status in ["a", 1, null]'),
        ("{path: x, exists: false}", "path x exists false"),
        ("{regex: 'price: ([0-9.]+)'}", 'regex "price: ([0-9.]+)"'),
        ("{contains: No Matches}", 'contains "No Matches"'),
        ("{status: 404}", "status 404"),
        ("{status: [200, 201]}", "status in [200, 201]"),
        ("{header: X-A}", "header X-A"),
        ("{header: X-A, equals: b}", 'header X-A equals "b"'),
        ("{all: [a, {not: b}]}", "all(path a, not(path b))"),
        ("{any: [a, {status: 200}]}", "any(path a, status 200)"),
    ],
)
def test_descriptions(condition: str, words: str) -> None:
    cond = CONDITION.validate_python(yaml.safe_load(condition))
    assert describe(cond) == words
    assert describe(cond) == words  # the memoised answer is the same


def test_broken_expressions_cannot_run() -> None:
    bad_path = run("{path: 'status[', equals: x}")
    assert bad_path.problem is not None
    assert bad_path.problem.startswith("invalid JMESPath 'status['")
    bad_regex = run("{regex: '([0-9'}")
    assert bad_regex.problem is not None
    assert bad_regex.problem.startswith("invalid regex '([0-9'")
    type_error = run("{path: 'length(Payout)'}")  # a function given the wrong type
    assert type_error.problem is not None
    assert type_error.problem.startswith("JMESPath 'length(Payout)' failed")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False), (False, False), (True, True), (0, False), (0.0, False), (1, True),
        (float("nan"), True), ("", False), (" false ", False), ("No", False), ("null", False),
        ("nil", False), ("NONE", False), ("0", False), ("yes", True), ("x", True), ([], False),
        ([0], True), ({}, False), ({"a": 1}, True),
    ],
)  # fmt: skip
def test_truthiness(value: object, expected: bool) -> None:
    assert truthy(value) is expected
