"""A small, strict HTTP/1.1 request reader and response encoder for the sandbox.

Written for asyncio.Protocol rather than on aiohttp.web so that one core can
serve the auction benchmark's ~7,000 requests/s and so that faults can act on
the raw connection. It handles what the sandbox needs: request line, headers,
Content-Length and chunked bodies, keep-alive, `Connection: close`,
`Expect: 100-continue`, size limits. Pipelined requests are answered in order.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formatdate
from functools import lru_cache
from http import HTTPStatus

MAX_HEAD_BYTES = 16 * 1024
MAX_BODY_BYTES = 1024 * 1024

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
_REASONS = {status.value: status.phrase for status in HTTPStatus}


class HttpError(Exception):
    """A request the reader refuses; answered with `status` and the connection closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(slots=True)
class Request:
    method: str
    path: str  # as sent (still percent-encoded)
    query: str  # without the "?"
    version: str  # "1.1" or "1.0"
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes
    keep_alive: bool

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


@dataclass(slots=True)
class _Head:
    method: str
    target: str
    version: str
    headers: dict[str, str]
    size: int  # bytes of the head, blank line included
    length: int  # Content-Length, 0 when none
    chunked: bool
    keep_alive: bool
    expect_continue: bool


class RequestReader:
    """Incremental parser for the requests of one connection: `feed` bytes, take `next()`."""

    def __init__(self, max_head: int = MAX_HEAD_BYTES, max_body: int = MAX_BODY_BYTES) -> None:
        self._buf = bytearray()
        self._head: _Head | None = None
        self._max_head = max_head
        self._max_body = max_body

    def feed(self, data: bytes) -> None:
        self._buf += data

    @property
    def buffered(self) -> int:
        return len(self._buf)

    @property
    def wants_continue(self) -> bool:
        """A head with `Expect: 100-continue` was read and its body has not arrived yet."""
        return self._head is not None and self._head.expect_continue

    def next(self) -> Request | None:
        """The next complete request, or None until more bytes arrive. Raises HttpError."""
        if self._head is None:
            self._head = self._read_head()
            if self._head is None:
                return None
        head = self._head
        if head.chunked:
            found = _read_chunked(self._buf, head.size, self._max_body)
            if found is None:
                return None
            body, end = found
        else:
            end = head.size + head.length
            if len(self._buf) < end:
                return None
            body = bytes(self._buf[head.size : end])
        del self._buf[:end]
        self._head = None
        path, _, query = head.target.partition("?")
        version = head.version[5:]
        return Request(head.method, path, query, version, head.headers, body, head.keep_alive)

    def _read_head(self) -> _Head | None:
        buf = self._buf
        while buf.startswith(b"\r\n"):  # stray CRLFs between requests are allowed
            del buf[:2]
        end = buf.find(b"\r\n\r\n")
        if end < 0 or end > self._max_head:
            if len(buf) > self._max_head:
                raise HttpError(431, f"request head larger than {self._max_head} bytes")
            return None
        head = _parse_head(bytes(buf[:end]).decode("latin-1"), end + 4)
        if head.length > self._max_body:
            raise HttpError(413, f"body larger than {self._max_body} bytes")
        return head


def _parse_head(text: str, size: int) -> _Head:
    request_line, *lines = text.split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]) or not parts[1]:
        raise HttpError(400, "malformed request line")
    method, target, version = parts
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        raise HttpError(505, f"only HTTP/1.1 and HTTP/1.0 are served, got {version[:20]!r}")
    if target.startswith(("http://", "https://")):  # absolute-form: keep the path
        target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
    headers = _parse_headers(lines)
    connection = {t.strip().lower() for t in headers.get("connection", "").split(",")}
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    length, chunked = _body_framing(headers)
    if chunked and "content-length" in headers:
        keep_alive = False  # both framings: chunked wins, and the connection is not reused
    expect = headers.get("expect", "").lower() == "100-continue" and (chunked or length > 0)
    return _Head(method, target, version, headers, size, length, chunked, keep_alive, expect)


def _parse_headers(lines: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not _TOKEN.fullmatch(name):
            raise HttpError(400, f"malformed header line {line[:40]!r}")
        name = name.lower()
        value = value.strip(" \t")
        if name in headers:
            if name == "content-length" and headers[name] != value:
                raise HttpError(400, "conflicting Content-Length headers")
            if name != "content-length":
                headers[name] += ", " + value
        else:
            headers[name] = value
    return headers


def _body_framing(headers: dict[str, str]) -> tuple[int, bool]:
    coding = headers.get("transfer-encoding")
    if coding is not None:
        if coding.strip().lower() != "chunked":
            raise HttpError(501, f"Transfer-Encoding {coding[:40]!r} is not supported")
        return 0, True
    length = headers.get("content-length")
    if length is None:
        return 0, False
    if not length.isdigit() or len(length) > 18:
        raise HttpError(400, f"bad Content-Length {length[:20]!r}")
    return int(length), False


def _read_chunked(buf: bytearray, pos: int, max_body: int) -> tuple[bytes, int] | None:
    """Decode a chunked body starting at `pos`: (body, end offset), or None if incomplete."""
    body = bytearray()
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            if len(buf) - pos > 1024:
                raise HttpError(400, "chunk size line too long")
            return None
        size_field = bytes(buf[pos:eol]).split(b";", 1)[0].strip()
        if not _HEX.fullmatch(size_field):
            raise HttpError(400, "bad chunk size")
        size = int(size_field, 16)
        pos = eol + 2
        if size == 0:
            break
        if len(body) + size > max_body:
            raise HttpError(413, f"body larger than {max_body} bytes")
        if len(buf) < pos + size + 2:
            return None
        if buf[pos + size : pos + size + 2] != b"\r\n":
            raise HttpError(400, "chunk data not followed by CRLF")
        body += buf[pos : pos + size]
        pos += size + 2
    while True:  # trailer fields, up to the blank line
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        if eol == pos:
            return bytes(body), pos + 2
        pos = eol + 2


# --------------------------------------------------------------------------- responses

_date_cache: tuple[int, str, bytes] = (0, "", b"")


def _http_date() -> str:
    return _refresh_date()[1]


def _date_header() -> bytes:
    return _refresh_date()[2]


def _refresh_date() -> tuple[int, str, bytes]:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        date = formatdate(now, usegmt=True)
        _date_cache = (now, date, f"Date: {date}\r\n".encode("latin-1"))
    return _date_cache


def encode_head(
    status: int,
    headers: Iterable[tuple[str, str]],
    length: int,
    *,
    keep_alive: bool = True,
) -> bytes:
    """Status line and headers, Content-Length and Connection included."""
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    lines.append(f"Date: {_http_date()}")
    lines.append("Server: pingpost-sandbox")
    lines.append(f"Content-Length: {length}")
    if not keep_alive:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@lru_cache(maxsize=64)
def _status_line(status: int, content_type: str) -> bytes:
    reason = _REASONS.get(status, "Unknown")
    return f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n".encode("latin-1")


def encode_reply(status: int, content_type: str, body: bytes, *, keep_alive: bool = True) -> bytes:
    """The hot-path twin of `encode_response` for one Content-Type header."""
    tail = b"" if keep_alive else b"Connection: close\r\n"
    return b"".join(
        (
            _status_line(status, content_type),
            _date_header(),
            b"Server: pingpost-sandbox\r\nContent-Length: %d\r\n" % len(body),
            tail,
            b"\r\n",
            body,
        )
    )


def encode_response(
    status: int,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    keep_alive: bool = True,
) -> bytes:
    return encode_head(status, headers, len(body), keep_alive=keep_alive) + body
