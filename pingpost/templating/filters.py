"""Jinja's size-building filters, guarded: their size arguments are checked against the
budget (`budget.py`) before they run (`center(10**9)`, `indent`, `replace`, `join`, ...)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sized
from typing import Any

from pingpost.templating.budget import charge_chars, check_printf, check_width, replace_growth


def _check_filter(name: str, bound: inspect.BoundArguments) -> None:
    args = bound.arguments
    if name == "center":
        check_width(args.get("width"), "center")
    elif name in ("wordwrap", "truncate"):
        check_width(args.get("width", args.get("length")), name)
    elif name == "indent":
        width = args.get("width", 4)
        size = len(width) if isinstance(width, str) else width
        check_width(size, "indent")
        lines = str(args.get("s", "")).count("\n") + 1
        if isinstance(size, int):
            charge_chars(lines * size, "indent")
    elif name == "format":
        check_printf(args.get("value"))
    elif name == "replace":
        s = str(args.get("s", ""))
        charge_chars(replace_growth(s, args.get("old"), args.get("new"), args.get("count")), name)
    elif name == "join":
        items = args.get("value")
        if isinstance(items, Sized):
            charge_chars(len(str(args.get("d", ""))) * len(items), "join")


GUARDED_FILTERS = ("center", "wordwrap", "truncate", "indent", "format", "replace", "join")


def guard_filter(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """`original` with its size arguments checked first (Jinja's pass-arg marker kept)."""
    signature = inspect.signature(original)

    @functools.wraps(original)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            return original(*args, **kwargs)  # let the filter report its own usage error
        _check_filter(name, bound)
        return original(*args, **kwargs)

    return guarded
