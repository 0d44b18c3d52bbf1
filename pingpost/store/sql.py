"""SQL both backends share: conditions over the schema (sqlite/schema.py, postgres/schema.py)."""

from __future__ import annotations

# An open auction: interrupted (no result), or with a post still open; both from partial
# indexes (`auctions_interrupted`, `posts_open`).
OPEN_AUCTION = (
    "(result IS NULL OR id IN (SELECT auction FROM posts "
    "WHERE status IS NULL OR status = 'in_doubt'))"
)
# A finished auction `a` already folded into the rollups, or not yet (rollups.py).
FOLDED = "a.result IS NOT NULL AND NOT EXISTS (SELECT 1 FROM unfolded u WHERE u.auction = a.id)"
# The auctions not folded yet are read from `unfolded` (at most a batch per process), never
# by walking `auctions` or `lines`: SQLite's CROSS JOINs keep that order (PostgreSQL
# reads the ids first, postgres/stats.py).
UNFOLDED_FROM_SQLITE = "unfolded u CROSS JOIN auctions a ON a.id = u.auction"
