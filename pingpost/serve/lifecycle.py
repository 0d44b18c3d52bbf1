"""The service's life: load, listen, serve until SIGTERM, drain, stop.

load configs (refused: validate's located errors) ──► open the store ──► one transport
  ──► listen ──► `listening` on the log
  SIGHUP ──► reload (atomic; a bad config is refused, the old one keeps serving)
  SIGTERM / SIGINT ──► intake answers 503, /readyz 503 ──► every auction in flight
    finishes and is answered (posts are never abandoned) ──► close ──► return
"""

from __future__ import annotations

import asyncio
import errno
import gc
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from pingpost.gcpolicy import fewer_collections
from pingpost.serve.accesslog import ServiceLog
from pingpost.serve.app import build_app
from pingpost.serve.errors import ListenError
from pingpost.serve.service import Service
from pingpost.serve.state import ServiceConfig, load_service_config
from pingpost.store.api import Store
from pingpost.transport import HttpTransport

SHUTDOWN_TIMEOUT = 5.0  # seconds for idle connections to close once the auctions are done


@dataclass(frozen=True)
class ServeOptions:
    config_path: Path
    host: str = "127.0.0.1"
    port: int = 8080
    auth: bool = True  # False: --insecure-no-auth
    test: bool = False  # test mode for every auction: test_url, `test` true in templates


async def serve(
    options: ServeOptions,
    store: Store | None,
    *,
    log: ServiceLog | None = None,
    ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
    loaded: ServiceConfig | None = None,
) -> None:
    """Run the service until `stop` is set (or SIGTERM/SIGINT), then drain and return.
    `loaded`: the config already loaded from `options.config_path` (by the command, which
    needed its settings for the store's URL); else it is loaded here."""
    log = log or ServiceLog()
    current = loaded
    if current is None:
        current = await asyncio.to_thread(
            load_service_config, options.config_path, auth=options.auth
        )
    # refused here, before the port is bound: unreachable, or from a newer pingpost
    in_flight = current.config.settings.serve.max_in_flight
    async with (
        _opened(store) as opened,
        HttpTransport.for_config(current.config, concurrency=in_flight) as transport,
    ):
        service = Service(
            current, config_path=options.config_path, store=opened, transport=transport,
            log=log, test=options.test,
        )  # fmt: skip
        await _run(service, options, ready, stop or asyncio.Event())
    log.event("stopped")


@asynccontextmanager
async def _opened(store: Store | None) -> AsyncIterator[Store | None]:
    """The store, opened (created or migrated) for the service's life, closed after."""
    if store is None:
        yield None
        return
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def _run(
    service: Service,
    options: ServeOptions,
    ready: Callable[[str], None] | None,
    stop: asyncio.Event,
) -> None:
    runner = web.AppRunner(
        build_app(service), access_log=None, handle_signals=False,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
    )  # fmt: skip
    await runner.setup()
    try:
        url = await _listen(runner, options)
        current = service.current
        store = service.store.backend if service.store is not None else None
        service.log.event(
            "listening", url=url, sources=len(current.keyring), auth=current.auth,
            store=store, max_in_flight=current.config.settings.serve.max_in_flight,
        )  # fmt: skip
        if ready is not None:
            ready(url)
        with _signals(service, stop), _fewer_collections():
            await stop.wait()
            service.log.event("stopping", in_flight=service.auctions_in_flight)
            await service.drain()
    finally:
        await runner.cleanup()


async def _listen(runner: web.AppRunner, options: ServeOptions) -> str:
    site = web.TCPSite(runner, options.host, options.port, backlog=1024)
    try:
        await site.start()
    except OSError as exc:
        why = "the address is in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise ListenError(options.host, options.port, why or str(exc)) from None
    server = site._server  # the bound socket tells the port when 0 was asked for
    sockets = getattr(server, "sockets", None) or ()
    port = sockets[0].getsockname()[1] if sockets else options.port
    host = f"[{options.host}]" if ":" in options.host else options.host
    return f"http://{host}:{port}"


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """As a batch does (pingpost.auction.batch): each lead allocates thousands of
    short-lived objects, and Python's default young-generation threshold (700) would
    re-scan the auctions in flight about once a millisecond. What was loaded before
    serving (modules, configs) is frozen out of the collections altogether."""
    gc.collect()
    gc.freeze()
    try:
        with fewer_collections():
            yield
    finally:
        gc.unfreeze()


@contextmanager
def _signals(service: Service, stop: asyncio.Event) -> Iterator[None]:
    """SIGTERM and SIGINT stop the service (a second one is only noted: posts in flight
    are never abandoned); SIGHUP reloads the configs."""
    loop = asyncio.get_running_loop()
    reloads: set[asyncio.Task[object]] = set()

    def on_stop(signum: int) -> None:
        if stop.is_set():
            service.log.event(
                "still_stopping", signal=signal.Signals(signum).name,
                in_flight=service.auctions_in_flight,
                note="waiting for the auctions in flight: posts are never abandoned",
            )  # fmt: skip
        stop.set()

    def on_hup() -> None:
        task = asyncio.ensure_future(service.reload())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    installed = []
    for sig, handler, args in (
        (signal.SIGTERM, on_stop, (int(signal.SIGTERM),)),
        (signal.SIGINT, on_stop, (int(signal.SIGINT),)),
        (signal.SIGHUP, on_hup, ()),
    ):
        try:
            loop.add_signal_handler(sig, handler, *args)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            continue
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
