"""`pingpost serve`: run the auction as an HTTP service for lead sources (docs/serve.md).

Exit codes: 0 stopped by SIGTERM/SIGINT after finishing the auctions in flight;
2 cannot start (invalid config, no source without --insecure-no-auth, port taken,
store unreachable).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pingpost.cli.common import (
    ConfigOption,
    DebugOption,
    TestOption,
    UnusedNoColor,
    UnusedVerbose,
    config_dir,
    run,
)

if TYPE_CHECKING:
    from pingpost.store.api import Store

DEFAULT_PORT = 8080


def serve(
    config: ConfigOption = None,
    host: Annotated[
        str,
        typer.Option(
            "--host", metavar="HOST", help="Address to listen on (0.0.0.0: every interface)."
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            "--port", "-p", metavar="PORT", min=0, max=65535, help="Port (0 picks a free one)."
        ),
    ] = DEFAULT_PORT,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            metavar="URL",
            help="Store URL: sqlite:///PATH or postgresql://USER@HOST:PORT/DB "
            "(default: $PINGPOST_STORE, settings `store`, else .pingpost/store.db).",
            show_default=False,
        ),
    ] = None,
    insecure_no_auth: Annotated[
        bool,
        typer.Option(
            "--insecure-no-auth",
            help="Take leads without an API key (for a trusted network or a trial only).",
        ),
    ] = False,
    log_format: Annotated[
        str,
        typer.Option(
            "--log-format",
            metavar="auto|json|human",
            help="Log lines on stderr: JSON, human, or auto (human on a terminal).",
        ),
    ] = "auto",
    json_: Annotated[bool, typer.Option("--json", help="Same as --log-format json.")] = False,
    test: TestOption = False,
    _verbose: UnusedVerbose = False,
    _no_color: UnusedNoColor = False,
    debug: DebugOption = False,
) -> None:
    """Serve POST /v1/leads: each lead is auctioned and answered with its JSON result."""

    def body() -> int:
        import asyncio

        from pingpost.serve import ServeOptions
        from pingpost.serve import serve as run_service
        from pingpost.serve.accesslog import ServiceLog, route_library_logs

        human = _human("json" if json_ else log_format)
        log = ServiceLog(human=human)
        route_library_logs(log)
        options = ServeOptions(config_dir(config), host, port, auth=not insecure_no_auth, test=test)
        if insecure_no_auth:
            log.event("warning", message="--insecure-no-auth: leads are taken without an API key")
        asyncio.run(run_service(options, _store(store), log=log))
        return 0

    run(body, debug=debug)


def _human(log_format: str) -> bool | None:
    from pingpost.errors import UsageError

    choices = {"auto": None, "json": False, "human": True}
    if log_format not in choices:
        raise UsageError(f"--log-format must be auto, json or human, not `{log_format}`")
    return choices[log_format]


def _store(url: str | None) -> Store:
    """The store the service keeps its idempotency keys (and, with the store wiring, its
    log) in. Until the SQL backends land, only `memory:` (this process alone)."""
    from pingpost.errors import UsageError
    from pingpost.store import MemoryStore

    if url not in (None, "memory:"):
        raise UsageError(f"--store {url}: this pingpost knows only the memory: store yet")
    return MemoryStore()
