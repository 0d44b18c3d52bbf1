"""`pingpost recover`: the list, --resolve and --repost against real buyers over HTTP, with
and without an idempotency key; exit codes."""

from __future__ import annotations

import json

import pytest

from .conftest import KEYED_METHOD, Logbook


@pytest.fixture
def book(any_logbook: Logbook, monkeypatch: pytest.MonkeyPatch) -> Logbook:
    """`keyed-main` (an idempotency key on its post) and `acme-main` (none) both bid;
    nobody else does. Each test says how the posts answer. "Today" (keyed's daily cap)
    holds the auctions of the last minutes, whenever the tests run."""
    any_logbook.pin_clock(monkeypatch)
    setup = any_logbook.setup
    (setup.dir / "accounts" / "keyed.yaml").write_text(
        "kind: delivery_account\nname: keyed-main\nmethod: keyed\ncaps: [{per: day, leads: 5}]\n"
    )
    setup.server.clear_all_handlers()
    setup.answer("keyed", "ping", {"status": "accepted", "price": "20.00", "ping_id": "k-7"})
    setup.answer("acme", "ping", {"status": "accepted", "price": "12.50", "ping_id": "a-1"})
    for name in ("bluesky", "crown"):
        setup.answer(name, "ping", {"status": "rejected"})
    return any_logbook


def posts_to(book: Logbook, buyer: str) -> list:  # type: ignore[type-arg]
    return [r for r, _ in book.setup.server.log if r.path == f"/{buyer}/post"]


def test_nothing_open_is_exit_0(book: Logbook) -> None:
    book.store(lambda store: store.migrate())
    run = book.cli("recover")
    assert run.exit_code == 0 and run.stdout == ""
    assert "nothing to recover" in run.stderr
    assert json.loads(book.cli("recover", "--json").stdout) == {"open": []}


def _doubtful(book: Logbook) -> None:
    """R-doubt: the post to keyed-main answered 503 (in doubt); R-int: interrupted with an
    unanswered post to keyed-main."""
    book.setup.server.expect_oneshot_request("/keyed/post").respond_with_data("busy", 503)
    assert book.auction("R-doubt", ago=120).result == "in_doubt"
    book.auction("R-int", ago=60, finish=False)


def test_the_list_says_what_is_known_and_exits_1(book: Logbook) -> None:
    _doubtful(book)
    run = book.cli("recover")
    assert run.exit_code == 1, run.output
    out = run.stdout
    assert out.splitlines()[0] == "2 open auctions"
    assert "R-doubt  in_doubt  auto_insurance  started " in out
    assert "R-int  interrupted  auto_insurance  started " in out
    assert "1. keyed-main  in_doubt  bid $20.00  sent " in out and "key R-doubt:keyed-main" in out
    assert "1. keyed-main  no answer  bid $20.00  sent " in out
    assert "can be re-posted (same idempotency key)" in out
    assert "reads the ping's captures (ping_id)" in out  # R-int: nothing stored to rebuild it
    assert "--resolve AUCTION_ID --as sold|unsold" in run.stderr
    doc = json.loads(book.cli("recover", "--json").stdout)
    assert [a["auction_id"] for a in doc["open"]] == ["R-doubt", "R-int"]
    (post,) = doc["open"][0]["posts"]
    assert (post["account"], post["status"], post["can_repost"]) == (
        "keyed-main",
        "in_doubt",
        True,
    )
    assert doc["open"][1]["posts"][0]["can_repost"] is False


def test_resolve_sold_records_the_confirmed_price(book: Logbook) -> None:
    _doubtful(book)
    run = book.cli("recover", "--resolve", "R-doubt", "--as", "sold", "--price", "18.75")
    assert run.exit_code == 0, run.output
    assert run.stdout == (
        "R-doubt: the post to keyed-main recorded sold at $18.75; the auction is now sold "
        "to keyed-main for $18.75\n"
    )
    log = json.loads(book.cli("log", "--lead-id", "R-doubt", "--json").stdout)
    assert (log["result"], log["sold_to"], log["price"]) == ("sold", "keyed-main", "18.75")
    listed = json.loads(book.cli("recover", "--json").stdout)["open"]
    assert [a["auction_id"] for a in listed] == ["R-int"]
    accounts = json.loads(book.cli("accounts", "--json").stdout)["accounts"]
    keyed = next(a for a in accounts if a["account"] == "keyed-main")
    assert keyed["caps"][0]["used_leads"] == 2  # the sale keeps its reservation; R-int holds one


def test_resolve_unsold_releases_the_reservation(book: Logbook) -> None:
    _doubtful(book)
    run = book.cli("recover", "--resolve", "R-int", "--as", "unsold", "--json")
    assert run.exit_code == 0, run.output
    doc = json.loads(run.stdout)
    assert doc["resolved"] == {"account": "keyed-main", "as": "unsold", "price": None, "posts": 1}
    assert doc["auction"] == {"result": "unsold", "sold_to": None, "price": None}
    accounts = json.loads(book.cli("accounts", "--json").stdout)["accounts"]
    keyed = next(a for a in accounts if a["account"] == "keyed-main")
    assert keyed["caps"][0]["used_leads"] == 1  # only R-doubt's post still holds one


def test_resolve_refuses_what_cannot_be_resolved(book: Logbook) -> None:
    _doubtful(book)
    assert book.cli("recover", "--resolve", "R-doubt", "--as", "sold").exit_code == 0
    again = book.cli("recover", "--resolve", "R-doubt", "--as", "sold")
    assert again.exit_code == 2 and "nothing to resolve" in again.stderr
    unknown = book.cli("recover", "--resolve", "nope", "--as", "sold")
    assert unknown.exit_code == 2 and "auction nope: not in the delivery log" in unknown.stderr
    other = book.cli("recover", "--resolve", "R-int", "--as", "sold", "--account", "acme-main")
    assert other.exit_code == 2 and "no open post to acme-main (open: keyed-main)" in other.stderr
    for args, says in (
        (
            ("--resolve", "R-int"),
            "waiting for its buyer's answer: say what the buyer confirmed "
            "(pass --as sold or --as unsold)",
        ),
        (("--as", "sold"), "--as goes with --resolve"),
        (("--resolve", "R-int", "--as", "unsold", "--price", "3"), "--price goes with"),
        (("--resolve", "R-int", "--as", "sold", "--price", "abc"), "is not an amount"),
        (("--resolve", "R-int", "--repost", "R-int"), "one at a time"),
    ):
        run = book.cli("recover", *args)
        assert run.exit_code == 2 and says in run.stderr, (args, run.stderr)


def test_several_open_posts_need_the_account(book: Logbook) -> None:
    book.setup.server.clear_all_handlers()
    book.setup.answer("acme", "ping", {"status": "accepted", "price": "30.00", "ping_id": "a"})
    book.setup.answer("keyed", "ping", {"status": "accepted", "price": "20.00", "ping_id": "k"})
    book.setup.answer("acme", "post", {"result": "no"})  # rejected: keyed is posted next
    book.auction("R-two", finish=False)  # both intents written, no outcome for either

    async def unanswered(store) -> None:  # type: ignore[no-untyped-def]
        stored = await store.auction("R-two")
        assert [p.account for p in stored.posts] == ["acme-main", "keyed-main"]

    book.store(unanswered)
    run = book.cli("recover", "--resolve", "R-two", "--as", "unsold")
    assert run.exit_code == 2
    assert "open posts to acme-main, keyed-main: name the account" in run.stderr
    assert "pass --account NAME" in run.stderr
    run = book.cli("recover", "--resolve", "R-two", "--as", "unsold", "--account", "acme-main")
    assert run.exit_code == 0, run.output


def test_repost_refuses_without_an_idempotency_key(book: Logbook) -> None:
    book.setup.server.clear_all_handlers()
    book.setup.answer("acme", "ping", {"status": "accepted", "price": "12.50", "ping_id": "a"})
    book.setup.server.expect_oneshot_request("/acme/post").respond_with_data("busy", 503)
    assert book.auction("R-acme").result == "in_doubt"
    sent = len(posts_to(book, "acme"))
    run = book.cli("recover", "--repost", "R-acme")
    assert run.exit_code == 2
    assert "cannot re-post auction R-acme to acme-main: its delivery method `acme` declares " in (
        run.stderr
    )
    assert "no idempotency key" in run.stderr
    assert len(posts_to(book, "acme")) == sent  # nothing was sent
    assert json.loads(book.cli("recover", "--json").stdout)["open"][0]["auction_id"] == "R-acme"


def test_repost_with_the_same_key_settles_the_sale(book: Logbook) -> None:
    _doubtful(book)
    book.setup.answer("keyed", "post", {"result": "success", "price": "19.50"})
    run = book.cli("recover", "--repost", "R-doubt")
    assert run.exit_code == 0, run.output
    assert "post · keyed-main · re-post, attempt 2" in run.stdout
    assert "REPOST sold at $19.50" in run.stdout and "(key R-doubt:keyed-main)" in run.stdout
    assert run.stdout.rstrip().endswith(
        "auction R-doubt is now sold (sold to keyed-main for $19.50)"
    )
    posts = [p for p in posts_to(book, "keyed") if "R-doubt" in p.headers["Idempotency-Key"]]
    assert [p.headers["Idempotency-Key"] for p in posts] == ["R-doubt:keyed-main"] * 2
    assert json.loads(posts[1].data)["ping_id"] == "k-7"  # the stored ping's capture
    assert posts[1].data == posts[0].data  # the same post, rendered again
    log = json.loads(book.cli("log", "--lead-id", "R-doubt", "--json").stdout)
    assert (log["result"], log["price"]) == ("sold", "19.50")
    shown = book.cli("log", "show", "R-doubt").stdout
    assert "since then" in shown and "2. keyed-main  sold" in shown
    assert shown.rstrip().endswith("now SOLD to keyed-main for $19.50")
    assert [a["auction_id"] for a in json.loads(book.cli("recover", "--json").stdout)["open"]] == [
        "R-int"
    ]


def test_repost_in_doubt_again_stays_open_and_resolve_settles_both(book: Logbook) -> None:
    _doubtful(book)
    book.setup.server.expect_oneshot_request("/keyed/post").respond_with_data("busy", 502)
    run = book.cli("recover", "--repost", "R-doubt", "--json")
    assert run.exit_code == 1, run.output
    doc = json.loads(run.stdout)
    assert (doc["attempt"], doc["status"], doc["result"]) == (2, "in_doubt", "in_doubt")
    assert doc["post"]["request"]["headers"]["Idempotency-Key"] == "R-doubt:keyed-main"
    listed = json.loads(book.cli("recover", "--json").stdout)["open"][0]
    assert [p["attempt"] for p in listed["posts"]] == [1, 2]
    run = book.cli("recover", "--resolve", "R-doubt", "--as", "unsold", "--json")
    assert json.loads(run.stdout)["resolved"]["posts"] == 2


def test_repost_rejected_records_unsold(book: Logbook) -> None:
    _doubtful(book)
    book.setup.answer("keyed", "post", {"result": "duplicate"})
    run = book.cli("recover", "--repost", "R-doubt")
    assert run.exit_code == 0, run.output
    assert "REPOST post_rejected" in run.stdout
    assert "auction R-doubt is now unsold" in run.stdout


def test_an_interrupted_post_without_captures_can_be_reposted(book: Logbook) -> None:
    method = KEYED_METHOD.format(base=book.setup.base).replace(
        "    ping_id: {capture: ping_id}\n", ""
    )
    (book.setup.dir / "methods" / "keyed.yaml").write_text(method)
    book.auction("R-int2", finish=False)
    book.setup.answer("keyed", "post", {"result": "success"})
    run = book.cli("recover", "--repost", "R-int2")
    assert run.exit_code == 0, run.output
    assert "auction R-int2 is now sold (sold to keyed-main for $20.00)" in run.stdout
    assert book.cli("recover").exit_code == 0


def _result_lost(book: Logbook, lead_id: str) -> str:
    """An auction killed between its posts' answers and its result (the answers are
    logged, the result is not); its result as the engine saw it."""
    from pingpost.auction import run_auction
    from pingpost.leads import load_lead
    from pingpost.transport import HttpTransport

    from .helpers import Killed

    class ResultLost(Killed):  # the answers are written, alone, and the result is lost
        async def post_outcome(self, outcome):  # type: ignore[no-untyped-def]
            return await self._store.post_outcome(outcome)

        async def finish(self, record):  # type: ignore[no-untyped-def]
            for outcome in record.outcomes:
                await self._store.post_outcome(outcome)

    config = book.config
    lead = load_lead(book.setup.lead_file(f"{lead_id}.json"), config.lead_type())

    async def deliver(store):  # type: ignore[no-untyped-def]
        async with HttpTransport.for_config(config) as transport:
            return await run_auction(
                lead, config, transport=transport, store=ResultLost(store), lead_id=lead_id,
                clock=book.clock,  # the commands' now (the `book` fixture pins it)
            )  # fmt: skip

    return str(book.store(deliver).result)


def test_an_auction_killed_after_its_answers_is_closed_as_they_say(book: Logbook) -> None:
    """Killed between its post's answer (a sale) and its result: listed (interrupted) with
    nothing waiting for a buyer's word; `--resolve` alone closes it as sold, and then
    nothing is left to recover."""
    book.setup.server.expect_oneshot_request("/keyed/post").respond_with_json(
        {"result": "success", "price": "20.00"}
    )
    assert _result_lost(book, "R-lost") == "sold"
    run = book.cli("recover")
    assert run.exit_code == 1
    assert "R-lost  interrupted" in run.stdout and "sold to keyed-main" in run.stdout
    assert "every post was answered (sold to keyed-main); only the result was not written" in (
        run.stdout
    )
    assert "every post of R-lost was answered, nothing to ask: close it with `pingpost " in (
        run.stderr
    )
    assert "--as sold|unsold" not in run.stderr  # no buyer to ask
    wrong = book.cli("recover", "--resolve", "R-lost", "--as", "unsold")
    assert wrong.exit_code == 2, wrong.output
    assert (
        "auction R-lost: every post was answered (sold to keyed-main for $20.00), so it cannot "
        "be resolved as unsold"
    ) in wrong.stderr
    priced = book.cli("recover", "--resolve", "R-lost", "--as", "sold", "--price", "9")
    assert priced.exit_code == 2 and "the price is the one the buyer answered" in priced.stderr
    closed = book.cli("recover", "--resolve", "R-lost")
    assert closed.exit_code == 0, closed.output
    assert closed.stdout == (
        "R-lost: every post was answered (keyed-main bought it at $20.00); the auction is now "
        "sold to keyed-main for $20.00\n"
    )
    listed = book.cli("recover")
    assert listed.exit_code == 0 and "nothing to recover" in listed.stderr
    log = json.loads(book.cli("log", "--lead-id", "R-lost", "--json").stdout)
    assert (log["result"], log["sold_to"], log["price"]) == ("sold", "keyed-main", "20.00")
    again = book.cli("recover", "--resolve", "R-lost")
    assert again.exit_code == 2 and "nothing to resolve" in again.stderr


def test_an_auction_killed_after_every_post_was_rejected_closes_unsold(book: Logbook) -> None:
    book.setup.answer("keyed", "post", {"result": "rejected", "message": "no"})
    book.setup.answer("acme", "post", {"result": "rejected", "message": "full"})
    assert _result_lost(book, "R-none") == "unsold"
    assert "every post was answered (none sold)" in book.cli("recover").stdout
    run = book.cli("recover", "--resolve", "R-none", "--as", "unsold", "--json")
    assert run.exit_code == 0, run.output
    doc = json.loads(run.stdout)
    answers = [(a["account"], a["status"]) for a in doc["closed"]["answers"]]
    assert answers == [("keyed-main", "post_rejected"), ("acme-main", "post_rejected")]
    assert doc["auction"] == {"result": "unsold", "sold_to": None, "price": None}
    assert book.cli("recover").exit_code == 0
    log = json.loads(book.cli("log", "--lead-id", "R-none", "--json").stdout)
    assert log["result"] == "unsold" and "every post was answered, none sold" in log["reason"]
