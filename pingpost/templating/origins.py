"""Which lead fields a template's output comes from, and the record of what it made of them.

Masking hides pii by value (P12); a template can change a value (`| upper`,
`[:2]`, a date format), so the renderer also records what a template *made* of
lead fields. At compile time each `{{ expr }}` that reads `lead` (or transforms
`fields`) is wrapped in a recording filter tagged with the lead fields it
reads (`*` when it cannot tell which), and each `{% for %}` iterable in a
counting filter (the work budget, `budget.py`). Values are recorded only while
a `Record` is open (`open_record`): the renderer opens one per request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextvars import ContextVar, Token
from typing import Any

from jinja2 import Undefined, nodes
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from pingpost.exchange import ANY_FIELD as ANY_FIELD  # re-exported: templates tag with it
from pingpost.values import UnwritableValue, text_value

RECORD_FILTER = "_pp_record"
LOOP_FILTER = "_pp_loop"
SIZE_FILTER = "_pp_size"

# Context names that never carry lead values (anything else may be a local
# variable set from one).
_CLEAN_ROOTS = frozenset(
    {"account", "ping", "lead_id", "test", "range", "dict", "namespace", "loop", "true", "false"}
)
_STATEMENTS = (
    nodes.Assign,
    nodes.AssignBlock,
    nodes.For,
    nodes.With,
    nodes.Macro,
    nodes.CallBlock,
    nodes.FilterBlock,
)


def instrument(ast: nodes.Template) -> nodes.Template:
    """Wrap lead-derived outputs in the recording filter and loop iterables in the counter."""
    tainted: tuple[str, ...] = ()
    if any(True for _ in ast.find_all(_STATEMENTS)):
        tainted = origin(ast)  # a local variable may hold any lead value the template reads
    for output in list(ast.find_all(nodes.Output)):
        for i, child in enumerate(output.nodes):
            if isinstance(child, nodes.TemplateData):
                continue
            tags = _output_origin(child, tainted)
            if tags:
                output.nodes[i] = _filter(child, RECORD_FILTER, nodes.Const(tags))
    for loop in list(ast.find_all(nodes.For)):
        assert isinstance(loop.iter, nodes.Expr)
        loop.iter = _filter(loop.iter, LOOP_FILTER)
    result = _SizeConcats().visit(ast)
    assert isinstance(result, nodes.Template)
    return result


class _SizeConcats(NodeTransformer):
    """`a ~ b` is built by Jinja itself (no sandbox hook): charge its size afterwards, so
    doubling a string in a loop stops at the size budget instead of at the memory limit."""

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        visited = self.generic_visit(node)
        assert isinstance(visited, nodes.Expr)
        return _filter(visited, SIZE_FILTER)


def origin(node: nodes.Node, tainted: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The lead fields `node` reads (`*` for `lead[var]`, `lead.items()`, `fields|f`, ...)."""
    found: set[str] = set()
    for child, parent in _walk(node, None):
        if not isinstance(child, nodes.Name) or child.ctx != "load":
            continue
        if child.name == "lead":
            found.add(_attribute(child, parent) or ANY_FIELD)
        elif child.name == "fields":
            found.add(ANY_FIELD)
        elif tainted and child.name not in _CLEAN_ROOTS:
            found.update(tainted)
    return tuple(sorted(found))


def _output_origin(expr: nodes.Expr, tainted: tuple[str, ...]) -> tuple[str, ...]:
    root = expr
    while isinstance(root, nodes.Getattr | nodes.Getitem):
        root = root.node
    if isinstance(root, nodes.Name) and root.name == "fields":
        return ()  # a mapped value as is: the mapping already recorded it
    return origin(expr, tainted)


def _attribute(name: nodes.Name, parent: nodes.Node | None) -> str | None:
    if isinstance(parent, nodes.Getattr) and parent.node is name:
        return parent.attr
    if (
        isinstance(parent, nodes.Getitem)
        and parent.node is name
        and isinstance(parent.arg, nodes.Const)
        and isinstance(parent.arg.value, str)
    ):
        return parent.arg.value
    return None


def _walk(
    node: nodes.Node, parent: nodes.Node | None
) -> Iterator[tuple[nodes.Node, nodes.Node | None]]:
    yield node, parent
    for child in node.iter_child_nodes():
        yield from _walk(child, node)


def _filter(expr: nodes.Expr, name: str, *args: nodes.Expr) -> nodes.Filter:
    wrapped = nodes.Filter(expr, name, list(args), [], None, None, lineno=expr.lineno)
    if expr.environment is not None:
        wrapped.set_environment(expr.environment)
    return wrapped


# --------------------------------------------------------------------------- the record


class Record:
    """The values one request's templates rendered from lead fields:
    (lead field or `*`, rendered text)."""

    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: list[tuple[str, str]] = []

    def add(self, origin: Iterable[str], value: Any) -> None:
        text = recordable_text(value)
        if text:
            self.values.extend((name, text) for name in origin)


_RECORD: ContextVar[Record | None] = ContextVar("pingpost_template_record", default=None)


def open_record() -> tuple[Record, Token[Record | None]]:
    """Record what the templates rendered until `close_record` (the renderer's hot path)."""
    record = Record()
    return record, _RECORD.set(record)


def close_record(token: Token[Record | None]) -> None:
    _RECORD.reset(token)


def record_output(value: Any, tags: tuple[str, ...]) -> Any:
    """The recording filter: `value`, recorded under the lead fields `tags` it came from."""
    record = _RECORD.get()
    if record is not None:
        record.add(tags, value)
    return value


def recordable_text(value: Any) -> str:
    """The text of a scalar a template produced ('' for containers, booleans, nothing)."""
    if type(value) is str:
        return value
    if isinstance(value, Undefined) or value is None or isinstance(value, bool):
        return ""
    if isinstance(value, Markup):  # `| tojson`: record the JSON string's content
        try:
            value = json.loads(str(value))
        except ValueError:
            return str(value)
        if not isinstance(value, str | int | float):
            return ""
    if isinstance(value, dict | list | tuple | set):
        return ""
    try:
        return text_value(value)
    except UnwritableValue:
        return ""
