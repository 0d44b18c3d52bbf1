"""Buyers behind auth: the sandbox's OAuth2 token endpoint, bearer checks, Digest challenges.

Buyer logic only (no HTTP): `SandboxAuth` answers token requests and tells
the buyers whether a request carries valid credentials, with the reply to send
when it does not (a 401 with a `WWW-Authenticate` challenge). The Digest check
is written from RFC 7616 by hand, independently of the client's code in
pingpost/transport/digest.py, so that a mistake on one side is not hidden by
the same mistake on the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from urllib.parse import parse_qsl, unquote_plus

from pingpost.sandbox.request import Request
from pingpost.sandbox.spec import BuyerAuth, OAuth2Server
from pingpost.sandbox.styles import JSON, Reply, json_reply

NONCE_TTL = 300.0  # seconds a digest nonce is good for; older ones are `stale`
_SEEN_LIMIT = 100_000  # (nonce, nc, cnonce) remembered against replays
_PARAM = re.compile(r"""([A-Za-z0-9_*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)""")
_HASH = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


class SandboxAuth:
    """The token endpoint's issued tokens, and the digest nonces handed out."""

    def __init__(self, oauth2: OAuth2Server | None, seed: int, clock: Callable[[], float]):
        self.oauth2 = oauth2
        self._clock = clock
        self._key = hashlib.sha256(f"pingpost-sandbox-{seed}".encode()).digest()
        self._tokens: dict[str, tuple[float, str | None]] = {}  # token: (expires, scope)
        self._issued = 0
        self._seen: dict[tuple[str, str, str], None] = {}

    def clear(self) -> None:
        self._tokens.clear()
        self._seen.clear()

    # ----------------------------------------------------------------------- token endpoint

    def token(self, request: Request) -> tuple[Reply, str]:
        """Answer a client-credentials request: (reply, ledger note). Never logs the secret."""
        server = self.oauth2
        assert server is not None
        if server.fault == "http_500":  # ("hang" is the caller's: it is not a reply)
            return json_reply(500, {"error": "server_error"}), "fault http_500"
        fields = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        if fields.get("grant_type") != "client_credentials":
            return _oauth_error(
                400, "unsupported_grant_type"
            ), "grant_type is not client_credentials"
        client_id, secret = _client(request, fields)
        client = next((c for c in server.clients if c.client_id == client_id), None)
        if client is None or not hmac.compare_digest(client.client_secret, secret or ""):
            return _oauth_error(401, "invalid_client"), f"client {client_id!r} refused"
        scope = fields.get("scope") or None
        if client.scope is not None and scope is not None and scope != client.scope:
            return _oauth_error(400, "invalid_scope"), f"scope {scope!r} refused"
        self._issued += 1
        token = hashlib.blake2b(
            self._key + f"{self._issued}:{client_id}".encode(), digest_size=24
        ).hexdigest()
        self._tokens[token] = (self._clock() + server.token_ttl, scope)
        body = {"access_token": token, "token_type": "Bearer", "expires_in": server.token_ttl}
        if scope:
            body["scope"] = scope
        return Reply(200, JSON, json.dumps(body).encode()), f"token issued to {client_id}"

    # ----------------------------------------------------------------------- buyers

    def refusal(self, auth: BuyerAuth, request: Request) -> tuple[Reply, str] | None:
        """None when `request` may go in; else the 401 to answer and the ledger note."""
        header = request.headers.get("authorization", "")
        if auth.type == "oauth2":
            return self._bearer(header)
        return self._digest(auth, request, header)

    def _bearer(self, header: str) -> tuple[Reply, str] | None:
        scheme, _, token = header.partition(" ")
        challenge = (("WWW-Authenticate", 'Bearer realm="sandbox"'),)
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized(challenge, "no bearer token"), "no bearer token"
        found = self._tokens.get(token.strip())
        if found is None:
            return _unauthorized(challenge, "invalid token"), "unknown bearer token"
        if self._clock() > found[0]:
            return _unauthorized(challenge, "token expired"), "bearer token expired"
        return None

    def _digest(self, auth: BuyerAuth, request: Request, header: str) -> tuple[Reply, str] | None:
        if not header.lower().startswith("digest "):
            return self._challenge(auth, stale=False), "digest challenge"
        params = {k.lower(): _unquoted(v) for k, v in _PARAM.findall(header[7:])}
        problem = self._verify(auth, request, params)
        if problem is None:
            return None
        return self._challenge(auth, stale=problem == "stale nonce"), f"digest refused: {problem}"

    def _verify(self, auth: BuyerAuth, request: Request, p: dict[str, str]) -> str | None:
        if p.get("username") != auth.username or p.get("realm") != auth.realm:
            return "wrong username or realm"
        if p.get("algorithm", "MD5").upper() != auth.algorithm or p.get("qop") != "auth":
            return "wrong algorithm or qop"
        target = request.path + (f"?{request.query}" if request.query else "")
        if p.get("uri") != target:
            return f"uri {p.get('uri')!r} is not the request's {target!r}"
        nonce, nc, cnonce = p.get("nonce", ""), p.get("nc", ""), p.get("cnonce", "")
        issued = self._nonce_time(nonce)
        if issued is None:
            return "unknown nonce"
        digest = _HASH[auth.algorithm]
        ha1 = digest(f"{auth.username}:{auth.realm}:{auth.password}".encode()).hexdigest()
        ha2 = digest(f"{request.method}:{p['uri']}".encode()).hexdigest()
        expected = digest(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()
        if not hmac.compare_digest(expected, p.get("response", "")):
            return "wrong response (password?)"
        if self._clock() - issued > NONCE_TTL:
            return "stale nonce"
        if (nonce, nc, cnonce) in self._seen:
            return "replayed nonce count"
        if len(self._seen) >= _SEEN_LIMIT:
            self._seen.clear()
        self._seen[(nonce, nc, cnonce)] = None
        return None

    def _challenge(self, auth: BuyerAuth, *, stale: bool) -> Reply:
        stamp = f"{self._clock():.6f}"
        mac = hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:32]
        nonce = base64.b64encode(f"{stamp}:{mac}".encode()).decode()
        value = (
            f'Digest realm="{auth.realm}", qop="auth", algorithm={auth.algorithm}, '
            f'nonce="{nonce}", opaque="{hashlib.md5(auth.realm.encode()).hexdigest()}"'
        )
        if stale:
            value += ", stale=true"
        return _unauthorized((("WWW-Authenticate", value),), "digest authentication required")

    def _nonce_time(self, nonce: str) -> float | None:
        try:
            stamp, _, mac = base64.b64decode(nonce, validate=True).decode().partition(":")
            expected = hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:32]
            return float(stamp) if hmac.compare_digest(expected, mac) else None
        except (ValueError, UnicodeDecodeError):
            return None


def _client(request: Request, fields: dict[str, str]) -> tuple[str | None, str | None]:
    """The client id and secret: HTTP Basic (form-encoded parts), else the body's fields."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            pair = base64.b64decode(value.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return None, None
        user, _, secret = pair.partition(":")
        return unquote_plus(user), unquote_plus(secret)
    return fields.get("client_id"), fields.get("client_secret")


def _oauth_error(status: int, error: str) -> Reply:
    return json_reply(status, {"error": error})


def _unauthorized(headers: tuple[tuple[str, str], ...], message: str) -> Reply:
    body = json.dumps({"error": message}).encode()
    return Reply(401, JSON, body, headers)


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value
