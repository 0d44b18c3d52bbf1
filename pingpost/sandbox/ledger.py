"""The ledger: every ping and post the sandbox received, so tests can prove what was sent.

Entries are plain dicts (JSON-ready, bodies as text). The ledger keeps the
newest `limit` entries; `dropped` counts the ones it let go. Apart from them it
counts every post each buyer received for each lead (`post_counts`), so that a
test can prove no lead was posted twice to one buyer however long the run.
With recording off (`ledger: false`, for load runs) only the sequence numbers
advance.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from typing import Any

Entry = dict[str, Any]


class Ledger:
    def __init__(self, *, enabled: bool = True, limit: int = 100_000) -> None:
        self.enabled = enabled
        self._entries: deque[Entry] = deque(maxlen=limit)
        self._seq = 0
        self._dropped = 0
        self._posts: defaultdict[str, Counter[str]] = defaultdict(Counter)  # lead -> buyer -> n

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def record(self, entry: Entry) -> None:
        """Add an entry (it carries the `seq` it got from `next_seq`)."""
        if not self.enabled:
            return
        if len(self._entries) == self._entries.maxlen:
            self._dropped += 1
        self._entries.append(entry)
        lead = entry.get("lead")
        if lead is not None and entry.get("phase") == "post":
            self._posts[lead][entry["buyer"]] += 1

    def post_counts(self, lead: str | None = None) -> dict[str, dict[str, int]]:
        """How many posts each buyer received for each lead: `{lead: {buyer: count}}`
        (only `lead` when given; `{}` when no post carried it)."""
        if lead is not None:
            return {lead: dict(self._posts[lead])} if lead in self._posts else {}
        return {key: dict(counts) for key, counts in self._posts.items()}

    def entries(self, *, buyer: str | None = None, phase: str | None = None) -> list[Entry]:
        return [
            dict(e)
            for e in self._entries
            if (buyer is None or e["buyer"] == buyer) and (phase is None or e["phase"] == phase)
        ]

    def document(self, *, buyer: str | None = None, phase: str | None = None) -> dict[str, Any]:
        """What `GET /_sandbox/ledger` answers."""
        entries = self.entries(buyer=buyer, phase=phase)
        return {
            "entries": entries,
            "count": len(entries),
            "received": self._seq,
            "dropped": self._dropped,
            "recording": self.enabled,
        }

    def clear(self) -> None:
        self._entries.clear()
        self._posts.clear()
        self._seq = 0
        self._dropped = 0
