"""Retention: auctions finished longer ago than settings `log: {retention: 90d}` are deleted.

Commands that write to the store apply it once a run, before their own work:
one indexed look for anything old enough, and a purge only when there is. The
purge deletes leads, documents, posts and their stats; the hashed dedupe keys
and the cap counters stay (the controls need them, and they hold no lead value).
Open auctions (interrupted, or with a post in doubt) are never deleted by age.
"""

from __future__ import annotations

from pingpost.config.models import Settings
from pingpost.store.api import Store
from pingpost.store.records import LogQuery


def retention_cutoff(settings: Settings, now: float) -> float | None:
    """Auctions finished before this instant are past retention (None: keep everything)."""
    keep = settings.log.retention
    return None if keep is None else now - keep


async def apply_retention(store: Store, settings: Settings, now: float) -> int:
    """Delete the auctions past retention; how many were deleted (0 with no retention)."""
    cutoff = retention_cutoff(settings, now)
    if cutoff is None:
        return 0
    if not await store.log(LogQuery(until=cutoff, limit=1)):
        return 0  # the usual case: nothing that old, and no purge to pay for
    return await store.purge(before=cutoff)
