"""Buyers with a post cap, shared leads, and the ledger's post counts per lead (real HTTP)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pingpost.cli.app import app
from tests.integration.sandbox_fixtures import buyer_dict

from .client import call

ROOT = Path(__file__).resolve().parents[2]


def ping_post(url: str, name: str, lead: dict, token_key: str = "pingToken") -> dict:
    """Ping buyer `name` with `lead`, then post it with the token; the post's JSON answer."""
    token = call(f"{url}/{name}/ping", body=lead).json()[token_key]
    return call(f"{url}/{name}/post", body={**lead, token_key: token}).json()


def test_a_capped_buyer_rejects_posts_past_its_cap_until_reset(make_sandbox):
    sb = make_sandbox({"buyers": [buyer_dict("capped", post_cap=2)]})
    answers = [ping_post(sb.url, "capped", {"n": n})["status"] for n in range(4)]
    assert answers == ["success", "success", "rejected", "rejected"]
    assert ping_post(sb.url, "capped", {"n": 9}) == {"status": "rejected", "message": "cap reached"}
    posts = sb.ledger(phase="post")
    assert [e["outcome"] for e in posts] == ["accepted"] * 2 + ["rejected"] * 3
    assert posts[-1]["note"] == "cap reached: 2 posts accepted" and posts[-1]["status"] == 200
    pings = sb.ledger(phase="ping")
    assert all(e["outcome"] == "accepted" for e in pings)  # a capped buyer still bids
    sb.reset()
    assert ping_post(sb.url, "capped", {"n": 1})["status"] == "success"


def test_only_accepted_posts_count_towards_the_cap(make_sandbox):
    sb = make_sandbox({"buyers": [buyer_dict("capped", post_cap=1)]})
    bad = call(f"{sb.url}/capped/post", body={"n": 1, "pingToken": "forged"}).json()
    assert bad == {"status": "rejected", "message": "invalid token"}
    assert ping_post(sb.url, "capped", {"n": 1})["status"] == "success"
    assert ping_post(sb.url, "capped", {"n": 2})["message"] == "cap reached"


@pytest.mark.parametrize(
    ("style", "token_key", "status", "needle"),
    [
        ("json_flag", "TransactionId", 200, b'"Message": "cap reached"'),
        ("not_found_404", "token", 404, b'{"error": "cap reached"}'),
    ],
)
def test_cap_reached_is_said_in_the_styles_post_rejection(
    make_sandbox, style, token_key, status, needle
):
    sb = make_sandbox({"buyers": [buyer_dict("c", style=style, post_cap=0)]})
    token = call(f"{sb.url}/c/ping", body={"n": 1}).json()[token_key]
    post = call(f"{sb.url}/c/post", body={"n": 1, token_key: token})
    assert post.status == status and needle in post.body


def test_a_shared_lead_is_bought_by_several_buyers_and_counted_per_buyer(make_sandbox):
    names = ("hotel", "india", "juliet")
    sb = make_sandbox({"buyers": [buyer_dict(n, lead_field="contact.phone") for n in names]})
    lead = {"state": "CA", "contact": {"phone": "2125550199"}}
    with ThreadPoolExecutor(3) as pool:  # posted in parallel, as a shared sale is
        answers = list(pool.map(lambda n: ping_post(sb.url, n, lead), names))
    assert [a["status"] for a in answers] == ["success"] * 3
    assert sb.post_counts("2125550199") == {"2125550199": dict.fromkeys(names, 1)}
    assert [e["lead"] for e in sb.ledger(phase="post")] == ["2125550199"] * 3
    assert all(e["lead"] is None for e in sb.ledger(phase="ping"))


def test_a_lead_posted_twice_to_one_buyer_shows_in_its_count(make_sandbox):
    sb = make_sandbox({"buyers": [buyer_dict("a"), buyer_dict("b")]})  # no lead_field
    lead = {"state": "CA", "phone": "2125550199"}
    ping_post(sb.url, "a", lead)
    ping_post(sb.url, "a", lead)  # another token, the same lead
    ping_post(sb.url, "b", lead)
    ping_post(sb.url, "a", {**lead, "phone": "3105550100"})
    counts = sb.post_counts()
    assert sorted(counts.values(), key=len) == [{"a": 1}, {"a": 2, "b": 1}]
    assert all(key.startswith("fp:") for key in counts)  # the same fields: the same print
    assert max(n for per_buyer in counts.values() for n in per_buyer.values()) == 2


def test_a_post_without_the_lead_field_falls_back_to_its_fingerprint(make_sandbox):
    sb = make_sandbox({"buyers": [buyer_dict("a", lead_field="phone")]})
    ping_post(sb.url, "a", {"phone": 2125550199})
    ping_post(sb.url, "a", {"email": "a@example.com"})
    assert sorted(sb.post_counts()) == ["2125550199", sb.ledger(phase="post")[1]["lead"]]
    assert sb.ledger(phase="post")[1]["lead"].startswith("fp:")


def test_posts_endpoint_and_its_lead_filter(make_sandbox):
    sb = make_sandbox({"buyers": [buyer_dict("a", lead_field="phone")]})
    for phone in ("1", "2", "2"):
        ping_post(sb.url, "a", {"phone": phone})
    everything = call(f"{sb.url}/_sandbox/posts", method="GET").json()
    assert everything == {"posts": {"1": {"a": 1}, "2": {"a": 2}}, "recording": True}
    one = call(f"{sb.url}/_sandbox/posts?lead=2", method="GET").json()
    assert one["posts"] == {"2": {"a": 2}}
    assert call(f"{sb.url}/_sandbox/posts?lead=9", method="GET").json()["posts"] == {}
    assert call(f"{sb.url}/_sandbox/posts", method="POST").status == 405


def test_counts_outlive_the_ledger_limit_and_need_recording(make_sandbox):
    sb = make_sandbox({"ledger_limit": 2, "buyers": [buyer_dict("a", lead_field="phone")]})
    for _ in range(3):
        ping_post(sb.url, "a", {"phone": "1"})
    assert len(sb.ledger()) == 2 and sb.post_counts() == {"1": {"a": 3}}
    off = make_sandbox({"ledger": False, "buyers": [buyer_dict("a", lead_field="phone")]})
    ping_post(off.url, "a", {"phone": "1"})
    assert off.post_counts() == {}
    assert call(f"{off.url}/_sandbox/posts", method="GET").json()["recording"] is False


def test_an_auction_on_the_default_buyers_posts_each_lead_once_counted_by_its_phone(
    sandbox, tmp_path
):
    """The default buyers' `lead_field`s match where configs/ puts the phone: every post of
    a real auction is counted under the lead's phone digits, not a fingerprint."""
    lines = (ROOT / "examples/leads.jsonl").read_text().splitlines()[:12]
    store = f"sqlite:///{tmp_path / 'store.db'}"  # not the checkout's .pingpost
    args = ["deliver", "-", "--json", "-c", str(ROOT / "configs"), "--concurrency", "4"]
    args += ["--store", store]
    result = CliRunner().invoke(app, args, input="\n".join(lines) + "\n")
    assert result.exit_code in (0, 1), result.output
    sold = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert any(doc.get("result") == "sold" for doc in sold)
    counts = sandbox.post_counts()
    phones = {"".join(c for c in json.loads(line)["Phone"] if c.isdigit()) for line in lines}
    assert counts and set(counts) <= phones
    assert all(n == 1 for per_buyer in counts.values() for n in per_buyer.values())
