"""`pingpost sandbox`: serve simulated buyers on loopback until Ctrl-C."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from pingpost.cli.common import (
    DebugOption,
    JsonOption,
    NoColorOption,
    UnusedConfig,
    UnusedTest,
    UnusedVerbose,
    console,
    run,
)


def sandbox(
    file: Annotated[
        Path | None,
        typer.Argument(
            metavar="FILE",
            help="Sandbox YAML describing the buyers (default: the bundled default buyers).",
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            "-p",
            metavar="PORT",
            min=0,
            max=65535,
            show_default=False,
            help="Port on 127.0.0.1 (default: the file's, 8765); 0 picks a free one.",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", metavar="N", show_default=False, help="Seed of every random decision."
        ),
    ] = None,
    no_ledger: Annotated[
        bool, typer.Option("--no-ledger", help="Record nothing in the ledger (load runs).")
    ] = False,
    json_output: JsonOption = False,
    no_color: NoColorOption = False,
    _config: UnusedConfig = None,
    _test: UnusedTest = False,
    _verbose: UnusedVerbose = False,
    debug: DebugOption = False,
) -> None:
    """Serve simulated buyers (every answer style and fault mode) on 127.0.0.1 until Ctrl-C.

    Prints the buyers and their URLs, then `sandbox listening on URL` on stderr.
    The ledger of what they received: GET /_sandbox/ledger; POST /_sandbox/reset clears it.
    """

    def body() -> int:
        from pingpost.gcpolicy import startup_over
        from pingpost.sandbox import load_sandbox_spec, run_sandbox

        spec = load_sandbox_spec(file)
        update: dict[str, Any] = {"seed": seed} if seed is not None else {}
        if no_ledger:
            update["ledger"] = False
        spec = spec.model_copy(update=update)

        def ready(url: str) -> None:
            summary = spec.summary(url)
            if json_output:
                print(json.dumps(summary), flush=True)
            else:
                _print_table(summary, no_color=no_color)
            print(f"sandbox listening on {url}", file=sys.stderr, flush=True)
            if sys.stderr.isatty():
                print("press Ctrl-C to stop", file=sys.stderr, flush=True)

        startup_over()  # a server from here on: the collector's usual policy (gcpolicy.py)
        run_sandbox(spec, port=port, ready=ready)
        print("sandbox stopped", file=sys.stderr)
        return 0

    run(body, debug=debug)


def _print_table(summary: dict[str, Any], *, no_color: bool) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    url = summary["url"]
    table = Table(
        title=f"sandbox buyers at {url} (seed {summary['seed']})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("buyer", no_wrap=True)
    table.add_column("ping / post", overflow="fold", min_width=14)
    table.add_column("token / bid", overflow="fold")
    table.add_column("accepts", overflow="fold")
    table.add_column("faults", overflow="fold")
    for buyer in summary["buyers"]:
        faults = "\n".join(buyer["faults"])
        if faults and buyer["fault_phase"] != "both":
            faults += f" ({buyer['fault_phase']})"
        cells = (
            f"{buyer['name']}\n{buyer['style']}"
            + (f"\nauth {buyer['auth']}" if buyer.get("auth") else ""),
            f"{buyer['ping_url'].removeprefix(url)}\n{buyer['post_url'].removeprefix(url)}",
            ("path" if buyer["token"].startswith("{") else buyer["token"])
            + "\n"
            + "-".join(buyer["bid"]),
            ("\n".join(buyer["accepts"]) or "everything")
            + (f"\npost cap {buyer['post_cap']}" if buyer["post_cap"] is not None else ""),
            faults or "none",
        )
        table.add_row(*(Text(cell) for cell in cells))
    if summary.get("token_url"):
        table.caption = f"oauth2 token endpoint: {summary['token_url']}"
        table.caption_justify = "left"
    console(no_color=no_color).print(table)
    sys.stdout.flush()
