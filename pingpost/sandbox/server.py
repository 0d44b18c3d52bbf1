"""Running the sandbox on aiohttp.web: in the foreground (`serve_sandbox`, the CLI) or in a
background thread with its own event loop (`start_sandbox`, for tests and the demo)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import ipaddress
import signal
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from pingpost.errors import ListenError, UsageError
from pingpost.sandbox.buyers import SandboxApp
from pingpost.sandbox.spec import SandboxSpec
from pingpost.sandbox.web import make_server

T = TypeVar("T")
DEFAULT_HOST = "127.0.0.1"
_SETTLE_TURNS = 5
_LINGER_SECONDS = 1.0  # after refusing a request: how long to drain the client before closing
_SHUTDOWN_SECONDS = 1.0  # every connection is aborted first: this is only a backstop


class SandboxServer:
    """The listening socket, the buyers and the open connections of one sandbox."""

    def __init__(self, spec: SandboxSpec) -> None:
        self.app = SandboxApp(spec)
        self.host = DEFAULT_HOST
        self.port = 0
        self._server: web.Server | None = None
        self._runner: web.ServerRunner | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self, host: str = DEFAULT_HOST, port: int | None = None) -> None:
        _check_loopback(host)
        port = self.app.spec.port if port is None else port
        self._server = make_server(self.app, lingering_time=_LINGER_SECONDS)
        self._runner = web.ServerRunner(self._server, shutdown_timeout=_SHUTDOWN_SECONDS)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, host, port, backlog=2048).start()
        except OSError as exc:
            await self.close()
            why = "the address is in use" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise ListenError(host, port, why or str(exc)) from None
        self.host = host
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        """Stop listening and drop every connection (hanging ones included)."""
        if self._runner is None or self._server is None:
            return
        for site in list(self._runner.sites):
            await site.stop()
        # Connections accepted just before the stop reach the server a few loop turns
        # later; wait for them so that none is left open, then let the aborts complete.
        for _ in range(_SETTLE_TURNS):
            await asyncio.sleep(0)
        for connection in self._server.connections:
            if connection.transport is not None:
                connection.transport.abort()
        for _ in range(_SETTLE_TURNS):
            await asyncio.sleep(0)
        await self._runner.cleanup()
        self._runner = self._server = None


def _check_loopback(host: str) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise UsageError(f"the sandbox serves on loopback only (127.0.0.1), not {host}")


async def serve_sandbox(
    spec: SandboxSpec,
    host: str = DEFAULT_HOST,
    port: int | None = None,
    *,
    ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until `stop` is set (or the task is cancelled). `port` None: the spec's port.

    `ready(url)` is called once the socket listens. A busy port raises ListenError.
    """
    server = SandboxServer(spec)
    await server.start(host, port)
    try:
        if ready is not None:
            ready(server.url)
        await (stop or asyncio.Event()).wait()
    finally:
        await server.close()


def run_sandbox(
    spec: SandboxSpec,
    host: str = DEFAULT_HOST,
    port: int | None = None,
    *,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve in the foreground until SIGINT or SIGTERM, then stop cleanly (the CLI's loop)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stop.set)
        await serve_sandbox(spec, host, port, ready=ready, stop=stop)

    asyncio.run(main())


class Sandbox:
    """A sandbox serving from a background thread. Use `start_sandbox`; stop with `.stop()`
    or a `with` block. `.ledger()` and `.reset()` are safe to call from any thread."""

    def __init__(self, spec: SandboxSpec, host: str, port: int) -> None:
        self.spec = spec
        self._server = SandboxServer(spec)
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(host, port), name="pingpost-sandbox", daemon=True
        )
        self._thread.start()
        self._started.wait()
        if self._error is not None:
            self._thread.join()
            raise self._error

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:54321` (no trailing slash)."""
        return self._server.url

    @property
    def port(self) -> int:
        return self._server.port

    def ledger(self, *, buyer: str | None = None, phase: str | None = None) -> list[dict[str, Any]]:
        """Copies of the ledger entries, oldest first, optionally for one buyer and/or phase."""
        return self._call(lambda: self._server.app.ledger.entries(buyer=buyer, phase=phase))

    def post_counts(self, lead: str | None = None) -> dict[str, dict[str, int]]:
        """Posts each buyer received per lead, `{lead: {buyer: count}}` (as `GET /_sandbox/posts`).

        A lead is its post's `lead_field` value, or a fingerprint (see docs/sandbox.md)."""
        return self._call(lambda: self._server.app.ledger.post_counts(lead))

    def reset(self) -> None:
        """Forget every ledger entry, token and cap count (as `POST /_sandbox/reset`)."""
        self._call(self._server.app.reset)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self, host: str, port: int) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._server.start(host, port))
        except BaseException as exc:
            self._error = exc
        self._started.set()
        try:
            if self._error is None:
                loop.run_forever()
                loop.run_until_complete(self._server.close())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()

    def _call(self, fn: Callable[[], T]) -> T:
        if not self._thread.is_alive():
            raise RuntimeError("the sandbox is stopped")
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def call() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

        self._loop.call_soon_threadsafe(call)
        return future.result(timeout=30)


def start_sandbox(spec: SandboxSpec, port: int = 0, host: str = DEFAULT_HOST) -> Sandbox:
    """Start serving `spec` in a background thread; returns once the socket listens.

    `port=0` picks a free port (see `.url`). A busy port raises ListenError.
    """
    return Sandbox(spec, host, port)
