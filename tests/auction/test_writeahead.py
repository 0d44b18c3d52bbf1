"""Write-ahead through `run_auction` on the reference store: every post behind a durable
intent, outcomes and results written before the result is returned, caps reserved
with the intents, and a store that fails closed."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from pingpost.auction import run_auction
from pingpost.auction.recording import lead_record
from pingpost.leads import Lead, coerce_lead
from pingpost.store.errors import StoreUnavailable

from .fakes import LEAD_TYPE, account, bid, config, hang, method, reject, reply, sold, statuses
from .stores import Journal, LoggedStore, LoggedTransport, clock


def lead(age: int = 30) -> Lead:
    return coerce_lead({"State": "CA", "ZipCode": "90210", "Age": age}, LEAD_TYPE)


def run(cfg: Any, transport: Any, store: Any, the_lead: Lead | None = None, **kw: Any) -> Any:
    return asyncio.run(
        run_auction(the_lead or lead(), cfg, transport=transport, store=store, clock=clock, **kw)
    )


def setup(answers: dict[str, Any], **auction: Any) -> tuple[Any, LoggedTransport, LoggedStore]:
    journal = Journal()
    names = sorted({key.split("/")[0] for key in answers})
    return (
        config([account(n) for n in names], **auction),
        LoggedTransport(answers, journal),
        (LoggedStore(journal)),
    )


def test_each_post_leaves_after_its_intent_and_the_result_is_written_before_it_returns() -> None:
    cfg, transport, store = setup(
        {"a/ping": bid("30"), "a/post": reject(), "b/ping": bid("20"), "b/post": sold("21")}
    )
    result = run(cfg, transport, store, lead_id="auction-1", source="leads.jsonl")
    assert (result.result, result.sold_to, result.price) == ("sold", "b", Decimal("21"))
    assert store.journal.kinds() == [
        "intent a",
        "post a",
        "outcome a post_rejected",
        "intent b",
        "post b",
        "finish sold + outcome b sold",  # the last answer goes in the result's commit
    ]
    stored = asyncio.run(store.auction("auction-1"))
    assert stored is not None and stored.lead.source == "leads.jsonl"
    assert [(p.account, p.attempt, p.status) for p in stored.posts] == [
        ("a", 1, "post_rejected"),
        ("b", 2, "sold"),
    ]
    assert stored.lead == lead_record(lead(), "auction-1", started_at=clock(), source="leads.jsonl")
    record = store.records[0]
    assert record.revenue == Decimal("21") and record.finished_at == clock()
    prior = asyncio.run(store.prior(stored.lead.lead_key))
    assert prior is not None and prior.state == "finished" and prior.sold_to == ("b",)


def test_an_auction_with_no_post_is_written_too() -> None:
    cfg, transport, store = setup({"a/ping": reject()})
    result = run(cfg, transport, store)
    assert result.result == "unsold"
    assert store.journal.kinds() == ["finish unsold"]
    assert store.records[0].accounts[0].status == "rejected"


def test_a_store_that_cannot_take_the_intent_sends_no_post_and_the_auction_fails_closed() -> None:
    cfg, transport, store = setup({"a/ping": bid("30"), "a/post": sold()})
    store.fail_on.add("post_intent")
    with pytest.raises(StoreUnavailable, match="disk full"):
        run(cfg, transport, store)
    assert transport.posts() == []  # W1: no post without its intent
    assert store.journal.kinds() == []


def test_after_a_sale_a_failing_store_keeps_the_sale_and_says_what_the_log_misses() -> None:
    cfg, transport, store = setup({"a/ping": bid("30"), "a/post": sold()})
    store.fail_on.add("finish")  # the result, and the sale's outcome it carries
    result = run(cfg, transport, store, lead_id="auction-2")
    assert (result.result, result.sold_to) == ("sold", "a")
    assert result.store_error is not None and "disk full" in result.store_error
    assert "pingpost recover" in result.store_error
    open_auctions = asyncio.run(store.open_auctions())  # the intent stays open: recover lists it
    assert [(o.auction_id, o.posts[0].account) for o in open_auctions] == [("auction-2", "a")]
    assert open_auctions[0].posts[0].status is None  # no answer recorded


def test_an_answer_that_cannot_be_written_stops_the_next_post() -> None:
    cfg, transport, store = setup(
        {"a/ping": bid("30"), "a/post": reject(), "b/ping": bid("20"), "b/post": sold()}
    )
    store.fail_on.add("post_outcome")  # a's answer, written before b's intent
    result = run(cfg, transport, store, lead_id="auction-3")
    assert transport.posts() == ["a"]  # b's post never left: its intent was not written
    assert result.result == "unsold" and "disk full" in (result.store_error or "")
    b = next(x for x in result.accounts if x.account == "b")
    assert b.reason is not None and "store unavailable" in b.reason
    open_auctions = asyncio.run(store.open_auctions())  # a's intent, unanswered in the log
    assert [(o.auction_id, [p.account for p in o.posts]) for o in open_auctions] == [
        ("auction-3", ["a"])
    ]


def test_a_failing_finish_after_an_unsold_auction_is_the_auctions_error() -> None:
    cfg, transport, store = setup({"a/ping": reject()})
    store.fail_on.add("finish")
    with pytest.raises(StoreUnavailable):
        run(cfg, transport, store)


def test_dry_runs_and_test_mode_write_nothing() -> None:
    cfg, transport, store = setup({"a/ping": bid("30"), "a/post": sold()})
    assert run(cfg, transport, store, dry_run=True).dry_run
    assert run(cfg, transport, store, test=True).result == "sold"
    assert store.journal.kinds() == ["post a"]  # the test-mode post, and no write at all


def test_an_idempotency_key_goes_with_the_intent() -> None:
    keyed = method("a", post={"idempotency_key": {"header": "Idempotency-Key"}})
    cfg = config([account("a")], [keyed])
    journal = Journal()
    transport = LoggedTransport({"a/ping": bid("30"), "a/post": sold()}, journal)
    store = LoggedStore(journal)
    run(cfg, transport, store, lead_id="L-9")
    stored = asyncio.run(store.auction("L-9"))
    assert stored is not None and stored.posts[0].idempotency_key == "L-9:a"
    assert transport.sent[1][0].header("Idempotency-Key") == "L-9:a"


def test_a_refused_reservation_moves_on_without_counting_as_a_post() -> None:
    cfg = config(
        [account("a", caps=[{"per": "day", "leads": 1}]), account("b")],
        max_posts=1,
    )
    journal = Journal()
    answers = {"a/ping": bid("30"), "a/post": sold(), "b/ping": bid("20"), "b/post": sold()}
    store = LoggedStore(journal)
    first = run(cfg, LoggedTransport(answers, journal), store, lead(31))
    assert first.sold_to == "a"
    # the cap's counter is full: the next lead does not even ping `a`
    second = run(cfg, LoggedTransport(answers, journal), store, lead(32))
    assert statuses(second)["a"] == "capped" and second.sold_to == "b"
    assert "capped: 1 lead per day reached" in (second.accounts[0].reason or "")


def test_a_released_reservation_lets_the_next_lead_sell_an_in_doubt_one_does_not() -> None:
    capped = [account("a", caps=[{"per": "day", "leads": 1}])]
    cfg = config(capped, post_timeout=0.2)
    store = LoggedStore()
    rejected = run(cfg, LoggedTransport({"a/ping": bid("9"), "a/post": reject()}, Journal()),
                   store, lead(41))  # fmt: skip
    assert rejected.result == "unsold"
    sells = run(cfg, LoggedTransport({"a/ping": bid("9"), "a/post": sold()}, Journal()),
                store, lead(42))  # fmt: skip
    assert sells.sold_to == "a"  # the rejected post's reservation was released
    store2 = LoggedStore()
    doubt = run(cfg, LoggedTransport({"a/ping": bid("9"), "a/post": hang()}, Journal()),
                store2, lead(43))  # fmt: skip
    assert doubt.result == "in_doubt"
    held = run(cfg, LoggedTransport({"a/ping": bid("9"), "a/post": sold()}, Journal()),
               store2, lead(44))  # fmt: skip
    assert statuses(held) == {"a": "capped"}  # the in-doubt post keeps its reservation


def test_fifty_concurrent_auctions_against_a_cap_of_ten_sell_exactly_ten() -> None:
    cfg = config(
        [account("top", caps=[{"per": "day", "leads": 10}]), account("next")],
    )
    answers = {
        "top/ping": bid("30"),
        "top/post": reply({"result": "success"}, delay=0.01),
        "next/ping": bid("10"),
        "next/post": sold(),
    }
    store = LoggedStore()
    transport = LoggedTransport(answers, Journal())

    async def main() -> list[Any]:
        from pingpost.auction.controlling import controls_for

        controls = controls_for(cfg, store, clock)  # one per run, as deliver and serve do
        return await asyncio.gather(
            *(
                run_auction(
                    lead(100 + i),
                    cfg,
                    transport=transport,
                    store=store,
                    controls=controls,
                    clock=clock,
                )
                for i in range(50)
            )
        )

    results = asyncio.run(main())
    sold_to = [r.sold_to for r in results]
    assert sold_to.count("top") == 10 and sold_to.count("next") == 40
    assert transport.posts().count("top") == 10  # no post past the cap ever left
    usage = asyncio.run(store.usage({"top": ["day:2026-05-28"]}))
    assert usage[("top", "day:2026-05-28")].leads == 10


def test_a_post_cut_off_by_an_abort_is_written_in_doubt_and_the_auction_stays_interrupted() -> None:
    from pingpost.auction import AuctionInterrupted

    cfg, transport, store = setup({"a/ping": bid("30"), "a/post": hang()}, post_timeout=30)

    async def main() -> Any:
        task = asyncio.create_task(
            run_auction(lead(), cfg, transport=transport, store=store, clock=clock, lead_id="cut")
        )
        while not transport.posts():
            await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(AuctionInterrupted) as caught:
            await task
        return caught.value.result

    result = asyncio.run(main())
    assert result.result == "in_doubt"
    assert store.journal.kinds() == ["intent a", "post a", "outcome a in_doubt"]
    open_auctions = asyncio.run(store.open_auctions())
    assert open_auctions[0].state == "interrupted"
    assert open_auctions[0].posts[0].status == "in_doubt"
    assert open_auctions[0].posts[0].reason == "interrupted while posting"
