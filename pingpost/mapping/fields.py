"""Lead -> buyer fields: sources, value maps, formats, required, dotted nesting.

A method's mappings are compiled once into a tuple of `FieldPlan`s (templates
compiled, formats parsed, nesting conflicts found); applying them to a lead is
then a plain loop. Order of work per field: source -> `default` when missing ->
`map` -> `format` -> omitted when still missing (or an error when required).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pingpost.config.models import LeadType, Scalar
from pingpost.config.models import Mapping as MappingSpec
from pingpost.mapping.formats import Formatter, parse_format
from pingpost.templating import MissingValue, compile_template, is_template
from pingpost.values import XML_NAME, text_value


class MappingError(ValueError):
    """A config-level problem in a method's mappings (bad template, format, name clash).

    `path` is the part of the phase at fault when known, e.g. ("mappings", "zip");
    `missing` is the value a template needed and did not have, if that is the cause."""

    path: tuple[str, ...] = ()
    missing: MissingValue | None = None


class LeadValueError(ValueError):
    """A lead value this buyer field cannot take (unmapped under strict_map, bad format)."""


@dataclass(frozen=True, slots=True)
class FieldPlan:
    name: str  # the buyer field, dotted for nesting
    source: str  # field | value | capture | template
    key: str | None  # the lead field or capture name
    constant: Any  # a static `value`
    template: str | None  # the template of a `value`/`template` source (compiled, cached)
    default: Scalar
    value_map: Mapping[str, Scalar] | None
    strict_map: bool
    format: str | None
    formatter: Formatter | None
    required: bool | None


# --------------------------------------------------------------------------- plans


def plan_mappings(
    mappings: Mapping[str, MappingSpec], *, content_type: str
) -> tuple[FieldPlan, ...]:
    """Compile a phase's mappings; for json and xml, dotted names must form a tree."""
    plans = tuple(_plan(name, spec) for name, spec in mappings.items())
    if content_type in ("json", "xml"):
        check_nesting((plan.name for plan in plans), xml=content_type == "xml")
    return plans


def _plan(name: str, spec: MappingSpec) -> FieldPlan:
    source = spec.source
    constant: Any = None
    template: str | None = None
    if source == "template" or (
        source == "value" and isinstance(spec.value, str) and is_template(spec.value)
    ):
        template = str(spec.template if source == "template" else spec.value)
        try:
            compile_template(template)
        except Exception as exc:
            raise MappingError(f"mapping `{name}`: template error: {exc}") from None
    elif source == "value":
        constant = spec.value
    formatter = None
    if spec.format is not None:
        try:
            formatter = parse_format(spec.format)
        except ValueError as exc:
            raise MappingError(f"mapping `{name}`: {exc}") from None
    return FieldPlan(
        name=name,
        source=source,
        key=spec.field if source == "field" else spec.capture,
        constant=constant,
        template=template,
        default=spec.default,
        value_map=spec.map,
        strict_map=spec.strict_map,
        format=spec.format,
        formatter=formatter,
        required=spec.required,
    )


def check_nesting(names: Iterable[str], *, xml: bool = False) -> None:
    """Dotted names must form a tree: `a` and `a.b` cannot both be fields."""
    leaves: set[tuple[str, ...]] = set()
    branches: set[tuple[str, ...]] = set()
    for name in names:
        parts = tuple(name.split("."))
        if "" in parts:
            raise MappingError(f"buyer field `{name}` has an empty name part")
        if xml:
            _check_xml_name(name, parts)
        for i in range(1, len(parts)):
            branches.add(parts[:i])
        leaves.add(parts)
    for clash in sorted(leaves & branches):
        joined = ".".join(clash)
        raise MappingError(
            f"buyer field `{joined}` is both a value and an object of other fields "
            f"(`{joined}.…`); rename one"
        )


def _check_xml_name(name: str, parts: tuple[str, ...]) -> None:
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if last and part == "#text":
            continue
        bare = part[1:] if last and part.startswith("@") else part
        if not XML_NAME.fullmatch(bare):
            raise MappingError(f"buyer field `{name}`: `{part}` is not a valid XML name")


# --------------------------------------------------------------------------- applying


def apply_mappings(
    plans: Iterable[FieldPlan],
    render: Callable[[str], str],
    *,
    lead_values: Mapping[str, Any],
    captures: Mapping[str, str],
    lead_type: LeadType | None = None,
) -> dict[str, Any]:
    """Buyer field -> value, in mapping order; missing optional values are left out.

    `render(template)` renders a text template in the request's context.
    """
    fields: dict[str, Any] = {}
    for plan in plans:
        try:
            value = _field_value(plan, render, lead_values, captures, lead_type)
        except MappingError as exc:
            exc.path = exc.path or ("mappings", plan.name)
            raise
        if value is not None:
            fields[plan.name] = value
    return fields


def _field_value(
    plan: FieldPlan,
    render: Callable[[str], str],
    lead_values: Mapping[str, Any],
    captures: Mapping[str, str],
    lead_type: LeadType | None,
) -> Any:
    """One buyer field's value (None: left out); MappingError when it cannot be made."""
    value = _source_value(plan, render, lead_values, captures, lead_type)
    if value is None and plan.default is not None:
        value = plan.default
    if value is not None and plan.value_map is not None:
        value = _mapped(plan, value)
    if value is not None and plan.formatter is not None:
        value = _formatted(plan, value)
    if value is None and _required(plan, lead_type):
        raise MappingError(_missing_message(plan))
    return value


def _source_value(
    plan: FieldPlan,
    render: Callable[[str], str],
    lead_values: Mapping[str, Any],
    captures: Mapping[str, str],
    lead_type: LeadType | None,
) -> Any:
    if plan.source == "field":
        if lead_type is not None and plan.key not in lead_type.fields:
            raise MappingError(
                f"mapping `{plan.name}`: lead type `{lead_type.name}` has no field `{plan.key}`"
            )
        return lead_values.get(plan.key or "")
    if plan.source == "capture":
        return captures.get(plan.key or "")
    if plan.template is None:
        return plan.constant
    try:
        text = render(plan.template)
    except MissingValue as missing:
        if missing.kind == "var":
            error = MappingError(f"mapping `{plan.name}`: {missing}")
            error.missing = missing
            raise error from None
        if missing.kind == "lead" and lead_type and missing.name not in lead_type.fields:
            raise MappingError(
                f"mapping `{plan.name}`: lead type `{lead_type.name}` has no field `{missing.name}`"
            ) from None
        return None  # a lead value or capture this lead does not have
    except Exception as exc:
        raise MappingError(f"mapping `{plan.name}`: template error: {exc}") from None
    return text or None  # a template that renders nothing leaves the field out


def _mapped(plan: FieldPlan, value: Any) -> Any:
    assert plan.value_map is not None
    key = text_value(value)
    if key in plan.value_map:
        return plan.value_map[key]
    if plan.strict_map:
        what = plan.key if plan.source in ("field", "capture") else plan.source
        message = f"{what}=`{key}` has no mapping for buyer field `{plan.name}`"
        if plan.source == "field":
            raise LeadValueError(message)
        raise MappingError(message)
    return value


def _formatted(plan: FieldPlan, value: Any) -> Any:
    assert plan.formatter is not None
    try:
        return plan.formatter(value)
    except (ValueError, TypeError, ArithmeticError) as exc:
        if plan.source == "field":
            raise LeadValueError(
                f"{plan.key}: format `{plan.format}` for buyer field `{plan.name}`: the value {exc}"
            ) from None
        raise MappingError(
            f"mapping `{plan.name}`: format `{plan.format}`: `{_short(value)}` {exc}"
        ) from None


def _required(plan: FieldPlan, lead_type: LeadType | None) -> bool:
    if plan.required is not None:
        return plan.required
    if plan.source == "capture":
        return True  # a post without the ping's id is useless to the buyer
    if plan.source == "field" and lead_type is not None and plan.key in lead_type.fields:
        return lead_type.fields[plan.key].required
    return False


def _missing_message(plan: FieldPlan) -> str:
    if plan.source == "field":
        return f"buyer field `{plan.name}` is required but the lead has no `{plan.key}`"
    if plan.source == "capture":
        return (
            f"buyer field `{plan.name}` needs the capture `{plan.key}`, which the ping did not "
            "provide"
        )
    return f"buyer field `{plan.name}` is required but its {plan.source} gave no value"


def nest(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted names -> nested objects (names are checked by `check_nesting` at plan time)."""
    root: dict[str, Any] = {}
    for name, value in fields.items():
        if "." not in name:
            root[name] = value
            continue
        *parents, leaf = name.split(".")
        node = root
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return root


def _short(value: Any) -> str:
    text = text_value(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."
