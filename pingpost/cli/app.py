"""The `pingpost` Typer app: registers one thin command per module under `cli/`."""

from __future__ import annotations

import typer

from pingpost.cli import deliver, demo, exchange, render, sandbox, serve, validate

app = typer.Typer(
    name="pingpost",
    help="Ping/post lead delivery as code: validate, render, test and run buyer integrations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

app.command("deliver")(deliver.deliver)
app.command("test-ping")(exchange.test_ping)
app.command("test-post")(exchange.test_post)
app.command("render")(render.render)
app.command("validate")(validate.validate)
app.command("schema")(validate.schema)
app.command("sandbox")(sandbox.sandbox)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)


def main() -> None:
    app()
