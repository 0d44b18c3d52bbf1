"""A small JSON Schema checker for the keywords `pingpost schema` uses (no extra dependency).

It refuses schemas with keywords it does not know, so a schema change that it
cannot judge fails loudly instead of passing silently.
"""

from __future__ import annotations

import re
from typing import Any

ANNOTATIONS = {"title", "description", "default", "discriminator", "$schema", "$defs"}
KEYWORDS = ANNOTATIONS | {
    "$ref", "type", "enum", "const", "properties", "additionalProperties", "required",
    "items", "anyOf", "oneOf", "minimum", "maximum", "exclusiveMinimum", "minLength",
    "pattern", "propertyNames", "prefixItems", "minItems", "maxItems",
}  # fmt: skip
_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def errors(schema: dict[str, Any], value: Any, root: dict[str, Any] | None = None) -> list[str]:
    """Every reason `value` does not match `schema` (empty when it matches)."""
    root = root or schema
    unknown = set(schema) - KEYWORDS
    assert not unknown, f"schema keywords this checker does not know: {unknown}"
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return errors(root["$defs"][name], value, root)
    found: list[str] = []
    if "type" in schema and not _TYPES[schema["type"]](value):
        return [f"{value!r} is not {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        found.append(f"{value!r} != {schema['const']!r}")
    found += _number(schema, value) + _string(schema, value)
    if isinstance(value, dict):
        found += _object(schema, value, root)
    if isinstance(value, list):
        found += _array(schema, value, root)
    if "anyOf" in schema and all(errors(s, value, root) for s in schema["anyOf"]):
        found.append(f"{value!r} matches none of anyOf")
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not errors(s, value, root)]
        if len(matching) != 1:
            found.append(f"{value!r} matches {len(matching)} of oneOf")
    return found


def _array(schema: dict[str, Any], value: list[Any], root: dict[str, Any]) -> list[str]:
    out = []
    if "minItems" in schema and len(value) < schema["minItems"]:
        out.append(f"{value!r} has fewer than {schema['minItems']} items")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        out.append(f"{value!r} has more than {schema['maxItems']} items")
    prefix = schema.get("prefixItems", [])
    for item_schema, item in zip(prefix, value, strict=False):
        out += errors(item_schema, item, root)
    if "items" in schema:
        for item in value[len(prefix) :]:
            out += errors(schema["items"], item, root)
    return out


def _number(schema: dict[str, Any], value: Any) -> list[str]:
    if not _TYPES["number"](value):
        return []
    out = []
    if "minimum" in schema and value < schema["minimum"]:
        out.append(f"{value} < minimum")
    if "maximum" in schema and value > schema["maximum"]:
        out.append(f"{value} > maximum")
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        out.append(f"{value} <= exclusiveMinimum")
    return out


def _string(schema: dict[str, Any], value: Any) -> list[str]:
    if not isinstance(value, str):
        return []
    out = []
    if "minLength" in schema and len(value) < schema["minLength"]:
        out.append(f"{value!r} too short")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        out.append(f"{value!r} does not match {schema['pattern']}")
    return out


def _object(schema: dict[str, Any], value: dict[str, Any], root: dict[str, Any]) -> list[str]:
    out = [f"missing {k}" for k in schema.get("required", []) if k not in value]
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if "propertyNames" in schema:
            out += errors(schema["propertyNames"], key, root)
        if key in properties:
            out += errors(properties[key], item, root)
        elif extra is False:
            out.append(f"unknown key {key!r}")
        elif isinstance(extra, dict):
            out += errors(extra, item, root)
    return out
