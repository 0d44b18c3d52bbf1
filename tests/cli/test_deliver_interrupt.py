"""Ctrl-C during a single-lead `deliver` never loses a post that reached its buyer (P6)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
from werkzeug import Request, Response

from tests.trace_cli_fixtures import CANARY_SECRET, LEAD, SECRET_ENV

SLOW_POST_S = 1.5


@pytest.fixture
def slow_market(buyer_setup):
    """acme bids 12.50 and takes SLOW_POST_S to answer its post; bluesky bids 9.00."""
    setup = buyer_setup("acme", "bluesky", timeout=3.0)
    setup.answer("acme", "ping", {"status": "accepted", "price": "12.50", "ping_id": "a-1"})
    setup.answer("bluesky", "ping", {"status": "accepted", "price": "9.00", "ping_id": "b-1"})
    setup.answer("bluesky", "post", {"result": "success"})
    arrived = threading.Event()
    posts: list[bytes] = []  # counted on arrival (the server's log is written after the answer)

    def slow_post(request: Request) -> Response:
        posts.append(request.get_data())
        arrived.set()
        time.sleep(SLOW_POST_S)
        return Response(json.dumps({"result": "success"}), content_type="application/json")

    setup.server.expect_request("/acme/post").respond_with_handler(slow_post)
    setup.post_arrived = arrived  # type: ignore[attr-defined]
    setup.acme_posts = posts  # type: ignore[attr-defined]
    return setup


def interrupt(
    setup, *args: str, signals: int, sig: int = signal.SIGINT
) -> subprocess.CompletedProcess[str]:
    """Run deliver in a real process; once acme's post arrived, send `signals` `sig`s."""
    command = [sys.executable, "-m", "pingpost", "deliver", *args, "-c", str(setup.dir)]
    env = {**os.environ, SECRET_ENV: CANARY_SECRET}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as proc:
        assert setup.post_arrived.wait(30), "the post never reached the buyer"
        for _ in range(signals):
            proc.send_signal(sig)
            time.sleep(0.2)
        out, err = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def test_a_first_ctrl_c_lets_the_post_in_flight_finish_and_prints_the_result(slow_market):
    done = interrupt(slow_market, str(slow_market.lead_file()), "--json", signals=1)
    assert done.returncode == 130, done.stderr
    doc = json.loads(done.stdout)
    assert (doc["result"], doc["sold_to"], doc["price"]) == ("sold", "acme-main", "12.50")
    assert "letting the post to acme-main finish" in done.stderr
    assert len(slow_market.acme_posts) == 1
    assert slow_market.requests("bluesky", "post") == []  # stopped: no further post


def test_a_second_ctrl_c_records_the_cut_off_post_in_doubt(slow_market):
    done = interrupt(slow_market, str(slow_market.lead_file()), signals=2)
    assert done.returncode == 130, done.stderr
    last = done.stdout.rstrip().splitlines()[-1]
    assert last.startswith("IN DOUBT"), done.stdout
    assert "interrupted while posting" in last
    assert "may have reached its buyer" in done.stderr
    assert len(slow_market.acme_posts) == 1
    assert slow_market.requests("bluesky", "post") == []


def test_sigterm_drains_a_batch_like_a_first_ctrl_c(slow_market):
    leads = slow_market.leads_file([json.dumps(LEAD)])
    done = interrupt(slow_market, str(leads), "--json", signals=1, sig=signal.SIGTERM)
    assert done.returncode == 1, done.stderr  # stopped early: not every lead was read
    (doc,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert (doc["line"], doc["result"], doc["sold_to"]) == (1, "sold", "acme-main")
    assert "stopping: no new leads" in done.stderr
    assert len(slow_market.acme_posts) == 1


def test_a_hard_abort_of_a_batch_reports_every_post_in_flight(slow_market):
    leads = slow_market.leads_file([json.dumps(LEAD)])
    done = interrupt(slow_market, str(leads), "--json", signals=2)
    assert done.returncode == 130, done.stderr
    (doc,) = [json.loads(line) for line in done.stdout.splitlines()]  # its full result
    assert (doc["line"], doc["result"], doc["schema_version"]) == (1, "in_doubt", 1)
    acme = next(a for a in doc["accounts"] if a["account"] == "acme-main")
    assert (acme["status"], acme["reason"]) == ("in_doubt", "interrupted while posting")
    assert doc["lead_id"] and "interrupted while posting" in doc["reason"]
    assert f"line 1: IN DOUBT: lead {doc['lead_id']}: the post to acme-main" in done.stderr
    assert re.search(r"in doubt\s+1 *\n", done.stderr), done.stderr  # counted in the summary
    assert len(slow_market.acme_posts) == 1
    assert slow_market.requests("bluesky", "post") == []
