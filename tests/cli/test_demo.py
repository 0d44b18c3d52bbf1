"""`pingpost demo`: a whole auction against the example sandbox, offline."""

from __future__ import annotations

import json
import os
import re
import socket

import pytest

from pingpost.cli.app import app


@pytest.fixture
def busy_default_port():
    """Hold 8765 when it is free, so the demo must find another port (and say where)."""
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", 8765))
        sock.listen(1)
    except OSError:
        pass  # already taken by someone else: the same situation
    yield
    sock.close()


def test_demo_sells_the_example_lead(runner, busy_default_port):
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "sandbox: simulated buyers on http://127.0.0.1:" in result.stderr
    assert ":8765" not in result.stderr
    last = result.stdout.rstrip().splitlines()[-1]
    assert last.startswith("SOLD to ") and " for $" in last
    assert "Grace" not in result.stdout  # the example lead's pii is masked
    assert "PINGPOST_SANDBOX_URL" not in os.environ  # the environment is restored


def test_demo_json(runner):
    result = runner.invoke(app, ["demo", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["result"] == "sold"
    statuses = {a["account"]: a["status"] for a in doc["accounts"]}
    assert statuses["acme-legacy"] == "filtered"  # disabled
    assert statuses["slowpoke"] == "error"  # hangs: timed out at the deadline


def test_demo_serve_sends_leads_to_the_service_with_curl_commands(runner):
    before = os.environ.get("WEBFORM_KEY")
    result = runner.invoke(app, ["demo", "--serve"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "pingpost serve: listening on http://127.0.0.1:" in out
    assert out.count("curl -sS -X POST 'http://127.0.0.1:") == 5
    assert "-H 'Authorization: Bearer demo-" in out and "--data-binary @" in out
    assert "→ 201 sold to " in out and "(replayed)" in out
    assert "→ 422 invalid_lead" in out and "→ 401 unauthorized" in out
    assert 'pingpost_auctions_total{result="sold",source="web-form"} 2.0' in out
    assert " POST /v1/leads 201 sold web-form " in result.stderr  # the access log
    assert os.environ.get("WEBFORM_KEY") == before  # the demo's key is gone with it
    # the auctions were written to the demo's own store, and its log is shown at the end
    sold = set(re.findall(r"→ 201 sold to \S+ for \S+, auction (\S+)", out))
    assert len(sold) == 2  # the lead, then the keyed lead (its retry replayed)
    log = out.split("── the delivery log: pingpost log")[1]
    rows = [line.split() for line in log.splitlines() if "auto_insurance" in line]
    assert {row[2] for row in rows} == sold
    assert {(row[4], row[5]) for row in rows} == {("web-form", "sold")}  # source, result
