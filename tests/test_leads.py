"""Lead coercion and loading: every type, every bound, every problem listed at once."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pingpost.config.models import LeadType
from pingpost.errors import LeadError, UsageError
from pingpost.leads import (
    Lead,
    LeadJsonError,
    coerce_lead,
    decode_lead_json,
    load_lead,
    parse_lead_line,
)

LEAD_TYPE = LeadType.model_validate(
    {
        "kind": "lead_type",
        "name": "auto",
        "fields": {
            "FirstName": {"type": "string", "required": True, "pii": True},
            "Email": {"type": "email", "pii": True},
            "Phone": {"type": "phone", "pii": True},
            "ZipCode": {"type": "zip"},
            "State": {"type": "state"},
            "Age": {"type": "integer", "min": 18, "max": 120},
            "Income": {"type": "number", "min": 0},
            "Homeowner": {"type": "boolean"},
            "Coverage": {"type": "enum", "values": ["liability", "full"]},
            "BirthDate": {"type": "date"},
            "Code": {"type": "string", "pattern": "^[A-Z]{3}$", "min": 3, "max": 3},
        },
    }
)


def coerce(**values: Any) -> dict[str, Any]:
    return dict(coerce_lead({"FirstName": "Ada", **values}, LEAD_TYPE).values)


def problems(**values: Any) -> list[str]:
    with pytest.raises(LeadError) as info:
        coerce_lead({"FirstName": "Ada", **values}, LEAD_TYPE)
    return info.value.problems


@pytest.mark.parametrize(
    ("field", "given", "expected"),
    [
        ("FirstName", "  Ada  ", "  Ada  "),  # strings are kept exactly
        ("FirstName", 42, "42"),
        ("Age", 36, 36),
        ("Age", "36", 36),
        ("Age", " 36 ", 36),
        ("Age", Decimal("36.0"), 36),
        ("Income", "12.10", Decimal("12.10")),
        ("Income", Decimal("12.10"), Decimal("12.10")),
        ("Income", 12.5, Decimal("12.5")),
        ("Income", "1,250.50", Decimal("1250.50")),
        ("Homeowner", True, True),
        ("Homeowner", "false", False),
        ("Homeowner", " TRUE ", True),
        ("BirthDate", "1989-12-10", date(1989, 12, 10)),
        ("Email", " ada@example.com ", "ada@example.com"),
        ("Phone", "(415) 555-0100", "4155550100"),
        ("Phone", "+1 415.555.0100", "4155550100"),
        ("Phone", "1-415-555-0100", "4155550100"),
        ("Phone", "4155550100", "4155550100"),
        ("ZipCode", "94105", "94105"),
        ("ZipCode", "94105-1234", "94105-1234"),
        ("State", "ca", "CA"),
        ("State", " dc ", "DC"),
        ("Coverage", "full", "full"),
        ("Coverage", "FULL", "full"),  # matched case-insensitively, kept as configured
        ("Code", "ABC", "ABC"),
    ],
)
def test_coerces_each_type(field: str, given: Any, expected: Any) -> None:
    value = coerce(**{field: given})[field]
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("field", "given", "message"),
    [
        ("FirstName", ["Ada"], "must be a string, got a list"),
        ("FirstName", True, "must be a string, got a boolean"),
        ("FirstName", "a\ud800b", "unpaired surrogate"),
        ("Age", "36.5", "`36.5` is not a whole number"),
        ("Age", True, "must be a number, got a boolean"),
        ("Age", "old", "`old` is not a number"),
        ("Age", 17, "`17` is below the minimum 18"),
        ("Age", 121, "`121` is above the maximum 120"),
        ("Income", "NaN", "`NaN` is not a finite number"),
        ("Income", "-1", "`-1` is below the minimum 0"),
        ("Homeowner", "yes", "must be true or false, got `yes`"),
        ("Homeowner", 1, "must be true or false, got `1`"),
        ("BirthDate", "10/12/1989", "`10/12/1989` is not a date (YYYY-MM-DD)"),
        ("BirthDate", "1989-02-30", "`1989-02-30` is not a date (YYYY-MM-DD)"),
        ("BirthDate", "19891210", "is not a date"),
        ("Email", "ada.example.com", "the value is not an email address"),
        ("Phone", "555-0100", "the value is not a 10-digit US phone number"),
        ("Phone", "0155550100", "area code and exchange cannot start with 0 or 1"),
        ("Phone", "4151550100", "area code and exchange cannot start with 0 or 1"),
        ("Phone", "2415550100x", "not a 10-digit"),
        ("ZipCode", "9410", "`9410` is not a ZIP code (5 digits or ZIP+4)"),
        ("State", "XX", "`XX` is not a two-letter US state code"),
        ("Coverage", "partial", "`partial` is not one of: liability, full"),
        ("Code", "abc", "`abc` does not match the pattern `^[A-Z]{3}$`"),
        ("Code", "ABCD", "the length 4 is above the maximum 3"),
    ],
)
def test_refuses_bad_values(field: str, given: Any, message: str) -> None:
    (problem,) = problems(**{field: given})
    assert problem.startswith(f"{field}: ")
    assert message in problem


def test_a_zip_given_as_a_number_keeps_its_digits_and_no_more() -> None:
    assert coerce(ZipCode=94105)["ZipCode"] == "94105"
    (problem,) = problems(ZipCode=2134)  # leading zero lost upstream: refused, not guessed
    assert "`2134` is not a ZIP code" in problem


def test_null_and_blank_values_count_as_absent() -> None:
    values = coerce(Email=None, Age="", State="   ")
    assert "Email" not in values and "Age" not in values and "State" not in values


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(LeadError) as info:
        coerce_lead({"Emial": "x@example.com", "Age": 5, "State": "ZZ"}, LEAD_TYPE, source="l.json")
    found = info.value.problems
    assert len(found) == 4
    assert found[0].startswith("Emial: unknown field (did you mean `Email`?)")
    assert "FirstName: required field is missing" in found
    assert str(info.value).startswith("l.json is not a valid lead:\n  - ")


def test_pii_values_are_never_echoed() -> None:
    (problem,) = problems(Email="secret-address")
    assert "secret-address" not in problem


def test_a_lead_must_be_an_object() -> None:
    with pytest.raises(LeadError, match="a JSON object of fields, got a list"):
        coerce_lead([1, 2], LEAD_TYPE)


def test_lead_keeps_type_name_and_only_given_fields() -> None:
    lead = coerce_lead({"FirstName": "Ada", "Age": 30}, LEAD_TYPE)
    assert lead == Lead(lead_type="auto", values={"FirstName": "Ada", "Age": 30})


# --------------------------------------------------------------------------- loading


def test_load_lead_keeps_decimals_exact(tmp_path: Path) -> None:
    path = tmp_path / "lead.json"
    path.write_text('{"FirstName": "Ada", "Income": 12.10, "Age": 30.0}', encoding="utf-8")
    lead = load_lead(path, LEAD_TYPE)
    assert lead.values["Income"] == Decimal("12.10") and str(lead.values["Income"]) == "12.10"
    assert lead.values["Age"] == 30


def test_load_lead_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"lead file `.*nope\.json` not found"):
        load_lead(tmp_path / "nope.json", LEAD_TYPE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"FirstName": "Ada",}', "not valid JSON: Expecting property name"),
        ('{"FirstName": "Ada", "FirstName": "Bob"}', "field `FirstName` is given twice"),
        ('{"FirstName": "Ada", "Income": NaN}', "`NaN` is not a number"),
    ],
)
def test_load_lead_refuses_bad_json(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "lead.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LeadError, match=message) as info:
        load_lead(path, LEAD_TYPE)
    assert info.value.source == str(path)


def test_load_lead_refuses_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "lead.json"
    path.write_bytes(b'{"FirstName": "\xff"}')
    with pytest.raises(LeadError, match="not UTF-8"):
        load_lead(path, LEAD_TYPE)


def test_load_lead_reads_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"FirstName": "Ada"}'))
    assert load_lead(Path("-"), LEAD_TYPE).values == {"FirstName": "Ada"}


def test_parse_lead_line_locates_problems() -> None:
    assert parse_lead_line('{"FirstName": "Ada"}', LEAD_TYPE, line_no=1, source="b.jsonl")
    with pytest.raises(LeadError) as info:
        parse_lead_line('{"Age": 30}', LEAD_TYPE, line_no=7, source="b.jsonl")
    assert info.value.source == "b.jsonl:7"
    with pytest.raises(LeadError) as info:
        parse_lead_line("not json", LEAD_TYPE, line_no=8, source="b.jsonl")
    assert info.value.problems == ["not valid JSON: Expecting value at column 1"]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"a": "x\n', "not valid JSON: Invalid control character at column 9"),
        ('{"a": "xyz', "not valid JSON: Unterminated string starting at column 7"),
        ('{"a": 1} {"b": 2}', "not valid JSON: Extra data at column 10"),
    ],
)
def test_a_json_error_in_a_batch_line_names_its_column_once(line: str, problem: str) -> None:
    # the file's line number is in the source (`b.jsonl:3`); the column is within that line
    with pytest.raises(LeadError) as info:
        parse_lead_line(line, LEAD_TYPE, line_no=3, source="b.jsonl")
    assert (info.value.source, info.value.problems) == ("b.jsonl:3", [problem])
    assert "at at" not in str(info.value)


def test_a_json_error_in_a_lead_file_names_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "lead.json"
    path.write_text('{\n  "FirstName": "Ada\n}')
    with pytest.raises(LeadError) as info:
        load_lead(path, LEAD_TYPE)
    assert info.value.problems == ["not valid JSON: Invalid control character at line 2, column 20"]


@pytest.mark.parametrize(
    "text",
    [
        '{"FirstName": "Ada",}',
        '{"a": 1, "a": 2}',
        '{"a": Infinity}',
        "[" * 100_000,
        '{"a":' * 100_000,
    ],
)
def test_text_that_is_not_json_is_a_json_error_never_a_crash(text: str) -> None:
    with pytest.raises(LeadJsonError, match=r"not valid JSON|given twice|not a number"):
        decode_lead_json(text, "POST /v1/leads")


@pytest.mark.parametrize("text", ['{"\\ud800": 1}', '{"a": ["\\udfff"]}', '{"a": "x\\ud800"}'])
def test_a_lone_surrogate_is_not_json(text: str) -> None:
    with pytest.raises(LeadJsonError, match="half of a surrogate pair"):
        decode_lead_json(text)


def test_a_surrogate_pair_is_a_character() -> None:
    assert decode_lead_json('{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}


def test_a_lead_that_is_json_but_not_an_object_is_not_a_json_error() -> None:
    assert decode_lead_json("[1, 2]") == [1, 2]
    with pytest.raises(LeadError) as info:
        coerce_lead(decode_lead_json("[1, 2]"), LEAD_TYPE)
    assert not isinstance(info.value, LeadJsonError)
