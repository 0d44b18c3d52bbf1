"""One exception tree for everything a user can get wrong.

`str(exc)` is written for the user: what went wrong, where, and how to fix
it. Only the CLI turns these into exit codes (each class carries its own).
Buyer failures are *not* exceptions: they become an Outcome.
"""

from __future__ import annotations

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
    """Base of every error pingpost raises on purpose. Exit code 2: cannot run."""

    exit_code = 2


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
        self.path = path
        super().__init__(f"{method} {phase}: {message}")


class UsageError(PingpostError):
    """Bad command-line input: a missing file, an unknown method name, a bad option."""
