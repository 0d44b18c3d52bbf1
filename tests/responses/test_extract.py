"""Every extractor form, defaults, and how captured values become strings."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from pingpost.config.models import Extractor
from pingpost.responses import decode_body, describe_extractor
from pingpost.responses.extract import Extracted, as_capture, as_reason, extract

from .helpers import JSON, answer

BODY = (
    '{"id": "p-1", "Payout": 8.5, "big": 1e20, "n": 12, "ok": true, "none": null,'
    ' "obj": {"a": [1, "x"]}}'
)


def run(extractor: str, body: str = BODY, content_type: str = JSON, **kw: Any) -> Extracted:
    ex = Extractor.model_validate(yaml.safe_load(extractor))
    response = answer(body, content_type=content_type, **kw)
    return extract(ex, response, decode_body(response.body, response.header("content-type")))


def test_path_shorthand_and_long_form() -> None:
    assert run("id").value == "p-1"
    assert run("{path: 'obj.a[1]'}").value == "x"
    assert run("{path: Payout}").detail == "got 8.5"


def test_missing_and_null_are_not_found() -> None:
    for expression in ("missing", "none", "obj.b.c"):
        result = run(expression)
        assert (result.value, result.detail, result.problem) == (None, "not found", None)


def test_default_when_nothing_is_found() -> None:
    result = run("{path: missing, default: 0}")
    assert (result.value, result.detail) == (0, "not found; default 0")
    assert run("{path: id, default: x}").value == "p-1"
    garbage = run("{path: id, default: none}", body="{oops", content_type=JSON)
    assert garbage.value == "none"
    assert garbage.detail.startswith("body is not json: ")


def test_a_path_on_an_undecoded_body_says_why() -> None:
    result = run("id", body='{"id": "p-1" "x": 1}')
    assert result.value is None
    assert result.problem == result.detail
    assert result.detail.startswith("body is not json: Expecting ',' delimiter")


@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        ("'price: ([0-9.]+)'", "4.30"),  # group 1
        ("'(?P<value>[0-9.]+)\\s*USD'", "4.30"),  # the group named value wins
        ("'(id): (?P<value>\\w+)'", "a8c75"),
        ("'[0-9]+\\.[0-9]+'", "4.30"),  # no group: the whole match
        ("'(nothing)?price'", None),  # the only group did not take part
        ("'cost: ([0-9.]+)|price: ([0-9.]+)'", "4.30"),  # the first group that took part
        ("'missing: (\\d+)'", None),
    ],
)
def test_regex_groups(pattern: str, value: str | None) -> None:
    body = "{ id: a8c75, price: 4.30 USD, message: success }"
    assert run("{regex: " + pattern + "}", body=body, content_type="text/plain").value == value


def test_regex_works_on_bodies_that_did_not_decode() -> None:
    body = "<Price>5.05</Price><Code>OK</code>"
    assert (
        run("{regex: '<Price>([0-9.]+)</Price>'}", body=body, content_type="text/xml").value
        == "5.05"
    )


def test_header() -> None:
    result = run("{header: x-bid}", headers={"X-Bid": "7.25"})
    assert (result.value, result.detail) == ("7.25", 'got "7.25"')
    assert run("{header: X-None, default: '1'}").value == "1"


def test_a_broken_expression_is_a_problem_not_an_exception() -> None:
    result = run("{path: 'a['}")
    assert result.value is None
    assert result.problem is not None
    assert result.problem.startswith("invalid JMESPath")
    assert run("{regex: '(', default: d}").value == "d"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("p-1", "p-1"),
        (8.5, "8.5"),
        (1e20, "100000000000000000000"),
        (12, "12"),
        (True, "true"),
        (False, "false"),
        ({"a": [1, "x"]}, '{"a":[1,"x"]}'),
        ([1, 2], "[1,2]"),
    ],
)
def test_captures_are_strings_without_float_noise(value: object, text: str) -> None:
    assert as_capture(value) == text


def test_reasons_are_one_line() -> None:
    assert as_reason(["'Sinks' must not be empty.", "Zip is required"]) == (
        "'Sinks' must not be empty.; Zip is required"
    )
    assert as_reason("no\n  coverage\tin area") == "no coverage in area"
    long = as_reason("x" * 1000)
    assert len(long) == 300
    assert long.endswith("…")


@pytest.mark.parametrize(
    ("extractor", "words"),
    [
        ("Payout", "path Payout"),
        ("{regex: 'price: ([0-9.]+)'}", 'regex "price: ([0-9.]+)"'),
        ("{header: X-Bid, default: 0}", "header X-Bid (default 0)"),
    ],
)
def test_descriptions(extractor: str, words: str) -> None:
    assert describe_extractor(Extractor.model_validate(yaml.safe_load(extractor))) == words
