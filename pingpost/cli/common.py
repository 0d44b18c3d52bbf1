"""What every command shares: common options, config loading, and turning errors into exit codes.

Only typer and the standard library are imported at module level, so that
`pingpost --help` stays fast; each command imports the core it needs lazily,
inside its body (these function-level imports are for start-up time only).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from pingpost.config.bundle import Config
    from pingpost.config.models import Settings

T = TypeVar("T")

EXIT_OK = 0
EXIT_NEGATIVE = 1
EXIT_CANNOT_RUN = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        metavar="DIR",
        help="Config directory (default: $PINGPOST_CONFIG, else ./configs).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a trace.")]
TestOption = Annotated[
    bool, typer.Option("--test", help="Test mode: use each method's test_url, `test` is true.")
]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Show full requests and responses.")
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]
NoColorOption = Annotated[bool, typer.Option("--no-color", help="Plain output, no colors.")]
MethodArg = Annotated[
    str,
    typer.Argument(
        metavar="METHOD", help="Delivery method: its name, or the YAML file that defines it."
    ),
]
LeadOption = Annotated[
    Path | None,
    typer.Option(
        "--lead",
        metavar="FILE",
        help="Lead JSON file (default: the lead type's sample).",
        show_default=False,
    ),
]
AccountOption = Annotated[
    str | None,
    typer.Option(
        "--account",
        metavar="NAME",
        help="Account whose vars and environment apply (default: the one using the method).",
        show_default=False,
    ),
]


def _taken(*names: str, metavar: str | None = None) -> Any:
    """A common option on a command it does not change: every command takes the spec's
    common options (a script can pass them everywhere), and says when one does nothing."""
    return typer.Option(
        *names, metavar=metavar, show_default=False, help="Taken by every command; no effect here."
    )


UnusedConfig = Annotated[Path | None, _taken("--config", "-c", metavar="DIR")]
UnusedJson = Annotated[bool, _taken("--json")]
UnusedTest = Annotated[bool, _taken("--test")]
UnusedVerbose = Annotated[bool, _taken("--verbose", "-v")]
UnusedNoColor = Annotated[bool, _taken("--no-color")]
ShowSecretsOption = Annotated[
    bool, typer.Option("--show-secrets", help="Show secrets (masked by default).")
]
ShowPiiOption = Annotated[
    bool, typer.Option("--show-pii", help="Show lead fields marked pii (masked by default).")
]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="URL",
        help="Store URL: sqlite:///PATH (relative), sqlite:////ABS/PATH or "
        "postgresql://USER@HOST:PORT/DB (default: $PINGPOST_STORE, settings `store:`, "
        "else .pingpost/store.db beside the config directory).",
        show_default=False,
    ),
]
NoStoreOption = Annotated[
    bool,
    typer.Option(
        "--no-store",
        help="Run without a store: nothing is logged; caps, duplicate checks and round "
        "robin refuse to run.",
    ),
]


def config_dir(option: Path | None) -> Path:
    if option is not None:
        return option
    env = os.environ.get("PINGPOST_CONFIG")
    return Path(env) if env else Path("configs")


def load(option: Path | None) -> Config:
    """Load and check the config directory; errors become exit 2 in `run`."""
    from pingpost.config import load_config

    return load_config(config_dir(option))


def store_url(
    option: str | None, no_store: bool, config: Path | None, settings: Settings | None = None
) -> str | None:
    """The store a command uses (None with --no-store): --store, $PINGPOST_STORE, settings
    `store:`, else .pingpost/store.db beside the config directory. The configs are read
    only when the first two say nothing (and `settings`, already loaded, are not given)."""
    from pingpost.store.url import ENV_VAR, resolve_store_url

    if no_store or option or os.environ.get(ENV_VAR):
        return resolve_store_url(option, no_store, None, config_dir(config))
    if settings is None:
        settings = load(config).settings
    return resolve_store_url(None, False, settings, config_dir(config))


def console(*, stderr: bool = False, no_color: bool = False) -> Console:
    from rich.console import Console

    return Console(
        stderr=stderr,
        no_color=no_color or "NO_COLOR" in os.environ,
        highlight=False,
        soft_wrap=False,
    )


def fail(message: str, code: int = EXIT_CANNOT_RUN) -> NoReturn:
    """Print one error line on stderr and exit."""
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def run(body: Callable[[], int], *, debug: bool = False) -> NoReturn:
    """Run a command body; map its result and every error to the spec's exit codes.

    A PingpostError -> its class's exit code, and its message with the option that
    fixes it (`pingpost.cli.errors`); anything else is a bug: one line and exit 70,
    the traceback only with --debug.
    """
    from pingpost.errors import PingpostError

    try:
        code = body()
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except PingpostError as exc:
        from pingpost.cli import errors  # loaded on error only (start-up)
        from pingpost.render.views import displayable

        if debug:
            traceback.print_exc()
        print(f"error: {displayable(errors.message(exc))}", file=sys.stderr)
        raise typer.Exit(errors.exit_code(exc)) from None
    except Exception as exc:
        if debug:
            traceback.print_exc()
        else:
            print(
                f"internal error: {type(exc).__name__}: {exc} (a bug; rerun with --debug "
                "for the traceback)",
                file=sys.stderr,
            )
        raise typer.Exit(EXIT_INTERNAL) from None
    raise typer.Exit(code)


def parse_captures(pairs: list[str]) -> dict[str, str]:
    """`--capture ping_id=p-1 ...` -> `{"ping_id": "p-1"}`; a pair without `=` is refused."""
    from pingpost.errors import UsageError

    captures: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--capture `{pair}` is not NAME=VALUE")
        captures[name.strip()] = value
    return captures


def account_note(chosen: str | None, others: tuple[str, ...]) -> None:
    """When the account was chosen for the user among several, say so on stderr."""
    if chosen is not None and others:
        print(
            f"note: using account `{chosen}`'s vars (pass --account NAME to choose)",
            file=sys.stderr,
        )
