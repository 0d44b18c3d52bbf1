"""The JSON Schema: committed copy in sync, draft 2020-12, accepts the configs (shorthands too)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pingpost.config.schema import json_schema, schema_text

from .helpers import BASE, documents
from .schema_subset import errors

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "pingpost" / "schema" / "pingpost.schema.json"


def test_the_committed_schema_matches_the_models() -> None:
    assert json.loads(COMMITTED.read_text()) == json_schema(), (
        "pingpost/schema/pingpost.schema.json is out of date: run "
        "`pingpost schema > pingpost/schema/pingpost.schema.json`"
    )
    assert COMMITTED.read_text() == schema_text()


def test_it_is_draft_2020_12_over_the_five_kinds() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    kinds = {
        schema["$defs"][ref["$ref"].removeprefix("#/$defs/")]["properties"]["kind"]["const"]
        for ref in schema["oneOf"]
    }
    assert kinds == {"lead_type", "delivery_method", "delivery_account", "settings", "source"}
    for ref in schema["oneOf"]:
        assert "kind" in schema["$defs"][ref["$ref"].removeprefix("#/$defs/")]["required"]
    assert schema["$defs"]["Pricing"]["properties"]["min_bid"]["description"].startswith("Floor")


SHIPPED = [ROOT / "configs", ROOT / "examples" / "buyer-styles"]


@pytest.mark.parametrize("directory", SHIPPED, ids=lambda p: p.name)
def test_the_shipped_configs_match_the_schema(directory: Path) -> None:
    if not directory.is_dir():
        pytest.skip(f"{directory} is not there yet")
    schema = json_schema()
    for name, data in documents(directory):
        assert errors(schema, data) == [], name


def test_the_test_config_with_its_shorthands_matches(tmp_path: Path) -> None:
    for name, text in BASE.items():
        (tmp_path / name.replace("/", "_")).write_text(text)
    schema = json_schema()
    for name, data in documents(tmp_path):
        assert errors(schema, data) == [], name


@pytest.mark.parametrize(
    "document",
    [
        {"kind": "delivery_account", "name": "a", "method": "m", "enabled": "yes"},
        {"kind": "delivery_account", "name": "a", "method": "m", "methd": "m"},
        {"kind": "delivery_account", "name": "a"},
        {"kind": "nope", "name": "a"},
        {"name": "a", "method": "m"},
        {"kind": "settings", "auction": {"ping_deadline": 0}},
        {"kind": "settings", "serve": {"max_in_flight": 0}},
        {"kind": "source", "name": "s", "api_key": "k", "rate_limit": "50 per second"},
        {"kind": "source", "name": "s", "api_key": "k", "rate_limit": "0/s"},
        {"kind": "source", "name": "s"},
        {
            "kind": "delivery_method", "name": "m", "lead_type": "t",
            "ping": {"url": "u", "mappings": {"zip": 5}}, "post": {"url": "u"},
        },
        {
            "kind": "delivery_method", "name": "m", "lead_type": "t",
            "ping": {"url": "u", "response": {"status": {"abc": "reject"}}}, "post": {"url": "u"},
        },
    ],
)  # fmt: skip
def test_broken_documents_do_not_match(document: dict[str, Any]) -> None:
    assert errors(json_schema(), document) != []
