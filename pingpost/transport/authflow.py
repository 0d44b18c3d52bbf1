"""Sending with auth that needs the network: Digest challenges and OAuth2 tokens.

Everything happens inside the exchange's one deadline (P2). The header the
buyer gets is added here, on a copy of the request that nothing keeps, so no
output ever holds it.

Digest, ping: the request goes out signed with the last challenge this buyer
(account and host) gave, or unsigned the first time; a 401 with a fresh
challenge is answered once. Digest, post: the body must not be sent twice, so
a bodiless preflight (same method and URL, no body, no headers of the
method's) asks for the challenge, and the post goes out once, signed. A post
that still gets a 401 is not resent (the rules read the 401). A preflight that
fails proves the post never left.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from pingpost.exchange import (
    DigestCredentials,
    Failure,
    OAuth2Client,
    RawResponse,
    RenderedRequest,
)
from pingpost.transport.digest import Challenge, DigestRefused, authorization, choose
from pingpost.transport.oauth2 import AuthFailed, SendPlain, TokenCache
from pingpost.transport.options import SendOptions
from pingpost.transport.wire import to_url


@dataclass
class _Nonce:
    """A buyer's last digest challenge, and how many requests were signed with it."""

    challenge: Challenge
    count: int = 0


class AuthFlows:
    """The digest challenges and OAuth2 tokens of one transport session."""

    def __init__(self, send: SendPlain, user_agent: str = "pingpost") -> None:
        self._send = send
        self._user_agent = user_agent
        self.tokens = TokenCache(send, user_agent)
        self._challenges: dict[tuple[str, str], _Nonce] = {}

    def close(self) -> None:
        self.tokens.close()

    async def send(self, request: RenderedRequest, options: SendOptions) -> RawResponse:
        start = time.monotonic()
        auth = request.auth
        if isinstance(auth, OAuth2Client):
            response = await self._oauth2(request, auth, options)
        elif isinstance(auth, DigestCredentials):
            if options.phase == "post" or not options.may_resend:
                response = await self._digest_post(request, auth, options)
            else:
                response = await self._digest_ping(request, auth, options)
        else:
            response = await self._send(request, options)
        return dataclasses.replace(response, elapsed_ms=(time.monotonic() - start) * 1000)

    # ----------------------------------------------------------------------- oauth2

    async def _oauth2(
        self, request: RenderedRequest, client: OAuth2Client, options: SendOptions
    ) -> RawResponse:
        try:
            token = await self.tokens.token(client, options.pool, options.deadline)
        except AuthFailed as exc:
            return _refused(f"auth: {exc}")
        response = await self._send(_with_authorization(request, f"Bearer {token}"), options)
        if response.status == 401:
            self.tokens.forget(client, options.pool, token)
        return response

    # ----------------------------------------------------------------------- digest

    async def _digest_ping(
        self, request: RenderedRequest, credentials: DigestCredentials, options: SendOptions
    ) -> RawResponse:
        key = (options.pool, _origin(request.url))
        signed = self._signed(request, credentials, key)
        response = await self._send(signed or request, options)
        try:
            challenge = _challenge(response)
        except DigestRefused as exc:
            return _refused(f"auth: {exc}", attempts=response.attempts)
        if challenge is None:
            return response
        self._challenges[key] = _Nonce(challenge)
        if time.monotonic() >= options.deadline:
            return _refused("auth: the deadline passed before the digest challenge was answered")
        again = await self._send(self._signed(request, credentials, key) or request, options)
        return dataclasses.replace(again, attempts=response.attempts + again.attempts)

    async def _digest_post(
        self, request: RenderedRequest, credentials: DigestCredentials, options: SendOptions
    ) -> RawResponse:
        probe = RenderedRequest(request.method, request.url, (("User-Agent", self._user_agent),))
        answer = await self._send(probe, dataclasses.replace(options, may_resend=True))
        if answer.failure is not None:  # the post itself never left
            why = f"auth: the digest preflight failed: {answer.failure.detail}"
            return _refused(why, attempts=answer.attempts)
        try:
            challenge = _challenge(answer)
        except DigestRefused as exc:
            return _refused(f"auth: {exc}", attempts=answer.attempts)
        if challenge is None and answer.status == 401:
            return _refused("auth: the buyer answered 401 without a digest challenge")
        key = (options.pool, _origin(request.url))
        if challenge is not None:
            self._challenges[key] = _Nonce(challenge)
        signed = self._signed(request, credentials, key) if challenge else None
        return await self._send(signed or request, options)  # attempts: the post's own

    def _signed(
        self, request: RenderedRequest, credentials: DigestCredentials, key: tuple[str, str]
    ) -> RenderedRequest | None:
        """`request` signed with the buyer's last challenge (the next nonce count)."""
        nonce = self._challenges.get(key)
        if nonce is None:
            return None
        nonce.count += 1
        uri = to_url(request.url).raw_path_qs
        header = authorization(nonce.challenge, credentials, request.method, uri, nc=nonce.count)
        return _with_authorization(request, header)


def _challenge(response: RawResponse) -> Challenge | None:
    """The Digest challenge of a 401; None for any other answer."""
    if response.status != 401:
        return None
    return choose(response.header_values("www-authenticate"))


def _with_authorization(request: RenderedRequest, value: str) -> RenderedRequest:
    kept = tuple((k, v) for k, v in request.headers if k.lower() != "authorization")
    return dataclasses.replace(request, headers=(*kept, ("Authorization", value)))


def _refused(detail: str, *, attempts: int = 1) -> RawResponse:
    """No exchange with the buyer took place (or the post never left): `error: auth: ...`."""
    failure = Failure("auth", detail, False)
    return RawResponse(None, attempts=attempts, failure=failure)


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}".lower()
    except ValueError:
        return url
