"""Errors in the words and exit codes of the command line.

The core raises errors that carry their facts (`pingpost.errors`); here each
class gets its exit code (the spec's table: 2, cannot run) and, where one
helps, the option to use. A service maps the same classes to HTTP statuses
with a table of its own; the most specific class listed wins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from pingpost.commands.inputs import MaskedError
from pingpost.errors import (
    AccountNeeded,
    BadUrl,
    CannotShow,
    CapturesNeeded,
    ConfigDirMissing,
    ConfigError,
    LeadError,
    LeadTypeNeeded,
    NoSample,
    PingpostError,
    RenderError,
    UnknownName,
    UsageError,
)
from pingpost.log.errors import AnswerNeeded, AnswersLogged, CannotRepost, PostAccountNeeded
from pingpost.serve.errors import ListenError, NoSources
from pingpost.store.errors import (
    BadStoreUrl,
    StoreMissing,
    StoreTooNew,
    StoreTooOld,
    StoreUnavailable,
)

EXIT_CANNOT_RUN = 2
V = TypeVar("V")

# Every error pingpost raises on purpose means the input cannot be used: exit 2.
EXIT_CODES: Mapping[type[PingpostError], int] = {
    PingpostError: EXIT_CANNOT_RUN,
    ConfigError: EXIT_CANNOT_RUN,
    LeadError: EXIT_CANNOT_RUN,
    RenderError: EXIT_CANNOT_RUN,
    UsageError: EXIT_CANNOT_RUN,
    UnknownName: EXIT_CANNOT_RUN,
    BadStoreUrl: EXIT_CANNOT_RUN,
    StoreUnavailable: EXIT_CANNOT_RUN,
    StoreTooNew: EXIT_CANNOT_RUN,
    StoreTooOld: EXIT_CANNOT_RUN,
}

# The option that fixes an error, added to its message: ` (pass --lead-type NAME)`.
HINTS: Mapping[type[PingpostError], Callable[[PingpostError], str]] = {
    ConfigDirMissing: lambda e: "pass --config DIR, or set PINGPOST_CONFIG",
    LeadTypeNeeded: lambda e: "pass --lead-type NAME",
    NoSample: lambda e: "pass --lead FILE",
    AccountNeeded: lambda e: "pass --account NAME",
    CapturesNeeded: lambda e: "pass " + ", ".join(f"--capture {n}=VALUE" for n in captures(e)),
    CannotShow: lambda e: "use --as http or --as json",
    NoSources: lambda e: "or pass --insecure-no-auth to take leads without keys",
    ListenError: lambda e: "pass --port; 0 picks a free one",
    PostAccountNeeded: lambda e: "pass --account NAME",
    AnswerNeeded: lambda e: "pass --as sold or --as unsold",
    AnswersLogged: lambda e: (
        f"`pingpost recover --resolve {getattr(e, 'auction_id', 'AUCTION_ID')}`, "
        "without --as or --price"
    ),
    CannotRepost: lambda e: (
        "ask the buyer, then record its answer with "
        f"`pingpost recover --resolve {getattr(e, 'auction_id', 'AUCTION_ID')} --as sold|unsold`"
    ),
    BadStoreUrl: lambda e: "fix --store, $PINGPOST_STORE or the settings' `store:`",
    StoreMissing: lambda e: "create it with `pingpost store migrate`, or check --store",
    StoreTooOld: lambda e: "run `pingpost store migrate`",
    StoreUnavailable: lambda e: (
        "check --store, $PINGPOST_STORE or the settings' `store:`, and that the store is "
        "reachable and writable; --no-store runs without one"
    ),
}


def captures(error: PingpostError) -> tuple[str, ...]:
    return error.captures if isinstance(error, CapturesNeeded) else ()


def exit_code(error: PingpostError) -> int:
    """The exit code of `error`'s class (of the error a MaskedError masks)."""
    return _lookup(EXIT_CODES, _original(error)) or EXIT_CANNOT_RUN


def message(error: PingpostError) -> str:
    """`str(error)`, and the option that fixes it when there is one."""
    hint = _lookup(HINTS, _original(error))
    return f"{error} ({hint(_original(error))})" if hint is not None else str(error)


def url_option_error(error: BadUrl, options: Mapping[str, str]) -> UsageError:
    """A bad URL option in the command's words: `--url `x` has no host`. `options` maps
    the URL's target (`ping`, `post`) to the option that gave it."""
    option = options.get(error.target, error.target)
    return UsageError(f"{option} `{error.url}` {error.problem}")


def _original(error: PingpostError) -> PingpostError:
    return error.original if isinstance(error, MaskedError) else error


def _lookup(table: Mapping[type[PingpostError], V], error: PingpostError) -> V | None:
    """The entry of the most specific class of `error` in `table`."""
    for cls in type(error).__mro__:
        entry = table.get(cls)
        if entry is not None:
            return entry
    return None
