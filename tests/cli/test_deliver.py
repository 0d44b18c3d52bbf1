"""`pingpost deliver`: one lead (trace, --json, exit codes), batches, dry runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pingpost.cli.app import app
from tests.trace_cli_fixtures import LEAD, assert_no_canaries

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def market(buyer_setup):
    """acme bids 12.50 and buys; bluesky bids 9.00; crown rejects."""
    setup = buyer_setup("acme", "bluesky", "crown")
    setup.answer("acme", "ping", {"status": "accepted", "price": "12.50", "ping_id": "a-1"})
    setup.answer("acme", "post", {"result": "success"})
    setup.answer("bluesky", "ping", {"status": "accepted", "price": "9.00", "ping_id": "b-1"})
    setup.answer("bluesky", "post", {"result": "success"})
    setup.answer("crown", "ping", {"status": "rejected", "message": "[bold]No Matches[/bold]"})
    return setup


def deliver(runner, setup, *args: str, input: str | None = None):
    # a test delivers its lead more than once (the trace, then --json): without a store
    # each run is a new auction (with one, W3 skips the rerun: test_deliver_store.py)
    return runner.invoke(app, ["deliver", *args, "-c", str(setup.dir), "--no-store"], input=input)


def test_one_lead_sold_prints_the_trace(runner, market):
    result = deliver(runner, market, str(market.lead_file()))
    assert result.exit_code == 0, result.output
    lines = result.stdout.rstrip().splitlines()
    assert lines[-1].startswith("SOLD to acme-main for $12.50 in ")
    rows = [
        line.split()[:4]
        for line in lines
        if line.split()[:1] in (["acme-main"], ["bluesky-main"], ["crown-main"])
    ]
    assert [r[0] for r in rows] == ["acme-main", "bluesky-main", "crown-main"]  # story order
    assert [r[3] for r in rows] == ["sold", "outbid", "rejected"]
    assert "[bold]No Matches[/bold]" in result.stdout  # buyer text is never markup
    assert "1. acme-main" in result.stdout
    assert "ZipCode" in result.stdout and "94107" in result.stdout
    assert_no_canaries(result.output)
    assert [r["ping_id"] for r in market.requests("acme", "post")] == ["a-1"]
    assert market.requests("bluesky", "post") == []


def test_one_lead_json_is_the_spec_document(runner, market):
    result = deliver(runner, market, str(market.lead_file()), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1
    assert (doc["result"], doc["sold_to"], doc["price"]) == ("sold", "acme-main", "12.50")
    assert isinstance(doc["duration_ms"], float) and doc["lead_id"]
    statuses = {a["account"]: a["status"] for a in doc["accounts"]}
    assert statuses == {"acme-main": "sold", "bluesky-main": "outbid", "crown-main": "rejected"}
    acme = next(a for a in doc["accounts"] if a["account"] == "acme-main")
    assert acme["bid"] == "12.50"
    assert {"request", "response", "latency_ms", "attempts"} <= acme["ping"].keys()
    assert acme["post"]["response"]["status"] == 200
    assert_no_canaries(result.output)


def test_unsold_exits_1(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "rejected", "message": "no"})
    result = deliver(runner, setup, str(setup.lead_file()))
    assert result.exit_code == 1
    assert result.stdout.rstrip().splitlines()[-1].startswith("UNSOLD: no valid bid (rejected 1)")
    doc = json.loads(deliver(runner, setup, str(setup.lead_file()), "--json").stdout)
    assert (doc["result"], doc["reason"], doc["price"]) == ("unsold", "no valid bid", None)


def test_post_server_error_is_in_doubt_and_exits_1(runner, buyer_setup):
    setup = buyer_setup("acme", "bluesky")
    setup.answer("acme", "ping", {"status": "accepted", "price": "20", "ping_id": "a"})
    setup.answer("acme", "post", "boom", status=500)
    setup.answer("bluesky", "ping", {"status": "accepted", "price": "5", "ping_id": "b"})
    result = deliver(runner, setup, str(setup.lead_file()), "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["result"] == "in_doubt" and doc["sold_to"] is None
    assert setup.requests("bluesky", "post") == []  # held: no second post (P6)
    text = deliver(runner, setup, str(setup.lead_file())).stdout
    doubt = "the post to acme-main may have reached the buyer: HTTP 500 Internal Server Error;"
    assert f"{doubt} check with" in text
    assert text.rstrip().splitlines()[-1].startswith("IN DOUBT after ")


def test_verbose_adds_the_full_masked_exchanges(runner, market):
    result = deliver(runner, market, str(market.lead_file()), "-v")
    assert result.exit_code == 0
    assert "acme-main · ping" in result.stdout and "acme-main · post" in result.stdout
    assert f"→ POST {market.base}/acme/post" in result.stdout
    assert "Authorization: Bearer ****" in result.stdout
    assert_no_canaries(result.output)


def test_bad_lead_and_missing_files_exit_2(runner, market):
    bad = market.lead_file("bad.json", State="ZZ", Email="Canaryfirst")
    result = deliver(runner, market, str(bad))
    assert result.exit_code == 2
    assert "State" in result.stderr and "Email" in result.stderr
    assert "Canaryfirst" not in result.output
    assert market.requests("acme", "ping") == []  # refused before anything was sent (P8)
    assert deliver(runner, market, "nope.json").exit_code == 2
    assert deliver(runner, market, "nope.jsonl").exit_code == 2
    assert deliver(runner, market, str(market.lead_file()), "--lead-type", "x").exit_code == 2


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[" * 100_000, "not valid JSON: nested too deeply"),
        ('{"Age": ' + "9" * 5_000 + "}", "a number has more than 4300 digits"),
        ('{"Age": "1e999999999"}', "Age: `1e999999999` is too long a number"),
    ],
    ids=["deep", "digits", "exponent"],
)
def test_an_absurd_lead_exits_2_with_a_located_message(runner, market, text, problem):
    """P8: never `internal error: RecursionError` (exit 70), never a hang."""
    path = market.dir.parent / "absurd.json"
    path.write_text(text)
    result = deliver(runner, market, str(path))
    assert result.exit_code == 2, result.output
    assert f"error: {path} is not a valid lead:" in result.stderr
    assert problem in result.stderr
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert market.requests("acme", "ping") == []


def test_batch_json_lines_bad_line_reported_and_summary(runner, market):
    good = json.dumps(LEAD)
    leads = market.leads_file([good, "{not json", good, json.dumps({**LEAD, "State": "ZZ"})])
    result = deliver(runner, market, str(leads), "--json")
    assert result.exit_code == 1  # invalid lines: not every lead sold
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    docs = [d for d in lines if "error" not in d]
    assert sorted(d["line"] for d in docs) == [1, 3]
    assert all(d["result"] == "sold" and d["schema_version"] == 1 for d in docs)
    errors = sorted((d["line"], d["error"]) for d in lines if "error" in d)
    assert [n for n, _ in errors] == [2, 4] and f"{leads}:2" in errors[0][1]  # also on stdout
    assert f"{leads}:2" in result.stderr and f"{leads}:4" in result.stderr
    assert "sold" in result.stderr and "invalid" in result.stderr and "$25.00" in result.stderr
    assert_no_canaries(result.output)


def test_batch_all_sold_exits_0_and_prints_a_line_per_lead(runner, market):
    leads = market.leads_file([json.dumps(LEAD)] * 3)
    result = deliver(runner, market, str(leads), "--concurrency", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and all(" SOLD to acme-main for $12.50" in line for line in lines)
    assert sorted(line.split()[1] for line in lines) == ["1", "2", "3"]


def test_batch_from_stdin(runner, market):
    result = deliver(runner, market, "-", "--json", input=json.dumps(LEAD) + "\n\n")
    assert result.exit_code == 0, result.output
    (doc,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert doc["line"] == 1 and doc["result"] == "sold"


def test_dry_run_sends_nothing(runner, market):
    result = deliver(runner, market, str(market.lead_file()), "--dry-run", "-v")
    assert result.exit_code == 0, result.output
    assert market.server.log == []
    assert "DRY RUN: 3 pings rendered, nothing sent" in result.stdout
    assert "← not sent" in result.stdout
    assert_no_canaries(result.output)


def test_dry_run_against_the_sandbox_leaves_the_ledger_empty(runner, monkeypatch, tmp_path):
    from pingpost.sandbox import load_sandbox_spec, start_sandbox

    # a store of its own: the sample configs' caps and dedupe read it (never the checkout's)
    monkeypatch.setenv("PINGPOST_STORE", f"sqlite:///{tmp_path / 'store.db'}")

    with start_sandbox(load_sandbox_spec(), port=0) as sandbox:
        monkeypatch.setenv("PINGPOST_SANDBOX_URL", sandbox.url)
        args = ["deliver", str(ROOT / "examples/lead.json"), "-c", str(ROOT / "configs")]
        result = runner.invoke(app, [*args, "--dry-run", "--json"])
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        assert doc["dry_run"] is True
        assert all(a["status"] in ("not_pinged", "filtered") for a in doc["accounts"])
        assert sandbox.ledger() == []


def test_colors_follow_no_color_and_the_flag(runner, market, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")  # colors although CliRunner is not a terminal
    color = re.compile(r"\x1b\[(?:\d+;)*(?:3[0-8]|9[0-7])[;m]")  # a foreground color (bold is fine)
    lead = str(market.lead_file())
    assert color.search(deliver(runner, market, lead).stdout)
    assert not color.search(deliver(runner, market, lead, "--no-color").stdout)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not color.search(deliver(runner, market, lead).stdout)


def test_stdin_pipe_in_a_real_process(market):
    """`cat leads.jsonl | pingpost deliver -`: stdin is a pipe, read without blocking the loop."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PP_CANARY_TOKEN": "x"}
    lines = "".join(json.dumps({**LEAD, "Age": age}) + "\n" for age in (34, 35))
    done = subprocess.run(
        [sys.executable, "-m", "pingpost", "deliver", "-", "--json", "-c", str(market.dir)],
        input=lines,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    docs = [json.loads(line) for line in done.stdout.splitlines()]
    assert sorted(d["line"] for d in docs) == [1, 2]
    assert "leads" in done.stderr and "sold" in done.stderr


def test_a_buyer_answering_401_shows_the_status_in_the_trace_json_and_batch(runner, market):
    market.server.clear()
    market.answer("acme", "ping", {"status": "denied"}, status=401)
    market.answer("bluesky", "ping", {"message": "Unauthorized"}, status=401)
    market.answer("crown", "ping", {"status": "rejected", "message": "No Matches"})
    wanted = {
        "acme-main": "HTTP 401 Unauthorized: no accept rule matched",
        "bluesky-main": "HTTP 401 Unauthorized",
        "crown-main": "No Matches",  # a 2xx answer keeps the buyer's words alone
    }
    trace = deliver(runner, market, str(market.lead_file())).stdout
    for account, reason in wanted.items():
        row = next(line for line in trace.splitlines() if line.startswith(account))
        assert row.rstrip().endswith(reason), row
    doc = json.loads(deliver(runner, market, str(market.lead_file()), "--json").stdout)
    assert {a["account"]: a["reason"] for a in doc["accounts"]} == wanted
    leads = market.leads_file([json.dumps(LEAD)])
    line = json.loads(deliver(runner, market, str(leads), "--json").stdout.splitlines()[0])
    assert {a["account"]: a["reason"] for a in line["accounts"]} == wanted
