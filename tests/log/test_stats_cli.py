"""`pingpost stats` and `pingpost accounts`: figures checked against known auctions."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest

from .conftest import WEDNESDAY_NOON, Logbook


def near(shown: str, exact: str) -> bool:
    """Bid percentiles are estimated within 1% (the store's histograms), shown in cents."""
    return abs(Decimal(shown) - Decimal(exact)) <= Decimal(exact) / 100 + Decimal("0.005")


def _answers(book: Logbook, **pings: Any) -> None:
    """One auction's answers: `acme=("12.50", post_status)`, `crown=500`, ..."""
    server = book.setup.server
    server.clear_all_handlers()
    for name, answer in pings.items():
        if answer == "reject":
            book.setup.answer(name, "ping", {"status": "rejected", "message": "no"})
        elif isinstance(answer, int):
            book.setup.answer(name, "ping", {"error": "boom"}, status=answer)
        else:
            bid, post = answer
            book.setup.answer(name, "ping", {"status": "accepted", "price": bid, "ping_id": "p"})
            body = {"result": "success"} if post == 200 else {"result": "no"}
            book.setup.answer(name, "post", body, status=200 if post == "no" else post)


@pytest.fixture
def known(any_logbook: Logbook, monkeypatch: pytest.MonkeyPatch) -> Logbook:
    """Four auctions in the last hours and one two days ago; acme has a daily cap of 100.
    The auctions and the commands run on a Wednesday at noon UTC."""
    book = any_logbook
    book.pin_clock(monkeypatch)
    with (book.setup.dir / "accounts" / "acme.yaml").open("a") as f:
        f.write("caps: [{per: day, leads: 100}]\n")
    _answers(book, acme=("12.50", 200), bluesky=("9.00", 200), crown="reject")
    assert book.auction("S1", ago=3600, source="web").result == "sold"
    _answers(book, acme=("14.00", "no"), bluesky=("9.00", 200), crown="reject")
    assert book.auction("S2", ago=3000, source="web").sold_to == "bluesky-main"
    _answers(book, acme=("10.00", 503), bluesky=("9.00", 200), crown="reject")
    assert book.auction("S3", ago=2000).result == "in_doubt"
    _answers(book, acme="reject", bluesky=("9.00", 200), crown=500)
    assert book.auction("S4", ago=1000).sold_to == "bluesky-main"
    _answers(book, acme=("99.00", 200), bluesky="reject", crown="reject")
    assert book.auction("OLD", ago=2 * 86400).sold_to == "acme-main"
    return book


def test_stats_json_matches_the_auctions(known: Logbook) -> None:
    run = known.cli("stats", "--json")
    assert run.exit_code == 0, run.output
    doc = json.loads(run.stdout)
    assert doc["by"] == "account"
    assert doc["totals"] == {"auctions": 4, "sold": 3, "revenue": "30.50"}
    rows = {r["account"]: r for r in doc["rows"]}
    assert list(rows) == ["acme-main", "bluesky-main", "crown-main", "keyed-main"]
    acme = rows["acme-main"]
    assert (acme["pings"], acme["accepted"], acme["accepted_pct"]) == (4, 3, 75.0)
    assert near(acme["bid_p50"], "12.50") and near(acme["bid_p95"], "14.00")
    assert (acme["wins"], acme["revenue"]) == (1, "12.50")
    assert acme["posts"] == {"sold": 1, "post_rejected": 1, "post_error": 0, "in_doubt": 1}
    assert acme["errors"] == {"http_5xx": 1}
    p50, p95, p99 = acme["latency_ms"].values()
    assert 0 < p50 <= p95 <= p99
    (cap,) = acme["caps"]
    assert (cap["per"], cap["leads"], cap["used_leads"], cap["full"]) == ("day", 100, 2, False)
    blue = rows["bluesky-main"]
    assert (blue["pings"], blue["accepted_pct"], blue["wins"], blue["revenue"]) == (
        4,
        100.0,
        2,
        "18.00",
    )
    assert blue["posts"]["sold"] == 2 and blue["bid_p50"] == blue["bid_p95"] == "9.00"  # flat
    crown = rows["crown-main"]
    assert (crown["pings"], crown["accepted_pct"], crown["bid_p50"]) == (4, 0.0, None)
    assert crown["errors"] == {"http_5xx": 1}
    keyed = rows["keyed-main"]  # configured (disabled): listed, with nothing to count
    assert (keyed["pings"], keyed["accepted_pct"], keyed["latency_ms"]["p50"]) == (0, None, None)
    assert not any(r["paused"] for r in rows.values())


def test_since_widens_the_range_and_by_source_groups(known: Logbook) -> None:
    doc = json.loads(known.cli("stats", "--json", "--since", "3d").stdout)
    assert doc["totals"] == {"auctions": 5, "sold": 4, "revenue": "129.50"}
    doc = json.loads(known.cli("stats", "--json", "--until", "40m", "--since", "2h").stdout)
    assert doc["totals"]["auctions"] == 2
    doc = json.loads(known.cli("stats", "--by", "source", "--json").stdout)
    assert doc["rows"] == [
        {"source": "leads.jsonl", "leads": 2, "sold": 1, "revenue": "9.00"},
        {"source": "web", "leads": 2, "sold": 2, "revenue": "21.50"},
    ]


def test_stats_table_and_csv(known: Logbook) -> None:
    until = WEDNESDAY_NOON + 600
    known.store(lambda store: store.pause("crown-main", until, "20 consecutive errors"))
    run = known.cli("stats")
    assert run.exit_code == 0, run.output
    lines = run.stdout.splitlines()
    assert lines[0].startswith("stats per account, ") and lines[0].endswith(" UTC")
    header = lines[1].split()
    assert header[:6] == ["account", "pings", "accepted", "bid", "p50", "bid"]
    acme = next(line for line in lines if line.startswith("acme-main"))
    assert acme.split()[1:3] == ["4", "75.0%"] and acme.split()[5] == "1"
    assert "day 2/100" in acme and "http_5xx 1" in acme
    crown = next(line for line in lines if line.startswith("crown-main"))
    assert crown.rstrip().endswith(" UTC") and "consecutive" not in crown  # `accounts` says why
    assert lines[-1] == "total  4 auctions, 3 sold, $30.50 revenue"
    rows = list(csv.DictReader(io.StringIO(known.cli("stats", "--format", "csv").stdout)))
    acme_row = next(r for r in rows if r["account"] == "acme-main")
    assert (acme_row["posts_sold"], acme_row["posts_in_doubt"], acme_row["caps"]) == (
        "1",
        "1",
        "day:2/100",
    )
    assert acme_row["errors"] == "http_5xx=1" and acme_row["revenue"] == "12.50"
    crown_row = next(r for r in rows if r["account"] == "crown-main")
    assert crown_row["paused_until"] and crown_row["bid_p50"] == ""
    sources = known.cli("stats", "--by", "source", "--format", "csv").stdout.splitlines()
    assert sources == ["source,leads,sold,revenue", "leads.jsonl,2,1,9.00", "web,2,2,21.50"]


def test_stats_on_an_empty_log(logbook: Logbook) -> None:
    run = logbook.cli("stats")
    assert run.exit_code == 0
    assert run.stdout.splitlines()[-1] == "total  0 auctions, 0 sold, $0.00 revenue"
    assert logbook.cli("stats", "--since", "soon").exit_code == 2


def test_accounts_lists_each_accounts_state_today(known: Logbook) -> None:
    with (known.setup.dir / "accounts" / "bluesky.yaml").open("a") as f:
        f.write('schedule: [{days: [sun], from: "00:00", to: "00:01"}]\n')
    until = WEDNESDAY_NOON + 600
    known.store(lambda store: store.pause("crown-main", until, "3 consecutive errors"))
    run = known.cli("accounts")
    assert run.exit_code == 0, run.output
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["account", "schedule", "caps", "paused", "last", "sale", "(UTC)"]
    acme = next(line for line in lines if line.startswith("acme-main"))
    assert "always open" in acme and "day 2/100" in acme
    assert "off_schedule: opens Sun 00:00 UTC" in next(
        line for line in lines if line.startswith("bluesky-main")
    )
    assert "paused: until" in next(line for line in lines if line.startswith("crown-main"))
    assert "never" in next(line for line in lines if line.startswith("keyed-main"))
    doc = json.loads(known.cli("accounts", "--json").stdout)
    states = {a["account"]: a for a in doc["accounts"]}
    assert states["acme-main"]["caps"][0]["used_leads"] == 2
    assert states["acme-main"]["last_sale_at"] is not None
    assert states["bluesky-main"]["open"] is False
    assert states["crown-main"]["paused"] is True and states["crown-main"]["paused_until"]


def test_accounts_says_a_full_cap_holds_the_account_back_until_it_resets(known: Logbook) -> None:
    acme = known.setup.dir / "accounts" / "acme.yaml"
    acme.write_text(acme.read_text().replace("leads: 100", "leads: 2"))  # the 2 sold today
    lines = known.cli("accounts").stdout.splitlines()
    row = next(line for line in lines if line.startswith("acme-main"))
    assert "day 2/2 capped, resets 00:00 UTC" in row
    assert "capped" not in next(line for line in lines if line.startswith("bluesky-main"))
