"""One exception tree for everything a user can get wrong.

`str(exc)` is written for the user: what went wrong, where, and how to fix it,
in the words of the library (never a command-line flag). Each error also
carries its facts as fields, so that the command line (`pingpost.cli.errors`)
can choose the exit code and add the option to use, and a service can choose
an HTTP status, from the class and the fields. Buyer failures are *not*
exceptions: they become an Outcome.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One located finding in a config file (validate reports many at once)."""

    file: str
    line: int  # 1-based; 0 when unknown
    column: int  # 1-based; 0 when unknown
    message: str
    severity: Severity = field(default="error", compare=False)

    def location(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file


class PingpostError(Exception):
    """Base of every error pingpost raises on purpose: the input cannot be used."""


class ConfigError(PingpostError):
    """Configs that cannot be used. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        shown = errors or self.problems
        lines = [f"{p.location()}: {p.message}" for p in shown[:20]]
        if len(shown) > 20:
            lines.append(f"... and {len(shown) - 20} more (run `pingpost validate` for all)")
        super().__init__("invalid config:\n" + "\n".join(lines))


class LeadError(PingpostError):
    """A lead that breaks its lead type; lists every problem."""

    def __init__(self, problems: list[str], source: str = "lead") -> None:
        self.problems = problems
        self.source = source
        body = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source} is not a valid lead:\n{body}")


class RenderError(PingpostError):
    """A request that cannot be built (bad template, body that does not parse, CR/LF in
    a header). Names the method and phase; nothing is sent. `path` is the part at fault
    inside the phase when known: ("mappings", "zip"), ("body",), ("headers", "X-Key")."""

    def __init__(
        self, method: str, phase: str, message: str, *, path: tuple[str, ...] = ()
    ) -> None:
        self.method = method
        self.phase = phase
        self.detail = message
        self.path = path
        super().__init__(f"{method} {phase}: {message}")


class AccountNeeded(RenderError):
    """The request reads an account var, and no account was given to take it from."""


class CapturesNeeded(RenderError):
    """A post sent without its ping reads captures that were not given (`captures`)."""

    def __init__(self, error: RenderError, captures: Iterable[str]) -> None:
        super().__init__(error.method, error.phase, error.detail, path=error.path)
        self.captures = tuple(captures)


class UsageError(PingpostError):
    """What the caller asked for cannot be done: a missing file, an unknown name."""


class ConfigDirMissing(UsageError):
    """The config directory to load does not exist: there is nothing to load."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"no config directory at `{path}`")


class UnknownName(UsageError):
    """No `kind` (lead type, delivery method, delivery account) is named `name`."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.known = tuple(sorted(known))
        close = difflib.get_close_matches(name, list(self.known), n=1)
        hint = f" did you mean `{close[0]}`?" if close else ""
        names = ", ".join(self.known) or "none"
        super().__init__(f"no {kind} named `{name}`.{hint} Known: {names}")


class LeadTypeNeeded(UsageError):
    """Several lead types are configured, and none was named."""

    def __init__(self, known: Iterable[str]) -> None:
        self.known = tuple(sorted(known))
        names = ", ".join(self.known) or "none"
        super().__init__(f"several lead types are configured ({names}): name the one to use")


class NoSample(UsageError):
    """A lead type without a `sample`, where its sample would stand in for a lead."""

    def __init__(self, lead_type: str) -> None:
        self.lead_type = lead_type
        super().__init__(f"lead type `{lead_type}` has no sample: give a lead")


class ListenError(UsageError):
    """A server (the service, the sandbox) cannot listen where it was asked to."""

    def __init__(self, host: str, port: int, why: str) -> None:
        self.host = host
        self.port = port
        self.why = why
        super().__init__(f"cannot listen on {host}:{port}: {why}")


class BadUrl(UsageError):
    """A URL given to send to instead of the configured endpoint cannot be used.
    `target` says which one: `ping` or `post`."""

    def __init__(self, url: str, problem: str, *, target: str) -> None:
        self.url = url
        self.problem = problem
        self.target = target
        super().__init__(f"the {target} URL `{url}` {problem}")


class CannotShow(UsageError):
    """A request that cannot be shown in the asked form (`style`): NUL in a curl command."""

    def __init__(self, style: str, problem: str) -> None:
        self.style = style
        self.problem = problem
        super().__init__(problem)
