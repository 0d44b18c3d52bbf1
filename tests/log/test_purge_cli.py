"""`pingpost log purge` and settings `log: {retention}`: leads deleted (privacy requests),
the hashed keys of caps and duplicate checks and the cap counters kept."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from pingpost.controls import Controls
from pingpost.leads import coerce_lead
from pingpost.store.grep import find_text
from tests.trace_cli_fixtures import LEAD

from .conftest import Logbook

PHONE = "4155550123"


@pytest.fixture
def guarded(any_logbook: Logbook) -> Logbook:
    """Duplicate checks on Phone (lead type, and acme's own) and a daily cap on acme."""
    setup = any_logbook.setup
    with (setup.dir / "lead_types" / "auto.yaml").open("a") as f:
        f.write("dedupe: {fields: [Phone], within: 30d}\n")
    with (setup.dir / "accounts" / "acme.yaml").open("a") as f:
        f.write("caps: [{per: day, leads: 10}]\ndedupe: {within: 90d}\n")
    setup.answer("acme", "post", {"result": "success"})
    return any_logbook


def _usage_and_checks(book: Logbook) -> tuple[int, str | None, set[str]]:
    """acme's leads today, the lead type's earlier auction for the canary lead, and the
    accounts that bought it (as the controls see them)."""
    config = book.config
    lead = coerce_lead({**LEAD, "Phone": PHONE, "FirstName": "Other"}, config.lead_type())

    async def look(store):  # type: ignore[no-untyped-def]
        controls = Controls(config, store, clock=time.time)
        (claim,) = controls.claims("acme-main")
        used = (await store.usage({"acme-main": [claim.window]}))[("acme-main", claim.window)]
        check = await controls.check_lead(lead, "probe", consume=False)
        bought = await store.bought(check.key, {"acme-main": 0.0}) if check.key else set()
        return used.leads, check.earlier, bought

    return book.store(look)  # type: ignore[no-any-return]


def test_purge_by_lead_id_deletes_the_lead_and_keeps_keys_and_counters(guarded: Logbook) -> None:
    guarded.auction("P-1", Phone=PHONE, Email="privacy.request@example.com", FirstName="Purgeme")
    guarded.auction("P-2", Phone="4155550999")
    assert _usage_and_checks(guarded) == (2, "P-1", {"acme-main"})
    assert asyncio.run(find_text(guarded.url, "privacy.request@example.com"))
    run = guarded.cli("log", "purge", "--lead-id", "P-1")
    assert run.exit_code == 0, run.output
    assert run.stdout == (
        "deleted 1 auction (auction P-1); hashed dedupe keys and cap counters kept\n"
    )
    assert guarded.cli("log", "show", "P-1").exit_code == 2
    assert [
        json.loads(x)["auction_id"] for x in guarded.cli("log", "--json").stdout.splitlines()
    ] == ["P-2"]
    for value in ("privacy.request@example.com", PHONE, "Purgeme"):
        assert asyncio.run(find_text(guarded.url, value)) == [], value  # gone, at rest too
    # the controls still know: the same phone is a duplicate, acme bought it, 2 sales today
    assert _usage_and_checks(guarded) == (2, "P-1", {"acme-main"})


def test_purging_an_unknown_auction_exits_1(logbook: Logbook) -> None:
    logbook.auction("P-3")
    run = logbook.cli("log", "purge", "--lead-id", "nope")
    assert run.exit_code == 1
    assert run.stdout.startswith("deleted 0 auctions (no auction nope in the log)")
    assert logbook.cli("log", "--json").stdout.count("\n") == 1


def test_purge_before_keeps_newer_and_open_auctions(logbook: Logbook) -> None:
    logbook.setup.answer("acme", "post", {"result": "success"})
    logbook.auction("OLD-1", ago=40 * 86400)
    logbook.auction("OLD-OPEN", ago=40 * 86400, finish=False)
    logbook.auction("NEW-1", ago=3600)
    run = logbook.cli("log", "purge", "--before", "30d")
    assert run.exit_code == 0, run.output
    assert run.stdout.startswith("deleted 1 auction (finished before ")
    ids = [json.loads(x)["auction_id"] for x in logbook.cli("log", "--json").stdout.splitlines()]
    assert ids == ["NEW-1", "OLD-OPEN"]  # an open auction is never purged by age


def test_a_bare_purge_needs_a_retention(logbook: Logbook) -> None:
    run = logbook.cli("log", "purge")
    assert run.exit_code == 2
    assert "pass --before WHEN or --lead-id ID" in run.stderr


def test_retention_is_applied_by_commands_that_write(logbook: Logbook) -> None:
    logbook.setup.server.expect_oneshot_request("/acme/post").respond_with_json(
        {"result": "success"}
    )
    logbook.auction("OLD-1", ago=3 * 86400)
    logbook.setup.answer("acme", "post", {"result": "?"}, status=503)
    logbook.auction("DOUBT", ago=60)
    with (logbook.setup.dir / "pingpost.yaml").open("a") as f:
        f.write("log: {retention: 2d}\n")

    def ids() -> list[str]:
        out = logbook.cli("log", "--json").stdout.splitlines()
        return [json.loads(x)["auction_id"] for x in out]

    assert ids() == ["DOUBT", "OLD-1"]  # reading never deletes
    assert logbook.cli("stats").exit_code == 0 and ids() == ["DOUBT", "OLD-1"]
    run = logbook.cli("recover", "--resolve", "DOUBT", "--as", "unsold")
    assert run.exit_code == 0, run.output
    assert ids() == ["DOUBT"]


def test_a_bare_purge_applies_the_retention(logbook: Logbook) -> None:
    logbook.setup.answer("acme", "post", {"result": "success"})
    logbook.auction("OLD-1", ago=3 * 86400)
    logbook.auction("NEW-1")
    with (logbook.setup.dir / "pingpost.yaml").open("a") as f:
        f.write("log: {retention: 2d}\n")
    run = logbook.cli("log", "purge")
    assert run.exit_code == 0, run.output
    assert run.stdout.startswith("deleted 1 auction (finished before ")
