"""The buyer controls inside `run_auction`: who is not pinged and why, the lead-level
duplicate, auto-pause from the pings' answers, round robin from the store's last sales,
shared leads, and dry runs that look but never consume."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from pingpost.auction import run_auction
from pingpost.auction.continuing import deliver_lead
from pingpost.auction.controlling import StoreNeeded, controls_for
from pingpost.config.models import LeadType
from pingpost.leads import Lead, coerce_lead
from pingpost.store.memory import MemoryStore

from .fakes import FakeTransport, account, bid, by_name, config, hang, reject, reply, sold
from .stores import T0, LoggedStore, clock

PHONE_TYPE = LeadType.model_validate(
    {
        "kind": "lead_type",
        "name": "auto",
        "fields": {
            "State": {"type": "state", "required": True},
            "ZipCode": {"type": "zip", "required": True},
            "Phone": {"type": "phone"},
            "Age": {"type": "integer"},
        },
    }
)


def with_type(cfg: Any, **lead_type: Any) -> Any:
    kind = PHONE_TYPE.model_copy(update=lead_type) if lead_type else PHONE_TYPE
    if "dedupe" in lead_type:
        kind = LeadType.model_validate({**PHONE_TYPE.model_dump(by_alias=True), **lead_type})
    return type(cfg)({"auto": kind}, cfg.methods, cfg.accounts, cfg.settings)


def lead(phone: str = "(415) 555-0100", age: int = 30) -> Lead:
    return coerce_lead({"State": "CA", "ZipCode": "90210", "Phone": phone, "Age": age}, PHONE_TYPE)


def run(cfg: Any, answers: dict[str, Any], store: Any, the_lead: Lead, **kw: Any) -> Any:
    transport = kw.pop("transport", None) or FakeTransport(answers)
    kw.setdefault("clock", clock)
    return asyncio.run(run_auction(the_lead, cfg, transport=transport, store=store, **kw))


def test_an_account_off_its_schedule_is_not_pinged() -> None:
    closed = account("a", schedule=[{"days": ["mon", "tue"], "from": "09:00", "to": "17:00"}])
    cfg = with_type(config([closed, account("b")]))
    transport = FakeTransport({"b/ping": bid("5"), "b/post": sold()})
    result = run(cfg, {}, MemoryStore(), lead(), transport=transport)
    a = by_name(result)["a"]
    assert a.status == "off_schedule" and a.ping is None
    assert a.reason == "off_schedule: opens Mon 09:00 UTC"
    assert transport.paths() == ["/b/ping", "/b/post"]


def test_consecutive_failures_pause_an_account_until_the_cool_down_ends() -> None:
    sick = account("a", health={"pause_after": 2, "pause_for": "10m"})
    cfg = with_type(config([sick, account("b")]))
    store = MemoryStore()
    now = [T0]
    controls = controls_for(cfg, store, lambda: now[0])
    answers = {"a/ping": reply("down", status=503), "b/ping": bid("5"), "b/post": sold()}
    kw = {"controls": controls, "clock": lambda: now[0]}
    for age in (31, 32):
        assert by_name(run(cfg, answers, store, lead(age=age), **kw))["a"].status == "error"
    paused = run(cfg, answers, store, lead(age=33), **kw)
    a = by_name(paused)["a"]
    assert a.status == "paused" and a.ping is None
    assert a.reason == "paused: until 20:36 UTC (2 consecutive errors)"
    assert asyncio.run(store.account_states(["a"]))["a"].paused_until == T0 + 600
    now[0] = T0 + 601  # the cool-down is over
    healthy = {**answers, "a/ping": bid("9"), "a/post": sold()}
    assert by_name(run(cfg, healthy, store, lead(age=34), **kw))["a"].status == "sold"


def test_an_account_that_bought_the_lead_within_its_window_is_not_pinged_again() -> None:
    cfg = with_type(config([account("a", dedupe={"within": "30d"}), account("b")]))
    store = LoggedStore()
    answers = {"a/ping": bid("20"), "a/post": sold(), "b/ping": bid("5"), "b/post": sold()}
    assert run(cfg, answers, store, lead("(415) 555-0111", age=40)).sold_to == "a"
    again = run(cfg, answers, store, lead("415.555.0111", age=40))  # the same lead, reformatted
    assert by_name(again)["a"].status == "duplicate" and again.sold_to == "b"
    assert by_name(again)["a"].reason == "duplicate: bought this lead within the last 30d"


def test_a_lead_the_lead_types_rule_has_seen_is_refused_before_any_ping() -> None:
    cfg = with_type(config([account("a")]), dedupe={"fields": ["Phone"], "within": "30d"})
    store = LoggedStore()
    answers = {"a/ping": bid("20"), "a/post": sold()}
    first = run(cfg, answers, store, lead("(415) 555-0122", age=50), lead_id="first")
    transport = FakeTransport(answers)
    dup = run(cfg, answers, store, lead("415-555-0122", age=51), transport=transport)
    assert first.result == "sold" and dup.result == "duplicate"
    assert transport.sent == []  # refused before any ping
    assert dup.reason == "duplicate: same Phone as auction first within 30d"
    assert dup.earlier is not None and dup.earlier.auction_id == "first"
    assert dup.earlier.result is None  # not "duplicate": the earlier auction sold
    assert by_name(dup)["a"].status == "not_pinged"
    assert [r.result for r in store.records] == ["sold", "duplicate"]  # logged, not sold


def test_a_lead_killed_during_its_ping_round_is_not_its_own_duplicate_on_the_rerun() -> None:
    cfg = with_type(config([account("a")]), dedupe={"fields": ["Phone"], "within": "30d"})
    store = LoggedStore()
    the_lead = lead("(415) 555-0133")

    async def killed() -> None:
        slow = FakeTransport({"a/ping": hang()})
        task = asyncio.create_task(
            run_auction(the_lead, cfg, transport=slow, store=store, clock=clock)
        )
        while not slow.sent:
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(killed())
    rerun = asyncio.run(
        deliver_lead(
            the_lead,
            cfg,
            transport=FakeTransport({"a/ping": bid("9"), "a/post": sold()}),
            store=store,
            clock=clock,
        )
    )
    assert rerun.result == "sold"


def test_a_dry_run_looks_at_the_controls_but_consumes_nothing() -> None:
    capped = account("a", caps=[{"per": "day", "leads": 1}])
    cfg = with_type(config([capped]), dedupe={"fields": ["Phone"], "within": "30d"})
    store = LoggedStore()
    answers = {"a/ping": bid("9"), "a/post": sold()}
    for _ in range(3):
        assert run(cfg, answers, store, lead("(415) 555-0144"), dry_run=True).dry_run
    assert asyncio.run(store.seen_lead("auto", "x", since=0)) is None
    assert asyncio.run(store.usage({"a": ["day:2026-05-28"]}))[("a", "day:2026-05-28")].leads == 0
    assert run(cfg, answers, store, lead("(415) 555-0144")).sold_to == "a"
    dry = run(cfg, answers, store, lead("(415) 555-0155"), dry_run=True)
    assert by_name(dry)["a"].status == "capped"  # its verdict is shown, nothing consumed


def test_round_robin_rotates_over_thirty_leads() -> None:
    cfg = with_type(config([account("a"), account("b"), account("c")], strategy="round_robin"))
    store = MemoryStore()
    now = [T0]
    controls = controls_for(cfg, store, lambda: now[0])
    answers = {f"{n}/{p}": (bid("10") if p == "ping" else sold()) for n in "abc"
               for p in ("ping", "post")}  # fmt: skip
    winners = []
    for i in range(30):
        now[0] = T0 + i
        result = run(cfg, answers, store, lead(age=60 + i), controls=controls,
                     clock=lambda: now[0])  # fmt: skip
        winners.append(result.sold_to)
    assert Counter(winners) == {"a": 10, "b": 10, "c": 10}
    assert all(winners[i] != winners[i + 1] for i in range(29))
    assert winners[:3] == ["a", "b", "c"]  # never sold first (then by bid, then name)


def test_without_a_store_caps_dedupe_and_round_robin_refuse_schedules_run() -> None:
    capped = with_type(config([account("a", caps=[{"per": "day", "leads": 1}])]))
    with pytest.raises(StoreNeeded, match="caps on delivery_account `a`"):
        run(capped, {}, None, lead())
    scheduled = account("a", schedule=[{"days": ["mon"], "from": "09:00", "to": "10:00"}])
    result = run(with_type(config([scheduled])), {}, None, lead())
    assert by_name(result)["a"].status == "off_schedule"


def shared_config(**auction: Any) -> Any:
    accounts = [
        account("x", priority=0),
        account("s1", exclusive=False),
        account("s2", exclusive=False),
        account("s3", exclusive=False),
    ]
    return with_type(config(accounts, max_sells=2, max_posts=4, **auction))


def test_a_shared_lead_sells_to_several_buyers_and_a_rejected_post_is_replaced() -> None:
    cfg = shared_config()
    answers = {
        "x/ping": bid("10"),
        "s1/ping": bid("8"),
        "s1/post": sold(),
        "s2/ping": bid("7"),
        "s2/post": reject("full"),
        "s3/ping": bid("5"),
        "s3/post": sold("5.50"),
    }
    store = LoggedStore()
    result = run(cfg, answers, store, lead(), lead_id="shared-1")
    assert result.result == "sold"
    assert [(s.account, s.price) for s in result.sales] == [
        ("s1", Decimal("8")),
        ("s3", Decimal("5.50")),
    ]
    assert (result.sold_to, result.price, result.revenue) == ("s1", Decimal("8"), Decimal("13.50"))
    statuses = {a.account: a.status for a in result.accounts}
    assert statuses == {"x": "outbid", "s1": "sold", "s2": "post_rejected", "s3": "sold"}
    assert result.decisions == ("shared sale to s1, s2 (15 in all) beats exclusive x (10)",)
    record = store.records[0]
    assert record.revenue == Decimal("13.50") and record.sold_to == "s1"
    stored = asyncio.run(store.auction("shared-1"))
    assert stored is not None
    assert sorted((p.account, p.status) for p in stored.posts) == [
        ("s1", "sold"),
        ("s2", "post_rejected"),
        ("s3", "sold"),
    ]


def test_an_exclusive_bid_above_the_shared_sum_sells_exclusively() -> None:
    cfg = shared_config()
    answers = {
        "x/ping": bid("20"),
        "x/post": sold(),
        "s1/ping": bid("8"),
        "s2/ping": bid("7"),
        "s3/ping": reject(),
    }
    result = run(cfg, answers, LoggedStore(), lead())
    assert [s.account for s in result.sales] == ["x"] and result.revenue == Decimal("20")
    assert result.decisions == ("exclusive sale to x (20) beats 2 shared bids (15)",)
    assert by_name(result)["s1"].status == "outbid"


def test_a_failed_exclusive_post_plans_again_with_the_bids_left() -> None:
    cfg = shared_config()
    answers = {
        "x/ping": bid("20"),
        "x/post": reject(),
        "s1/ping": bid("8"),
        "s1/post": sold(),
        "s2/ping": bid("7"),
        "s2/post": sold(),
        "s3/ping": reject(),
    }
    result = run(cfg, answers, LoggedStore(), lead())
    assert sorted(s.account for s in result.sales) == ["s1", "s2"]
    assert len(result.decisions) == 2 and result.decisions[1].startswith("shared sale to s1, s2")
