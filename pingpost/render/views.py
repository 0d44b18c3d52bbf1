"""A rendered request as text a developer can read or run: raw HTTP, curl, JSON.

These views are for a terminal: control characters that could drive it (ESC,
CR, C1 codes) are shown escaped (`\\x1b`), never written raw. The curl command
stays exact: such characters go into bash's `$'...'` quoting.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any
from urllib.parse import urlsplit

from pingpost.exchange import DigestCredentials, RenderedRequest
from pingpost.masking import MASK, Masker

# C0 controls except tab and newline, DEL, and C1 controls.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def displayable(text: str) -> str:
    """`text` with terminal-unsafe characters escaped as `\\xNN`."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def body_text(body: bytes) -> str:
    return body.decode("utf-8", "backslashreplace")


def http_text(request: RenderedRequest, masker: Masker | None = None) -> str:
    """The request as it goes on the wire: Host and Content-Length as the client adds them,
    taken from the real (`request`, unmasked) request; then masked with `masker`."""
    parts = urlsplit(request.url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    shown = request
    if masker is not None:
        masker = masker.with_requests((request,))  # what the request made of pii, too
        shown = masker.request(request)
        host, target = _masked_origin(request.url, host, masker)
    lines = [f"{request.method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (*shown.headers, *sent_auth(request))]
    if request.body or request.method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(request.body)}")  # of the body actually sent
    text = "\n".join(lines) + "\n"
    if shown.body:
        text += "\n" + body_text(shown.body) + "\n"
    return displayable(text if masker is None else masker.text(text))


def _masked_origin(url: str, host: str, masker: Masker) -> tuple[str, str]:
    """Host and target, masked. When a secret covers the scheme and host (a secret base
    URL), the Host line is masked whole and the target is what follows the secret."""
    masked = masker.url(url)
    scheme, _, rest = url.partition("://")
    origin = f"{scheme}://{rest.split('/')[0].split('?')[0]}"
    masked_origin = masker.text(origin)
    if masked.startswith(masked_origin):  # no secret spans the host and the path
        tail = masked[len(masked_origin) :].partition("#")[0]
        shown_host = masker.text(host)
        if MASK in masked_origin and MASK not in shown_host:
            shown_host = MASK  # the secret is the scheme and host together
        return shown_host, tail if tail.startswith("/") else "/" + tail
    tail = masked.partition(MASK)[2].partition("#")[0]
    return MASK, tail if tail.startswith("/") else "/" + tail


def sent_auth(request: RenderedRequest) -> tuple[tuple[str, str], ...]:
    """The Authorization header the transport adds when it sends (digest, oauth2), masked:
    its value depends on the buyer's challenge or on a token fetched then."""
    if request.auth is None:
        return ()
    scheme = "Digest" if isinstance(request.auth, DigestCredentials) else "Bearer"
    return (("Authorization", f"{scheme} {MASK}"),)


def curl_command(request: RenderedRequest) -> str:
    """A runnable curl command (bash/zsh), one option a line."""
    words = [["curl", "-sS", "-X", request.method, shell_quote(request.url)]]
    words += [["-H", shell_quote(f"{name}: {value}")] for name, value in request.headers]
    if isinstance(request.auth, DigestCredentials):  # curl answers the challenge itself
        words.append(["--digest", "--user", shell_quote(f"{request.auth.username}:{MASK}")])
    elif request.auth is not None:
        words += [["-H", shell_quote(f"{name}: {value}")] for name, value in sent_auth(request)]
    if request.body:
        words.append(["--data-binary", shell_quote(body_text(request.body))])
    return " \\\n  ".join(" ".join(w) for w in words) + "\n"


def shell_quote(text: str) -> str:
    """shlex.quote, or bash's `$'...'` when `text` holds control characters."""
    if "\x00" in text:
        raise ValueError("a NUL character cannot be passed to a shell command")
    if not _UNSAFE.search(text):
        return shlex.quote(text)
    escaped = text.replace("\\", "\\\\").replace("'", "\\'")
    escaped = _UNSAFE.sub(_ansi_c_escape, escaped)
    return f"$'{escaped}'"


def _ansi_c_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    # \xNN is a raw byte in bash; a C1 character must be written as its code point.
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}"


def request_document(request: RenderedRequest, **extra: Any) -> dict[str, Any]:
    """`{method, url, headers, body}` (+ `extra`), for `--as json`."""
    return {
        **extra,
        "method": request.method,
        "url": request.url,
        "headers": dict((*request.headers, *sent_auth(request))),
        "body": body_text(request.body),
    }


def json_text(document: dict[str, Any]) -> str:
    """Pretty JSON; DEL and C1 characters escaped too (json.dumps leaves them raw)."""
    text = json.dumps(document, indent=2, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
