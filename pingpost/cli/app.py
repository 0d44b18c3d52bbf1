"""The `pingpost` Typer app: registers one thin command per module under `cli/`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from pingpost import __version__
from pingpost.cli import (
    deliver,
    demo,
    exchange,
    log,
    recover,
    render,
    sandbox,
    serve,
    stats,
    store,
    validate,
)
from pingpost.cli.help import Command
from pingpost.gcpolicy import quiet_startup

app = typer.Typer(
    name="pingpost",
    help="Ping/post lead delivery as code: validate, render, test and run buyer integrations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(asked: bool) -> None:
    if asked:
        print(f"pingpost {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print pingpost's version and exit.",
            is_eager=True,
            callback=_print_version,
        ),
    ] = False,
) -> None:
    """Ping/post lead delivery as code: validate, render, test and run buyer integrations."""


def command(name: str, function: Callable[..., Any]) -> None:
    """Register `function` as `pingpost NAME`, its help in people's words (cli/help.py)."""
    app.command(name, cls=Command)(function)


command("deliver", deliver.deliver)
command("test-ping", exchange.test_ping)
command("test-post", exchange.test_post)
command("render", render.render)
command("validate", validate.validate)
command("schema", validate.schema)
command("sandbox", sandbox.sandbox)
command("serve", serve.serve)
command("demo", demo.demo)
command("stats", stats.stats)
command("accounts", stats.accounts)
command("recover", recover.recover)
app.add_typer(store.app, name="store")
app.add_typer(log.app, name="log")


def main() -> None:
    quiet_startup()  # already done by the entry point (cli/start.py): for other callers
    try:
        app()
    finally:  # a late Ctrl-C must not turn a finished command into a traceback
        from pingpost.cli.interrupt import end_as_signals_do  # loads asyncio: not at start-up

        end_as_signals_do()
