"""What a template reads, found without rendering it: its context names, lead fields
and `root.NAME` attributes (`ping.ping_id`)."""

from __future__ import annotations

import functools

from jinja2 import meta, nodes

from pingpost.templating.origins import origin
from pingpost.templating.sandbox import ENVIRONMENTS


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text or "{#" in text


@functools.lru_cache(maxsize=4096)
def lead_origin(source: str) -> tuple[str, ...]:
    """The lead fields a template reads (`*`: it reads `lead` dynamically)."""
    return origin(ENVIRONMENTS["text"].parse(source))


@functools.lru_cache(maxsize=4096)
def template_roots(source: str) -> frozenset[str]:
    """The context names a template reads (`lead`, `account`, `ping`, ...)."""
    return frozenset(meta.find_undeclared_variables(ENVIRONMENTS["text"].parse(source)))


def referenced_attributes(source: str, root: str) -> set[str]:
    """Names used as `root.NAME` or `root['NAME']` in a template (e.g. `ping` captures)."""
    ast = ENVIRONMENTS["text"].parse(source)
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
