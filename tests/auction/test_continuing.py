"""W3 through `deliver_lead` on the reference store: a lead delivered before is skipped
(`again` runs it anyway), one with a post in doubt stays in doubt, one interrupted
before any post is auctioned as new, and auction ids never repeat."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from pingpost.auction.continuing import deliver_lead
from pingpost.auction.recording import lead_record
from pingpost.config.models import LeadType
from pingpost.leads import Lead, coerce_lead
from pingpost.store.records import PostIntent

from .fakes import FakeTransport, account, bid, config, hang, reject, sold, statuses
from .stores import LoggedStore, clock

REF_TYPE = LeadType.model_validate(
    {
        "kind": "lead_type",
        "name": "auto",
        "fields": {
            "Ref": {"type": "string"},
            "State": {"type": "state", "required": True},
            "ZipCode": {"type": "zip", "required": True},
            "Phone": {"type": "phone"},
        },
        "id_field": "Ref",
    }
)


def lead(ref: str | None = None, zip_code: str = "90210", **more: str) -> Lead:
    data = {"State": "CA", "ZipCode": zip_code, **more}
    if ref is not None:
        data["Ref"] = ref
    return coerce_lead(data, REF_TYPE)


def cfg(**auction: Any) -> Any:
    made = config([account("a")], **auction)
    return type(made)({"auto": REF_TYPE}, made.methods, made.accounts, made.settings)


def deliver(the_lead: Lead, store: LoggedStore, answers: dict[str, Any], **kw: Any) -> Any:
    conf = kw.pop("conf", None) or cfg()
    return asyncio.run(
        deliver_lead(
            the_lead, conf, transport=FakeTransport(answers), store=store, clock=clock, **kw
        )
    )


SELLS = {"a/ping": bid("12"), "a/post": sold()}


def test_a_finished_lead_is_skipped_with_the_earlier_auction_in_the_reason() -> None:
    store = LoggedStore()
    first = deliver(lead(zip_code="10001"), store, SELLS, source="leads.jsonl")
    again = deliver(lead(zip_code="10001"), store, SELLS)
    assert first.result == "sold" and again.result == "skipped"
    assert again.lead_id == first.lead_id and again.accounts == ()
    assert again.reason == f"skipped: delivered before in auction {first.lead_id} (sold to a)"
    assert again.earlier is not None and again.earlier.sold_to == ("a",)
    assert [r.result for r in store.records] == ["sold"]  # a skipped lead is not written


def test_again_auctions_a_finished_lead_under_a_new_id() -> None:
    store = LoggedStore()
    first = deliver(lead(zip_code="10002"), store, {"a/ping": reject()})
    second = deliver(lead(zip_code="10002"), store, SELLS, again=True)
    assert first.result == "unsold" and second.result == "sold"
    assert second.lead_id != first.lead_id
    assert len(store.records) == 2


def test_a_lead_with_a_post_in_doubt_is_never_auctioned_again_not_even_with_again() -> None:
    store = LoggedStore()
    conf = cfg(post_timeout=0.1)
    first = deliver(lead(zip_code="10003"), store, {"a/ping": bid("9"), "a/post": hang()},
                    conf=conf)  # fmt: skip
    assert first.result == "in_doubt"
    for again in (False, True):
        held = deliver(lead(zip_code="10003"), store, SELLS, again=again)
        assert held.result == "in_doubt" and held.earlier is not None
        assert held.reason is not None and held.reason.startswith(
            f"in doubt since auction {first.lead_id}: the post to a (in doubt)"
        )
        assert "pingpost recover" in held.reason
    assert len(store.records) == 1


def test_an_intent_with_no_outcome_holds_the_lead_in_doubt() -> None:
    store = LoggedStore()
    interrupted = lead(zip_code="10004")
    record = lead_record(interrupted, "killed-1", started_at=clock())
    asyncio.run(store.post_intent(record, PostIntent("killed-1", "a", 1, Decimal(9), clock())))
    held = deliver(interrupted, store, SELLS, again=True)
    assert held.result == "in_doubt" and "no answer recorded" in (held.reason or "")


def test_an_interrupted_lead_with_no_open_post_and_no_sale_is_auctioned_as_new() -> None:
    store = LoggedStore()
    interrupted = lead(zip_code="10005")
    record = lead_record(interrupted, "killed-2", started_at=clock())
    intent = PostIntent("killed-2", "a", 1, Decimal(9), clock())
    asyncio.run(store.post_intent(record, intent))
    from pingpost.store.records import PostOutcome

    asyncio.run(store.post_outcome(PostOutcome("killed-2", "a", 1, "post_rejected", clock())))
    result = deliver(interrupted, store, SELLS)
    assert result.result == "sold" and result.lead_id != "killed-2"


def test_an_interrupted_lead_that_sold_is_skipped() -> None:
    store = LoggedStore()
    interrupted = lead(zip_code="10006")
    record = lead_record(interrupted, "killed-3", started_at=clock())
    asyncio.run(store.post_intent(record, PostIntent("killed-3", "a", 1, Decimal(9), clock())))
    from pingpost.store.records import PostOutcome

    asyncio.run(store.post_outcome(PostOutcome("killed-3", "a", 1, "sold", clock())))
    result = deliver(interrupted, store, SELLS)
    assert result.result == "skipped" and result.reason is not None
    assert "killed-3 (sold to a)" in result.reason


def test_the_id_field_is_the_auction_id_and_never_names_two_auctions() -> None:
    store = LoggedStore()
    first = deliver(lead("crm-42", zip_code="10007"), store, {"a/ping": reject()})
    assert first.lead_id == "crm-42"
    again = deliver(lead("crm-42", zip_code="10007"), store, SELLS, again=True)
    assert again.lead_id == "crm-42~2" and again.result == "sold"
    third = deliver(lead("crm-42", zip_code="10007"), store, SELLS, again=True)
    assert third.lead_id == "crm-42~3"
    # another lead sent with an id already used gets its own auction, never a mixed one
    other = deliver(lead("crm-42", zip_code="10008"), store, SELLS)
    assert other.lead_id == "crm-42~4" and other.result == "sold"
    ids = {r.lead.auction_id for r in store.records}
    assert ids == {"crm-42", "crm-42~2", "crm-42~3", "crm-42~4"}


def test_an_explicit_lead_id_wins_over_the_id_field() -> None:
    store = LoggedStore()
    result = deliver(lead("crm-1", zip_code="10009"), store, SELLS, lead_id="given")
    assert result.lead_id == "given"


def test_without_a_store_there_is_no_continuation() -> None:
    one = asyncio.run(
        deliver_lead(lead(zip_code="10010"), cfg(), transport=FakeTransport(SELLS), store=None)
    )
    assert statuses(one) == {"a": "sold"}


def _at_once(*leads: Lead, answers: dict[str, Any]) -> tuple[list[Any], FakeTransport]:
    """Deliver the leads concurrently into one store (as two runs of one batch would): each
    pings, then the first to write wins."""
    store = LoggedStore()
    transport = FakeTransport(answers)

    async def both() -> list[Any]:
        return await asyncio.gather(
            *(deliver_lead(one, cfg(), transport=transport, store=store, clock=clock)
              for one in leads)
        )  # fmt: skip

    return asyncio.run(both()), transport


def _posts(transport: FakeTransport) -> list[str]:
    return [request.url for request, _ in transport.sent if request.url.endswith("/post")]


SLOW_SELLS = {"a/ping": bid("12", delay=0.05), "a/post": sold()}


def test_one_lead_delivered_twice_at_once_is_posted_once() -> None:
    """Both runs found nothing in the log (W3); the store refuses the second's first post
    intent: it ends skipped, naming the auction that delivers the lead, with nothing sent."""
    for ref in (None, "crm-77"):  # a new uuid each, or the lead's own id in both
        (first, second), transport = _at_once(
            lead(ref, zip_code="10011"), lead(ref, zip_code="10011"), answers=SLOW_SELLS
        )
        assert sorted(r.result for r in (first, second)) == ["skipped", "sold"]
        won, lost = (first, second) if first.result == "sold" else (second, first)
        assert len(_posts(transport)) == 1
        assert lost.reason == (
            f"skipped: auction {won.lead_id} is delivering this very lead at the same time "
            "(one batch run twice at once, or the lead twice in a batch); nothing was posted "
            "for it here"
        )
        assert lost.earlier is not None and lost.earlier.auction_id == won.lead_id
        assert lost.accounts == () and lost.sold_to is None
        if ref is not None:
            assert won.lead_id == ref


def test_two_leads_taking_one_free_id_at_once_both_run() -> None:
    """Two different leads sent with one source id at once: both chose `crm-8`; the one
    refused runs again (pinging again) under `crm-8~2`. Each sells once."""
    (first, second), transport = _at_once(
        lead("crm-8", zip_code="10012"), lead("crm-8", zip_code="10013"), answers=SLOW_SELLS
    )
    assert {first.result, second.result} == {"sold"}
    assert {first.lead_id, second.lead_id} == {"crm-8", "crm-8~2"}
    assert len(_posts(transport)) == 2
