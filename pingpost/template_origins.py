"""Which lead fields a template's output comes from, and the instrumentation that records it.

Masking hides pii by value (P12); a template can change a value (`| upper`,
`[:2]`, a date format), so the renderer also records what a template *made* of
lead fields. At compile time each `{{ expr }}` that reads `lead` (or transforms
`fields`) is wrapped in a recording filter tagged with the lead fields it
reads (`*` when it cannot tell which), and each `{% for %}` iterable in a
counting filter (the work budget). Values are recorded only inside a
`template_limits.render_scope()`.
"""

from __future__ import annotations

from collections.abc import Iterator

from jinja2 import nodes
from jinja2.visitor import NodeTransformer

RECORD_FILTER = "_pp_record"
LOOP_FILTER = "_pp_loop"
SIZE_FILTER = "_pp_size"
ANY_FIELD = "*"

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
