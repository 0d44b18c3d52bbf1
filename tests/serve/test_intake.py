"""POST /v1/leads over real HTTP: every answer code, and every bad request a clear JSON
problem, never a 500."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pingpost.sandbox import Sandbox

from .helpers import (
    HOME,
    KEY,
    LEAD,
    OTHER_KEY,
    buyer,
    call,
    post_lead,
    problem_of,
    running_service,
    write_config,
)


def test_a_sold_lead_is_201_with_the_json_result_document(two_buyers: tuple[Sandbox, Path]) -> None:
    sandbox, config = two_buyers
    with running_service(config) as service:
        answer = post_lead(service.url)
    assert answer.status == 201 and answer.content_type == "application/json"
    document = answer.json()
    assert document["schema_version"] == 1 and document["result"] == "sold"
    assert document["sold_to"] == "a-acct" and document["price"] == "12.00"
    assert {a["account"]: a["status"] for a in document["accounts"]} == {
        "a-acct": "sold", "b-acct": "outbid",
    }  # fmt: skip
    assert document["lead_type"] == "auto" and document["lead_id"]
    posts = sandbox.ledger(phase="post")
    assert [p["buyer"] for p in posts] == ["a"]
    text = answer.body.decode()
    assert "4155550142" not in text and "Ada" not in text  # pii masked in the answer too


def test_an_unsold_lead_is_200(buyers: Callable[..., Sandbox], tmp_path: Path) -> None:
    never = buyer("n", 10, accepts=[{"field": "zip", "equals": "00000"}])
    sandbox = buyers(never)
    config = write_config(tmp_path, sandbox.url, ["n"])
    with running_service(config) as service:
        answer = post_lead(service.url)
    assert answer.status == 200
    assert answer.json()["result"] == "unsold" and answer.json()["sold_to"] is None


def test_a_post_that_may_have_arrived_is_202_in_doubt(
    buyers: Callable[..., Sandbox], tmp_path: Path
) -> None:
    hanging = buyer("h", 10, faults={"post_hang": 1.0}, fault_phase="post")
    sandbox = buyers(hanging)
    config = write_config(tmp_path, sandbox.url, ["h"], post_timeout=0.3)
    with running_service(config) as service:
        answer = post_lead(service.url)
    assert answer.status == 202
    document = answer.json()
    assert document["result"] == "in_doubt"
    assert document["accounts"][0]["status"] == "in_doubt"


def test_an_invalid_lead_is_422_with_every_problem(two_buyers: tuple[Sandbox, Path]) -> None:
    sandbox, config = two_buyers
    with running_service(config) as service:
        answer = post_lead(service.url, {"FirstName": "Ada", "Zip": "ABCDE", "Colour": "red"})
    document = problem_of(answer, 422, "invalid_lead")
    problems = document["problems"]
    assert isinstance(problems, list) and len(problems) == 3
    assert any(p.startswith("Colour: unknown field") for p in problems)
    assert any(p.startswith("Phone: required field is missing") for p in problems)
    assert any(p.startswith("Zip:") for p in problems)
    assert sandbox.ledger() == []  # nobody was pinged


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b'{"Zip": "94107",', "application/json", 400, "invalid_json"),
        (b"", "application/json", 400, "invalid_json"),
        (b'{"Zip": "1", "Zip": "2"}', "application/json", 400, "invalid_json"),
        (b'{"Zip": NaN}', "application/json", 400, "invalid_json"),
        (b"[" * 50_000, "application/json", 400, "invalid_json"),
        (b'{"FirstName": "\xff"}', "application/json", 400, "invalid_json"),
        (b"[1, 2]", "application/json", 422, "invalid_lead"),
        (b'"a lead"', "application/json", 422, "invalid_lead"),
        (b"42", "application/json", 422, "invalid_lead"),
        (b"null", "application/json", 422, "invalid_lead"),
        (b'{"Zip": "94107"}', "text/plain", 415, "unsupported_media_type"),
        (b"Zip=94107", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b'{"Zip": "94107"}', None, 415, "unsupported_media_type"),
        (b'{"Zip": "94107"}', "application/json; charset=latin-1", 415, "unsupported_charset"),
    ],
)
def test_bad_bodies_are_clear_problems(
    two_buyers: tuple[Sandbox, Path],
    body: bytes,
    content_type: str | None,
    status: int,
    code: str,
) -> None:
    sandbox, config = two_buyers
    headers = {"Content-Type": content_type} if content_type else {}
    with running_service(config) as service:
        answer = call(f"{service.url}/v1/leads", "POST", body, headers=headers)
    document = problem_of(answer, status, code)
    if code == "invalid_lead":
        assert "a lead is a JSON object of fields" in str(document["problems"])
    assert sandbox.ledger() == []


def test_a_json_subtype_is_taken(two_buyers: tuple[Sandbox, Path]) -> None:
    _, config = two_buyers
    headers = {"Content-Type": "application/vnd.lead+json; charset=utf-8"}
    with running_service(config) as service:
        answer = call(f"{service.url}/v1/leads", "POST", json.dumps(LEAD), headers=headers)
    assert answer.status == 201


def test_lead_types_unknown_missing_and_not_allowed(
    two_buyers: tuple[Sandbox, Path], tmp_path: Path
) -> None:
    sandbox, config = two_buyers
    (config / "lead_types/home.yaml").write_text(HOME)
    with running_service(config) as service:
        unknown = post_lead(service.url, query="?lead_type=boat", key=OTHER_KEY)
        missing = post_lead(service.url, key=OTHER_KEY)
        forbidden = post_lead(service.url, query="?lead_type=home", key=KEY)
        implied = post_lead(service.url, key=KEY)  # web-form's only lead type
        named = post_lead(service.url, query="?lead_type=auto", key=OTHER_KEY)
    assert "no lead type named `boat` (known: auto, home)" in str(
        problem_of(unknown, 400, "unknown_lead_type")["detail"]
    )
    assert "?lead_type=NAME" in str(problem_of(missing, 400, "lead_type_required")["detail"])
    assert "may post: auto" in str(problem_of(forbidden, 403, "lead_type_not_allowed")["detail"])
    assert implied.status == 201 and named.status == 201
    assert len(sandbox.ledger(phase="post")) == 2


def test_bodies_over_1_mb_are_413_and_never_read_whole(two_buyers: tuple[Sandbox, Path]) -> None:
    _, config = two_buyers
    big = b'{"Zip": "' + b"9" * (1024 * 1024) + b'"}'
    with running_service(config) as service:
        declared = call(f"{service.url}/v1/leads", "POST", big,
                        headers={"Content-Type": "application/json"})  # fmt: skip
        chunked = _chunked(service.url, big)
        at_limit = call(f"{service.url}/v1/leads", "POST", b" " * (1024 * 1024 - 2) + b"{}",
                        headers={"Content-Type": "application/json"})  # fmt: skip
    problem_of(declared, 413, "body_too_large")
    assert chunked == 413
    assert at_limit.status == 422  # exactly 1 MB is read: an empty lead, every field missing


def _chunked(url: str, body: bytes) -> int:
    """A body without Content-Length, sent in chunks: the limit holds while reading."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=20)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"}
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    try:
        connection.request("POST", "/v1/leads", body=chunks, headers=headers,
                           encode_chunked=True)  # fmt: skip
        return connection.getresponse().status
    except (BrokenPipeError, ConnectionResetError):  # the server closed early: it read no more
        return 413
    finally:
        connection.close()


def test_unknown_routes_and_methods_are_problems(two_buyers: tuple[Sandbox, Path]) -> None:
    _, config = two_buyers
    with running_service(config) as service:
        missing = call(f"{service.url}/v1/lead", "POST", LEAD)
        wrong = call(f"{service.url}/v1/leads", "GET")
    problem_of(missing, 404, "not_found")
    problem_of(wrong, 405, "method_not_allowed")
    assert "POST" in wrong.headers["allow"]


def test_the_server_header_names_no_versions(two_buyers: tuple[Sandbox, Path]) -> None:
    _, config = two_buyers
    with running_service(config) as service:
        answer = call(f"{service.url}/healthz")
    assert answer.headers["server"] == "pingpost"


def test_an_auction_that_fails_is_a_plain_500_and_its_key_is_kept(
    two_buyers: tuple[Sandbox, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in the engine: the client gets a 500 problem without details, the log one
    line, and a retry with the same key the same 500 (a post may have left: never a second
    auction)."""

    async def broken(*args: object, **kw: object) -> None:
        raise ZeroDivisionError("a bug")

    _, config = two_buyers
    monkeypatch.setattr("pingpost.serve.auctioning.run_auction", broken)
    with running_service(config) as service:
        first = post_lead(service.url, headers={"Idempotency-Key": "k"})
        again = post_lead(service.url, headers={"Idempotency-Key": "k"})
        after = call(f"{service.url}/healthz")
    document = problem_of(first, 500, "internal_error")
    assert "a bug" not in str(document)
    assert again.status == 500 and again.body == first.body
    assert after.status == 200
    (logged,) = service.events("internal_error")
    assert logged["error"] == "ZeroDivisionError" and "a bug" not in str(logged)


def test_a_store_that_cannot_take_the_post_intent_is_503_and_frees_the_key(
    two_buyers: tuple[Sandbox, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """W1: the engine refuses to post without a durable intent. Nothing was sent, so the
    client may send the lead again: 503 with Retry-After, and its key is given back."""
    from pingpost.serve import auctioning
    from pingpost.store.errors import StoreUnavailable

    real = auctioning.run_auction
    calls: list[int] = []

    async def failing_once(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise StoreUnavailable("sqlite:///store.db", "disk I/O error")
        return await real(*args, **kw)

    sandbox, config = two_buyers
    monkeypatch.setattr(auctioning, "run_auction", failing_once)
    with running_service(config) as service:
        first = post_lead(service.url, headers={"Idempotency-Key": "k"})
        again = post_lead(service.url, headers={"Idempotency-Key": "k"})
    document = problem_of(first, 503, "store_unavailable")
    assert "disk I/O error" in str(document["detail"]) and first.headers["retry-after"] == "1"
    assert again.status == 201 and "idempotent-replayed" not in again.headers
    assert len(sandbox.ledger(phase="post")) == 1


@pytest.mark.parametrize("test", [False, True], ids=["live", "serve --test"])
def test_serve_in_test_mode_sends_to_the_test_urls(
    buyers: Callable[..., Sandbox], tmp_path: Path, test: bool
) -> None:
    sandbox = buyers(buyer("live", 12), buyer("stage", 12))
    config = write_config(tmp_path, sandbox.url, ["live"])
    method = (config / "methods" / "live.yaml").read_text()
    for phase in ("ping", "post"):
        url = f"  url: {sandbox.url}/live/{phase}\n"
        method = method.replace(url, f"{url}  test_url: {sandbox.url}/stage/{phase}\n")
    (config / "methods" / "live.yaml").write_text(method)
    with running_service(config, test=test) as service:
        answer = post_lead(service.url)
    assert answer.json()["result"] == "sold"
    assert {entry["buyer"] for entry in sandbox.ledger()} == {"stage" if test else "live"}
