"""`HttpTransport`: aiohttp with one deadline per exchange, a byte cap, per-account pools
and retries that never resend what P5 forbids.

One `ClientSession` (and one connector) serves the whole run. An attempt walks
through three phases: waiting for a slot in the account's pool, connecting, and
`sent` (from the moment aiohttp hands over a connection, bytes may leave). The
phase, tracked by the connector below, is what proves a failure never left.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import weakref
from collections import deque
from collections.abc import Mapping
from contextvars import ContextVar
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.client_proto import ResponseHandler
from aiohttp.http_exceptions import HttpProcessingError
from tenacity import AsyncRetrying, RetryCallState, retry_if_result

from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.transport.authflow import AuthFlows
from pingpost.transport.limits import pool_limits
from pingpost.transport.options import POST_MAX_IDLE, SendOptions
from pingpost.transport.policy import (
    BadEncoding,
    DeadlinePassed,
    Phase,
    SlotTimeout,
    TooLarge,
    backoff_delay,
    classify_failure,
    plan_attempt,
    should_retry,
)
from pingpost.transport.redact import install_log_redaction
from pingpost.transport.wire import exchange

if TYPE_CHECKING:
    from aiohttp.tracing import Trace

    from pingpost.config.bundle import Config

# every buyer-caused error an attempt can raise; anything else is a bug and propagates
_CAUGHT = (
    aiohttp.ClientError,
    HttpProcessingError,
    OSError,
    TooLarge,
    BadEncoding,
    DeadlinePassed,
)


class _Progress:
    __slots__ = ("phase",)

    def __init__(self) -> None:
        self.phase: Phase = "slot"


# the current attempt's progress; each send runs in its caller's task, and a task
# runs one attempt at a time, so a context variable is exactly per attempt
_PROGRESS: ContextVar[_Progress | None] = ContextVar("pingpost_transport_progress", default=None)


class _Connector(aiohttp.TCPConnector):
    """The shared connector. Marks the attempt `sent` once it holds a connection,
    remembers every connection it handed out, so leaks can be counted, and reuses its
    idle connections last in, first out (`_release`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.handlers: weakref.WeakSet[ResponseHandler] = weakref.WeakSet()

    async def connect(
        self, req: aiohttp.ClientRequest, traces: list[Trace], timeout: aiohttp.ClientTimeout
    ) -> aiohttp.connector.Connection:
        connection = await super().connect(req, traces, timeout)
        progress = _PROGRESS.get()
        if progress is not None:
            progress.phase = "sent"
        return connection

    async def _create_connection(
        self, req: aiohttp.ClientRequest, traces: list[Trace], timeout: aiohttp.ClientTimeout
    ) -> ResponseHandler:
        # only new connections pass here: tracking them costs nothing per request
        handler = await super()._create_connection(req, traces, timeout)
        self.handlers.add(handler)
        return handler

    def _release(self, key: Any, protocol: ResponseHandler, *args: Any, **kwargs: Any) -> None:
        # aiohttp (3.10 on) appends a released connection to its host's deque and takes
        # the oldest first: under steady traffic every pooled connection stays busy
        # enough never to expire, so the pool keeps the size of its busiest moment
        # forever (a serve soak grew 200 -> 560 descriptors), and each idles as long as
        # possible, into the buyer's own idle timeout. Moved to the front, the freshest is
        # taken first and the surplus idles out after keepalive_timeout.
        super()._release(key, protocol, *args, **kwargs)
        idle = self._conns.get(key)
        if isinstance(idle, deque) and idle and idle[-1][0] is protocol:
            idle.rotate(1)


class HttpTransport:
    """The real transport. Use as `async with HttpTransport(...) as transport:`."""

    def __init__(
        self,
        *,
        max_connections_per_pool: int = 10,
        pool_limits: Mapping[str, int] = MappingProxyType({}),
        user_agent: str = "pingpost",
        ssl_context: ssl.SSLContext | None = None,  # None: the default, verifying context
        resolver: AbstractResolver | None = None,  # None: aiohttp's default resolver
        post_max_idle: float = POST_MAX_IDLE,  # seconds a connection may idle and carry a post
    ) -> None:
        if max_connections_per_pool < 1 or any(n < 1 for n in pool_limits.values()):
            raise ValueError("connection limits must be at least 1")
        self._default_limit = max_connections_per_pool
        self._pool_limits = dict(pool_limits)
        self._user_agent = user_agent
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._resolver = resolver
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._post_max_idle = post_max_idle
        self._session: aiohttp.ClientSession | None = None
        # posts ride only connections idle briefly, so they get a keep-alive pool of their
        # own (opened with the first post): see docs/transport.md "Keep-alive and posts"
        self._post_session: aiohttp.ClientSession | None = None
        self._connectors: list[_Connector] = []
        self._auth: AuthFlows | None = None  # digest challenges, oauth2 tokens: per session

    @classmethod
    def for_config(cls, config: Config, *, concurrency: int | None = None) -> HttpTransport:
        """A transport with the config's limits: one pool per account (P3), each as
        large as `concurrency` auctions at once need unless the config caps it."""
        limits = pool_limits(config, concurrency)
        return cls(
            max_connections_per_pool=limits.default,
            pool_limits=limits.limits,
            user_agent=config.settings.http.user_agent,
        )

    async def __aenter__(self) -> HttpTransport:
        if self._session is not None:
            raise RuntimeError("HttpTransport is already open")
        install_log_redaction()
        self._slots = {}  # semaphores belong to one event loop: fresh ones per session
        self._session = self._open_session(None)
        self._auth = AuthFlows(self._send_plain, self._user_agent)
        return self

    def _open_session(self, max_idle: float | None) -> aiohttp.ClientSession:
        """A session on its own connector. `max_idle` None: aiohttp's keep-alive pool
        (pings); a number: pooled connections idle longer than that are not reused."""
        # no global or per-host limit: many accounts share a host (the sandbox), and
        # the per-pool slots below are what keep one buyer from starving another
        connector = _Connector(
            limit=0,
            limit_per_host=0,
            ssl=self._ssl,
            resolver=self._resolver,
            **({} if max_idle is None else {"keepalive_timeout": max_idle}),
        )
        self._connectors.append(connector)
        session = aiohttp.ClientSession(
            connector=connector,
            trust_env=False,  # no proxy variables, no .netrc (P13)
            cookie_jar=aiohttp.DummyCookieJar(),
            headers={"User-Agent": self._user_agent},
            timeout=aiohttp.ClientTimeout(total=None),  # each request passes its own
            auto_decompress=False,  # wire.read_body decodes, with the size cap (P9)
        )
        if hasattr(session, "_retry_connection"):
            # aiohttp silently resends an idempotent method (PUT!) once after a broken
            # connection; a resend is ours to decide (P5)
            session._retry_connection = False
        return session

    def _posting_session(self) -> aiohttp.ClientSession | None:
        """The posts' session, opened on first use (None when the transport is closed)."""
        if self._post_session is None and self._session is not None:
            self._post_session = self._open_session(self._post_max_idle)
        return self._post_session

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        sessions = [s for s in (self._session, self._post_session) if s is not None]
        self._session, self._post_session, self._connectors = None, None, []
        if self._auth is not None:
            self._auth.close()
        for session in sessions:
            await session.close()
        if sessions:
            await asyncio.sleep(0)  # let the closed sockets' callbacks run

    def set_pool_limits(self, *, default: int, limits: Mapping[str, int]) -> None:
        """New connection limits (a config reload): pools whose limit changed get a new
        slot count for their next exchanges; the ones in flight finish on the old."""
        if default < 1 or any(n < 1 for n in limits.values()):
            raise ValueError("connection limits must be at least 1")
        before = {pool: self._limit(pool) for pool in self._slots}
        self._default_limit = default
        self._pool_limits = dict(limits)
        for pool, limit in before.items():
            if self._limit(pool) != limit:
                del self._slots[pool]

    def open_connections(self) -> int:
        """Connections currently open (in use or idle in the keep-alive pools)."""
        return sum(
            1
            for connector in self._connectors
            for handler in list(connector.handlers)
            if handler.is_connected()
        )

    async def send(self, request: RenderedRequest, options: SendOptions) -> RawResponse:
        """One exchange, retries included, within `options.deadline`. Never raises for
        network or HTTP trouble: `RawResponse.failure` says what went wrong. A request
        with digest or oauth2 `auth` gets its Authorization header on the way."""
        if request.auth is not None and self._auth is not None:
            return await self._auth.send(request, options)
        return await self._send_plain(request, options)

    @property
    def auth(self) -> AuthFlows | None:
        """This session's digest challenges and oauth2 tokens (None when not open)."""
        return self._auth

    async def _send_plain(self, request: RenderedRequest, options: SendOptions) -> RawResponse:
        start = time.monotonic()
        if options.retry.attempts <= 1:  # the common case skips tenacity altogether
            return await self._attempt(request, options, start, 1, options.deadline)
        return await self._send_with_retries(request, options, start)

    async def _send_with_retries(
        self, request: RenderedRequest, options: SendOptions, start: float
    ) -> RawResponse:
        retry = options.retry
        tries = 0
        last: RawResponse | None = None

        async def attempt() -> RawResponse:
            nonlocal tries, last
            if last is not None and time.monotonic() >= options.deadline:
                return last  # the backoff overslept the deadline: no new try (P2)
            tries += 1
            deadline, connect_timeout = plan_attempt(
                time.monotonic(),
                options.deadline,
                retry,
                may_resend=options.may_resend,
                tries_left=retry.attempts - tries + 1,
            )
            last = await self._attempt(request, options, start, tries, deadline, connect_timeout)
            return last

        def stop(state: RetryCallState) -> bool:
            # no retry starts (or sleeps) past the deadline (P2)
            number = state.attempt_number
            wake = time.monotonic() + backoff_delay(retry.backoff, number)
            return number >= retry.attempts or wake >= options.deadline

        retrying = AsyncRetrying(
            stop=stop,
            wait=lambda state: backoff_delay(retry.backoff, state.attempt_number),
            retry=retry_if_result(lambda r: should_retry(r, retry, may_resend=options.may_resend)),
            retry_error_callback=_last_response,
        )
        response: RawResponse = await retrying(attempt)
        return response

    async def _attempt(
        self,
        request: RenderedRequest,
        options: SendOptions,
        start: float,
        number: int,
        deadline: float,
        connect_timeout: float | None = None,
    ) -> RawResponse:
        """One try, ending by `deadline` (the exchange's, or this try's share of it)."""
        session = self._session if options.phase == "ping" else self._posting_session()
        if session is None:
            raise RuntimeError("HttpTransport is not open: use `async with HttpTransport()`")
        progress = _Progress()
        token = _PROGRESS.set(progress)
        try:
            if time.monotonic() >= deadline:
                raise DeadlinePassed  # checked first: an open keep-alive socket sends at once
            async with asyncio.timeout_at(deadline), self._slot(options.pool):
                progress.phase = "connect"
                status, headers, body = await exchange(
                    session, request, options.max_bytes, connect_timeout
                )
        except _CAUGHT as exc:
            failure = classify_failure(
                self._explain(exc, progress, options), progress.phase, request.url
            )
            return RawResponse(None, elapsed_ms=_ms_since(start), attempts=number, failure=failure)
        finally:
            _PROGRESS.reset(token)
        return RawResponse(status, headers, body, elapsed_ms=_ms_since(start), attempts=number)

    def _explain(
        self, exc: BaseException, progress: _Progress, options: SendOptions
    ) -> BaseException:
        if progress.phase == "slot" and isinstance(exc, TimeoutError):
            return SlotTimeout(options.pool, self._limit(options.pool))
        return exc

    def _slot(self, pool: str) -> asyncio.Semaphore:
        slot = self._slots.get(pool)
        if slot is None:
            slot = self._slots[pool] = asyncio.Semaphore(self._limit(pool))
        return slot

    def _limit(self, pool: str) -> int:
        return self._pool_limits.get(pool, self._default_limit)


def _last_response(state: RetryCallState) -> RawResponse:
    """When tries run out, the answer is the last try's response (a 503, a timeout...)."""
    assert state.outcome is not None
    response: RawResponse = state.outcome.result()
    return response


def _ms_since(start: float) -> float:
    return (time.monotonic() - start) * 1000.0
