"""New auction ids: UUIDs of version 7, which sort by the time they were made."""

from __future__ import annotations

import time
import uuid

from pingpost.ids import again_id, auction_id_problem, new_auction_id


def test_new_ids_are_version_7_uuids_that_sort_by_time() -> None:
    first = new_auction_id()
    time.sleep(0.002)  # the next millisecond at least
    later = [new_auction_id() for _ in range(200)]
    for made in (first, *later):
        parsed = uuid.UUID(made)
        assert str(parsed) == made  # the canonical lower-case form
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert all(first < other for other in later)
    assert len(set(later)) == len(later)
    # the first 48 bits are the time in milliseconds
    made_ms = uuid.UUID(first).int >> 80
    assert abs(made_ms - time.time() * 1000) < 60_000


def test_ids_from_outside_are_checked_and_numbered_again() -> None:
    assert auction_id_problem("crm-77") is None
    assert auction_id_problem(" ") is not None and auction_id_problem("a\nb") is not None
    assert again_id("crm-77", 2) == "crm-77~2"
