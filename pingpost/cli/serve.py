"""`pingpost serve`: run the auction as an HTTP service for lead sources (docs/serve.md).

Exit codes: 0 stopped by SIGTERM/SIGINT after finishing the auctions in flight;
2 cannot start (invalid config, no source without --insecure-no-auth, port taken,
store unreachable or from a newer pingpost, buyer controls that need a store with
--no-store). The store is found as every command finds it (--store, $PINGPOST_STORE,
settings `store:`, else .pingpost/store.db beside the config directory).
"""

from __future__ import annotations

from typing import Annotated

import typer

from pingpost.cli.common import (
    ConfigOption,
    DebugOption,
    StoreOption,
    TestOption,
    UnusedNoColor,
    UnusedVerbose,
    config_dir,
    run,
    store_url,
)

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
    store: StoreOption = None,
    no_store: Annotated[
        bool,
        typer.Option(
            "--no-store",
            help="Run without a store: nothing is logged, Idempotency-Keys hold in this "
            "process only; caps, duplicate checks and round robin refuse to run.",
        ),
    ] = False,
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
        from pingpost.runloop import run as run_loop
        from pingpost.serve import ServeOptions
        from pingpost.serve import serve as run_service
        from pingpost.serve.accesslog import ServiceLog, route_library_logs
        from pingpost.serve.state import load_service_config
        from pingpost.store.backends import store_for_url

        human = _human("json" if json_ else log_format)
        log = ServiceLog(human=human)
        route_library_logs(log)
        options = ServeOptions(config_dir(config), host, port, auth=not insecure_no_auth, test=test)
        # loaded once, as `validate` checks it: its settings may name the store
        loaded = load_service_config(options.config_path, auth=options.auth)
        url = store_url(store, no_store, config, loaded.config.settings)
        if insecure_no_auth:
            log.event("warning", message="--insecure-no-auth: leads are taken without an API key")
        if url is None:
            log.event("warning", message="--no-store: nothing is logged; Idempotency-Keys "
                      "hold in this process only")  # fmt: skip
        opened = store_for_url(url) if url else None
        run_loop(run_service(options, opened, log=log, loaded=loaded))  # uvloop where installed
        return 0

    run(body, debug=debug)


def _human(log_format: str) -> bool | None:
    from pingpost.errors import UsageError

    choices = {"auto": None, "json": False, "human": True}
    if log_format not in choices:
        raise UsageError(f"--log-format must be auto, json or human, not `{log_format}`")
    return choices[log_format]
