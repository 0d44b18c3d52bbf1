"""`pingpost demo`: a full auction on this machine, no network needed.

Starts the example sandbox buyers in the background (port 8765, or any free
port when it is taken), runs `deliver` on `examples/lead.json` with the
sample `configs/`, prints the trace and stops the sandbox. Exit code as deliver.
`--serve` runs `pingpost serve` instead and sends it a few leads (demo_serve.py).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pingpost.cli.common import (
    DebugOption,
    JsonOption,
    NoColorOption,
    UnusedConfig,
    UnusedTest,
    VerboseOption,
    run,
)

if TYPE_CHECKING:
    from pingpost.sandbox import Sandbox

DEFAULT_PORT = 8765
DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"  # what the sample configs use unless told
URL_VARIABLE = "PINGPOST_SANDBOX_URL"


def demo(
    json_: JsonOption = False,
    verbose: VerboseOption = False,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            metavar="PORT",
            min=0,
            max=65535,
            help=f"Sandbox port (default {DEFAULT_PORT}, or any free one if taken; 0 = any).",
            show_default=False,
        ),
    ] = None,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Run `pingpost serve` on the sample configs and send it a few leads, "
            "printing the curl command of each.",
        ),
    ] = False,
    no_color: NoColorOption = False,
    _config: UnusedConfig = None,  # the demo runs its own sample configs
    _test: UnusedTest = False,
    debug: DebugOption = False,
) -> None:
    """Run a full auction against simulated buyers on this machine (no network needed)."""

    def body() -> int:
        import tempfile

        from pingpost.cli.one_lead import deliver_and_print
        from pingpost.config import load_config
        from pingpost.leads import load_lead

        configs, lead_file = demo_files()
        with _sandbox(port) as sandbox, _sandbox_url(sandbox.url):
            print(f"sandbox: simulated buyers on {sandbox.url}", file=sys.stderr)
            if serve:
                from pingpost.cli.demo_serve import demo_key, run_demo

                with demo_key() as key:
                    return run_demo(configs, lead_file, key)
            cfg = load_config(configs)
            lead = load_lead(lead_file, cfg.lead_type())
            # a fresh store of its own (deleted after): the auction is written ahead as
            # deliver's is, and the checkout's log is left alone
            with tempfile.TemporaryDirectory(prefix="pingpost-demo-") as scratch:
                store = f"sqlite:///{Path(scratch) / 'store.db'}"
                # printed inside: an interrupted auction's result is printed before the
                # sandbox stops
                return deliver_and_print(
                    lead, cfg, as_json=json_, verbose=verbose, no_color=no_color,
                    store_url=store,
                )  # fmt: skip

    run(body, debug=debug)


def demo_files() -> tuple[Path, Path]:
    """`configs/` and `examples/lead.json` of the source tree pingpost runs from."""
    import pingpost
    from pingpost.errors import UsageError

    root = Path(pingpost.__file__).resolve().parent.parent
    configs, lead = root / "configs", root / "examples" / "lead.json"
    missing = [str(p) for p in (configs, lead) if not p.exists()]
    if missing:
        raise UsageError(
            f"the demo needs the sample configs and lead of a pingpost source checkout; "
            f"missing: {', '.join(missing)} (clone the repository and run it from there)"
        )
    return configs, lead


@contextmanager
def _sandbox(port: int | None) -> Iterator[Sandbox]:
    """The default sandbox on `port`; without one, on 8765 or else any free port."""
    from pingpost.errors import ListenError
    from pingpost.sandbox import load_sandbox_spec, start_sandbox

    spec = load_sandbox_spec()
    try:
        sandbox = start_sandbox(spec, port=DEFAULT_PORT if port is None else port)
    except ListenError:  # the port is taken
        if port is not None:
            raise
        sandbox = start_sandbox(spec, port=0)
    with sandbox:
        yield sandbox


@contextmanager
def _sandbox_url(url: str) -> Iterator[None]:
    """Point the sample configs at `url` while they load, then restore the environment."""
    before = os.environ.get(URL_VARIABLE)
    if url.rstrip("/") == DEFAULT_URL:
        os.environ.pop(URL_VARIABLE, None)  # the configs' default: not an env value (a secret)
    else:
        os.environ[URL_VARIABLE] = url
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(URL_VARIABLE, None)
        else:
            os.environ[URL_VARIABLE] = before
