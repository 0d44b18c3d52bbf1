"""Scalars in configs: strict booleans, retry codes as the spec writes them, exact decimals,
numbers shown as written, and vars that a `default` makes optional."""

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
