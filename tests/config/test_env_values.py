"""`${ENV}` values are literal text wherever they go: never template source, never leaked."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import check, found

ENV_METHOD = """\
kind: delivery_method
name: acme
lead_type: auto
ping:
  url: "https://acme.example/ping/${PATH_PART}"
  headers: {X-Token: "t=${TOKEN}", X-Zip: "{{ lead.Zip }}"}
  auth: {type: bearer, token: "${TOKEN}"}
  mappings:
    zip: Zip
    key: {value: "k:${TOKEN}"}
    both: {template: "{{ lead.State }}/${TOKEN}"}
  body: |
    {"zip": {{ fields.zip }}, "key": {{ fields.key }}, "both": {{ fields.both }},
     "raw": "${TOKEN}"}
  response: {accept: {path: status, equals: ok}}
post:
  url: https://acme.example/post
  response: {accept: {path: status, equals: ok}}
"""


def _rendered(tmp_path: Path, env: dict[str, str]) -> tuple[object, list[str]]:
    from pingpost.leads import coerce_lead
    from pingpost.render import render_request

    method = ENV_METHOD
    if '"' in env["TOKEN"]:  # the author's raw `"${TOKEN}"` in a JSON body cannot hold one
        method = method.replace(',\n     "raw": "${TOKEN}"', "")
    report = check(tmp_path, {"methods/acme.yaml": method}, env=env)
    assert report.config is not None, report.problems
    method = report.config.methods["acme"]
    lead_type = report.config.lead_types["auto"]
    lead = coerce_lead(lead_type.sample, lead_type, source="sample")
    request = render_request(method, "ping", lead, lead_type=lead_type)
    return request, [p.message for p in report.problems]


@pytest.mark.parametrize(
    "token",
    [
        "s3cr3t-token",  # an ordinary secret
        "abc{{ hunter2 topsecret }}",  # would not compile as a template
        "{{ lead.Zip }}",  # would be executed as a template (injection)
        '{% endraw %}{{ lead.Zip }}%}#}{#"\\u00e9',
    ],
)
def test_an_env_value_is_literal_text_everywhere(tmp_path: Path, token: str) -> None:
    import json

    request, messages = _rendered(tmp_path, {"TOKEN": token, "PATH_PART": "p-001"})
    assert not any("template" in m for m in messages), messages
    headers = dict(request.headers)  # type: ignore[attr-defined]
    assert headers["X-Token"] == f"t={token}"
    assert headers["Authorization"] == f"Bearer {token}"
    assert headers["X-Zip"] == "90210"
    assert request.url == "https://acme.example/ping/p-001"  # type: ignore[attr-defined]
    data = json.loads(request.body)  # type: ignore[attr-defined]
    assert data["key"] == f"k:{token}"
    assert data["both"] == f"CA/{token}"
    assert data.get("raw", token) == token
    assert "90210" not in token and data["zip"] == "90210"


def test_an_env_value_in_a_url_keeps_its_characters(tmp_path: Path) -> None:
    request, _ = _rendered(tmp_path, {"TOKEN": "tok-1", "PATH_PART": "a%7Bb{c}"})
    assert request.url == "https://acme.example/ping/a%7Bb{c}"  # type: ignore[attr-defined]


def test_an_env_value_with_template_syntax_is_neither_leaked_nor_run(tmp_path: Path) -> None:
    method = ENV_METHOD.replace('X-Zip: "{{ lead.Zip }}"', 'X-Zip: "{{ lead.Zip"')
    env = {"TOKEN": "abc{{ hunter2 topsecret }}", "PATH_PART": "part"}
    report = check(tmp_path, {"methods/acme.yaml": method}, env=env)
    text = " ".join(p.message for p in report.problems)
    assert "hunter2" not in text and "topsecret" not in text
    assert "template error" in text  # the author's own broken `{{ lead.Zip` still is one


def test_a_template_error_in_a_string_holding_a_secret_is_masked(tmp_path: Path) -> None:
    method = ENV_METHOD.replace('"t=${TOKEN}"', '"{{ lead.Zip | nosuch }}${TOKEN}"')
    env = {"TOKEN": "tok-1", "PATH_PART": "part"}
    report = check(tmp_path, {"methods/acme.yaml": method}, env=env)
    assert (
        "acme.yaml",
        6,
        22,
        "template error (details hidden: the value holds an environment secret)",
    ) in found(report, "error")


def test_an_env_reference_inside_a_template_tag_is_refused(tmp_path: Path) -> None:
    method = ENV_METHOD.replace('"t=${TOKEN}"', "\"{{ lead.Zip ~ '${TOKEN}' }}\"")
    env = {"TOKEN": "' ~ lead.Email ~ '", "PATH_PART": "part"}
    report = check(tmp_path, {"methods/acme.yaml": method}, env=env)
    assert (
        "acme.yaml",
        6,
        22,
        "`${TOKEN}` is inside a template tag: an environment value is inserted as literal "
        "text, never as template code; move it out of the `{{ … }}` / `{% … %}`",
    ) in found(report, "error")
