"""The one sandboxed Jinja2 environment per flavour, and compiling and rendering in it (P11).

Flavours differ only in what happens to each `{{ expr }}` result:

- `text`: the value as text (`true`/`false`, decimals as written, ISO dates);
- `url`: the text, URL-quoted (`quote(safe="")`), so a value cannot add a path
  segment or a query parameter;
- `json`: a JSON literal (strings quoted and escaped, `fields` as an object);
- `xml`: XML-escaped text (a mapping renders as child elements).

A value marked safe (`| safe`, or `| tojson` in a json body) is inserted as is.
Every operation that can build something large is checked against the
request's budget (`budget.py`) before it runs; outputs made from lead fields
are recorded (`origins.py`).

Rendering calls the compiled template's `root_render_func` on a context built
once per request, instead of `Template.render`, which copies the globals into
every context (a third of a small template's cost). That is a Jinja internal:
the Jinja minor version is pinned in pyproject.toml, and
tests/templating/test_jinja_pin.py fails if the internal moves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import quote

from jinja2 import Undefined
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from pingpost.templating.budget import (
    bounded_range,
    check_binop,
    check_call,
    counted,
    current_budget,
    request_budget,
    sized,
    sized_number,
)
from pingpost.templating.context import MissingUndefined
from pingpost.templating.filters import GUARDED_FILTERS, guard_filter
from pingpost.templating.origins import (
    LOOP_FILTER,
    RECORD_FILTER,
    SIZE_FILTER,
    instrument,
    record_output,
)
from pingpost.values import json_literal, text_value, xml_literal

Flavour = Literal["text", "url", "json", "xml"]

# lipsum builds text on demand; cycler/joiner are not needed to build requests
_UNNEEDED_GLOBALS = ("lipsum", "cycler", "joiner")


class _Sandbox(ImmutableSandboxedEnvironment):
    """No Python internals, no mutation of the context, no unbounded loops, repeats or
    paddings (every size-building operation is checked against the budget first)."""

    intercepted_binops = frozenset({"*", "**", "%", "+", "-"})

    def call_binop(self, context: Context, operator_: str, left: Any, right: Any) -> Any:
        check_binop(operator_, left, right)
        result = sized_number(super().call_binop(context, operator_, left, right))
        return sized(result) if operator_ == "+" else result

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        target = getattr(__obj, "__wrapped__", __obj)  # str.format is wrapped by the sandbox
        check_call(target, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


def _make_env(finalize: Callable[[Any], Any]) -> _Sandbox:
    env = _Sandbox(undefined=MissingUndefined, autoescape=False, finalize=finalize, cache_size=0)
    for name in _UNNEEDED_GLOBALS:
        env.globals.pop(name, None)
    env.globals["range"] = bounded_range
    for name in GUARDED_FILTERS:
        env.filters[name] = guard_filter(name, env.filters[name])
    env.filters[RECORD_FILTER] = record_output
    env.filters[LOOP_FILTER] = counted
    env.filters[SIZE_FILTER] = sized
    return env


def _finalizer(encode: Callable[[Any], str]) -> Callable[[Any], Any]:
    def finalize(value: Any) -> Any:
        if isinstance(value, Undefined):
            str(value)  # raises: StrictUndefined (MissingValue for lead/var/capture)
        text = value if is_safe(value) else encode(value)
        return sized(text)  # every output counts: a loop cannot print gigabytes

    return finalize


ENVIRONMENTS: dict[Flavour, _Sandbox] = {
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
        env = ENVIRONMENTS[flavour]
        template = env.from_string(instrument(env.parse(source)))
        _CACHE[key] = template
    return template


def template_globals() -> dict[str, Any]:
    """The names every template sees besides its context (`range`, `namespace`, ...).

    Fold them into the context once and pass it to `render_template`: rendering
    with a shared context skips Jinja's per-call merge of its globals.
    """
    return dict(ENVIRONMENTS["text"].globals)


def render_template(source: str, flavour: Flavour, context: dict[str, Any]) -> str:
    """Render `source`; `context` must include `template_globals()`. Errors are raw
    Jinja errors (MissingValue for a lead value, var or capture that is not there).

    The templates of one request share the budget the renderer opened
    (`open_budget`); a template rendered on its own gets a budget of its own.
    """
    template = compile_template(source, flavour)
    env = template.environment
    ctx = env.context_class(env, context, template.name, template.blocks)
    if current_budget() is not None:
        return "".join(template.root_render_func(ctx))
    with request_budget():
        return "".join(template.root_render_func(ctx))


def is_safe(value: Any) -> bool:
    """Marked safe by the config author (`| safe`, `| tojson`): inserted as is."""
    return isinstance(value, Markup)
