"""`pingpost log show`: deliver's trace and JSON again, from the store; interrupted and
resolved auctions; masking; exit codes."""

from __future__ import annotations

import json
import time

import pytest

from pingpost.trace.json import auction_json, dumps
from tests.trace_cli_fixtures import CANARY_PII_VALUES, assert_no_canaries

from .conftest import Logbook


@pytest.mark.parametrize("post", [({"result": "success"}, 200), ({"result": "?"}, 503)])
def test_log_show_prints_what_deliver_printed(any_logbook: Logbook, post) -> None:
    any_logbook.setup.answer("acme", "post", post[0], status=post[1])
    result = any_logbook.auction("L-1")
    for flags, kw in (
        ((), {}),
        (("-v",), {"verbose": True}),
        (("--json",), {"as_json": True}),
        (("--show-pii",), {"show_pii": True}),
        (("--json", "--show-pii"), {"as_json": True, "show_pii": True}),
    ):
        run = any_logbook.cli("log", "show", "L-1", *flags)
        assert run.exit_code == 0, run.output
        assert run.stdout.splitlines() == any_logbook.printed(result, **kw).splitlines()
    masked = any_logbook.cli("log", "show", "L-1", "-v")
    assert_no_canaries(masked.output)
    shown = any_logbook.cli("log", "show", "L-1", "--show-pii").stdout
    assert "Canaryfirst" in shown and "canary-secret" not in shown  # secrets masked at rest


def test_an_unknown_auction_is_an_error(logbook: Logbook) -> None:
    logbook.store(lambda store: store.migrate())
    run = logbook.cli("log", "show", "nope")
    assert run.exit_code == 2
    assert "auction nope: not in the delivery log" in run.stderr


def test_an_interrupted_auction_shows_its_lead_and_post_intents(logbook: Logbook) -> None:
    logbook.auction("L-2", finish=False)
    run = logbook.cli("log", "show", "L-2")
    assert run.exit_code == 0, run.output
    out = run.stdout
    assert "lead L-2 · auto_insurance" in out and "ZipCode" in out
    assert "1. acme-main  no answer  bid $12.50  sent " in out and out.count("no key") == 1
    assert "bid $12.50" in out
    assert out.rstrip().splitlines()[-1].startswith("INTERRUPTED (started ")
    assert "1 post may have reached the buyer (acme-main)" in out
    assert "`pingpost recover` lists and resolves it" in run.stderr
    assert_no_canaries(run.output)
    doc = json.loads(logbook.cli("log", "show", "L-2", "--json").stdout)
    assert (doc["lead_id"], doc["result"], doc["accounts"]) == ("L-2", "interrupted", [])
    (post,) = doc["posts"]
    assert (post["account"], post["status"], post["bid"], post["idempotency_key"]) == (
        "acme-main",
        None,
        "12.50",
        None,  # acme's method declares no idempotency key
    )
    pii = logbook.cli("log", "show", "L-2", "--show-pii").stdout
    assert all(v in pii for v in CANARY_PII_VALUES[:2])


def test_a_resolved_auction_shows_what_changed_since(logbook: Logbook) -> None:
    logbook.setup.answer("acme", "post", {"result": "?"}, status=503)
    result = logbook.auction("L-3")
    assert result.result == "in_doubt"

    async def resolve(store) -> None:  # type: ignore[no-untyped-def]
        await store.resolve(
            "L-3", "acme-main", sold=True, price=None, at=time.time(), reason="buyer said yes"
        )

    logbook.store(resolve)
    run = logbook.cli("log", "show", "L-3")
    before = logbook.printed(result).rstrip().splitlines()
    lines = run.stdout.rstrip().splitlines()
    assert lines[: len(before)] == before  # deliver's trace first, unchanged
    tail = lines[len(before) :]
    assert tail[1] == "since then"
    assert tail[2].startswith("  1. acme-main  sold  bid $12.50  sent ")
    assert tail[3] == "     buyer said yes"
    assert tail[-1] == "now SOLD to acme-main for $12.50"
    doc = json.loads(logbook.cli("log", "show", "L-3", "--json").stdout)
    recovery = doc.pop("recovery")
    assert (recovery["result"], recovery["sold_to"], recovery["price"]) == (
        "sold",
        "acme-main",
        "12.50",
    )
    assert recovery["posts"][0]["reason"] == "buyer said yes"
    from pingpost.masking import Masker

    masker = Masker.for_result(logbook.config, result)
    assert dumps(doc) == dumps(auction_json(result, masker))  # the rest: deliver's document


def test_an_interrupted_auction_resolved_since_says_so(logbook: Logbook) -> None:
    logbook.auction("L-4", finish=False)
    run = logbook.cli("recover", "--resolve", "L-4", "--as", "sold", "--price", "11")
    assert run.exit_code == 0, run.output
    shown = logbook.cli("log", "show", "L-4")
    assert shown.exit_code == 0 and "recover" not in shown.stderr
    lines = shown.stdout.rstrip().splitlines()
    assert lines[-2].startswith("INTERRUPTED (started ") and "sold to acme-main" in lines[-2]
    assert lines[-1] == "now SOLD to acme-main for $11.00"
    assert "resolved by hand: the buyer confirmed the sale" in shown.stdout
    doc = json.loads(logbook.cli("log", "show", "L-4", "--json").stdout)
    assert (doc["result"], doc["interrupted"], doc["sold_to"], doc["price"]) == (
        "sold",
        True,
        "acme-main",
        "11",
    )


def _same_as_deliver(book: Logbook, result, auction_id: str) -> None:  # type: ignore[no-untyped-def]
    for flags, kw in (((), {}), (("-v",), {"verbose": True}), (("--json",), {"as_json": True})):
        run = book.cli("log", "show", auction_id, *flags)
        assert run.exit_code == 0, run.output
        assert run.stdout.splitlines() == book.printed(result, **kw).splitlines()


def test_a_duplicate_lead_shows_as_deliver_showed_it(logbook: Logbook) -> None:
    with (logbook.setup.dir / "lead_types" / "auto.yaml").open("a") as f:
        f.write("dedupe: {fields: [Phone], within: 30d}\n")
    logbook.setup.answer("acme", "post", {"result": "success"})
    logbook.auction("D-1")
    second = logbook.auction("D-2")
    assert second.result == "duplicate"
    _same_as_deliver(logbook, second, "D-2")


def test_a_shared_sale_shows_as_deliver_showed_it(logbook: Logbook) -> None:
    with (logbook.setup.dir / "pingpost.yaml").open("w") as f:
        f.write("kind: settings\nauction: {ping_deadline: 2.0, max_posts: 3, max_sells: 2}\n")
    for name in ("acme", "bluesky"):
        with (logbook.setup.dir / "accounts" / f"{name}.yaml").open("a") as f:
            f.write("exclusive: false\n")
        logbook.setup.answer(name, "post", {"result": "success"})
    shared = logbook.auction("S-1")
    assert len(shared.sales) == 2
    _same_as_deliver(logbook, shared, "S-1")
    row = json.loads(logbook.cli("log", "--json").stdout)
    assert (row["sold_to"], row["price"]) == ("acme-main", "12.50")


def test_a_lead_type_no_longer_configured_masks_every_field(logbook: Logbook) -> None:
    logbook.setup.answer("acme", "post", {"result": "success"})
    logbook.auction("G-1")
    lead_type = logbook.setup.dir / "lead_types" / "auto.yaml"
    lead_type.write_text(lead_type.read_text().replace("name: auto_insurance", "name: auto_v2"))
    for method in (logbook.setup.dir / "methods").glob("*.yaml"):
        method.write_text(method.read_text().replace("auto_insurance", "auto_v2"))
    run = logbook.cli("log", "show", "G-1", "-v")
    assert run.exit_code == 0, run.output
    assert_no_canaries(run.output)
    assert "94107" not in run.stdout  # even fields that were not pii: nothing says now
    assert "lead type `auto_insurance` is no longer configured" in run.stderr
    assert "Canaryfirst" in logbook.cli("log", "show", "G-1", "--show-pii").stdout


def test_without_an_id_the_newest_auction_is_shown(logbook: Logbook) -> None:
    empty = logbook.cli("log", "show")
    assert empty.exit_code == 2 and "the delivery log has no auction yet" in empty.stderr
    logbook.auction("N-1", ago=60)
    newest = logbook.auction("N-2")
    run = logbook.cli("log", "show")
    assert run.exit_code == 0, run.output
    assert run.stdout.splitlines() == logbook.printed(newest).splitlines()
