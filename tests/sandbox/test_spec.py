"""The sandbox file: the default buyers, and located, helpful errors for bad files."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pytest

from pingpost.errors import ConfigError, UsageError
from pingpost.sandbox import SandboxSpec, load_sandbox_spec, parse_sandbox_spec

GOOD_BUYER = """\
  - name: a
    style: json_flag
    ping_path: /a/ping
    post_path: /a/post
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_sandbox_spec(textwrap.dedent(text), "s.yaml")
    return [f"{p.location()}: {p.message}" for p in info.value.problems]


def test_default_buyers_match_the_table_configs_are_written_against():
    spec = load_sandbox_spec()
    assert (spec.seed, spec.port) == (7, 8765)
    assert [(b.name, b.style) for b in spec.buyers] == [
        ("acme", "json_flag"),
        ("bluesky", "json_status"),
        ("crown", "xml"),
        ("delta", "form_loose"),
        ("echo", "text"),
        ("foxtrot", "not_found_404"),
        ("slowpoke", "json_status"),
        ("grumpy", "json_flag"),
        ("golf", "json_status"),
        ("hotel", "json_flag"),
        ("india", "xml"),
    ]
    foxtrot = spec.buyer("foxtrot")
    assert foxtrot.path_token and foxtrot.post_path == "/foxtrot/post/{token}"
    assert foxtrot.fault_shares("post") == {"post_reject": 0.3}
    assert spec.buyer("slowpoke").fault_shares("ping") == {"hang": 1.0}
    assert spec.buyer("slowpoke").fault_shares("post") == {}
    assert spec.buyer("grumpy").fault_shares("ping") == {"http_500": 1.0}
    assert spec.buyer("delta").token_key == "TXID"
    assert spec.buyer("acme").bid == (Decimal("8"), Decimal("20"))
    assert spec.buyer("golf").post_cap == 3
    assert [b.post_cap for b in spec.buyers if b.name != "golf"] == [None] * 10
    # every buyer's post carries the lead's phone digits where configs/ puts them
    assert {b.name: b.lead_field for b in spec.buyers if b.lead_field != "phone"} == {
        "acme": "contact.phone",
        "crown": "Contact.Phone",
        "delta": "Lead.Phone",
    }


def test_token_field_defaults_to_the_styles_field():
    spec = parse_sandbox_spec("buyers:\n" + GOOD_BUYER)
    assert spec.buyers[0].token_key == "TransactionId"
    assert spec.port == 8765 and spec.seed == 0 and spec.ledger


def test_unknown_key_is_located_with_a_suggestion():
    found = problems("buyers:\n" + GOOD_BUYER + "    latncy_ms: [1, 2]\n")
    assert found == [
        "s.yaml:6:5: buyers[0].latncy_ms: unknown key `latncy_ms` (did you mean `latency_ms`?)"
    ]


def test_bad_style_and_bad_share_are_located():
    found = problems(
        """\
        buyers:
          - name: a
            style: jsonflag
            ping_path: /a/ping
            post_path: /a/post
            faults: {hang: 1.5}
        """
    )
    assert found[0].startswith("s.yaml:3:5: buyers[0].style: Input should be 'json_flag'")
    assert found[1].startswith("s.yaml:6:14: buyers[0].faults.hang: Input should be less than")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    bid: [9, 1]\n", "`bid` must be [low, high] with 0 <= low <= high"),
        ("    latency_ms: [5, 1]\n", "`latency_ms` must be [low, high]"),
        ("    faults: {hang: 0.6, reset: 0.6}\n", "fault shares of the ping add up to 1.2"),
        ("    accepts: [{field: x, in: [1], gte: 2}]\n", "exactly one operator"),
        ("    accepts: [{field: x, matches: '('}]\n", "`matches` is not a valid regex"),
    ],
)
def test_buyer_checks(extra, message):
    (found,) = problems("buyers:\n" + GOOD_BUYER + extra)
    assert message in found
    assert found.startswith("s.yaml:")


def test_post_faults_only_count_against_the_post():
    spec = parse_sandbox_spec(
        "buyers:\n" + GOOD_BUYER + "    faults: {hang: 0.7, post_reject: 0.3}\n"
    )
    assert spec.buyers[0].fault_shares("ping") == {"hang": 0.7}
    assert spec.buyers[0].fault_shares("post") == {"hang": 0.7, "post_reject": 0.3}
    (found,) = problems("buyers:\n" + GOOD_BUYER + "    faults: {hang: 0.8, post_hang: 0.3}\n")
    assert "fault shares of the post add up to 1.1" in found


@pytest.mark.parametrize(
    ("ping", "post", "message"),
    [
        ("a/ping", "/a/post", "must be a URL path starting with /"),
        ("/a/ping?x=1", "/a/post", "no query"),
        ("/a/{token}", "/a/post", "only the post path may hold a placeholder"),
        ("/a/ping", "/a/post{token}", "whole path segment"),
        ("/a/ping", "/a/post/{id}", "only the post path may hold a placeholder"),
        ("/_sandbox/x", "/a/post", "reserved for the sandbox"),
        ("/a/ping", "/a/ping", "already used by a ping"),
    ],
)
def test_path_checks(ping, post, message):
    text = f"buyers:\n  - {{name: a, style: text, ping_path: '{ping}', post_path: '{post}'}}\n"
    (found,) = problems(text)
    assert message in found


def test_buyer_names_and_paths_are_unique_across_buyers():
    (found,) = problems("buyers:\n" + GOOD_BUYER + GOOD_BUYER)
    assert "two buyers are named `a`" in found
    other = GOOD_BUYER.replace("name: a", "name: b").replace("/a/post", "/b/post")
    (found,) = problems("buyers:\n" + GOOD_BUYER + other)
    assert "path /a/ping is already used by a ping" in found


def test_yaml_syntax_error_is_located():
    (found,) = problems("buyers:\n  - name: [a\n")
    assert found.startswith("s.yaml:3:1: not valid YAML")


@pytest.mark.parametrize("text", ["", "- a\n", "buyers: []\n"])
def test_a_file_without_buyers_is_refused(text):
    (found,) = problems(text)
    assert "buyers" in found


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match=r"no sandbox file at .*nope\.yaml"):
        load_sandbox_spec(tmp_path / "nope.yaml")


def test_model_validate_is_the_python_api():
    spec = SandboxSpec.model_validate(
        {"buyers": [{"name": "x", "style": "xml", "ping_path": "/p", "post_path": "/q"}]}
    )
    assert spec.buyers[0].latency_ms == (0.0, 0.0)
    summary = spec.summary("http://127.0.0.1:1")
    assert summary["buyers"][0]["ping_url"] == "http://127.0.0.1:1/p"


def test_the_faults_example_switches_every_mode_on():
    from pathlib import Path

    path = Path(__file__).parents[2] / "examples" / "sandbox-faults.yaml"
    spec = load_sandbox_spec(path)
    modes = {mode for buyer in spec.buyers for mode in buyer.faults.active()}
    assert modes == {
        "hang",
        "drip",
        "reset",
        "http_500",
        "garbage",
        "oversized",
        "post_reject",
        "post_hang",
    }
    assert all(buyer.faults.active() for buyer in spec.buyers)
    assert spec.buyer("chaos").post_price_delta == Decimal("-1.5")


def test_post_cap_and_lead_field_are_checked():
    assert problems("buyers:\n" + GOOD_BUYER + "    post_cap: -1\n") == [
        "s.yaml:6:5: buyers[0].post_cap: Input should be greater than or equal to 0"
    ]
    assert problems("buyers:\n" + GOOD_BUYER + "    lead_field: ''\n") == [
        "s.yaml:6:5: buyers[0].lead_field: String should have at least 1 character"
    ]
    spec = parse_sandbox_spec("buyers:\n" + GOOD_BUYER + "    post_cap: 0\n    lead_field: a.b\n")
    assert (spec.buyers[0].post_cap, spec.buyers[0].lead_field) == (0, "a.b")
    summary = spec.summary("http://x")["buyers"][0]
    assert (summary["post_cap"], summary["lead_field"]) == (0, "a.b")
