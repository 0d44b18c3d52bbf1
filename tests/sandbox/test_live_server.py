"""The sandbox server on aiohttp.web: routing, the HTTP it handles itself, lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import http.client
import socket

import pytest

from pingpost.errors import ListenError, UsageError
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


def test_chunked_request_body_and_expect_continue(make_sandbox):
    sb = make_sandbox(SPEC)
    chunked = (
        b"POST /a/ping HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n"
        b'Connection: close\r\n\r\n3\r\n{"n\r\n5\r\n": 7}\r\n0\r\n\r\n'
    )
    assert b"pingToken" in raw(sb.port, chunked)
    assert sb.ledger()[-1]["body"] == '{"n": 7}'
    with socket.create_connection(("127.0.0.1", sb.port), timeout=2) as sock:
        sock.sendall(
            b"POST /a/ping HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 8\r\nExpect: 100-continue\r\n\r\n"
        )
        assert sock.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b'{"n": 8}')
        assert b"200 OK" in sock.recv(4096)


def test_busy_port_and_foreign_host_are_usage_errors(make_sandbox):
    sb = make_sandbox(SPEC)
    with pytest.raises(ListenError, match=rf"127.0.0.1:{sb.port}: the address is in use$"):
        start_sandbox(SPEC, port=sb.port)
    with pytest.raises(UsageError, match="loopback only"):
        start_sandbox(SPEC, host="0.0.0.0")


def test_stop_releases_the_port_and_hanging_connections():
    spec = SandboxSpec.model_validate({"buyers": [buyer_dict("h", faults={"hang": 1.0})]})
    sb = start_sandbox(spec)
    port = sb.port
    sock = socket.create_connection(("127.0.0.1", port), timeout=2)
    sock.sendall(b"GET /h/ping?x=1 HTTP/1.1\r\nHost: x\r\n\r\n")
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
        writer.write(b"GET /_sandbox/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = await reader.read()
        writer.close()
        await writer.wait_closed()
        stop.set()
        await task
        return int(answer.split()[1])

    assert asyncio.run(main()) == 200


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


def test_bodies_over_one_megabyte_get_413(make_sandbox):
    sb = make_sandbox(SPEC)
    declared = b"POST /a/ping HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"
    assert raw(sb.port, declared, until_closed=False).startswith(b"HTTP/1.1 413")
    chunk = b"x" * 65536
    chunked = (
        b"POST /a/ping HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + (b"%x\r\n%s\r\n" % (len(chunk), chunk)) * 17
    )
    assert raw(sb.port, chunked, until_closed=False).startswith(b"HTTP/1.1 413")
    assert sb.ledger() == []  # refused before any buyer saw it


def test_a_malformed_request_is_a_400_and_one_log_line(make_sandbox, caplog):
    sb = make_sandbox(SPEC)
    answer = raw(sb.port, b"POST /a/ping HTTP/1.1\r\nContent-Length: 1\r\n\r\nx")  # no Host
    assert answer.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request")
    (record,) = [r for r in caplog.records if r.name == "pingpost.sandbox.http"]
    assert "Missing 'Host' header" in record.getMessage() and record.exc_info is None
    assert "Traceback" not in caplog.text
    assert call(f"{sb.url}/_sandbox/health", method="GET").status == 200


def test_answers_name_the_sandbox_as_their_server(make_sandbox):
    sb = make_sandbox(SPEC)
    assert call(f"{sb.url}/a/ping", body={"n": 1}).headers["server"] == "pingpost-sandbox"
    assert call(f"{sb.url}/nope", method="GET").headers["server"] == "pingpost-sandbox"


def test_gzip_bodies_are_inflated_and_absolute_targets_routed(make_sandbox):
    sb = make_sandbox(SPEC)
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=2)
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    conn.request("POST", "/a/ping", body=gzip.compress(b'{"n": 5}'), headers=headers)
    assert b"pingToken" in conn.getresponse().read()
    conn.close()
    assert sb.ledger()[-1]["body"] == '{"n": 5}'
    absolute = b"GET http://h:1/a/ping?zip=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
    assert b"pingToken" in raw(sb.port, absolute)
    assert sb.ledger()[-1]["path"] == "/a/ping?zip=1"


def test_auth_challenges_and_credentials_cross_the_wire(make_sandbox):
    auth = {"type": "digest", "username": "u", "password": "pw", "algorithm": "MD5"}
    sb = make_sandbox({"buyers": [buyer_dict("d", auth=auth)]})
    refused = call(f"{sb.url}/d/ping", body={"n": 1})
    assert refused.status == 401 and refused.headers["server"] == "pingpost-sandbox"
    assert refused.headers["www-authenticate"].startswith("Digest ")
    # the Authorization header reaches the buyer whatever its case
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=2)
    conn.request("POST", "/d/ping", body=b"{}", headers={"AUTHORIZATION": "Digest nonsense"})
    assert conn.getresponse().status == 401
    conn.close()
    notes = [e["note"] for e in sb.ledger() if e["phase"] == "auth"]
    assert len(notes) == 2 and notes[0] != notes[1]  # no credentials, then bad ones
