"""Every fault mode over real HTTP (short timeouts: the suite stays fast)."""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import time

import pytest

from pingpost.sandbox.faults import OVERSIZED_BYTES
from tests.integration.sandbox_fixtures import buyer_dict

from .client import call

REQUEST = (
    b"POST /f/ping HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b'Content-Length: 10\r\n\r\n{"lead":1}'
)


@pytest.fixture(autouse=True)
def no_complaints(caplog):
    """A fault is played, not suffered: the server logs no warning or error for any."""
    yield
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.fixture
def faulty(make_sandbox):
    """A sandbox with one buyer `f` always hitting `mode` (ping unless phase says otherwise)."""

    def make(mode: str, phase: str = "ping"):
        return make_sandbox({"buyers": [buyer_dict("f", faults={mode: 1.0}, fault_phase=phase)]})

    return make


def test_hang_never_answers(faulty):
    sb = faulty("hang")
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        call(f"{sb.url}/f/ping", body={"lead": 1}, timeout=0.3)
    assert time.monotonic() - started >= 0.3
    (entry,) = sb.ledger()
    assert (entry["fault"], entry["status"]) == ("hang", None)
    assert call(f"{sb.url}/_sandbox/health", method="GET").status == 200  # the server goes on


def test_drip_sends_the_body_a_byte_at_a_time(faulty):
    sb = faulty("drip")
    with socket.create_connection(("127.0.0.1", sb.port), timeout=1) as sock:
        sock.sendall(REQUEST)
        received = b""
        started = time.monotonic()
        while b"\r\n\r\n" not in received:
            received += sock.recv(4096)
        head, body = received.split(b"\r\n\r\n", 1)
        sock.settimeout(0.05)
        while time.monotonic() - started < 0.5:
            with contextlib.suppress(TimeoutError):
                body += sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 200 OK")
    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    assert 1 <= len(body) <= 4 < length  # one byte every 200 ms
    assert b'{"status": "success"'.startswith(body)
    assert sb.ledger()[0]["fault"] == "drip" and sb.ledger()[0]["outcome"] == "accepted"
    assert call(f"{sb.url}/_sandbox/health", method="GET").status == 200  # the client left


def test_reset_aborts_the_connection(faulty):
    sb = faulty("reset")
    with socket.create_connection(("127.0.0.1", sb.port), timeout=2) as sock:
        sock.sendall(REQUEST)
        with pytest.raises(ConnectionResetError):
            if sock.recv(1024) == b"":
                pytest.fail("the connection was closed (FIN), not reset")
    assert sb.ledger()[0]["fault"] == "reset"


def test_http_500(faulty):
    sb = faulty("http_500")
    answer = call(f"{sb.url}/f/ping", body={"lead": 1})
    assert answer.status == 500 and answer.headers["content-type"].startswith("text/html")


def test_garbage(faulty):
    sb = faulty("garbage")
    answer = call(f"{sb.url}/f/ping", body={"lead": 1})
    assert answer.status == 200 and answer.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        json.loads(answer.body)
    assert not answer.body.lstrip().startswith((b"{", b"<", b"["))


def test_oversized_streams_ten_megabytes(faulty):
    sb = faulty("oversized")
    answer = call(f"{sb.url}/f/ping", body={"lead": 1})
    assert answer.status == 200
    assert int(answer.headers["content-length"]) == OVERSIZED_BYTES == len(answer.body)
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=2)
    headers = {"Content-Type": "application/json"}
    conn.request("POST", "/f/ping", body=b'{"lead": 2}', headers=headers)
    assert len(conn.getresponse().read()) == OVERSIZED_BYTES
    conn.request("GET", "/_sandbox/health")  # the connection is still good after the stream
    assert conn.getresponse().read() == b'{"status": "ok", "buyers": 1}'
    # a client that gives up after the head does not upset the server
    conn.request("POST", "/f/ping", body=b'{"lead": 3}', headers=headers)
    response = conn.getresponse()
    assert response.getheader("Content-Length") == str(OVERSIZED_BYTES)
    response.close()
    conn.close()
    assert call(f"{sb.url}/_sandbox/health", method="GET").status == 200


def test_post_reject_after_an_accepted_ping(faulty):
    sb = faulty("post_reject", phase="post")
    token = call(f"{sb.url}/f/ping", body={"lead": 1}).json()["pingToken"]
    post = call(f"{sb.url}/f/post", body={"lead": 1, "pingToken": token})
    assert post.json() == {"status": "rejected", "message": "No Matches"}
    entry = sb.ledger(phase="post")[0]
    assert (entry["fault"], entry["outcome"], entry["note"]) == ("post_reject", "rejected", None)


def test_post_hang_reads_the_lead_and_never_answers(faulty):
    sb = faulty("post_hang", phase="post")
    token = call(f"{sb.url}/f/ping", body={"lead": 1}).json()["pingToken"]
    with pytest.raises(TimeoutError):
        call(
            f"{sb.url}/f/post", body={"lead": 1, "pingToken": token, "email": "a@b.c"}, timeout=0.3
        )
    (entry,) = sb.ledger(phase="post")
    assert entry["fault"] == "post_hang" and entry["status"] is None
    assert json.loads(entry["body"])["email"] == "a@b.c"
    assert entry["token"] == token


def test_fault_phase_post_leaves_the_ping_alone(faulty):
    sb = faulty("http_500", phase="post")
    token = call(f"{sb.url}/f/ping", body={"lead": 1}).json()["pingToken"]
    assert call(f"{sb.url}/f/post", body={"lead": 1, "pingToken": token}).status == 500


def test_a_share_of_requests_hits_the_fault(make_sandbox):
    sb = make_sandbox({"buyers": [buyer_dict("f", latency_ms=[0, 0], faults={"http_500": 0.5})]})
    statuses = [call(f"{sb.url}/f/ping", body={"lead": n}).status for n in range(40)]
    assert 10 <= statuses.count(500) <= 30 and statuses.count(200) + statuses.count(500) == 40
