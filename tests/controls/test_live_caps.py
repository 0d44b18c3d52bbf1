"""Caps and duplicates through the real engine: sandbox buyers on real HTTP, many auctions
in flight at once, on SQLite and on PostgreSQL (skipped visibly when unreachable)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pingpost.auction import AuctionResult
from pingpost.auction.continuing import deliver_lead
from pingpost.auction.setup import delivery_for
from pingpost.config.models import LeadType
from pingpost.sandbox import Sandbox
from pingpost.store.backends import open_store
from pingpost.store.grep import find_text
from pingpost.transport import HttpTransport

from .live import LEAD_TYPE, buyer, config, deliver_at_once, lead, store_url

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_url(request, request.param, tmp_path)


def account_of(result: AuctionResult, name: str) -> tuple[str, str | None]:
    line = next(a for a in result.accounts if a.account == name)
    return line.status, line.reason


def test_50_concurrent_auctions_against_a_cap_of_10_sell_exactly_10(make_sandbox, url: str):
    sb: Sandbox = make_sandbox({"buyers": [buyer("top", 30), buyer("other", 10)]})
    cfg = config(
        sb.url,
        [{"name": "top", "caps": [{"per": "day", "leads": 10}]}, {"name": "other"}],
    )
    results = deliver_at_once(cfg, [lead(n) for n in range(50)], url)
    assert Counter(r.sold_to for r in results) == {"top": 10, "other": 40}
    top_posts = [e for e in sb.ledger(phase="post") if e["buyer"] == "top"]
    assert [e["outcome"] for e in top_posts] == ["accepted"] * 10  # no post past the cap
    held_back = [account_of(r, "top") for r in results if r.sold_to == "other"]
    assert {status for status, _ in held_back} == {"capped"}
    assert all(
        reason is not None
        and reason.startswith("capped: 10 leads per day reached (resets 00:00 UTC)")
        for _, reason in held_back
    ), held_back


def test_a_spend_cap_with_decimal_prices_stops_at_the_budget(make_sandbox, url: str):
    sb: Sandbox = make_sandbox({"buyers": [buyer("top", "33.33"), buyer("other", 5)]})
    cfg = config(
        sb.url,
        [{"name": "top", "caps": [{"per": "day", "spend": "100.00"}]}, {"name": "other"}],
    )
    results = deliver_at_once(cfg, [lead(n) for n in range(12)], url)
    to_top = [r for r in results if r.sold_to == "top"]
    assert len(to_top) == 3 and sum(r.price or 0 for r in to_top) == Decimal("99.99")
    statuses = {account_of(r, "top")[0] for r in results if r.sold_to != "top"}
    assert statuses == {"capped"}
    reasons = {account_of(r, "top")[1] for r in results if r.sold_to != "top"}
    assert any("a sale at 33.33 would pass it (0.01 left" in (why or "") for why in reasons), (
        reasons
    )


class ScriptedPosts:
    """A buyer whose posts answer in turn from `answers` ("rejected", "sold", "500")."""

    def __init__(self, server: HTTPServer, answers: list[str]) -> None:
        self.answers = answers
        server.expect_request("/top/ping").respond_with_json(
            {"status": "success", "price": "30", "pingToken": "t"}
        )
        server.expect_request("/top/post").respond_with_handler(self.post)
        server.expect_request("/other/ping").respond_with_json(
            {"status": "success", "price": "5", "pingToken": "t"}
        )
        server.expect_request("/other/post").respond_with_json({"status": "success"})

    def post(self, request: Request) -> Response:
        answer = self.answers.pop(0)
        if answer == "500":
            return Response("down", status=500)
        status = "success" if answer == "sold" else "rejected"
        return Response(f'{{"status": "{status}"}}', content_type="application/json")


def test_a_released_reservation_lets_the_next_lead_sell_an_in_doubt_one_keeps_it(
    httpserver: HTTPServer, url: str
):
    ScriptedPosts(httpserver, ["rejected", "sold", "500"])
    base = httpserver.url_for("").rstrip("/")
    cfg = config(base, [{"name": "top", "caps": [{"per": "day", "leads": 2}]}, {"name": "other"}])
    one_at_a_time = [deliver_at_once(cfg, [lead(n)], url)[0] for n in range(4)]
    first, second, third, fourth = one_at_a_time
    assert account_of(first, "top")[0] == "post_rejected" and first.sold_to == "other"
    assert second.sold_to == "top"  # the rejection gave its reservation back
    assert third.result == "in_doubt" and account_of(third, "top")[0] == "in_doubt"
    # the post in doubt may have sold: its reservation stays, and the cap of 2 is reached
    assert account_of(fourth, "top") == (
        "capped",
        "capped: 2 leads per day reached (resets 00:00 UTC)",
    )
    assert fourth.sold_to == "other"


def dedupe_type() -> LeadType:
    data = LEAD_TYPE.model_dump(by_alias=True, exclude_none=True)
    return LeadType.model_validate({**data, "dedupe": {"fields": ["Phone"], "within": "30d"}})


def test_the_store_holds_dedupe_keys_never_the_phone_number(make_sandbox, url: str):
    sb: Sandbox = make_sandbox({"buyers": [buyer("top", 30)]})
    cfg = config(sb.url, [{"name": "top", "dedupe": {"within": "90d"}}], lead_type=dedupe_type())
    (sold,) = deliver_at_once(cfg, [lead(1, phone="(415) 867-5309")], url)
    assert sold.sold_to == "top"
    digits, formatted = "4158675309", "867-5309"
    # the lead as received is kept for the log (the store's documented purpose) ...
    where = asyncio.run(find_text(url, digits)) + asyncio.run(find_text(url, formatted))
    tables = {place.split(".")[0] for place in where if "." in place and " " not in place}
    assert tables and tables <= {"leads", "documents", "posts", "exchanges"}, where
    # ... and a privacy request deletes it; the duplicate check holds on hashes alone
    asyncio.run(_purge(url, sold.lead_id))
    assert asyncio.run(find_text(url, digits)) == []
    assert asyncio.run(find_text(url, formatted)) == []
    (again,) = deliver_at_once(cfg, [lead(2, phone="415.867.5309")], url)
    assert again.result == "duplicate" and again.reason is not None
    assert again.reason.startswith(f"duplicate: same Phone as auction {sold.lead_id}")


async def _purge(url: str, auction_id: str) -> None:
    store = await open_store(url)
    try:
        assert await store.purge(auction_id=auction_id) == 1
    finally:
        await store.close()


def test_postgresql_holds_no_lock_while_a_post_is_on_the_wire(
    httpserver: HTTPServer, postgres_url: str
):
    """A slow post, and meanwhile another connection updates the same cap row with a
    lock_timeout: it must not wait for the post to end."""
    on_the_wire, release = threading.Event(), threading.Event()

    def slow_post(request: Request) -> Response:
        on_the_wire.set()
        release.wait(10)
        return Response('{"status": "success"}', content_type="application/json")

    httpserver.expect_request("/top/ping").respond_with_json(
        {"status": "success", "price": "30", "pingToken": "t"}
    )
    httpserver.expect_request("/top/post").respond_with_handler(slow_post)
    base = httpserver.url_for("").rstrip("/")
    cfg = config(base, [{"name": "top", "caps": [{"per": "day", "leads": 5}]}])
    schema = parse_qs(urlsplit(postgres_url).query)["schema"][0]
    database = postgres_url.split("?")[0]

    async def main() -> tuple[str, float, AuctionResult]:
        import asyncpg

        store = await open_store(postgres_url)
        other = await asyncpg.connect(database)
        try:
            how = delivery_for(cfg, store)
            async with HttpTransport.for_config(cfg) as transport:
                auction = asyncio.create_task(
                    deliver_lead(
                        lead(1), cfg, transport=transport, store=store, controls=how.controls
                    )
                )
                await asyncio.to_thread(on_the_wire.wait, 10)
                await other.execute("SET lock_timeout = '300ms'")
                started = time.monotonic()
                try:
                    status = await other.execute(
                        f'UPDATE "{schema}".usage SET leads = leads WHERE account = $1', "top"
                    )
                    waited = time.monotonic() - started
                finally:
                    release.set()
                return status, waited, await auction
        finally:
            await other.close()
            await store.close()

    status, waited, result = asyncio.run(main())
    assert status == "UPDATE 1"  # the reservation is there, its row free to update
    assert waited < 0.3
    assert result.sold_to == "top"
