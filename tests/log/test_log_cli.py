"""`pingpost log`: the table, every filter, --json lines, notes and exit codes."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.trace_cli_fixtures import assert_no_canaries

from .conftest import Logbook


def _history(book: Logbook) -> None:
    """L-old: sold 3 hours ago (web); L-unsold: 1 hour ago; L-doubt: in doubt now; L-int:
    interrupted (a post intent, no result)."""
    book.setup.answer("acme", "post", {"result": "success"})
    book.auction("L-old", ago=3 * 3600, source="web")
    book.setup.server.clear_all_handlers()
    for name in ("acme", "bluesky", "crown"):
        book.setup.answer(name, "ping", {"status": "rejected", "message": "not today"})
    book.auction("L-unsold", ago=3600)
    book.setup.server.clear_all_handlers()
    book.setup.answer("acme", "ping", {"status": "accepted", "price": "12.50", "ping_id": "a"})
    book.setup.answer("acme", "post", {"result": "maybe"}, status=503)
    book.auction("L-doubt", ago=60)
    book.auction("L-int", ago=30, finish=False)


def _ids(out: str) -> list[str]:
    return [line.split()[2] for line in out.splitlines()[1:] if line.strip()]


def test_log_lists_auctions_newest_first_as_a_table(any_logbook: Logbook) -> None:
    _history(any_logbook)
    run = any_logbook.cli("log")
    assert run.exit_code == 0, run.output
    lines = run.stdout.splitlines()
    assert lines[0].split()[:3] == ["time", "(UTC)", "auction"]
    columns = ("lead type", "source", "result", "sold to", "price", "duration", "reason")
    assert all(c in lines[0] for c in columns), lines[0]
    assert _ids(run.stdout) == ["L-int", "L-doubt", "L-unsold", "L-old"]
    old = next(line for line in lines if " L-old " in line)
    assert old.split()[3:8] == ["auto_insurance", "web", "sold", "acme-main", "$12.50"]
    doubt = next(line for line in lines if " L-doubt " in line)
    assert doubt.split()[3:5] == ["auto_insurance", "leads.jsonl"]  # a batch file's name
    assert " interrupted " in next(line for line in lines if " L-int " in line)
    unsold = next(line for line in lines if " L-unsold " in line)
    assert " unsold " in unsold and unsold.rstrip().endswith("no valid bid")
    assert_no_canaries(run.output)


def test_every_filter_narrows_the_list(logbook: Logbook) -> None:
    _history(logbook)

    def ids(*args: str) -> list[str]:
        run = logbook.cli("log", *args)
        assert run.exit_code == 0, run.output
        return _ids(run.stdout)

    assert ids("--result", "sold") == ["L-old"]
    assert ids("--result", "in_doubt") == ["L-doubt"]
    assert ids("--result", "interrupted") == ["L-int"]
    assert ids("--account", "bluesky-main") == ["L-doubt", "L-unsold", "L-old"]
    assert ids("--source", "web") == ["L-old"]
    assert ids("--lead-id", "L-unsold") == ["L-unsold"]
    assert ids("--since", "2h") == ["L-int", "L-doubt", "L-unsold"]
    assert ids("--since", "2h", "--until", "10m") == ["L-unsold"]
    assert ids("--until", "2h") == ["L-old"]
    assert ids("--since", "today") == ids("--since", time.strftime("%Y-%m-%d", time.gmtime()))
    assert ids("--account", "crown-main", "--result", "sold") == ["L-old"]


def test_limit_keeps_the_newest_and_says_there_are_more(logbook: Logbook) -> None:
    _history(logbook)
    run = logbook.cli("log", "--limit", "2")
    assert _ids(run.stdout) == ["L-int", "L-doubt"]
    assert "note: the newest 2 shown; pass --limit N for more" in run.stderr
    assert "--limit" not in logbook.cli("log", "--limit", "4").stderr


def test_json_prints_one_line_per_auction(logbook: Logbook) -> None:
    _history(logbook)
    run = logbook.cli("log", "--json")
    assert run.exit_code == 0
    docs = [json.loads(line) for line in run.stdout.splitlines()]
    assert [d["auction_id"] for d in docs] == ["L-int", "L-doubt", "L-unsold", "L-old"]
    old = docs[-1]
    assert (old["result"], old["sold_to"], old["price"], old["source"]) == (
        "sold",
        "acme-main",
        "12.50",
        "web",
    )
    assert old["lead_id"] == "L-old" and old["started_at"].endswith("+00:00")
    assert docs[0]["duration_ms"] is None and docs[0]["result"] == "interrupted"
    assert docs[1]["reason"] == "the post to acme-main may have reached the buyer"  # no more:
    # what the buyer said could echo the lead; `log show` masks it with the lead's pii


def test_bad_options_are_usage_errors(logbook: Logbook) -> None:
    run = logbook.cli("log", "--since", "yesteryear")
    assert run.exit_code == 2
    assert "--since: `yesteryear` is not a time" in run.stderr
    run = logbook.cli("log", "--result", "won")
    assert run.exit_code == 2 and "--result `won`: use one of sold, unsold" in run.stderr
    assert logbook.cli("log", "--limit", "0").exit_code == 2


def test_an_empty_or_missing_store_is_an_empty_log(logbook: Logbook, tmp_path: Path) -> None:
    url = "sqlite:///" + str(tmp_path / "nowhere" / "store.db")
    run = Logbook(logbook.setup, url).cli("log")
    assert run.exit_code == 0 and run.stdout == ""
    assert "no store at" in run.stderr and "the log is empty" in run.stderr
    assert not (tmp_path / "nowhere").exists()  # reading never creates a store
    logbook.store(lambda store: store.migrate())
    run = logbook.cli("log", "--result", "sold")
    assert run.exit_code == 0 and "no auction in the log matches" in run.stderr


def test_a_paused_account_is_noted_under_the_log(logbook: Logbook) -> None:
    _history(logbook)
    until = time.time() + 600
    logbook.store(lambda store: store.pause("acme-main", until, "20 consecutive errors"))
    run = logbook.cli("log")
    assert run.exit_code == 0
    assert "note: acme-main is paused: until " in run.stderr
    assert "(20 consecutive errors)" in run.stderr
    logbook.store(lambda store: store.pause("acme-main", time.time() - 1, "old"))
    assert "paused" not in logbook.cli("log").stderr  # a pause that ended is no news


def test_a_buyer_echoing_the_lead_never_shows_pii(logbook: Logbook) -> None:
    """The buyer's words in an in-doubt reason are left out of the list, masked in
    `log show` and `recover`."""
    logbook.setup.answer("acme", "post", {"message": "Canaryfirst Canarylast busy"}, status=503)
    logbook.auction("L-echo")
    logbook.auction("L-echo-int", finish=False)

    async def answer(store) -> None:  # type: ignore[no-untyped-def]
        from pingpost.store.records import PostOutcome

        outcome = PostOutcome(
            "L-echo-int", "acme-main", 1, "in_doubt", time.time(), None, "for Canaryfirst"
        )
        await store.post_outcome(outcome)

    logbook.store(answer)
    for args in (("log",), ("log", "--json"), ("log", "show", "L-echo", "-v"), ("recover",),
                 ("recover", "--json"), ("log", "show", "L-echo-int")):  # fmt: skip
        run = logbook.cli(*args)
        assert run.exit_code in (0, 1), run.output
        assert_no_canaries(run.output)
    assert "for ****" in logbook.cli("recover").stdout


def test_an_unknown_account_is_noted(logbook: Logbook) -> None:
    logbook.auction("L-1")
    run = logbook.cli("log", "--account", "acme-mian")
    assert run.exit_code == 0 and run.stdout == ""
    assert "no delivery_account `acme-mian` in the configs" in run.stderr
