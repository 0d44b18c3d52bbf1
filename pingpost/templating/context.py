"""The objects a template reads, and the error that names what it lacked.

`lead`, `account.vars` and `ping` (a post's captures) are dicts of their own
type, so that an undefined name read from one says which kind of value is
missing (`MissingValue`), instead of Jinja's generic "undefined".
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateRuntimeError, UndefinedError
from jinja2.utils import missing


class LeadValues(dict[str, Any]):
    """The `lead` context object: an undefined name here is a value the lead lacks."""


class AccountVars(dict[str, Any]):
    """`account.vars`: an undefined name here is a var the account does not set."""

    def __init__(self, values: Mapping[str, Any], account: str = "") -> None:
        super().__init__(values)
        self._account = account  # for messages; `_` names are out of a template's reach


class Captures(dict[str, str]):
    """`ping` in a post: an undefined name here is a value the ping did not capture."""


_SOURCES: dict[type, str] = {LeadValues: "lead", AccountVars: "var", Captures: "capture"}


class MissingValue(UndefinedError):
    """A lead value, account var or capture that a template needs and does not have.

    `needs_account` is true for a var read while no account was given: the
    caller must choose the account whose vars apply.
    """

    def __init__(self, kind: str, name: str, account: str = "", detail: str | None = None) -> None:
        self.kind = kind  # "lead" | "var" | "capture"
        self.name = name
        self.account = account
        if kind == "lead":
            message = f"the lead has no `{name}`"
        elif kind == "capture":
            message = f"the ping did not capture `{name}`"
        elif account:
            message = f"account `{account}` does not set the var `{name}` (add it under `vars:`)"
        else:
            message = f"the var `{name}` needs an account"
        super().__init__(message)

    @property
    def needs_account(self) -> bool:
        return self.kind == "var" and not self.account


class MissingUndefined(StrictUndefined):
    """StrictUndefined that says *which* lead field / var / capture is missing."""

    __slots__ = ()

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = missing,
        name: str | None = None,
        exc: type[TemplateRuntimeError] = UndefinedError,
    ) -> None:
        super().__init__(hint, obj, name, exc)
        kind = _SOURCES.get(type(obj))
        if kind is not None and name is not None and exc is UndefinedError:
            account = getattr(obj, "_account", "")
            self._undefined_exception = functools.partial(  # type: ignore[assignment]
                MissingValue, kind, name, account
            )
