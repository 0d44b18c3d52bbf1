"""The controls through the commands people run: a dry run and test-ping look at the
verdicts but consume nothing, and two `pingpost deliver` processes sharing one store
(SQLite, PostgreSQL) never sell past a cap."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pingpost.cli.app import app
from tests.trace_cli_fixtures import LEAD

CAPPED = "caps: [{per: day, leads: 1}]\ndedupe: {within: 90d}\n"


def market(buyer_setup, caps: str = CAPPED):
    """acme (bids 12.50, capped) and bluesky (bids 9.00): every post sells."""
    setup = buyer_setup("acme", "bluesky")
    with (setup.dir / "accounts" / "acme.yaml").open("a") as f:
        f.write(caps)
    setup.answer("acme", "ping", {"status": "accepted", "price": "12.50", "ping_id": "a"})
    setup.answer("bluesky", "ping", {"status": "accepted", "price": "9.00", "ping_id": "b"})
    for name in ("acme", "bluesky"):
        setup.answer(name, "post", {"result": "success"})
    return setup


def cli(setup, *args: str):
    result = CliRunner().invoke(app, [*args, "-c", str(setup.dir)])
    assert result.exit_code in (0, 1), result.output
    return result


def acme_use(setup, url: str) -> int:
    doc = json.loads(cli(setup, "accounts", "--json", "--store", url).stdout)
    (acme,) = [a for a in doc["accounts"] if a["account"] == "acme-main"]
    return int(acme["caps"][0]["used_leads"])


def logged(setup, url: str) -> int:
    return len(cli(setup, "log", "--json", "--store", url).stdout.splitlines())


def statuses(result) -> dict[str, str]:
    return {a["account"]: a["status"] for a in json.loads(result.stdout)["accounts"]}


def test_a_dry_run_and_test_ping_look_at_the_verdicts_but_consume_nothing(
    buyer_setup, tmp_path: Path
):
    setup = market(buyer_setup)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    first, second = str(setup.lead_file()), str(setup.lead_file("two.json", Age=52))
    # before any sale: a dry run sees acme open, and creates no store
    looked = cli(setup, "deliver", first, "--dry-run", "--json", "--store", url)
    assert statuses(looked)["acme-main"] != "capped"
    assert not (tmp_path / "store.db").exists()
    sold = cli(setup, "deliver", first, "--json", "--store", url)
    assert json.loads(sold.stdout)["sold_to"] == "acme-main"
    assert (acme_use(setup, url), logged(setup, url)) == (1, 1)
    # acme is at its cap of 1: a dry run says so, and the cap, the log and the dedupe
    # records stay as they were
    dry = cli(setup, "deliver", second, "--dry-run", "--json", "--store", url)
    assert statuses(dry)["acme-main"] == "capped"
    dry_again = cli(setup, "deliver", first, "--dry-run", "--json", "--store", url, "--again")
    assert statuses(dry_again)["acme-main"] == "capped"
    pinged = cli(setup, "test-ping", "acme", "--account", "acme-main")  # no store at all
    assert "PING ACCEPTED" in pinged.stdout
    assert (acme_use(setup, url), logged(setup, url)) == (1, 1)
    assert len(setup.requests("acme", "post")) == 1
    # the next real lead: acme capped, bluesky buys; the first lead again is skipped
    real = cli(setup, "deliver", second, "--json", "--store", url)
    assert statuses(real)["acme-main"] == "capped"
    assert json.loads(real.stdout)["sold_to"] == "bluesky-main"


BACKENDS = ["sqlite", "postgresql"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_deliver_processes_sharing_one_store_never_pass_a_cap(
    buyer_setup, tmp_path: Path, request: pytest.FixtureRequest, backend: str
):
    setup = market(buyer_setup, caps="caps: [{per: day, leads: 10}]\n")
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    files = []
    for half in (0, 1):  # 25 different leads each
        lines = [json.dumps({**LEAD, "Age": 20 + half * 25 + n}) for n in range(25)]
        files.append(setup.leads_file(lines, name=f"half{half}.jsonl"))
    command = [sys.executable, "-m", "pingpost", "deliver", "--json", "--store", url]
    results = []
    with contextlib.ExitStack() as stack:
        procs = []
        for f in files:  # both create the new store at the same moment
            proc = subprocess.Popen(
                [*command, str(f), "-c", str(setup.dir), "--concurrency", "25"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "NO_COLOR": "1"},
            )
            stack.enter_context(proc)
            stack.callback(proc.kill)  # a failed assert leaves no process running
            procs.append(proc)
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            results += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(results) == 50
    sold_to = [r["sold_to"] for r in results]
    assert sold_to.count("acme-main") == 10 and sold_to.count("bluesky-main") == 40
    assert len(setup.requests("acme", "post")) == 10  # never an 11th post
