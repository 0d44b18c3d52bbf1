"""A market of buyers on pytest-httpserver, a store, and auctions logged in it.

`logbook("sqlite")` (or "postgresql") gives a `Logbook`: `.auction(...)` runs a real
auction over HTTP and logs it through the store's API (tests/log/helpers.py), `.cli(...)`
runs a pingpost command on the same configs and store.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from pingpost.auction import run_auction
from pingpost.auction.result import AuctionResult
from pingpost.cli import log_session
from pingpost.cli.app import app
from pingpost.cli.output import print_result
from pingpost.config import load_config
from pingpost.config.bundle import Config
from pingpost.leads import load_lead
from pingpost.store.api import Store
from pingpost.transport import HttpTransport
from tests.trace_cli_fixtures import BuyerSetup

from .helpers import Killed, with_store

KEYED_METHOD = """\
kind: delivery_method
name: keyed
lead_type: auto_insurance
ping:
  url: {base}/keyed/ping
  mappings: {{zip: ZipCode}}
  response:
    accept: {{path: status, equals: accepted}}
    bid: price
    capture: {{ping_id: ping_id}}
post:
  url: {base}/keyed/post
  idempotency_key: {{header: Idempotency-Key}}
  mappings:
    ping_id: {{capture: ping_id}}
    phone: Phone
  response:
    accept: {{path: result, equals: success}}
    price: price
"""


# a Wednesday noon, UTC: far from midnight, and a schedule on Sundays is closed then
WEDNESDAY_NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC).timestamp()


@dataclass
class Logbook:
    setup: BuyerSetup
    url: str
    clock: Callable[[], float] = time.time  # now, for `.auction(ago=...)`

    @property
    def config(self) -> Config:
        return load_config(self.setup.dir)

    def auction(
        self,
        lead_id: str,
        *,
        ago: float = 0.0,
        source: str | None = "leads.jsonl",
        finish: bool = True,
        **changes: Any,
    ) -> AuctionResult:
        """Run a real auction that writes to the store as `deliver` does, on a clock
        `ago` seconds back. `finish=False`: the process "dies" once its posts left (the
        store keeps the post intents, nothing after them)."""
        config = self.config
        lead = load_lead(self.setup.lead_file(f"{lead_id}.json", **changes), config.lead_type())
        at = self.clock() - ago

        async def deliver(store: Store) -> AuctionResult:
            target = store if finish else Killed(store)
            async with HttpTransport.for_config(config) as transport:
                return await run_auction(
                    lead, config, transport=transport, store=target, lead_id=lead_id,
                    clock=lambda: at, source=source,
                )  # fmt: skip

        return self.store(deliver)  # type: ignore[no-any-return]

    def printed(self, result: AuctionResult, **kw: Any) -> str:
        """What `deliver` printed for `result` (the same function prints it)."""
        out = io.StringIO()
        with redirect_stdout(out):
            print_result(self.config, result, **{"as_json": False, "verbose": False, **kw})
        return out.getvalue()

    def pin_clock(self, monkeypatch: pytest.MonkeyPatch, at: float = WEDNESDAY_NOON) -> None:
        """Make `at` "now" for the auctions and the log's commands: figures of "today"
        then hold whenever the test runs (not only once it is past 00:00 UTC plus the
        auctions' `ago`)."""
        self.clock = lambda: at
        monkeypatch.setattr(log_session, "time", SimpleNamespace(time=self.clock))

    def cli(self, *args: str) -> Result:
        argv = [*args, "-c", str(self.setup.dir), "--store", self.url]
        return CliRunner().invoke(app, argv)

    def store(self, work: Callable[..., Any]) -> Any:
        return with_store(self.url, work)


@pytest.fixture
def market(buyer_setup) -> BuyerSetup:
    """acme bids 12.50, bluesky 9.00 (both buy), crown rejects; `keyed` (an idempotency
    key on its post) is configured but answers only when a test says how."""
    setup = buyer_setup("acme", "bluesky", "crown")
    (setup.dir / "methods" / "keyed.yaml").write_text(KEYED_METHOD.format(base=setup.base))
    (setup.dir / "accounts" / "keyed.yaml").write_text(
        "kind: delivery_account\nname: keyed-main\nmethod: keyed\nenabled: false\n"
    )
    setup.answer("acme", "ping", {"status": "accepted", "price": "12.50", "ping_id": "a-1"})
    setup.answer("bluesky", "ping", {"status": "accepted", "price": "9.00", "ping_id": "b-1"})
    setup.answer("crown", "ping", {"status": "rejected", "message": "no coverage"})
    return setup


@pytest.fixture(params=["sqlite"])
def logbook(request: pytest.FixtureRequest, market: BuyerSetup, tmp_path: Path) -> Logbook:
    return make_logbook(request, request.param, market, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_logbook(request: pytest.FixtureRequest, market: BuyerSetup, tmp_path: Path) -> Logbook:
    """`logbook` on both durable backends."""
    return make_logbook(request, request.param, market, tmp_path)


def make_logbook(
    request: pytest.FixtureRequest, backend: str, market: BuyerSetup, tmp_path: Path
) -> Logbook:
    if backend == "postgresql":
        return Logbook(market, request.getfixturevalue("postgres_url"))
    return Logbook(market, "sqlite:///" + str(tmp_path / "store.db"))
