"""The ledger: every ping and post the sandbox received, so tests can prove what was sent.

Entries are plain dicts (JSON-ready, bodies as text). The ledger keeps the
newest `limit` entries; `dropped` counts the ones it let go. With recording
off (`ledger: false`, for load runs) only the sequence numbers advance.
"""

from __future__ import annotations

from collections import deque
from typing import Any

Entry = dict[str, Any]


class Ledger:
    def __init__(self, *, enabled: bool = True, limit: int = 100_000) -> None:
        self.enabled = enabled
        self._entries: deque[Entry] = deque(maxlen=limit)
        self._seq = 0
        self._dropped = 0

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
        self._seq = 0
        self._dropped = 0
