"""Tokens, the ledger and determinism over real HTTP."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from tests.integration.sandbox_fixtures import buyer_dict

from .client import call


def test_post_token_problems_are_rejected_and_recorded(make_sandbox):
    sb = make_sandbox(
        {"buyers": [buyer_dict("a"), buyer_dict("b"), buyer_dict("c", token_ttl=0.05)]}
    )
    token = call(f"{sb.url}/a/ping", body={"x": 1}).json()["pingToken"]
    other = call(f"{sb.url}/b/ping", body={"x": 1}).json()["pingToken"]
    short = call(f"{sb.url}/c/ping", body={"x": 1}).json()["pingToken"]
    time.sleep(0.1)
    posts = [
        ("a", {"x": 1}),
        ("a", {"x": 1, "pingToken": "not-a-token"}),
        ("a", {"x": 1, "pingToken": other}),
        ("a", {"x": 1, "pingToken": token}),
        ("a", {"x": 1, "pingToken": token}),
        ("c", {"x": 1, "pingToken": short}),
    ]
    answers = [call(f"{sb.url}/{name}/post", body=body).json() for name, body in posts]
    assert [a["status"] for a in answers] == [
        "rejected",
        "rejected",
        "rejected",
        "success",
        "rejected",
        "rejected",
    ]
    assert answers[0]["message"] == "invalid token"
    notes = [e["note"] for e in sb.ledger(phase="post")]
    assert notes == [
        "missing token",
        "unknown token",
        "token was issued by b",
        None,
        "token reused",
        "token expired",
    ]
    pings = {e["token"]: e["seq"] for e in sb.ledger(phase="ping")}
    accepted = sb.ledger(phase="post")[3]
    assert accepted["ping_seq"] == pings[token] and accepted["outcome"] == "accepted"


def test_token_in_the_query_string(make_sandbox):
    sb = make_sandbox({"buyers": [buyer_dict("a", style="text", token_field="ref")]})
    ping = call(f"{sb.url}/a/ping?zip=1", method="GET")
    token = ping.text.split('"PingReference":"')[1].split('"')[0]
    post = call(f"{sb.url}/a/post?ref={token}", method="POST", body=b"")
    assert "<status>Success</status>" in post.text


def test_ledger_endpoint_filters_and_reset(sandbox):
    call(f"{sandbox.url}/acme/ping", body={"state": "CA"})
    call(f"{sandbox.url}/bluesky/ping", body={"postalCode": "1"})
    doc = call(f"{sandbox.url}/_sandbox/ledger?buyer=acme", method="GET").json()
    assert doc["count"] == 1 and doc["received"] == 2 and doc["recording"] is True
    (entry,) = doc["entries"]
    assert {
        "seq",
        "time",
        "buyer",
        "phase",
        "method",
        "path",
        "token",
        "body",
        "status",
        "outcome",
        "bid",
        "price",
        "fault",
        "note",
        "ping_seq",
    } <= set(entry)
    assert (entry["buyer"], entry["phase"], entry["status"]) == ("acme", "ping", 200)
    assert json.loads(entry["body"]) == {"state": "CA"}
    assert call(f"{sandbox.url}/_sandbox/reset", method="POST").json() == {"reset": True}
    assert call(f"{sandbox.url}/_sandbox/ledger", method="GET").json()["entries"] == []
    assert sandbox.ledger() == []


def test_admin_endpoints(sandbox):
    assert call(f"{sandbox.url}/_sandbox/health", method="GET").json() == {
        "status": "ok",
        "buyers": 11,
    }
    buyers = call(f"{sandbox.url}/_sandbox/buyers", method="GET").json()
    assert [b["name"] for b in buyers["buyers"]][:2] == ["acme", "bluesky"] and buyers["seed"] == 7
    assert call(f"{sandbox.url}/_sandbox/reset", method="GET").status == 405
    assert call(f"{sandbox.url}/_sandbox/nope", method="GET").status == 404


def test_ledger_can_be_switched_off(make_sandbox):
    sb = make_sandbox({"ledger": False, "buyers": [buyer_dict("a")]})
    assert call(f"{sb.url}/a/ping", body={"x": 1}).status == 200
    doc = call(f"{sb.url}/_sandbox/ledger", method="GET").json()
    assert (doc["entries"], doc["received"], doc["recording"]) == ([], 1, False)


SPEC = {
    "seed": 3,
    "buyers": [
        buyer_dict(
            "d",
            bid=[1, 99],
            latency_ms=[0, 5],
            accepts=[{"field": "n", "gte": 3}],
            faults={"http_500": 0.2, "garbage": 0.1},
        ),
    ],
}


def decisions(sb) -> dict[str, tuple]:
    return {
        e["body"]: (e["outcome"], e["bid"], e["fault"], e["status"])
        for e in sb.ledger(phase="ping")
    }


def test_same_seed_same_decisions_whatever_the_arrival_order(make_sandbox):
    bodies = [{"n": n, "lead": f"L{n}"} for n in range(30)]
    first, second = make_sandbox(SPEC), make_sandbox(SPEC)
    for body in bodies:
        call(f"{first.url}/d/ping", body=body)
    with ThreadPoolExecutor(8) as pool:  # concurrently, reversed
        list(pool.map(lambda b: call(f"{second.url}/d/ping", body=b), reversed(bodies)))
    assert decisions(first) == decisions(second)
    assert len(decisions(first)) == 30
    assert {d[2] for d in decisions(first).values()} >= {None, "http_500"}
    assert {d[0] for d in decisions(first).values()} >= {"accepted", "rejected"}
    other_seed = make_sandbox({**SPEC, "seed": 4})
    for body in bodies:
        call(f"{other_seed.url}/d/ping", body=body)
    assert decisions(other_seed) != decisions(first)


def test_the_same_run_twice_gives_the_same_bytes(make_sandbox):
    sb = make_sandbox(SPEC)

    def run() -> list[bytes]:
        sb.reset()
        out = []
        for n in range(3, 8):
            ping = call(f"{sb.url}/d/ping", body={"n": n})
            out.append(ping.body)
            if ping.status == 200 and b"pingToken" in ping.body:
                post = call(
                    f"{sb.url}/d/post", body={"n": n, "pingToken": ping.json()["pingToken"]}
                )
                out.append(post.body)
        return out

    assert run() == run()


def test_the_post_price_can_differ_from_the_bid(make_sandbox):
    sb = make_sandbox(
        {
            "buyers": [
                buyer_dict("a", style="json_flag", bid=[12.5, 12.5], post_price_delta=-2.25),
                buyer_dict("z", style="xml", bid=[1, 1], post_price_delta=-5),
            ]
        }
    )
    ping = call(f"{sb.url}/a/ping", body={"x": 1}).json()
    assert ping["Payout"] == 12.5
    post = call(f"{sb.url}/a/post", body={"x": 1, "TransactionId": ping["TransactionId"]})
    assert post.json()["Payout"] == 10.25
    assert sb.ledger(phase="post")[0]["price"] == "10.25"
    token = call(f"{sb.url}/z/ping", body={"x": 1}).text.split("<TransactionId>")[1][:36]
    post = call(
        f"{sb.url}/z/post",
        body=f"<L><TransactionId>{token}</TransactionId></L>",
        content_type="application/xml",
    )
    assert "<Payout>0.00</Payout>" in post.text  # never below zero
