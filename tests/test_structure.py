"""The shape of the package: no import cycle, every exported name real, no CLI words in
the core, no Jinja internal used without its pin.

The import graph is read from the source (`ast`), not from `sys.modules`, so a cycle
is found even where it would happen to work at run time. Its edges are every import
that runs: at module level and inside functions (an import moved into a function
cannot hide a cycle), plus the packages an import runs (`import a.b.c` from outside
`a.b` runs `a/b/__init__.py`). Imports under `if TYPE_CHECKING:` never run and only
name types for mypy: they are left out.
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import pingpost

PACKAGE = Path(pingpost.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


@functools.cache
def _tree(path: Path) -> ast.Module:
    """The parsed module (each file is read by several checks: parsed once)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: all of them but those under TYPE_CHECKING."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _imports(node)


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    yield base
    for alias in node.names:
        yield f"{base}.{alias.name}"  # `from package import module`


def _runs(importer: str, target: str) -> Iterator[str]:
    """`target` and the packages above it that importing it runs, seen from `importer`."""
    parts = target.split(".")
    for end in range(1, len(parts) + 1):
        name = ".".join(parts[:end])
        if name == target or not importer.startswith(name + "."):
            yield name


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        tree = _tree(path)
        for node in _imports(tree):
            for target in _targets(name, node):
                graph[name].update(m for m in _runs(name, target) if m in MODULES and m != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_package_has_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle_through_a_package_and_a_function() -> None:
    graph = import_graph()
    graph["pingpost.templating.sandbox"].add("pingpost.mapping")  # mapping -> templating
    assert any("pingpost.mapping.fields" in c for c in cycles(graph))
    tree = ast.parse("def f():\n    from pingpost.render import views\n")
    assert [list(_targets("pingpost.x", n)) for n in _imports(tree)] == [
        ["pingpost.render", "pingpost.render.views"]
    ]
    assert list(_runs("pingpost.mapping.fields", "pingpost.render.formats")) == [
        "pingpost.render",
        "pingpost.render.formats",
    ]


def test_imports_under_type_checking_are_left_out() -> None:
    tree = ast.parse("if TYPE_CHECKING:\n    import a\nelse:\n    import b\nimport c\n")
    assert [alias.name for n in _imports(tree) for alias in n.names] == ["b", "c"]


# --------------------------------------------------------------------------- __all__


@pytest.mark.parametrize(
    "name", sorted(n for n, p in MODULES.items() if "__all__" in p.read_text())
)
def test_every_name_in_all_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(set(exported)) == len(exported), "a name is listed twice"
    missing = [n for n in exported if not hasattr(module, n)]
    assert missing == []


# --------------------------------------------------------------------------- CLI words


def _cli_options() -> set[str]:
    """Every option of every pingpost command (`--lead-type`, `--capture`, ...)."""
    import typer.main

    from pingpost.cli.app import app

    group = typer.main.get_command(app)
    found: set[str] = set()
    for command in group.commands.values():  # type: ignore[attr-defined]
        for param in command.params:
            found.update(o for o in param.opts if o.startswith("--"))
    return found - {"--help"}


# The JSON Schema's and the OpenAPI document's descriptions are documentation, not
# messages.
NOT_MESSAGES = ("config/schema_text.py", "serve/openapi_schemas.py")


def _strings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every string literal (f-string parts included) but docstrings."""
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            docstrings.add(id(first.value))
    for node in ast.walk(tree):
        is_string = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_string and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_message_outside_the_cli_names_a_command_line_option() -> None:
    options = _cli_options()
    assert {"--lead-type", "--account", "--capture", "--lead", "--url"} <= options
    pattern = re.compile("|".join(rf"{re.escape(o)}(?![\w-])" for o in sorted(options)))
    # any `--word` at all, an option to come included; curl's own, in the command that
    # `render --as curl` prints, are the one exception
    flag = re.compile(r"(?<![\w-])--[A-Za-z][\w-]*")
    curl = {"--user", "--digest", "--data-binary"}
    found = []
    for name, path in MODULES.items():
        where = str(path.relative_to(PACKAGE))
        if name.startswith("pingpost.cli") or where.startswith(NOT_MESSAGES):
            continue
        for line, text in _strings(_tree(path)):
            flags = set(flag.findall(text)) - (curl if where == "render/views.py" else set())
            if pattern.search(text) or flags:
                found.append(f"{where}:{line}: {text!r}")
    assert found == []


def _cli_acts(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """What only the CLI does: print, exit, decide an exit code, load typer or rich."""
    for node in _imports(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
        for name in names:
            if (name or "").split(".")[0] in ("typer", "rich", "click"):
                yield node.lineno, f"imports {name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            called = ast.unparse(node.func)
            if called in ("print", "exit", "quit", "sys.exit", "os._exit", "SystemExit"):
                yield node.lineno, f"calls {called}"
        if isinstance(node, ast.Name | ast.Attribute | ast.arg | ast.keyword):
            name = getattr(node, "id", None) or getattr(node, "attr", None)
            name = name or getattr(node, "arg", None)
            if name is not None and (name == "exit_code" or name.startswith("EXIT_")):
                yield node.lineno, f"names {name}"


def test_only_the_cli_prints_exits_or_decides_exit_codes() -> None:
    """Core returns data and raises errors that carry data; `cli/` words them and picks
    the exit code (`cli/errors.py`), `serve/` picks the HTTP status. Rich renderables
    live in `trace/`, which never prints either."""
    found = []
    for name, path in MODULES.items():
        if name.startswith("pingpost.cli"):
            continue
        where = str(path.relative_to(PACKAGE))
        for line, act in _cli_acts(_tree(path)):
            if where.startswith("trace/") and act.startswith("imports rich"):
                continue
            found.append(f"{where}:{line}: {act}")
    assert found == []


def test_the_cli_words_check_finds_what_it_looks_for() -> None:
    tree = ast.parse(
        "import typer\nfrom rich.console import Console\nprint(1)\nsys.exit(2)\n"
        "class E(Exception):\n    exit_code = 2\nEXIT_OK = 0\n"
    )
    assert sorted(_cli_acts(tree)) == [
        (1, "imports typer"),
        (2, "imports rich.console"),
        (3, "calls print"),
        (4, "calls sys.exit"),
        (6, "names exit_code"),
        (7, "names EXIT_OK"),
    ]


# --------------------------------------------------------------------------- the tests


TESTS = Path(__file__).resolve().parent


def test_no_test_module_imports_another_or_leans_on_sys_path() -> None:
    """Shared fixtures live in conftest.py files, shared code in helper modules, imported
    through the `tests` package (or relatively): never a test module, never a bare name
    that resolves only because pytest put a test folder on sys.path."""
    local = {p.stem for p in TESTS.glob("*.py")} | {p.name for p in TESTS.iterdir() if p.is_dir()}
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in _imports(_tree(path)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names]
                bare = node.level == 0 and (node.module or "").split(".")[0] in local
            else:
                bare = any(n.split(".")[0] in local for n in names)
            if bare or any(n.split(".")[-1].startswith("test_") for n in names):
                found.append(f"{path.relative_to(TESTS)}:{node.lineno}: {ast.unparse(node)}")
    assert found == []


def test_the_architecture_page_names_every_package() -> None:
    """docs/architecture.md gives each package under pingpost/ its row, and names each
    module at the top."""
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `(\w+)/` \|", page, re.MULTILINE))
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert rows == packages
    modules = {p.name for p in PACKAGE.glob("*.py")} - {"__init__.py", "__main__.py"}
    assert [m for m in sorted(modules) if f"`{m}`" not in page] == []
