"""Mappings: every source, modifier and format; required; nesting."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from pingpost.config.models import LeadType
from pingpost.config.models import Mapping as MappingSpec
from pingpost.mapping import (
    LeadValueError,
    MappingError,
    apply_mappings,
    check_nesting,
    nest,
    parse_format,
    plan_mappings,
)
from pingpost.templating import AccountVars, Captures, LeadValues, render_template, template_globals

LEAD_TYPE = LeadType.model_validate(
    {
        "kind": "lead_type",
        "name": "auto",
        "fields": {
            "Name": {"type": "string", "required": True},
            "Email": {"type": "email"},
            "Age": {"type": "integer"},
            "Homeowner": {"type": "boolean"},
            "Coverage": {"type": "enum", "values": ["liability", "full"]},
        },
    }
)
LEAD = {"Name": "Ada", "Age": 36, "Homeowner": True, "Coverage": "full"}


def apply(
    mappings: dict[str, Any],
    lead: dict[str, Any] | None = None,
    captures: dict[str, str] | None = None,
    *,
    lead_type: LeadType | None = LEAD_TYPE,
) -> dict[str, Any]:
    specs = {k: MappingSpec.model_validate(v) for k, v in mappings.items()}
    plans = plan_mappings(specs, content_type="json")
    values = LEAD if lead is None else lead
    context = {
        **template_globals(),
        "lead": LeadValues(values),
        "ping": Captures(captures or {}),
        "account": {"name": "a", "vars": AccountVars({"src": "S-1"}, "a")},
    }
    return apply_mappings(
        plans,
        lambda source: render_template(source, "text", context),
        lead_values=values,
        captures=captures or {},
        lead_type=lead_type,
    )


# --------------------------------------------------------------------------- sources


def test_sources_field_value_capture_template() -> None:
    fields = apply(
        {
            "name": "Name",
            "age": {"field": "Age"},
            "vertical": {"value": "auto"},
            "count": {"value": 3},
            "source": {"value": "{{ account.vars.src }}"},
            "ping_id": {"capture": "ping_id"},
            "band": {"template": "{{ (lead.Age // 10) * 10 }}"},
        },
        captures={"ping_id": "p-1"},
    )
    assert fields == {
        "name": "Ada",
        "age": 36,
        "vertical": "auto",
        "count": 3,
        "source": "S-1",
        "ping_id": "p-1",
        "band": "30",  # templates give text; add `format: int` for a number
    }


def test_a_lead_value_is_never_itself_a_template() -> None:
    fields = apply({"name": "Name", "t": {"template": "{{ lead.Name }}"}}, {"Name": "{{ 7*7 }}"})
    assert fields == {"name": "{{ 7*7 }}", "t": "{{ 7*7 }}"}


def test_mapping_order_is_kept() -> None:
    fields = apply({"z": {"value": 1}, "a": {"value": 2}, "m": {"value": 3}})
    assert list(fields) == ["z", "a", "m"]


# --------------------------------------------------------------------------- modifiers


def test_default_applies_only_when_missing() -> None:
    mappings = {"email": {"field": "Email", "default": "none@example.com"}}
    assert apply(mappings) == {"email": "none@example.com"}
    assert apply(mappings, {**LEAD, "Email": "a@b.co"}) == {"email": "a@b.co"}


def test_map_compares_text_and_booleans_as_true_false() -> None:
    fields = apply(
        {
            "own": {"field": "Homeowner", "map": {True: "Y", False: "N"}},
            "age": {"field": "Age", "map": {"36": "thirty-six"}},
            "cov": {"field": "Coverage", "map": {"liability": "L"}},  # unmapped: passes through
        }
    )
    assert fields == {"own": "Y", "age": "thirty-six", "cov": "full"}


def test_map_to_null_leaves_the_field_out() -> None:
    assert apply({"cov": {"field": "Coverage", "map": {"full": None}}}) == {}


def test_strict_map_refuses_an_unmapped_lead_value_as_a_lead_problem() -> None:
    mappings = {"cov": {"field": "Coverage", "map": {"liability": "L"}, "strict_map": True}}
    with pytest.raises(
        LeadValueError, match="Coverage=`full` has no mapping for buyer field `cov`"
    ):
        apply(mappings)


def test_strict_map_on_a_template_is_a_config_problem() -> None:
    mappings = {"t": {"template": "x", "map": {"y": "1"}, "strict_map": True}}
    with pytest.raises(MappingError, match="has no mapping for buyer field `t`"):
        apply(mappings)


def test_default_goes_through_map_and_format() -> None:
    fields = apply({"own": {"field": "Homeowner", "default": False, "format": "yes_no"}}, {})
    assert fields == {"own": "No"}


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        ("digits", "(415) 555-0100", "4155550100"),
        ("digits", "٣٤", ""),  # only ASCII digits count
        ("upper", "ca", "CA"),
        ("lower", "CA", "ca"),
        ("title", "ada lovelace", "Ada Lovelace"),
        ("trim", "  x  ", "x"),
        ("int", "36", 36),
        ("int", Decimal("36.5"), 37),  # half up
        ("int", 36.4, 36),
        ("decimal:2", "12.5", Decimal("12.50")),
        ("decimal:0", Decimal("2.5"), Decimal("3")),
        ("date:%m/%d/%Y", date(1989, 12, 10), "12/10/1989"),
        ("date:%Y%m%d", "1989-12-10", "19891210"),
        ("yes_no", True, "Yes"),
        ("yes_no", "n", "No"),
        ("true_false", "yes", True),
        ("true_false", False, False),
        ("one_zero", True, 1),
        ("one_zero", "false", 0),
        ("upper", True, "TRUE"),
    ],
)
def test_formats(spec: str, value: Any, expected: Any) -> None:
    result = parse_format(spec)(value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    "spec", ["shout", "decimal", "decimal:x", "decimal:99", "date:", "upper:1"]
)
def test_unknown_formats_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        parse_format(spec)


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        ("int", "abc"),
        ("int", True),
        ("decimal:2", "NaN"),
        ("date:%Y", "10/12/1989"),
        ("yes_no", "maybe"),
    ],
)
def test_format_failures(spec: str, value: Any) -> None:
    with pytest.raises(ValueError):
        parse_format(spec)(value)


def test_a_format_failure_on_a_lead_value_is_a_lead_problem() -> None:
    with pytest.raises(LeadValueError, match="Name: format `int` for buyer field `n`"):
        apply({"n": {"field": "Name", "format": "int"}})


def test_a_format_failure_on_a_template_is_a_config_problem() -> None:
    with pytest.raises(MappingError, match="mapping `n`: format `int`"):
        apply({"n": {"template": "{{ lead.Name }}", "format": "int"}})


def test_a_bad_format_is_refused_when_planning() -> None:
    with pytest.raises(MappingError, match="mapping `n`: unknown format `nope`"):
        plan_mappings({"n": MappingSpec(field="Name", format="nope")}, content_type="json")


# --------------------------------------------------------------------------- required


def test_missing_optional_values_leave_the_field_out() -> None:
    fields = apply(
        {
            "email": "Email",
            "t": {"template": "{{ lead.Email }}"},
            "guarded": {"template": "{% if lead.Email is defined %}{{ lead.Email }}{% endif %}"},
        },
        {"Name": "Ada"},
    )
    assert fields == {}


def test_required_true_makes_a_missing_value_an_error() -> None:
    with pytest.raises(MappingError, match="buyer field `email` is required but the lead has no"):
        apply({"email": {"field": "Email", "required": True}}, {"Name": "Ada"})
    with pytest.raises(MappingError, match="buyer field `t` is required but its template gave"):
        apply({"t": {"template": "{{ lead.Email }}", "required": True}}, {"Name": "Ada"})


def test_required_defaults_to_the_lead_fields_required() -> None:
    # A Lead built without coercion may lack a required field: the mapping still refuses it.
    with pytest.raises(MappingError, match="`name` is required"):
        apply({"name": "Name"}, {})
    assert apply({"name": "Name"}, {}, lead_type=None) == {}


def test_a_capture_is_required_unless_said_otherwise() -> None:
    with pytest.raises(MappingError, match="needs the capture `ping_id`, which the ping did not"):
        apply({"ping_id": {"capture": "ping_id"}})
    assert apply({"ping_id": {"capture": "ping_id", "required": False}}) == {}


def test_an_unknown_lead_field_is_a_config_problem_when_the_lead_type_is_known() -> None:
    with pytest.raises(MappingError, match="lead type `auto` has no field `Emial`"):
        apply({"email": "Emial"})
    with pytest.raises(MappingError, match="mapping `t`: lead type `auto` has no field `Emial`"):
        apply({"t": {"template": "{{ lead.Emial }}"}})
    assert apply({"t": {"template": "{{ lead.Emial }}"}}, lead_type=None) == {}


def test_a_missing_account_var_is_a_config_problem() -> None:
    with pytest.raises(MappingError, match="account `a` does not set the var `nope`"):
        apply({"s": {"value": "{{ account.vars.nope }}"}})


# --------------------------------------------------------------------------- nesting


def test_nest_builds_objects_from_dotted_names() -> None:
    assert nest({"a": 1, "b.c": 2, "b.d.e": 3, "b.f": 4}) == {
        "a": 1,
        "b": {"c": 2, "d": {"e": 3}, "f": 4},
    }


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["a", "a.b"], "`a` is both a value and an object"),
        (["x.y.z", "x.y"], "`x.y` is both a value and an object"),
        (["a..b"], "empty name part"),
    ],
)
def test_nesting_clashes_are_refused(names: list[str], message: str) -> None:
    with pytest.raises(MappingError, match=message):
        check_nesting(names)


def test_xml_names_are_checked() -> None:
    check_nesting(["Lead.Name", "Lead.@id", "Price.#text", "Price.@currency", "ns:Tag"], xml=True)
    with pytest.raises(MappingError, match="`1st` is not a valid XML name"):
        check_nesting(["Driver.1st"], xml=True)
    with pytest.raises(MappingError, match="`@id` is not a valid XML name"):
        check_nesting(["@id.x"], xml=True)


def test_form_names_stay_literal() -> None:
    specs = {"Source.Key": MappingSpec(value="k"), "Source": MappingSpec(value="s")}
    assert len(plan_mappings(specs, content_type="form")) == 2  # no clash: names are literal
    with pytest.raises(MappingError):
        plan_mappings(specs, content_type="json")
