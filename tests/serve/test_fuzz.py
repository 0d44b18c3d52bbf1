"""Whatever a client sends, the answer is a JSON document and never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pingpost.sandbox import SandboxSpec, start_sandbox

from .helpers import ENV, LEAD, Running, buyer, call, running_service, write_config

FIELDS = ["FirstName", "Phone", "Email", "Zip", "State", "Colour", "\ud800", "", "Zip "]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.text(max_size=30), st.sampled_from(["94107", "(415) 555-0142", "a@b.co", "CA", "\udfff"]),
)  # fmt: skip
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=5)
leads = st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=8)), values)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENV.items():
            patch.setenv(name, value)
        spec = SandboxSpec.model_validate({"buyers": [buyer("a")]})
        with start_sandbox(spec, port=0) as sandbox:
            config = write_config(Path(root), sandbox.url, ["a"])
            with running_service(config) as running:
                yield running


def _answered_as_json(service: Running, body: bytes, query: str = "") -> int:
    headers = {"Content-Type": "application/json"}
    answer = call(f"{service.url}/v1/leads{query}", "POST", body, headers=headers)
    assert answer.status != 500, answer.body
    assert answer.content_type in ("application/json", "application/problem+json")
    json.loads(answer.body)
    return answer.status


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lead=leads)
@example(lead={"\ud800": "x"})
@example(lead={**LEAD, "FirstName": "\ud800"})
@example(lead={**LEAD, "Colour": ["\udfff"]})
def test_any_json_object(service: Running, lead: dict[str, object]) -> None:
    body = json.dumps(lead).encode()  # ASCII escapes: lone surrogates arrive as \ud800
    assert _answered_as_json(service, body) in (201, 200, 400, 422)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.binary(max_size=200),
    query=st.sampled_from(
        ["", "?lead_type=auto", "?lead_type=%00", "?lead_type=%ff", "?lead_type="]
    ),
)
def test_any_bytes(service: Running, body: bytes, query: str) -> None:
    _answered_as_json(service, body, query)
