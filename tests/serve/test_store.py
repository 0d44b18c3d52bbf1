"""`serve` on a real store (SQLite and PostgreSQL): every served auction is written ahead
and in the log with its source, the buyer controls apply as in `deliver`, and
Idempotency-Keys hold across instances sharing the store."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pingpost.sandbox import Sandbox
from pingpost.store.backends import open_store, store_for_url
from pingpost.store.records import LogQuery, LogRow

from .helpers import LEAD, OTHER_KEY, buyer, post_lead, problem_of, running_service, write_config


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_url"))


def _log(url: str) -> list[LogRow]:
    async def read() -> list[LogRow]:
        store = await open_store(url)
        try:
            return await store.log(LogQuery(limit=100))
        finally:
            await store.close()

    return asyncio.run(read())


def _lead(i: int) -> dict[str, str]:
    return {**LEAD, "Phone": f"(415) 555-{i:04d}"}


def test_served_auctions_are_in_the_log_with_their_source(
    buyers: Callable[..., Sandbox], tmp_path: Path, store_url: str
) -> None:
    sandbox = buyers(buyer("a", 12), buyer("b", 9))
    config = write_config(tmp_path / "configs", sandbox.url, ["a", "b"])
    with running_service(config, store=store_for_url(store_url)) as service:
        sold = post_lead(service.url, _lead(1))
        other = post_lead(service.url, _lead(2), key=OTHER_KEY)
        listening = service.events("listening")[0]
    assert sold.status == other.status == 201
    assert listening["store"] == store_url.split(":")[0]
    rows = {row.auction_id: row for row in _log(store_url)}
    assert set(rows) == {sold.json()["lead_id"], other.json()["lead_id"]}
    first, second = rows[sold.json()["lead_id"]], rows[other.json()["lead_id"]]
    assert (first.result, first.sold_to, first.source) == ("sold", "a-acct", "web-form")
    assert second.source == "affiliate"


def test_caps_and_duplicates_hold_as_in_deliver(
    buyers: Callable[..., Sandbox], tmp_path: Path, store_url: str
) -> None:
    sandbox = buyers(buyer("a", 12), buyer("b", 9))
    dedupe = "dedupe: {fields: [Phone], within: 1d}\n"
    config = write_config(tmp_path / "configs", sandbox.url, ["a", "b"])
    (config / "lead_types/auto.yaml").write_text(
        (config / "lead_types/auto.yaml").read_text() + dedupe
    )
    account = config / "accounts/a.yaml"
    account.write_text(account.read_text() + "caps:\n  - {per: total, leads: 1}\n")
    with running_service(config, store=store_for_url(store_url)) as service:
        first = post_lead(service.url, _lead(1))
        second = post_lead(service.url, _lead(2))
        again = post_lead(service.url, _lead(1))
    assert first.json()["sold_to"] == "a-acct"
    assert second.status == 201 and second.json()["sold_to"] == "b-acct"  # a is capped
    capped = {a["account"]: a for a in second.json()["accounts"]}["a-acct"]
    assert capped["status"] == "capped"
    assert again.status == 409 and again.json()["result"] == "duplicate"
    assert len(sandbox.ledger(phase="post")) == 2  # the duplicate was never pinged or posted
    results = sorted(row.result for row in _log(store_url))
    assert results == ["duplicate", "sold", "sold"]


def test_idempotency_keys_hold_across_two_instances_on_one_store(
    buyers: Callable[..., Sandbox], tmp_path: Path, store_url: str
) -> None:
    sandbox = buyers(buyer("s", 10, latency_ms=300))
    config = write_config(tmp_path / "configs", sandbox.url, ["s"])
    with (
        running_service(config, store=store_for_url(store_url)) as one,
        running_service(config, store=store_for_url(store_url)) as two,
    ):
        key = {"Idempotency-Key": "order-7"}
        box: dict[str, Any] = {}
        first = threading.Thread(target=lambda: box.update(a=post_lead(one.url, headers=key)))
        first.start()
        # while the first instance's auction runs, the second one waits for its answer
        while not sandbox.ledger(phase="ping"):
            threading.Event().wait(0.01)
        waiting = post_lead(two.url, headers=key)
        first.join(20)
        later = post_lead(two.url, headers=key)
        reused = post_lead(two.url, _lead(9), headers=key)
    answer = box["a"]
    assert answer.status == waiting.status == later.status == 201
    assert answer.body == waiting.body == later.body
    assert waiting.headers["idempotent-replayed"] == "true"
    problem_of(reused, 422, "idempotency_key_reused")
    assert len(sandbox.ledger(phase="post")) == 1
    assert [row.auction_id for row in _log(store_url)] == [answer.json()["lead_id"]]


def test_a_reload_keeps_the_store(buyers: Callable[..., Sandbox], tmp_path: Path) -> None:
    from .helpers import ADMIN, call

    sandbox = buyers(buyer("a", 12), buyer("b", 9))
    url = f"sqlite:///{tmp_path / 'store.db'}"
    config = write_config(tmp_path / "configs", sandbox.url, ["a", "b"],
                          settings="serve: {admin_key: \"${ADMIN_KEY}\"}\n")  # fmt: skip
    account = config / "accounts/a.yaml"
    account.write_text(account.read_text() + "caps:\n  - {per: total, leads: 1}\n")
    with running_service(config, store=store_for_url(url)) as service:
        before = post_lead(service.url, _lead(1))
        account.write_text(account.read_text() + "description: reloaded\n")
        reloaded = call(f"{service.url}/v1/admin/reload", "POST", key=ADMIN)
        after = post_lead(service.url, _lead(2))  # the cap still counts the first sale
    assert reloaded.status == 200, reloaded.body
    assert before.json()["sold_to"] == "a-acct" and after.json()["sold_to"] == "b-acct"
    assert len(_log(url)) == 2


def test_round_robin_takes_turns_across_two_instances(
    buyers: Callable[..., Sandbox], tmp_path: Path, store_url: str
) -> None:
    """Equal bids, strategy round_robin: each sale goes to the account longest without one,
    whichever instance runs the auction (the last sale times are in the store; each
    instance reads them at most once a second, docs/controls.md, hence the pauses)."""
    sandbox = buyers(buyer("a", 10), buyer("b", 10))
    config = write_config(tmp_path / "configs", sandbox.url, ["a", "b"],
                          settings="auction: {strategy: round_robin}\n")  # fmt: skip
    with (
        running_service(config, store=store_for_url(store_url)) as one,
        running_service(config, store=store_for_url(store_url)) as two,
    ):
        sold_to = []
        for i in range(4):
            sold_to.append(post_lead((one, two)[i % 2].url, _lead(i)).json()["sold_to"])
            time.sleep(1.05)
    assert sold_to[0] in ("a-acct", "b-acct")
    assert all(sold_to[i] != sold_to[i + 1] for i in range(3)), sold_to


def test_two_submissions_taking_one_source_id_at_once_are_two_auctions(
    buyers: Callable[..., Sandbox], tmp_path: Path, store_url: str
) -> None:
    """The lead type's `id_field` names the auction. Two submissions carrying the same id
    at the same moment (the same lead, or two leads): each is a new submission, so both are
    auctioned; the store gives the id to the first to write, the other runs as `<id>~2`."""
    sandbox = buyers(buyer("a", 12, latency_ms=150.0))
    config = write_config(tmp_path / "configs", sandbox.url, ["a"])
    lead_type = config / "lead_types/auto.yaml"
    text = lead_type.read_text().replace(
        "fields:\n", "id_field: Ref\nfields:\n  Ref: {type: string}\n"
    )
    lead_type.write_text(text)
    answers: list[Any] = []
    with running_service(config, store=store_for_url(store_url)) as service:
        for leads in (
            ({**LEAD, "Ref": "S-1"},) * 2,
            ({**LEAD, "Ref": "S-2"}, _lead(2) | {"Ref": "S-2"}),
        ):
            sent = [
                threading.Thread(
                    target=lambda lead=lead: answers.append(post_lead(service.url, lead))
                )
                for lead in leads
            ]
            for thread in sent:
                thread.start()
            for thread in sent:
                thread.join(30)
    assert [a.status for a in answers] == [201] * 4, [a.json() for a in answers]
    assert sorted(a.json()["lead_id"] for a in answers) == ["S-1", "S-1~2", "S-2", "S-2~2"]
    assert {a.json()["result"] for a in answers} == {"sold"}
    rows = {row.auction_id: row.result for row in _log(store_url)}
    assert rows == {"S-1": "sold", "S-1~2": "sold", "S-2": "sold", "S-2~2": "sold"}
