"""What lies at rest: the grep helper finds text in files and (unpacked) rows; a purge leaves
nothing of the lead behind."""

from __future__ import annotations

import asyncio
import json

from pingpost.store import Store
from pingpost.store.grep import find_text
from pingpost.store.records import LeadRecord

from .helpers import Backend, intent, lead, record, result_document


def test_the_helper_finds_text_in_compressed_documents_and_plain_columns(
    sql_backend: Backend,
) -> None:
    async def scenario(store: Store) -> None:
        canary = "canary-7f3a9c"
        document = json.dumps({"note": canary, "padding": "x" * 5000}).encode()
        await store.finish(record(lead(1), "unsold", document=document, reason="reason-4411"))
        where = await find_text(sql_backend.url, canary)
        assert "documents.document" in where
        assert "auctions.reason" in await find_text(sql_backend.url, "reason-4411")
        assert await find_text(sql_backend.url, "not-there-anywhere") == []

    sql_backend.run(scenario)


def test_a_purged_lead_leaves_nothing_behind(sql_backend: Backend) -> None:
    phone = "2125550199"
    short = LeadRecord("A1", "K1", "auto", json.dumps({"Phone": phone}), 1.8e9, "web")

    async def scenario(store: Store) -> None:
        await store.post_intent(short, intent(short, key="idem-A1"))
        await store.finish(record(short, "unsold", document=f'{{"Phone": "{phone}"}}'.encode()))
        await store.finish(record(lead(2), "unsold"))
        assert "leads.lead" in await find_text(sql_backend.url, phone)
        if sql_backend.name == "sqlite":  # short blobs are stored as is: in the file's bytes
            assert "file store.db" in await find_text(sql_backend.url, phone) or (
                "file store.db-wal" in await find_text(sql_backend.url, phone)
            )
        assert await store.purge(auction_id="A1") == 1

    sql_backend.run(scenario)
    assert asyncio.run(find_text(sql_backend.url, phone)) == []
    assert asyncio.run(find_text(sql_backend.url, "idem-A1")) == []


PII = {
    "FirstName": "Zebulon",
    "LastName": "Quackenbush",
    "Phone": "(415) 867-5309",
    "Email": "zeb.quack@example.org",
    "ZipCode": "94110",
}


def test_documents_share_a_dictionary_that_holds_no_lead_data(sql_backend: Backend) -> None:
    first = lead(1, fields=PII)
    second = lead(
        2, fields={**PII, "Phone": "(212) 555-0100", "FirstName": "Ada", "Email": "a@b.c"}
    )

    async def scenario(store: Store) -> None:
        for one in (first, second):
            await store.finish(record(one, "sold", document=result_document(one)))
        for one in (first, second):
            stored = await store.auction(one.auction_id)
            assert stored is not None and stored.document == result_document(one)

    sql_backend.run(scenario)
    where = asyncio.run(find_text(sql_backend.url, "buyer-3.example.com/v2/ping"))
    assert "dictionaries.data" in where and "documents.document" in where
    for value in ("Zebulon", "Quackenbush", "8675309", "867-5309", "zeb.quack@example.org"):
        assert "dictionaries.data" not in asyncio.run(find_text(sql_backend.url, value)), value

    async def purge(store: Store) -> None:
        assert await store.purge(auction_id="A1") == 1  # the dictionary's source
        stored = await store.auction("A2")  # the other document still reads
        assert stored is not None and stored.document == result_document(second)

    sql_backend.run(purge)
    for value in ("Zebulon", "8675309", "867-5309", "zeb.quack@example.org"):
        assert asyncio.run(find_text(sql_backend.url, value)) == [], value
    assert asyncio.run(find_text(sql_backend.url, "Quackenbush")) != []  # lead 2's too: kept
