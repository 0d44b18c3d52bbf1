"""What lies at rest: the grep helper finds text in files and (unpacked) rows; a purge leaves
nothing of the lead behind."""

from __future__ import annotations

import asyncio
import json

from pingpost.store import Store
from pingpost.store.grep import find_text
from pingpost.store.records import LeadRecord

from .helpers import Backend, intent, lead, record


def test_the_helper_finds_text_in_compressed_documents_and_plain_columns(
    sql_backend: Backend,
) -> None:
    async def scenario(store: Store) -> None:
        canary = "canary-7f3a9c"
        document = json.dumps({"note": canary, "padding": "x" * 5000}).encode()
        await store.finish(record(lead(1), "unsold", document=document, reason="reason-4411"))
        where = await find_text(sql_backend.url, canary)
        assert "bodies.document" in where
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
        assert "bodies.lead" in await find_text(sql_backend.url, phone)
        if sql_backend.name == "sqlite":  # short blobs are stored as is: in the file's bytes
            assert "file store.db" in await find_text(sql_backend.url, phone) or (
                "file store.db-wal" in await find_text(sql_backend.url, phone)
            )
        assert await store.purge(auction_id="A1") == 1

    sql_backend.run(scenario)
    assert asyncio.run(find_text(sql_backend.url, phone)) == []
    assert asyncio.run(find_text(sql_backend.url, "idem-A1")) == []
