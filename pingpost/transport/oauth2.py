"""OAuth2 client credentials: one token per account, fetched once, kept until shortly before
it expires, refreshed by a single request however many exchanges wait for it.

A fetch runs as its own task with its own deadline (`timeout` in the config);
each exchange waits for it only until its own deadline, so a slow or broken
token endpoint costs a ping round its deadline, never more (P1). The token,
the client secret and the token response are never logged or shown: a
failure's words are built here, with the secret masked out (P12), and every
token is remembered by `runtime_secrets` so that a buyer echoing it back is
masked too.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit

from pingpost import runtime_secrets
from pingpost.config.models import Retry
from pingpost.exchange import OAuth2Client, RawResponse, RenderedRequest
from pingpost.transport.options import SendOptions

DEFAULT_LIFETIME = 3600.0  # seconds, when the token response gives no expires_in
EARLY_REFRESH = 60.0  # refresh this long before expiry (at most a tenth of the lifetime)
TOKEN_BYTES = 65536  # a token response larger than this is not one
_DETAIL = 200  # characters of the endpoint's error description kept
_CONNECT_RETRY = Retry(attempts=2, backoff=0.05, on=("connect",))

SendPlain = Callable[[RenderedRequest, SendOptions], Awaitable[RawResponse]]
_Key = tuple[str, str, str, str | None, str, tuple[tuple[str, str], ...]]


class AuthFailed(Exception):
    """No token: `str()` is the reason, already free of secrets."""


@dataclass(frozen=True)
class _Token:
    value: str
    usable_until: float  # time.monotonic()


class TokenCache:
    """The tokens of one transport session, per account (`SendOptions.pool`) and client."""

    def __init__(self, send: SendPlain, user_agent: str = "pingpost") -> None:
        self._send = send
        self._user_agent = user_agent
        self._tokens: dict[_Key, _Token] = {}
        self._fetching: dict[_Key, asyncio.Task[_Token]] = {}
        self.fetches = 0  # token requests sent (for tests and the curious)

    async def token(self, client: OAuth2Client, pool: str, deadline: float) -> str:
        """A valid token, waiting no longer than `deadline`; AuthFailed otherwise."""
        key = _key(client, pool)
        cached = self._tokens.get(key)
        if cached is not None and time.monotonic() < cached.usable_until:
            return cached.value
        task = self._fetching.get(key)
        if task is None or task.done():
            task = asyncio.get_running_loop().create_task(self._fetch(key, client))
            task.add_done_callback(_retrieve)
            self._fetching[key] = task
        try:
            async with asyncio.timeout_at(deadline):
                token = await asyncio.shield(task)  # a waiter's deadline never cancels the fetch
        except TimeoutError:
            raise AuthFailed(f"no token from {_host(client)} before the deadline") from None
        return token.value

    def forget(self, client: OAuth2Client, pool: str, value: str) -> None:
        """The buyer refused `value` (HTTP 401): the next exchange fetches a new token."""
        key = _key(client, pool)
        cached = self._tokens.get(key)
        if cached is not None and cached.value == value:
            del self._tokens[key]

    def close(self) -> None:
        for task in self._fetching.values():
            task.cancel()
        self._fetching.clear()

    async def _fetch(self, key: _Key, client: OAuth2Client) -> _Token:
        self.fetches += 1
        options = SendOptions(
            deadline=time.monotonic() + client.timeout,
            max_bytes=TOKEN_BYTES,
            retry=_CONNECT_RETRY,
            pool=f"{key[0]} (oauth2 token)",  # apart from the buyer's own connections
        )
        response = await self._send(token_request(client, self._user_agent), options)
        received = time.monotonic()
        value, lifetime = read_token(response, client)
        runtime_secrets.remember(value)
        token = _Token(value, received + lifetime - min(EARLY_REFRESH, lifetime / 10))
        self._tokens[key] = token
        return token


def token_request(client: OAuth2Client, user_agent: str = "pingpost") -> RenderedRequest:
    """The client-credentials request (RFC 6749 4.4): Basic auth, or the body's fields."""
    fields = [("grant_type", "client_credentials")]
    if client.scope:
        fields.append(("scope", client.scope))
    fields += list(client.params)
    headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", "application/json"),
        ("User-Agent", user_agent),
    ]
    if client.client_auth == "basic":  # RFC 6749 2.3.1: each part form-encoded first
        pair = f"{quote_plus(client.client_id)}:{quote_plus(client.client_secret)}"
        headers.append(("Authorization", "Basic " + base64.b64encode(pair.encode()).decode()))
    else:
        fields += [("client_id", client.client_id), ("client_secret", client.client_secret)]
    return RenderedRequest("POST", client.token_url, tuple(headers), urlencode(fields).encode())


def read_token(response: RawResponse, client: OAuth2Client) -> tuple[str, float]:
    """(access token, lifetime in seconds) from the token endpoint's answer; AuthFailed."""
    where = _host(client)
    if response.failure is not None:
        raise AuthFailed(f"token endpoint {where}: {_clean(response.failure.detail, client)}")
    document = _json(response.body)
    if response.status != 200:
        error = _oauth_error(document, client)
        raise AuthFailed(f"token endpoint {where} answered HTTP {response.status}{error}")
    token = document.get("access_token") if isinstance(document, dict) else None
    if not isinstance(token, str) or not token.strip():
        raise AuthFailed(f"the answer of token endpoint {where} has no access_token")
    kind = document.get("token_type", "Bearer")
    if not isinstance(kind, str) or kind.lower() != "bearer":
        raise AuthFailed(f"token endpoint {where} gave a {kind!r} token; only bearer tokens work")
    return token.strip(), _lifetime(document.get("expires_in"))


def _lifetime(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME
    return seconds if 0 < seconds < 10 * 365 * 86400 else DEFAULT_LIFETIME


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8", "replace")) if body.strip() else None
    except (ValueError, RecursionError):
        return None


def _oauth_error(document: Any, client: OAuth2Client) -> str:
    """`: invalid_client (Client authentication failed)`, from an RFC 6749 5.2 answer."""
    if not isinstance(document, dict) or not isinstance(document.get("error"), str):
        return ""
    text = document["error"]
    description = document.get("error_description")
    if isinstance(description, str) and description.strip():
        text += f" ({' '.join(description.split())[:_DETAIL]})"
    return ": " + _clean(text, client)


def _clean(text: str, client: OAuth2Client) -> str:
    """`text` without the client secret, whatever the endpoint echoed of it."""
    secret = client.client_secret
    for form in {secret, quote_plus(secret), json.dumps(secret)[1:-1]}:
        if form:
            text = text.replace(form, "****")
    return text


def _host(client: OAuth2Client) -> str:
    try:
        return urlsplit(client.token_url).netloc.rpartition("@")[2] or "?"
    except ValueError:
        return "?"


def _key(client: OAuth2Client, pool: str) -> _Key:
    return (
        pool,
        client.token_url,
        client.client_id,
        client.scope,
        client.client_secret,
        client.params,
    )


def _retrieve(task: asyncio.Task[_Token]) -> None:
    """A fetch nobody waited for to the end: its failure is not an unhandled error."""
    if not task.cancelled():
        task.exception()
