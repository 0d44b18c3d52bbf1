"""The JSON Schema (draft 2020-12) of the config language, generated from the models.

Pydantic's schema describes the models; three things are added here:
- the YAML shorthands the models accept through before-validators (a mapping,
  a condition or an extractor given as a bare string);
- `kind` required in every document (the loader requires it);
- descriptions for editors (hover text), from the spec.

`pingpost schema > pingpost/schema/pingpost.schema.json` refreshes the committed
copy; a test fails when the copy drifts from the models.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from pingpost.config.models import DeliveryAccount, DeliveryMethod, LeadType, Settings, Source
from pingpost.config.schema_text import DESCRIPTIONS, MODEL_DESCRIPTIONS

DRAFT = "https://json-schema.org/draft/2020-12/schema"
_DOCUMENTS = ("LeadType", "DeliveryMethod", "DeliveryAccount", "Settings", "Source")
_SHORTHANDS = {
    "Mapping": "a lead field name: shorthand for {field: NAME}",
    "PathCondition": "a JMESPath expression, true when its result is truthy",
    "Extractor": "a JMESPath expression: shorthand for {path: EXPR}",
}

Document = Annotated[
    LeadType | DeliveryMethod | DeliveryAccount | Settings | Source, Field(discriminator="kind")
]


def json_schema() -> dict[str, Any]:
    """The schema as a dict, ready for `json.dumps`."""
    generated = TypeAdapter(Document).json_schema(mode="validation")
    defs: dict[str, Any] = generated.pop("$defs")
    for name, text in _SHORTHANDS.items():
        defs[f"{name}Object"] = defs.pop(name)
        # references to `name` keep working and now accept the string form too
        defs[name] = {
            "anyOf": [{"type": "string", "description": text}, {"$ref": f"#/$defs/{name}Object"}]
        }
    for name, definition in defs.items():
        _describe(name, definition)
    for name in _DOCUMENTS:
        required = defs[name].setdefault("required", [])
        if "kind" not in required:
            required.insert(0, "kind")
    status = defs["Response"]["properties"]["status"]
    status["propertyNames"] = {"pattern": "^[1-5][0-9][0-9]$"}
    return {
        "$schema": DRAFT,
        "title": "pingpost config document",
        "description": (
            "One YAML document of a pingpost config directory: a lead type, a delivery "
            "method, a delivery account, a lead source or the settings, chosen by `kind`."
        ),
        **generated,
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def _describe(name: str, definition: dict[str, Any]) -> None:
    if name in MODEL_DESCRIPTIONS:
        definition["description"] = MODEL_DESCRIPTIONS[name]
    for prop, spec in definition.get("properties", {}).items():
        spec.pop("title", None)  # "Min Bid" says less than the key itself
        text = DESCRIPTIONS.get(f"{name}.{prop}")
        if text:
            spec["description"] = text
