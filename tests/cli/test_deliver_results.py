"""deliver: a possible double sale is visible, one failing auction does not end the batch,
a batch's exit code follows the table, money reads the same everywhere in the trace, and
`--lead-id` keeps the idempotency key."""

from __future__ import annotations

import json
import re

from pingpost.cli.app import app
from tests.trace_cli_fixtures import LEAD

FALLBACK = "kind: settings\nauction: {ping_deadline: 2.0, post_timeout: 2.0, in_doubt: fallback}\n"


def deliver(runner, setup, *args: str):
    # a test delivers its lead more than once (the trace, then --json): without a store
    # each run is a new auction (with one, W3 skips the rerun: test_deliver_store.py)
    return runner.invoke(app, ["deliver", *args, "-c", str(setup.dir), "--no-store"])


def doubtful_fallback(buyer_setup):
    """swallow's post answers 500 (in doubt); with `in_doubt: fallback`, good buys."""
    setup = buyer_setup("swallow", "good")
    (setup.dir / "pingpost.yaml").write_text(FALLBACK)
    setup.answer("swallow", "ping", {"status": "accepted", "price": "30", "ping_id": "s"})
    setup.answer("swallow", "post", "boom", status=500)
    setup.answer("good", "ping", {"status": "accepted", "price": "20", "ping_id": "g"})
    setup.answer("good", "post", {"result": "success"})
    return setup


def test_a_sale_after_an_in_doubt_post_warns_on_the_final_line(runner, buyer_setup):
    setup = doubtful_fallback(buyer_setup)
    result = deliver(runner, setup, str(setup.lead_file()))
    assert result.exit_code == 0, result.output
    last = result.stdout.rstrip().splitlines()[-1]
    assert last.startswith("SOLD to good-main for $20.00 in ")
    assert "warning: the post to swallow-main may also have reached its buyer" in last


def test_the_batch_summary_counts_sales_with_another_post_in_doubt(runner, buyer_setup):
    setup = doubtful_fallback(buyer_setup)
    result = deliver(runner, setup, str(setup.leads_file([json.dumps(LEAD)])))
    assert "may also have reached its buyer" in result.stdout
    assert re.search(r"sold, another post in doubt\s+1\b", result.stderr), result.stderr


def test_one_failing_auction_is_an_error_item_and_the_batch_goes_on(
    runner, buyer_setup, monkeypatch
):
    import pingpost.auction.batch as batch

    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "accepted", "price": "12.5", "ping_id": "a"})
    setup.answer("acme", "post", {"result": "success"})
    real = batch.deliver_lead

    async def buggy(lead, *args, **kw):
        if lead.values["ZipCode"] == "10001":
            raise RuntimeError("boom in the engine")
        return await real(lead, *args, **kw)

    monkeypatch.setattr(batch, "deliver_lead", buggy)
    good, bad = json.dumps(LEAD), json.dumps({**LEAD, "ZipCode": "10001"})
    result = deliver(runner, setup, str(setup.leads_file([good, bad, good])), "--json")
    assert result.exit_code == 1
    assert "line 2: auction failed: RuntimeError: boom in the engine" in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(d["line"] for d in lines if d.get("result") == "sold") == [1, 3]
    assert [d["error"] for d in lines if "error" in d] == [
        "line 2: auction failed: RuntimeError: boom in the engine"
    ]
    assert re.search(r"invalid\s+1\b", result.stderr)


def test_money_in_the_trace_has_two_decimals_and_thousands_separators(runner, buyer_setup):
    setup = buyer_setup("acme", "bluesky")
    setup.answer("acme", "ping", {"status": "accepted", "price": "1234.5", "ping_id": "a"})
    setup.answer("acme", "post", {"result": "success"})
    setup.answer("bluesky", "ping", {"status": "accepted", "price": "30", "ping_id": "b"})
    lead = str(setup.lead_file())
    text = deliver(runner, setup, lead, "-v").stdout
    assert "$1,234.50" in text and "$30.00" in text
    amounts = re.findall(r"\$[\d,.]*\d", text)
    assert amounts and all(re.fullmatch(r"\$\d{1,3}(,\d{3})*\.\d\d", a) for a in amounts), amounts
    assert text.rstrip().splitlines()[-1].startswith("SOLD to acme-main for $1,234.50 in ")
    doc = json.loads(deliver(runner, setup, lead, "--json").stdout)
    assert doc["price"] == "1234.5"  # JSON keeps the exact decimal


def test_lead_id_sets_the_idempotency_key(runner, buyer_setup):
    setup = buyer_setup("acme")
    method = setup.dir / "methods" / "acme.yaml"
    method.write_text(
        method.read_text().replace(
            "post:\n", "post:\n  idempotency_key: {header: Idempotency-Key}\n"
        )
    )
    setup.answer("acme", "ping", {"status": "accepted", "price": "12.5", "ping_id": "a"})
    setup.answer("acme", "post", {"result": "success"})
    result = deliver(runner, setup, str(setup.lead_file()), "--lead-id", "crm-42", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["lead_id"] == "crm-42"
    (post,) = [r for r, _ in setup.server.log if r.path == "/acme/post"]
    assert post.headers["Idempotency-Key"] == "crm-42:acme-main"
    batch = deliver(runner, setup, str(setup.leads_file([json.dumps(LEAD)])), "--lead-id", "x")
    assert batch.exit_code == 2 and "--lead-id is for one lead" in batch.stderr


def test_a_batch_where_every_lead_sold_exits_0_whatever_the_other_buyers_did(
    runner, buyer_setup, hanging_url
):
    """A buyer that answers 500 or times out is that account's `error`, not a failed batch:
    exit codes follow the table (0 every lead sold; 1 any unsold, in doubt or invalid)."""
    setup = buyer_setup("acme", "broken", "slow", timeout=0.3)
    setup.answer("acme", "ping", {"status": "accepted", "price": "12.50", "ping_id": "a"})
    setup.answer("acme", "post", {"result": "success"})
    setup.answer("broken", "ping", "boom", status=500)
    slow = (setup.dir / "methods" / "slow.yaml").read_text().replace(setup.base, hanging_url)
    (setup.dir / "methods" / "slow.yaml").write_text(slow)
    leads = str(setup.leads_file([json.dumps(LEAD)] * 3))
    result = deliver(runner, setup, leads)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("SOLD to acme-main") == 3
    documents = [
        json.loads(line) for line in deliver(runner, setup, leads, "--json").stdout.splitlines()
    ]
    statuses = {a["account"]: a["status"] for a in documents[0]["accounts"]}
    assert statuses == {"acme-main": "sold", "broken-main": "error", "slow-main": "error"}
    setup.server.clear_all_handlers()  # the same buyers, but the post is refused: unsold
    setup.answer("acme", "ping", {"status": "accepted", "price": "12.50", "ping_id": "a"})
    setup.answer("acme", "post", {"result": "failure"})
    setup.answer("broken", "ping", "boom", status=500)
    unsold = deliver(runner, setup, str(setup.leads_file([json.dumps(LEAD)] * 2, name="two.jsonl")))
    assert unsold.exit_code == 1, unsold.output
    assert unsold.stdout.count("UNSOLD") == 2, unsold.stdout


def test_a_dry_run_batch_exits_1_when_a_request_cannot_be_rendered(runner, buyer_setup):
    setup = buyer_setup("acme", "bluesky")
    leads = str(setup.leads_file([json.dumps(LEAD)] * 2))
    fine = deliver(runner, setup, leads, "--dry-run")
    assert fine.exit_code == 0, fine.output
    broken = (setup.dir / "methods" / "bluesky.yaml").read_text()
    strict = "    state: {field: State, map: {TX: T}, strict_map: true}\n"
    broken = broken.replace("    state: State\n", strict, 1)  # CA cannot be mapped
    (setup.dir / "methods" / "bluesky.yaml").write_text(broken)
    result = deliver(runner, setup, leads, "--dry-run")
    assert result.exit_code == 1, result.output
    assert "could not render" in result.stdout
