"""The sandbox's HTTP/1.1 request reader and response encoder."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pingpost.sandbox.http import HttpError, RequestReader, encode_response

POST = (
    b"POST /acme/ping?x=1&y=2 HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
    b'Content-Length: 14\r\n\r\n{"state":"CA"}'
)


def read(data: bytes, **limits: int):
    reader = RequestReader(**limits)
    reader.feed(data)
    return reader.next()


def refused(data: bytes, **limits: int) -> tuple[int, str]:
    with pytest.raises(HttpError) as info:
        read(data, **limits)
    return info.value.status, info.value.message


def test_post_with_a_body():
    request = read(POST)
    assert (request.method, request.path, request.query) == ("POST", "/acme/ping", "x=1&y=2")
    assert request.body == b'{"state":"CA"}'
    assert request.headers["content-type"] == "application/json"
    assert request.content_type == "application/json"
    assert request.keep_alive and request.version == "1.1"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(POST) - 1), max_size=6))
def test_any_split_of_the_bytes_reads_the_same_request(cuts):
    reader = RequestReader()
    edges = [0, *sorted(set(cuts)), len(POST)]
    for start, end in itertools.pairwise(edges):
        assert reader.next() is None
        reader.feed(POST[start:end])
    request = reader.next()
    assert request is not None and request.body == b'{"state":"CA"}'
    assert reader.buffered == 0


def test_pipelined_requests_come_out_in_order():
    reader = RequestReader()
    reader.feed(POST + b"GET /b HTTP/1.1\r\n\r\n\r\nGET /c HTTP/1.1\r\n\r\n")
    assert [reader.next().path for _ in range(3)] == ["/acme/ping", "/b", "/c"]
    assert reader.next() is None


@pytest.mark.parametrize(
    ("head", "keep_alive"),
    [
        (b"GET / HTTP/1.1\r\n\r\n", True),
        (b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", False),
        (b"GET / HTTP/1.1\r\nConnection: Upgrade, Close\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", True),
    ],
)
def test_keep_alive(head, keep_alive):
    assert read(head).keep_alive is keep_alive


def test_absolute_form_target_keeps_the_path():
    assert read(b"GET http://h:1/a/b?q=1 HTTP/1.1\r\n\r\n").path == "/a/b"


def test_repeated_headers_are_joined():
    request = read(b"GET / HTTP/1.1\r\nX-A: 1\r\nx-a: 2\r\n\r\n")
    assert request.headers["x-a"] == "1, 2"


def test_chunked_body_with_extension_and_trailer():
    data = (
        b"POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4;ext=1\r\nWiki\r\n6\r\npedia \r\n0\r\nX-Trailer: t\r\n\r\nGET /next HTTP/1.1\r\n\r\n"
    )
    reader = RequestReader()
    reader.feed(data[:60])
    assert reader.next() is None
    reader.feed(data[60:])
    assert reader.next().body == b"Wikipedia "
    assert reader.next().path == "/next"


def test_chunked_with_content_length_is_not_kept_alive():
    data = b"POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"
    request = read(data)
    assert request.body == b"" and not request.keep_alive


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\nBad Header\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n folded: x\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 400),
    ],
)
def test_malformed_requests_are_refused(data, status):
    assert refused(data)[0] == status


def test_size_limits():
    assert refused(b"GET / HTTP/1.1\r\nX: " + b"a" * 200, max_head=100)[0] == 431
    assert refused(b"POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", max_body=100)[0] == 413
    chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n"
    assert refused(chunked, max_body=100)[0] == 413


def test_expect_continue_is_reported_until_the_body_arrives():
    reader = RequestReader()
    reader.feed(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
    assert reader.next() is None and reader.wants_continue
    reader.feed(b"ok")
    assert reader.next().body == b"ok"
    assert not reader.wants_continue


def test_encode_response():
    data = encode_response(404, [("Content-Type", "text/plain")], b"nope", keep_alive=False)
    head, body = data.split(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 404 Not Found"
    assert "Content-Length: 4" in lines and "Connection: close" in lines
    assert "Content-Type: text/plain" in lines
    assert any(line.startswith("Date: ") and line.endswith(" GMT") for line in lines)
    assert body == b"nope"
