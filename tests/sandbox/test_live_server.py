"""The server itself: routing, HTTP details, lifecycle (real sockets)."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import socket
import threading

import pytest

from pingpost.errors import UsageError
from pingpost.sandbox import SandboxSpec, serve_sandbox, start_sandbox
from tests.integration.sandbox_fixtures import buyer_dict

from .client import call, raw

SPEC = SandboxSpec.model_validate({"buyers": [buyer_dict("a", latency_ms=[0, 0])]})


def test_unknown_path_bad_body_and_bad_method(sandbox):
    assert (call(f"{sandbox.url}/nope", method="GET").json()) == {"error": "unknown path"}
    bad = call(f"{sandbox.url}/acme/ping", body="{not json", content_type="application/json")
    assert bad.status == 400 and "not valid JSON" in bad.json()["error"]
    (entry,) = sandbox.ledger()
    assert entry["status"] == 400 and "not valid JSON" in entry["note"]
    assert call(f"{sandbox.url}/acme/ping", method="DELETE").status == 405


def test_keep_alive_serves_many_requests_on_one_connection(make_sandbox):
    sb = make_sandbox(SPEC)
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=2)
    try:
        for n in range(5):
            conn.request(
                "POST",
                "/a/ping",
                body=f'{{"n": {n}}}',
                headers={"Content-Type": "application/json"},
            )
            response = conn.getresponse()
            assert response.status == 200 and b"pingToken" in response.read()
        sock = conn.sock
        conn.request("GET", "/_sandbox/health")
        conn.getresponse().read()
        assert conn.sock is sock  # still the same connection
    finally:
        conn.close()


def test_pipelined_requests_are_answered_in_order(make_sandbox):
    sb = make_sandbox(SPEC)
    one = (
        b"POST /a/ping HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n"
        b'{"n": 1}'
    )
    last = b"GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n"
    data = raw(sb.port, one + one.replace(b"1}", b"2}") + last)
    assert data.count(b"HTTP/1.1 200 OK") == 2 and data.count(b"HTTP/1.1 404") == 1
    assert data.index(b"200 OK") < data.index(b"404")
    assert [e["body"] for e in sb.ledger()] == ['{"n": 1}', '{"n": 2}']


def test_chunked_request_body_and_expect_continue(make_sandbox):
    sb = make_sandbox(SPEC)
    chunked = (
        b"POST /a/ping HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
        b'Connection: close\r\n\r\n3\r\n{"n\r\n5\r\n": 7}\r\n0\r\n\r\n'
    )
    assert b"pingToken" in raw(sb.port, chunked)
    assert sb.ledger()[-1]["body"] == '{"n": 7}'
    with socket.create_connection(("127.0.0.1", sb.port), timeout=2) as sock:
        sock.sendall(
            b"POST /a/ping HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 8\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        assert sock.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b'{"n": 8}')
        assert b"200 OK" in sock.recv(4096)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"NOT HTTP\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n", b"431"),
        (b"POST /a/ping HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", b"413"),
    ],
)
def test_bad_requests_get_an_error_and_the_connection_closes(make_sandbox, data, status):
    sb = make_sandbox(SPEC)
    answer = raw(sb.port, data)  # reads until the server closes
    assert answer.startswith(b"HTTP/1.1 " + status)
    assert b"Connection: close" in answer


def test_http_1_0_closes_after_the_answer(make_sandbox):
    sb = make_sandbox(SPEC)
    answer = raw(sb.port, b"GET /_sandbox/health HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(b'"buyers": 1}')


def test_busy_port_and_foreign_host_are_usage_errors(make_sandbox):
    sb = make_sandbox(SPEC)
    with pytest.raises(UsageError, match=rf"port {sb.port} is in use; pass --port"):
        start_sandbox(SPEC, port=sb.port)
    with pytest.raises(UsageError, match="loopback only"):
        start_sandbox(SPEC, host="0.0.0.0")


def test_stop_releases_the_port_and_hanging_connections():
    spec = SandboxSpec.model_validate({"buyers": [buyer_dict("h", faults={"hang": 1.0})]})
    sb = start_sandbox(spec)
    port = sb.port
    sock = socket.create_connection(("127.0.0.1", port), timeout=2)
    sock.sendall(b"GET /h/ping?x=1 HTTP/1.1\r\n\r\n")
    sb.stop()
    with contextlib.suppress(ConnectionResetError):  # a reset is also a release
        assert sock.recv(10) == b""
    sock.close()
    with start_sandbox(spec, port=port) as again:  # the port is free again
        assert again.port == port
    with pytest.raises(RuntimeError, match="stopped"):
        sb.ledger()


def test_serve_sandbox_in_the_foreground():
    async def main() -> int:
        stop = asyncio.Event()
        urls: list[str] = []
        task = asyncio.create_task(serve_sandbox(SPEC, port=0, ready=urls.append, stop=stop))
        while not urls:
            await asyncio.sleep(0.01)
        reader, writer = await asyncio.open_connection("127.0.0.1", int(urls[0].rsplit(":", 1)[1]))
        writer.write(b"GET /_sandbox/health HTTP/1.1\r\nConnection: close\r\n\r\n")
        answer = await reader.read()
        writer.close()
        await writer.wait_closed()
        stop.set()
        await task
        return int(answer.split()[1])

    assert asyncio.run(main()) == 200


def test_a_client_sending_ahead_is_paused_then_served(make_sandbox):
    spec = {
        "ledger": False,
        "buyers": [buyer_dict("slow", latency_ms=[150, 150]), buyer_dict("fast")],
    }
    sb = make_sandbox(spec)
    body = b'{"pad": "' + b"x" * 100_000 + b'"}'
    fast = (
        b"POST /fast/ping HTTP/1.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    # 1.5 MB queued behind a slow answer: more than the server buffers, so it pauses reading
    data = b"GET /slow/ping?n=1 HTTP/1.1\r\n\r\n" + fast * 15
    with socket.create_connection(("127.0.0.1", sb.port), timeout=5) as sock:
        sender = threading.Thread(target=lambda: _send_quietly(sock, data))
        sender.start()
        received = b""
        while received.count(b"HTTP/1.1 200 OK") < 16:
            chunk = sock.recv(65536)  # times out if reading never resumes
            assert chunk, "closed early"
            received += chunk
        sender.join(timeout=5)


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):
        sock.sendall(data)


def test_a_refused_request_is_read_by_the_client_not_reset(make_sandbox):
    sb = make_sandbox(SPEC)
    flood = b"POST /a/ping HTTP/1.1\r\nX: " + b"y" * (2 * 1024 * 1024)
    with socket.create_connection(("127.0.0.1", sb.port), timeout=5) as sock:
        sender = threading.Thread(target=lambda: _send_quietly(sock, flood))
        sender.start()
        received = b""
        while chunk := sock.recv(65536):  # EOF, not ConnectionResetError
            received += chunk
        sender.join(timeout=5)
    assert received.startswith(b"HTTP/1.1 431 Request Header Fields Too Large")


def test_a_bug_in_a_buyer_is_a_500_and_the_server_goes_on(make_sandbox, monkeypatch, caplog):
    from pingpost.sandbox.buyers import SandboxApp

    def boom(self, buyer, request):
        raise RuntimeError("boom")

    sb = make_sandbox(SPEC)
    monkeypatch.setattr(SandboxApp, "_ping", boom)
    answer = call(f"{sb.url}/a/ping", body={"n": 1})
    assert answer.status == 500 and answer.json() == {"error": "sandbox bug; see its log"}
    assert "sandbox failed on POST /a/ping" in caplog.text
    assert call(f"{sb.url}/_sandbox/health", method="GET").status == 200
