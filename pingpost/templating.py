"""The one sandboxed Jinja2 setup for config templates (P11).

Templates come from config (`url`, `headers`, mapping `value`/`template`,
`body`), never from a lead: lead values are data in the context, not source.
Each template string is compiled once per flavour and cached. Flavours differ
only in what happens to each `{{ expr }}` result:

- `text`: the value as text (`true`/`false`, decimals as written, ISO dates);
- `url`: the text, URL-quoted (`quote(safe="")`), so a value cannot add a path
  segment or a query parameter;
- `json`: a JSON literal (strings quoted and escaped, `fields` as an object);
- `xml`: XML-escaped text (a mapping renders as child elements).

A value marked safe (`| safe`, or `| tojson` in a json body) is inserted as is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Literal
from urllib.parse import quote

from jinja2 import (
    StrictUndefined,
    TemplateError,
    TemplateRuntimeError,
    Undefined,
    UndefinedError,
    meta,
    nodes,
)
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing
from markupsafe import Markup

from pingpost import template_limits as limits
from pingpost.render.values import json_literal, text_value, xml_literal
from pingpost.template_origins import LOOP_FILTER, RECORD_FILTER, SIZE_FILTER, instrument, origin

Flavour = Literal["text", "url", "json", "xml"]

MAX_REPEAT = 1_000_000  # characters or items from `*`
MAX_POWER = 1_000  # largest exponent of `**`
MAX_WORK = limits.MAX_WORK
# lipsum builds text on demand; cycler/joiner are not needed to build requests
_UNNEEDED_GLOBALS = ("lipsum", "cycler", "joiner")

__all__ = [
    "MAX_WORK",
    "AccountVars",
    "Captures",
    "LeadValues",
    "MissingValue",
    "TemplateError",
    "compile_template",
    "is_template",
    "lead_origin",
    "referenced_attributes",
    "render_template",
    "template_globals",
    "template_roots",
]


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
    """A lead value, account var or capture that a template needs and does not have."""

    def __init__(self, kind: str, name: str, account: str = "", detail: str | None = None) -> None:
        self.kind = kind  # "lead" | "var" | "capture"
        self.name = name
        if kind == "lead":
            message = f"the lead has no `{name}`"
        elif kind == "capture":
            message = f"the ping did not capture `{name}`"
        elif account:
            message = f"account `{account}` does not set the var `{name}` (add it under `vars:`)"
        else:
            message = f"the var `{name}` needs an account (pass --account NAME)"
        super().__init__(message)


class _Undefined(StrictUndefined):
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


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list | tuple) else None


class _Sandbox(ImmutableSandboxedEnvironment):
    """No Python internals, no mutation of the context, no unbounded loops, repeats or
    paddings (every size-building operation is checked against the budget first)."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def call_binop(self, context: Context, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "*":
            for seq, times in ((left, right), (right, left)):
                size = _size(seq)
                if size is not None and isinstance(times, int):
                    if size * times > MAX_REPEAT:
                        raise SecurityError(
                            f"`*` may build at most {MAX_REPEAT} items in templates"
                        )
                    limits.charge_chars(size * times, "`*`")
        if operator_ == "**" and isinstance(right, int | float) and abs(right) > MAX_POWER:
            raise SecurityError(f"`**` exponents are limited to {MAX_POWER} in templates")
        if operator_ == "%":
            limits.check_printf(left)
        result = super().call_binop(context, operator_, left, right)
        return limits.sized(result) if operator_ == "+" else result

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        target = getattr(__obj, "__wrapped__", __obj)  # str.format is wrapped by the sandbox
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str):
            name = getattr(target, "__name__", "")
            if name in ("format", "format_map"):
                limits.check_format_string(owner)
            else:
                limits.check_str_method(name, owner, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


def _record(value: Any, tags: tuple[str, ...]) -> Any:
    scope = limits.current_scope()
    if scope is not None:
        scope.record(tags, value)
    return value


def _make_env(finalize: Callable[[Any], Any]) -> _Sandbox:
    env = _Sandbox(undefined=_Undefined, autoescape=False, finalize=finalize, cache_size=0)
    for name in _UNNEEDED_GLOBALS:
        env.globals.pop(name, None)
    env.globals["range"] = limits.bounded_range
    for name in limits.GUARDED_FILTERS:
        env.filters[name] = limits.guard_filter(name, env.filters[name])
    env.filters[RECORD_FILTER] = _record
    env.filters[LOOP_FILTER] = limits.counted
    env.filters[SIZE_FILTER] = limits.sized
    return env


def _finalizer(encode: Callable[[Any], str]) -> Callable[[Any], Any]:
    def finalize(value: Any) -> Any:
        if isinstance(value, Undefined):
            str(value)  # raises: StrictUndefined (MissingValue for lead/var/capture)
        text = value if is_safe(value) else encode(value)
        return limits.sized(text)  # every output counts: a loop cannot print gigabytes

    return finalize


_ENVS: dict[Flavour, _Sandbox] = {
    "text": _make_env(_finalizer(text_value)),
    "url": _make_env(_finalizer(lambda v: quote(text_value(v), safe=""))),
    "json": _make_env(_finalizer(json_literal)),
    "xml": _make_env(_finalizer(xml_literal)),
}
_CACHE: dict[tuple[Flavour, str], Any] = {}


def compile_template(source: str, flavour: Flavour = "text") -> Any:
    """The compiled template (cached); raises jinja2.TemplateSyntaxError."""
    key = (flavour, source)
    template = _CACHE.get(key)
    if template is None:
        env = _ENVS[flavour]
        template = env.from_string(instrument(env.parse(source)))
        _CACHE[key] = template
    return template


def template_globals() -> dict[str, Any]:
    """The names every template sees besides its context (`range`, `namespace`, ...).

    Fold them into the context once and pass it to `render_template`: rendering
    with a shared context skips Jinja's per-call merge of its globals.
    """
    return dict(_ENVS["text"].globals)


def render_template(source: str, flavour: Flavour, context: dict[str, Any]) -> str:
    """Render `source`; `context` must include `template_globals()`. Errors are raw
    Jinja errors (MissingValue for a lead value, var or capture that is not there)."""
    template = compile_template(source, flavour)
    # Template.render() would copy Jinja's globals (a ChainMap) into every context.
    env = template.environment
    ctx = env.context_class(env, context, template.name, template.blocks)
    if limits.current_scope() is not None:
        return "".join(template.root_render_func(ctx))
    with limits.render_scope():  # a template rendered on its own gets its own budget
        return "".join(template.root_render_func(ctx))


@functools.lru_cache(maxsize=4096)
def lead_origin(source: str) -> tuple[str, ...]:
    """The lead fields a template reads (`*`: it reads `lead` dynamically)."""
    return origin(_ENVS["text"].parse(source))


@functools.lru_cache(maxsize=4096)
def template_roots(source: str) -> frozenset[str]:
    """The context names a template reads (`lead`, `account`, `ping`, ...)."""
    return frozenset(meta.find_undeclared_variables(_ENVS["text"].parse(source)))


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text or "{#" in text


def referenced_attributes(source: str, root: str) -> set[str]:
    """Names used as `root.NAME` or `root['NAME']` in a template (e.g. `ping` captures)."""
    ast = _ENVS["text"].parse(source)
    found: set[str] = set()
    for node in ast.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name == root:
            found.add(node.attr)
    for item in ast.find_all(nodes.Getitem):
        if (
            isinstance(item.node, nodes.Name)
            and item.node.name == root
            and isinstance(item.arg, nodes.Const)
            and isinstance(item.arg.value, str)
        ):
            found.add(item.arg.value)
    return found


def is_safe(value: Any) -> bool:
    """Marked safe by the config author (`| safe`, `| tojson`): inserted as is."""
    return isinstance(value, Markup)
