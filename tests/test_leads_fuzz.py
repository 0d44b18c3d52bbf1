"""P8 for leads: whatever the text, loading a lead returns a Lead or raises LeadError
with located problems; never another exception, never a hang (as the config loader's
fuzz tests do for YAML)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pingpost.config.models import LeadType
from pingpost.errors import LeadError
from pingpost.leads import coerce_lead, load_lead, parse_lead_line

LEAD_TYPE = LeadType.model_validate(
    {
        "kind": "lead_type",
        "name": "auto",
        "fields": {
            "FirstName": {"type": "string", "required": True, "pii": True},
            "Phone": {"type": "phone", "pii": True},
            "Age": {"type": "integer", "min": 18, "max": 120},
            "Income": {"type": "number", "min": 0},
            "Homeowner": {"type": "boolean"},
            "BirthDate": {"type": "date"},
            "Code": {"type": "string", "pattern": "^[A-Z]{3}$"},
        },
    }
)

TOKENS = [
    "{", "}", "[", "]", '"', ":", ",", " ", "\n", '"FirstName"', '"Age"', '"Income"',
    '"Phone"', '"BirthDate"', '"Homeowner"', '"Code"', '"Ada"', "0", "-", ".", "e", "E",
    "9" * 50, "9" * 5_000, "1e999999999", "1e-999999999", "1e" + "9" * 60, "true",
    "false", "null", "NaN", "Infinity", "\\u", "\\ud800", "\\n", "\\", "é", "\x00", "\ufeff",
    "[" * 3_000,
    '"' + "x" * 10_000 + '"', '"2024-02-30"', '"1e999999"',
]  # fmt: skip
jsonish = st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)
VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.decimals(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["1e999999999", "9" * 200, " 36 ", "(415) 555-0100", "2024-02-29"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
FIELDS = st.sampled_from([*LEAD_TYPE.fields, "Nope", ""])


def _refused_or_read(load: Any) -> None:
    try:
        load()
    except LeadError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)


@settings(max_examples=300, deadline=None)
@given(st.one_of(jsonish, st.text(max_size=60)))
def test_a_batch_line_is_a_lead_or_a_located_lead_error(text: str) -> None:
    def load() -> None:
        try:
            parse_lead_line(text, LEAD_TYPE, line_no=7, source="b.jsonl")
        except LeadError as exc:
            assert exc.source == "b.jsonl:7"
            raise

    _refused_or_read(load)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(FIELDS, VALUES, max_size=6))
def test_any_json_values_coerce_or_are_refused_field_by_field(data: dict[str, Any]) -> None:
    _refused_or_read(lambda: coerce_lead(data, LEAD_TYPE))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(jsonish, st.binary(max_size=40).map(lambda b: b.decode("latin-1"))))
def test_a_lead_file_is_a_lead_or_a_located_lead_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "lead.json"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))

    def load() -> None:
        try:
            load_lead(path, LEAD_TYPE)
        except LeadError as exc:
            assert exc.source == str(path)
            raise

    _refused_or_read(load)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[" * 100_000, "not valid JSON: nested too deeply"),
        ("9" * 5_000, "a number has more than 4300 digits"),
        ("1e" + "9" * 60, "a number's exponent is out of range"),  # found by the fuzzer
        ('"1e999999999"', "Age: `1e999999999` is too long a number (at most 100 digits)"),
        ("1e999999999", "Age: `1E+999999999` is too long a number (at most 100 digits)"),
        ("9" * 200, "Age: `9999999999999999999999999999999999999...` is too long a number"),
    ],
)
def test_absurd_numbers_and_nesting_are_located_lead_errors(
    tmp_path: Path, value: str, message: str
) -> None:
    path = tmp_path / "lead.json"
    path.write_text('{"FirstName": "Ada", "Age": ' + value + "}")
    with pytest.raises(LeadError) as info:
        load_lead(path, LEAD_TYPE)
    assert info.value.source == str(path)
    assert any(p.startswith(message) for p in info.value.problems), info.value.problems


def test_a_hundred_digit_number_is_still_a_number() -> None:
    lead = coerce_lead({"FirstName": "Ada", "Income": "9" * 100}, LEAD_TYPE)
    assert lead.values["Income"] == Decimal("9" * 100)
