"""The stored document: secrets masked, pii kept, and a result rebuilt from it that prints
exactly what `deliver` printed (trace, verbose trace, JSON), on real auctions over HTTP."""

from __future__ import annotations

import dataclasses
import gc
import io
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from rich.console import Console
from werkzeug import Response

from pingpost.auction import run_auction_sync
from pingpost.auction.result import AuctionResult
from pingpost.config import load_config
from pingpost.config.bundle import Config
from pingpost.leads import load_lead
from pingpost.masking import Masker
from pingpost.store import MemoryStore
from pingpost.trace.auction import auction_trace
from pingpost.trace.json import auction_json, dumps
from pingpost.trace.stored import rebuilt_result, stored_document, stored_test_mode
from tests.trace_cli_fixtures import CANARY_SECRET

UPPER_METHOD = """\
kind: delivery_method
name: shouty
lead_type: auto_insurance
ping:
  url: {base}/shouty/ping
  auth: {{type: bearer, token: "${{PP_CANARY_TOKEN}}"}}
  mappings:
    zip: ZipCode
    name: {{field: FirstName, format: upper}}
  response:
    accept: {{path: status, equals: accepted}}
    bid: price
post:
  url: {base}/shouty/post
  idempotency_key: {{header: Idempotency-Key}}
  mappings:
    name: {{field: LastName, format: upper}}
  response:
    accept: {{path: result, equals: success}}
"""


def printed(result: AuctionResult, config: Config, *, verbose: bool, show_pii: bool) -> str:
    out = Console(file=io.StringIO(), width=160, no_color=True, highlight=False)
    masker = Masker.for_result(config, result, show_pii=show_pii)
    out.print(auction_trace(result, masker, verbose=verbose), crop=False)
    return out.file.getvalue()  # type: ignore[attr-defined]


def printed_json(result: AuctionResult, config: Config, *, show_pii: bool = False) -> str:
    return dumps(auction_json(result, Masker.for_result(config, result, show_pii=show_pii)))


def assert_same_output(result: AuctionResult, config: Config) -> dict:
    document = stored_document(result, config)
    stored = json.loads(document)
    rebuilt = rebuilt_result(stored, result.lead)
    for verbose in (False, True):
        for show_pii in (False, True):
            assert printed(rebuilt, config, verbose=verbose, show_pii=show_pii) == printed(
                result, config, verbose=verbose, show_pii=show_pii
            )
    assert printed_json(rebuilt, config) == printed_json(result, config)
    assert printed_json(rebuilt, config, show_pii=True) == printed_json(
        result, config, show_pii=True
    )
    assert CANARY_SECRET not in document.decode()
    return stored


@pytest.fixture
def nasty(buyer_setup, httpserver: HTTPServer):
    """Buyers whose answers test the round trip: echoed secrets and pii, a long body,
    repeated headers, a latin-1 body, an upper-cased pii mapping, a failing post."""
    setup = buyer_setup("acme", "bluesky", "crown")
    (setup.dir / "methods" / "shouty.yaml").write_text(UPPER_METHOD.format(base=setup.base))
    (setup.dir / "accounts" / "shouty.yaml").write_text(
        "kind: delivery_account\nname: shouty-main\nmethod: shouty\n"
    )
    echo = f"token {CANARY_SECRET} for Canaryfirst " + "x" * 2500
    ping = json.dumps({"status": "accepted", "price": "12.50", "ping_id": "a-1", "echo": echo})
    response = Response(ping, 200, content_type="application/json")
    response.headers.add("Set-Cookie", "a=1")
    response.headers.add("Set-Cookie", "b=2")
    httpserver.expect_request("/acme/ping").respond_with_response(response)
    latin = '{"status": "accepted", "price": "9.00", "ping_id": "b-1", "note": "café"}'
    httpserver.expect_request("/bluesky/ping").respond_with_data(
        latin.encode("latin-1"),
        content_type="application/json; charset=iso-8859-1",
        headers=[("X-Trace", "t-1"), ("x-trace", "t-2")],  # one name in two cases
    )
    setup.answer("crown", "ping", {"status": "rejected", "message": "no coverage"})
    setup.answer("shouty", "ping", {"status": "accepted", "price": "3.00", "who": "CANARYFIRST"})
    return setup


def run(setup) -> tuple[AuctionResult, Config]:
    config = load_config(setup.dir)
    lead = load_lead(setup.lead_file(), config.lead_type())
    return run_auction_sync(lead, config, lead_id="L-1"), config


def test_a_sold_auction_prints_the_same_from_the_store(nasty):
    nasty.answer("acme", "post", {"result": "success", "echo": CANARY_SECRET})
    result, config = run(nasty)
    assert result.result == "sold"
    stored = assert_same_output(result, config)
    assert stored["stored"] == {"version": 1, "test": False}
    acme = next(a for a in stored["accounts"] if a["account"] == "acme-main")
    assert acme["ping"]["response"]["header_pairs"].count(["Set-Cookie", "a=1"]) == 1
    assert "Canaryfirst" in acme["ping"]["response"]["body"]  # pii kept, like the lead
    bluesky = next(a for a in stored["accounts"] if a["account"] == "bluesky-main")
    # two cases of one name are two keys of the object: nothing joined, no pairs needed
    assert "header_pairs" not in bluesky["ping"]["response"]
    assert {"X-Trace": "t-1", "x-trace": "t-2"}.items() <= bluesky["ping"]["response"][
        "headers"
    ].items()
    shouty = next(a for a in stored["accounts"] if a["account"] == "shouty-main")
    assert ["FirstName", "CANARYFIRST"] in shouty["ping"]["request"]["sensitive"]


def test_an_in_doubt_auction_prints_the_same_from_the_store(nasty):
    nasty.answer("acme", "post", {"error": "busy"}, status=503)
    result, config = run(nasty)
    assert result.result == "in_doubt"
    assert_same_output(result, config)


def test_times_are_kept_exact_for_the_trace(nasty):
    nasty.answer("acme", "post", {"result": "success"})
    result, config = run(nasty)
    stored = json.loads(stored_document(result, config, test=True))
    assert stored["duration_ms"] == result.duration_ms  # unrounded: 12.46 must stay 12 ms
    assert stored_test_mode(stored) is True
    assert stored_test_mode({}) is False


def test_the_example_configs_print_the_same_from_the_store(sandbox):
    root = Path(__file__).resolve().parents[2]
    config = load_config(root / "configs")
    lead = load_lead(root / "examples" / "lead.json", config.lead_type())
    # the sample configs use caps and dedupe: they run with a store
    assert_same_output(run_auction_sync(lead, config, store=MemoryStore()), config)


def test_the_shared_document_is_masked_for_each_reader_alone(nasty):
    """The store's record and the `--json` line mask one plain document, built once per
    result: neither may see the other's masking or the store's exact additions."""
    nasty.answer("acme", "post", {"result": "success", "echo": CANARY_SECRET})
    result, config = run(nasty)
    twin = dataclasses.replace(result)  # an equal result with no shared document yet
    line = printed_json(result, config)  # built first: the store reads it second
    stored = stored_document(result, config)
    assert stored == stored_document(twin, config)
    assert printed_json(result, config) == line == printed_json(twin, config)
    assert "Canaryfirst" not in line and "Canaryfirst" in stored.decode()  # pii: stored only
    assert CANARY_SECRET not in line and '"stored"' not in line
    assert printed_json(result, config, show_pii=True) == printed_json(twin, config, show_pii=True)


def test_the_shared_document_goes_with_its_result(nasty):
    """A batch of 100,000 leads must not keep 100,000 documents: one lives as its result."""
    from pingpost.trace import json as trace_json

    nasty.answer("acme", "post", {"result": "success"})
    result, config = run(nasty)
    held = len(trace_json._PLAIN)
    printed_json(result, config)
    assert len(trace_json._PLAIN) == held + 1
    del result
    gc.collect()
    assert len(trace_json._PLAIN) == held


def copied_stored_document(result: AuctionResult, config: Config) -> bytes:
    """The stored document as it was built before the shared document was masked in
    place: a masked copy of the JSON result, its exact figures put back, then written."""
    from pingpost.trace.json import compact_bytes
    from pingpost.trace.stored import STORED_VERSION

    masker = Masker.for_result(config, result, show_pii=True)
    document = auction_json(result, masker)
    document["duration_ms"] = result.duration_ms
    document["ping_round_ms"] = result.ping_round_ms
    for shown, account in zip(document["accounts"], result.accounts, strict=True):
        for phase in ("ping", "post"):
            exchange = getattr(account, phase)
            if exchange is None:
                continue
            shown[phase]["latency_ms"] = exchange.latency_ms
            request, response = exchange.request, exchange.response
            if request is not None:
                if request.sensitive:
                    shown[phase]["request"]["sensitive"] = [list(p) for p in request.sensitive]
                if len({name for name, _ in request.headers}) != len(request.headers):
                    pairs = [list(p) for p in masker.request(request).headers]
                    shown[phase]["request"]["header_pairs"] = pairs
            if response is not None:
                shown[phase]["response"]["elapsed_ms"] = response.elapsed_ms
                if len({name for name, _ in response.headers}) != len(response.headers):
                    masked = masker.headers(response.headers)
                    pairs = [[k, masker.text(v)] for k, v in masked]
                    shown[phase]["response"]["header_pairs"] = pairs
    document["stored"] = {"version": STORED_VERSION, "test": False}
    return compact_bytes(document)


def test_the_store_and_the_line_write_what_masked_copies_would(nasty):
    """Masked in place, the shared document gives the store the very bytes a masked copy
    gave it, and `--json` the very line; the document is the same after each."""
    from pingpost.trace import json as trace_json
    from pingpost.trace.json import auction_json_line

    nasty.answer("acme", "post", {"result": "success", "echo": CANARY_SECRET})
    result, config = run(nasty)
    plain = json.dumps(trace_json._plain(result).document)
    assert stored_document(result, config) == copied_stored_document(result, config)
    for show_pii in (False, True):
        masker = Masker.for_result(config, result, show_pii=show_pii)
        line = dumps({"line": 7, **auction_json(result, masker)}, pretty=False)
        assert auction_json_line(result, masker, 7) == line
    assert json.dumps(trace_json._plain(result).document) == plain
    assert CANARY_SECRET not in stored_document(result, config).decode()
