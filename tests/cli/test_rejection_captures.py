"""A rejection's captures (a buyer's reference id) appear in the trace and in the JSON."""

from __future__ import annotations

import json

from pingpost.cli.app import app
from tests.trace_cli_fixtures import assert_no_canaries

REJECTED = {"status": "rejected", "message": "No Matches", "ping_id": "ref-4471"}


def test_test_ping_shows_a_rejections_captures(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", REJECTED)
    result = runner.invoke(app, ["test-ping", "acme", "-c", str(setup.dir)])
    assert result.exit_code == 1
    assert "captures ping_id=ref-4471" in result.stdout
    assert "PING REJECTED: No Matches" in result.stdout
    as_json = runner.invoke(app, ["test-ping", "acme", "-c", str(setup.dir), "--json"])
    assert as_json.exit_code == 1
    document = json.loads(as_json.stdout)
    assert document["captures"] == {"ping_id": "ref-4471"}
    assert_no_canaries(result.output, as_json.output)


def test_deliver_keeps_a_rejections_captures_in_the_trace_and_the_json(runner, buyer_setup):
    setup = buyer_setup("acme", "bluesky")
    setup.answer("acme", "ping", REJECTED)
    setup.answer("bluesky", "ping", {"status": "accepted", "price": "9.00", "ping_id": "b-1"})
    setup.answer("bluesky", "post", {"result": "success"})
    lead = setup.lead_file()
    args = ["deliver", str(lead), "-c", str(setup.dir), "--no-store"]  # run twice: no W3
    traced = runner.invoke(app, [*args, "--verbose"])
    assert traced.exit_code == 0, traced.output
    assert "captures ping_id=ref-4471" in traced.stdout
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    accounts = {a["account"]: a for a in json.loads(result.stdout)["accounts"]}
    rejected = accounts["acme-main"]
    assert rejected["status"] == "rejected"
    assert rejected["ping"]["outcome"]["captures"] == {"ping_id": "ref-4471"}
    # the post went to the buyer that accepted, with its own capture only
    assert {r["ping_id"] for r in setup.requests("bluesky", "post")} == {"b-1"}  # two runs
    assert setup.requests("acme", "post") == []
