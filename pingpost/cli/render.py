"""`pingpost render`: print the exact ping or post request, without sending it."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from pingpost.cli.common import (
    EXIT_OK,
    AccountOption,
    ConfigOption,
    DebugOption,
    JsonOption,
    LeadOption,
    MethodArg,
    ShowPiiOption,
    ShowSecretsOption,
    TestOption,
    config_dir,
    run,
)


class PhaseChoice(StrEnum):
    ping = "ping"
    post = "post"


class StyleChoice(StrEnum):
    http = "http"
    curl = "curl"
    json = "json"


PhaseOption = Annotated[PhaseChoice, typer.Option("--phase", help="Which request to render.")]
CaptureOption = Annotated[
    list[str] | None,
    typer.Option(
        "--capture",
        metavar="NAME=VALUE",
        show_default=False,
        help="A value the ping captured, for --phase post (repeatable; missing ones get "
        "placeholders).",
    ),
]
StyleOption = Annotated[
    StyleChoice,
    typer.Option("--as", help="http: the raw request; curl: a runnable command; json."),
]


def render(
    method: MethodArg,
    phase: PhaseOption = PhaseChoice.ping,
    lead: LeadOption = None,
    account: AccountOption = None,
    capture: CaptureOption = None,
    style: StyleOption = StyleChoice.http,
    json_: JsonOption = False,
    test: TestOption = False,
    show_secrets: ShowSecretsOption = False,
    show_pii: ShowPiiOption = False,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """Print the exact request a method sends (secrets and pii masked), without sending it."""

    def body() -> int:
        from pingpost.exchange_check import parse_captures
        from pingpost.render.preview import format_preview, load_method, preview_request

        cfg, chosen = load_method(config_dir(config), method)
        preview = preview_request(
            cfg,
            chosen,
            phase=phase.value,
            lead_path=lead,
            account=account,
            captures=parse_captures(capture or []),
            test=test,
            show_pii=show_pii,
            show_secrets=show_secrets,
        )
        for note in preview.notes:
            print(f"note: {note}", file=sys.stderr)
        sys.stdout.write(format_preview(preview, "json" if json_ else style.value))
        return EXIT_OK

    run(body, debug=debug)
