"""Defects found in review: strict booleans, `429`, exact decimals, optional vars, env literals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pingpost.config.friendly import _did_you_mean
from pingpost.config.models import DeliveryAccount

from .helpers import ACCOUNT, LEAD_TYPE, METHOD, check, found


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "column", "message"),
    [
        (
            "accounts/gold.yaml",
            "method: acme\n",
            "method: acme\nenabled: no\n",
            4,
            10,
            "delivery_account `gold` enabled: expected true or false, got `no`",
        ),
        (
            "accounts/gold.yaml",
            "method: acme\n",
            "method: acme\nenabled: 1\n",
            4,
            10,
            "delivery_account `gold` enabled: expected true or false, got `1`",
        ),
        (
            "lead_types/auto.yaml",
            "Zip: {type: zip, required: true}",
            "Zip: {type: zip, required: yes}",
            4,
            30,
            "lead_type `auto` fields.Zip.required: expected true or false, got `yes`",
        ),
        (
            "lead_types/auto.yaml",
            "Email: {type: email, pii: true}",
            'Email: {type: email, pii: "on"}',
            7,
            29,
            "lead_type `auto` fields.Email.pii: expected true or false, got `on`",
        ),
        (
            "methods/acme.yaml",
            "  url: https://acme.example/post\n",
            '  url: https://acme.example/post\n  include_ping_mappings: "yes"\n',
            17,
            26,
            "delivery_method `acme` post.include_ping_mappings: expected true or false, got `yes`",
        ),
    ],
)
def test_only_true_and_false_are_booleans(
    tmp_path: Path, file: str, old: str, new: str, line: int, column: int, message: str
) -> None:
    base = {"accounts/gold.yaml": ACCOUNT, "lead_types/auto.yaml": LEAD_TYPE}
    base["methods/acme.yaml"] = METHOD
    assert old in base[file]
    report = check(tmp_path, {file: base[file].replace(old, new, 1)})
    assert (Path(file).name, line, column, message) in found(report, "error")


def test_retry_on_429_unquoted_as_the_spec_writes_it(tmp_path: Path) -> None:
    method = METHOD.replace(
        "  url: https://acme.example/post\n",
        "  url: https://acme.example/post\n"
        "  retry: {attempts: 2, on: [connect, timeout, 5xx, 429]}\n"
        "  idempotency_key: {header: Idempotency-Key}\n",
    )
    report = check(tmp_path, {"methods/acme.yaml": method})
    assert report.errors == []
    assert report.config is not None
    assert report.config.methods["acme"].post.retry.on == ("connect", "timeout", "5xx", "429")


def test_a_bad_retry_code_is_refused_with_the_choices(tmp_path: Path) -> None:
    method = METHOD.replace(
        "  url: https://acme.example/post\n",
        "  url: https://acme.example/post\n  retry: {on: [connect, 503]}\n",
    )
    assert (
        "acme.yaml",
        17,
        25,
        "delivery_method `acme` post.retry.on[1]: expected one of connect, timeout, 5xx, 429, "
        "got `503`",
    ) in found(check(tmp_path, {"methods/acme.yaml": method}))


def test_the_value_itself_is_never_offered_as_its_correction() -> None:
    assert _did_you_mean("429", ["connect", "429"]) == ""
    assert _did_you_mean("jsn", ["json", "xml"]) == "; did you mean `json`?"


def test_money_keeps_every_digit_written(tmp_path: Path) -> None:
    account = ACCOUNT + "pricing: {min_bid: 250.00, max_bid: 12.345678901234567891}\n"
    report = check(tmp_path, {"accounts/gold.yaml": account})
    assert (
        "gold.yaml",
        5,
        37,
        "max_bid 12.345678901234567891 is below min_bid 250.00",
    ) in found(report, "error")


def test_an_exact_decimal_reaches_the_model(tmp_path: Path) -> None:
    account = ACCOUNT + "pricing: {max_bid: 12.345678901234567891, fixed_price: 10.10}\n"
    report = check(tmp_path, {"accounts/gold.yaml": account})
    assert report.config is not None, report.problems
    gold = report.config.accounts["gold"]
    assert isinstance(gold, DeliveryAccount)
    assert gold.pricing.max_bid == Decimal("12.345678901234567891")
    assert str(gold.pricing.fixed_price) == "10.10"


def test_a_number_out_of_bounds_is_shown_as_written(tmp_path: Path) -> None:
    method = METHOD.replace("timeout: 1.0", "timeout: 400.50")
    messages = [m for *_, m in found(check(tmp_path, {"methods/acme.yaml": method}))]
    assert "delivery_method `acme` ping.timeout: must be at most 300, got `400.50`" in messages


@pytest.mark.parametrize(
    "template",
    [
        "{{ account.vars.source | default('direct') }}",
        "{{ account.vars['source'] | d('direct') }}",
        "{% if account.vars.source is defined %}{{ account.vars.source }}{% else %}x{% endif %}",
    ],
)
def test_a_var_read_with_a_default_is_optional(tmp_path: Path, template: str) -> None:
    method = METHOD.replace('"{{ account.vars.source }}"', f'"{template}"')
    account = "kind: delivery_account\nname: gold\nmethod: acme\n"  # no vars at all
    report = check(tmp_path, {"methods/acme.yaml": method, "accounts/gold.yaml": account})
    assert report.errors == [], report.errors


def test_a_var_read_without_a_default_is_still_required(tmp_path: Path) -> None:
    account = "kind: delivery_account\nname: gold\nmethod: acme\n"
    report = check(tmp_path, {"accounts/gold.yaml": account})
    assert any("has no var `source`" in p.message for p in report.errors)


# --------------------------------------------------------------------------- env values


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


# --------------------------------------------------------------------------- unreadable files


@pytest.mark.parametrize(
    ("breakage", "line", "column"),
    [
        (("url: https://acme.example/ping", 'url: "https://acme.example/ping'), 9, 22),
        (("  timeout: 1.0", "\ttimeout: 1.0"), 6, 1),
    ],
)
def test_an_unreadable_file_causes_no_dangling_references(
    tmp_path: Path, breakage: tuple[str, str], line: int, column: int
) -> None:
    method = METHOD.replace(*breakage, 1)
    report = check(tmp_path, {"methods/acme.yaml": method})
    [(file, at_line, at_column, message)] = found(report, "error")
    assert (file, at_line, at_column) == ("acme.yaml", line, column)
    assert message.startswith("invalid YAML")
    assert not any("no delivery method" in p.message for p in report.problems)


def test_an_undecodable_file_is_named_on_a_dangling_reference(tmp_path: Path) -> None:
    from pingpost.config.loader import validate_config

    check(tmp_path)
    broken = tmp_path / "methods" / "acme.yaml"
    broken.write_bytes(METHOD.encode() + b"# \xff\n")
    messages = [m for *_, m in found(validate_config([tmp_path], env={}), "error")]
    assert f"no delivery method named `acme` (`{broken}` could not be read)" in messages
