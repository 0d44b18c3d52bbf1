"""`pingpost demo`: a whole auction against the example sandbox, offline."""

from __future__ import annotations

import json
import os
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
