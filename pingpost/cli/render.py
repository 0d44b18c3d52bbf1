"""`pingpost render`: print the exact ping or post request, without sending it."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

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
    UnusedNoColor,
    UnusedVerbose,
    account_note,
    config_dir,
    parse_captures,
    run,
)

if TYPE_CHECKING:
    from pingpost.commands.preview import Preview


class PhaseChoice(StrEnum):
    ping = "ping"
    post = "post"


class StyleChoice(StrEnum):
    http = "http"
    curl = "curl"
    json = "json"


PhaseOption = Annotated[
    PhaseChoice, typer.Option("--phase", metavar="ping|post", help="Which request to render.")
]
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
    typer.Option(
        "--as",
        metavar="http|curl|json",
        help="http: the raw request; curl: a runnable command; json (the same as --json).",
    ),
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
    _verbose: UnusedVerbose = False,
    _no_color: UnusedNoColor = False,
    show_secrets: ShowSecretsOption = False,
    show_pii: ShowPiiOption = False,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """Print the exact request a method sends (secrets and pii masked), without sending it."""

    def body() -> int:
        from pingpost.commands.inputs import load_method
        from pingpost.commands.preview import format_preview, preview_request

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
        preview_notes(preview, given=bool(capture))
        sys.stdout.write(format_preview(preview, "json" if json_ else style.value))
        return EXIT_OK

    run(body, debug=debug)


def preview_notes(preview: Preview, *, given: bool) -> None:
    """What the user may want to know about the inputs of the request shown, on stderr."""
    account_note(preview.account.name if preview.account else None, preview.other_accounts)
    if given and preview.phase == "ping":
        _note("--capture is ignored with --phase ping (only the post reads captures)")
    elif preview.unread_captures:
        names = ", ".join(f"`{n}`" for n in preview.unread_captures)
        reads = ", ".join(preview.captures_read) or "none"
        _note(
            f"--capture {names} is not read by the {preview.method.name} post (it reads: {reads})"
        )
    if preview.placeholders:
        shown = ", ".join(f"{n}={v}" for n, v in preview.placeholders.items())
        _note(f"placeholder captures (pass --capture NAME=VALUE): {shown}")


def _note(text: str) -> None:
    print(f"note: {text}", file=sys.stderr)
