"""What a config template uses: names, `lead.X`, `ping.X`, `account.vars.X` (static analysis).

Templates are compiled with the one sandboxed environment (`pingpost.templating`),
so a bad filter or syntax error is found here exactly as it would be at render
time; the tree is then walked for the names it reads.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from jinja2 import Environment, TemplateSyntaxError, nodes
from jinja2.defaults import DEFAULT_NAMESPACE

from pingpost.templating import Flavour, compile_template, template_roots

# names a template may read besides the context's (`range` is the bounded one)
GLOBALS = frozenset(DEFAULT_NAMESPACE) | {"range"}
_PARSER = Environment()


@dataclass(frozen=True)
class TemplateUse:
    names: frozenset[str]  # top-level names read and not set by the template itself
    lead_fields: frozenset[str]  # lead.X, lead['X']
    captures: frozenset[str]  # ping.X
    account_vars: frozenset[str]  # account.vars.X, but not those under `default`/`is defined`


class TemplateProblem(ValueError):
    """A template that does not compile; `line` is the line inside the template (1-based)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@functools.lru_cache(maxsize=4096)
def analyse(source: str, flavour: Flavour = "text") -> TemplateUse:
    """Compile `source` like the renderer does, then list what it reads."""
    try:
        compile_template(source, flavour)
        tree = _PARSER.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template error: {exc.message}", exc.lineno or 1) from None
    return TemplateUse(
        # the renderer asks template_roots() too (cached): the costly walk is done once
        names=template_roots(source),
        lead_fields=frozenset(_attributes(tree, ("lead",))),
        captures=frozenset(_attributes(tree, ("ping",))),
        account_vars=frozenset(_attributes(tree, ("account", "vars")) - _guarded(tree)),
    )


_DEFAULT_FILTERS = frozenset({"default", "d"})
_DEFINED_TESTS = frozenset({"defined", "undefined"})


def _guarded(tree: nodes.Template) -> set[str]:
    """Vars X the template treats as optional: `account.vars.X | default(...)` or
    `account.vars.X is defined` anywhere in it. An account need not set those."""
    found: set[str] = set()
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        assert isinstance(node, nodes.Filter | nodes.Test)
        names = _DEFAULT_FILTERS if isinstance(node, nodes.Filter) else _DEFINED_TESTS
        target = node.node
        if node.name in names and isinstance(target, nodes.Getattr | nodes.Getitem):
            name = _key(target)
            if name is not None and _chain(target.node) == ("account", "vars"):
                found.add(name)
    return found


def _attributes(tree: nodes.Template, chain: tuple[str, ...]) -> set[str]:
    """Names X read as `<chain>.X` or `<chain>['X']`, e.g. chain ("account", "vars")."""
    found: set[str] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, nodes.Getattr | nodes.Getitem)
        name = _key(node)
        if name is not None and _chain(node.node) == chain:
            found.add(name)
    return found


def _key(node: nodes.Getattr | nodes.Getitem) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    arg = node.arg
    return arg.value if isinstance(arg, nodes.Const) and isinstance(arg.value, str) else None


def _chain(node: nodes.Node) -> tuple[str, ...] | None:
    """`account.vars` -> ("account", "vars"); None for anything but names and attributes."""
    if isinstance(node, nodes.Name):
        return (node.name,)
    if isinstance(node, nodes.Getattr | nodes.Getitem):
        key = _key(node)
        head = _chain(node.node)
        return (*head, key) if head is not None and key is not None else None
    return None
