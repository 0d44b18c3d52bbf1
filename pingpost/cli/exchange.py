"""`pingpost test-ping` and `pingpost test-post`: one real exchange with a buyer, shown in full.

Exit codes: 0 accepted, 1 rejected or error (buyer trouble), 2 bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from pingpost.cli.common import (
    EXIT_NEGATIVE,
    EXIT_OK,
    AccountOption,
    ConfigOption,
    DebugOption,
    JsonOption,
    LeadOption,
    MethodArg,
    NoColorOption,
    ShowPiiOption,
    ShowSecretsOption,
    TestOption,
    UnusedVerbose,
    account_note,
    config_dir,
    console,
    parse_captures,
    run,
)

if TYPE_CHECKING:
    from pingpost.commands.check import CheckResult
    from pingpost.masking import Masker

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        metavar="URL",
        help="Send to this URL instead of the configured endpoint.",
        show_default=False,
    ),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        min=0.001,
        help="Seconds for the whole exchange (default: the method's, then the settings').",
        show_default=False,
    ),
]


def test_ping(
    method: MethodArg,
    lead: LeadOption = None,
    account: AccountOption = None,
    url: UrlOption = None,
    post: Annotated[
        bool, typer.Option("--post", help="Post too when the ping is accepted.")
    ] = False,
    post_url: Annotated[
        str | None,
        typer.Option("--post-url", metavar="URL", help="With --post: send the post to this URL."),
    ] = None,
    timeout: TimeoutOption = None,
    test: TestOption = False,
    _verbose: UnusedVerbose = False,
    json_: JsonOption = False,
    show_secrets: ShowSecretsOption = False,
    show_pii: ShowPiiOption = False,
    config: ConfigOption = None,
    no_color: NoColorOption = False,
    debug: DebugOption = False,
) -> None:
    """Send one real ping to a buyer: the request, the raw response, and what it meant."""

    def body() -> int:
        target_options = {"ping_url": url, "post_url": post_url}
        options = {"ping": "--url", "post": "--post-url"}
        return _check(
            config,
            method,
            "ping",
            target_options,
            lead,
            account,
            test,
            timeout,
            show=(show_pii, show_secrets),
            as_json=json_,
            no_color=no_color,
            url_options=options,
            then_post=post,
        )

    run(body, debug=debug)


def test_post(
    method: MethodArg,
    capture: Annotated[
        list[str] | None,
        typer.Option(
            "--capture",
            metavar="NAME=VALUE",
            help="A value the ping would have captured (repeatable).",
            show_default=False,
        ),
    ] = None,
    lead: LeadOption = None,
    account: AccountOption = None,
    url: UrlOption = None,
    timeout: TimeoutOption = None,
    test: TestOption = False,
    _verbose: UnusedVerbose = False,
    json_: JsonOption = False,
    show_secrets: ShowSecretsOption = False,
    show_pii: ShowPiiOption = False,
    config: ConfigOption = None,
    no_color: NoColorOption = False,
    debug: DebugOption = False,
) -> None:
    """Send one real post to a buyer, alone: give the ping's values with --capture."""

    def body() -> int:
        target_options = {"post_url": url}
        return _check(
            config,
            method,
            "post",
            target_options,
            lead,
            account,
            test,
            timeout,
            show=(show_pii, show_secrets),
            as_json=json_,
            no_color=no_color,
            url_options={"post": "--url"},
            captures=parse_captures(capture or []),
        )

    run(body, debug=debug)


def _check(
    config: Path | None,
    method: str,
    phase: Literal["ping", "post"],
    target_options: dict[str, Any],
    lead: Path | None,
    account: str | None,
    test: bool,
    timeout: float | None,
    *,
    show: tuple[bool, bool],
    as_json: bool,
    no_color: bool,
    url_options: dict[str, str],
    **check_options: Any,
) -> int:
    """What test-ping and test-post share: load, prepare, send, report, all errors masked."""
    from pingpost.cli.errors import url_option_error
    from pingpost.commands.check import prepare_target, run_check
    from pingpost.commands.inputs import MaskedErrors, load_method
    from pingpost.errors import BadUrl

    show_pii, show_secrets = show
    cfg, chosen = load_method(config_dir(config), method)
    with MaskedErrors(cfg, show_pii=show_pii, show_secrets=show_secrets) as guard:
        try:
            target, others = prepare_target(
                cfg,
                chosen,
                lead_path=lead,
                account=account,
                test=test,
                timeout=timeout,
                **target_options,
            )
        except BadUrl as exc:
            raise url_option_error(exc, url_options) from None
        guard.lead = target.lead
        account_note(target.account.name if target.account else None, others)
        result = run_check(cfg, target, phase=phase, **check_options)
        return _report(result, guard.masker, as_json, no_color)


def _report(result: CheckResult, masker: Masker, as_json: bool, no_color: bool) -> int:
    """Print the result; the exit code says whether the buyer accepted."""
    from pingpost.masking import requests_of

    masker = masker.with_requests(requests_of(result))  # what the requests made of pii
    if as_json:
        from pingpost.trace.json import check_json, dumps

        print(dumps(check_json(result, masker)))
    else:
        from pingpost.trace.console import fit_for_pipes
        from pingpost.trace.exchange import check_view

        fit_for_pipes(console(no_color=no_color)).print(check_view(result, masker), crop=False)
    if result.post_error is not None:
        raise result.post_error  # the post could not be built: a config problem (exit 2)
    return EXIT_OK if result.accepted else EXIT_NEGATIVE
