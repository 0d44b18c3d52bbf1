"""A tiny blocking HTTP client for the sandbox tests (stdlib only, one connection a call)."""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    url: str,
    method: str = "POST",
    body: bytes | str | dict[str, Any] | None = None,
    *,
    content_type: str | None = None,
    timeout: float = 5.0,
) -> Answer:
    """Send one request; a dict body is sent as JSON."""
    parts = urlsplit(url)
    if isinstance(body, dict):
        body, content_type = json.dumps(body), content_type or "application/json"
    data = body.encode() if isinstance(body, str) else body
    headers = {"Content-Type": content_type} if content_type else {}
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=data, headers=headers)
        response = conn.getresponse()
        return Answer(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        conn.close()


def raw(port: int, data: bytes, *, timeout: float = 2.0, until_closed: bool = True) -> bytes:
    """Send raw bytes, read until the server closes (or the timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if not until_closed:
                break
        return b"".join(chunks)
