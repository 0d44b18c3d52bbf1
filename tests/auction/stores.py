"""A store for engine tests: the reference MemoryStore, with every write logged in order
(beside the transport's sends) and writes that fail on demand."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pingpost.store.errors import StoreUnavailable
from pingpost.store.memory import MemoryStore
from pingpost.store.records import AuctionRecord, CapReached, LeadRecord, PostIntent, PostOutcome

from .fakes import FakeTransport

T0 = 1_780_000_000.0  # Thursday 2026-05-28 20:26 UTC: the tests' fixed clock


def clock() -> float:
    return T0


@dataclass
class Journal:
    """Writes to the store and sends by the transport, in the order they happened."""

    events: list[tuple[str, str]] = field(default_factory=list)

    def add(self, kind: str, what: str) -> None:
        self.events.append((kind, what))

    def kinds(self) -> list[str]:
        return [f"{kind} {what}" for kind, what in self.events]


class LoggedStore(MemoryStore):
    """MemoryStore that logs each write in `journal`; `fail_on` names the writes to refuse
    (`post_intent`, `post_outcome`, `finish`) with StoreUnavailable."""

    def __init__(self, journal: Journal | None = None) -> None:
        super().__init__()
        self.journal = journal or Journal()
        self.fail_on: set[str] = set()
        self.records: list[AuctionRecord] = []

    def _maybe_fail(self, name: str) -> None:
        if name in self.fail_on:
            raise StoreUnavailable("memory:", "disk full (simulated)")

    async def post_intent(self, lead: LeadRecord, intent: PostIntent) -> CapReached | None:
        self._maybe_fail("post_intent")
        reached = await super().post_intent(lead, intent)
        self.journal.add("intent", f"{intent.account}{' refused' if reached else ''}")
        return reached

    async def post_outcome(self, outcome: PostOutcome) -> None:
        self._maybe_fail("post_outcome")
        await super().post_outcome(outcome)
        self.journal.add("outcome", f"{outcome.account} {outcome.status}")

    async def finish(self, record: AuctionRecord) -> None:
        self._maybe_fail("finish")
        await super().finish(record)
        self.records.append(record)
        carried = "".join(f" + outcome {o.account} {o.status}" for o in record.outcomes)
        self.journal.add("finish", record.result + carried)


class LoggedTransport(FakeTransport):
    """FakeTransport that logs each post it sends in a journal."""

    def __init__(self, answers: dict[str, Any], journal: Journal) -> None:
        super().__init__(answers)
        self.journal = journal

    async def send(self, request: Any, options: Any) -> Any:
        if request.url.endswith("/post"):
            self.journal.add("post", request.url.split("/")[-2])
        return await super().send(request, options)

    def posts(self) -> list[str]:
        return [p.split("/")[1] for p in self.paths() if p.endswith("/post")]
