"""Loading a sandbox file: YAML to `SandboxSpec`, every problem located.

Errors are reported like config errors, with the `file:line:col` of the
offending node, so a bad file exits 2 with a message that points at it.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from pingpost.errors import ConfigError, Problem, UsageError
from pingpost.sandbox.spec import BuyerSpec, Faults, Rule, SandboxSpec


def default_spec_path() -> Path:
    """The bundled default buyers (package data)."""
    return Path(__file__).with_name("default.yaml")


def load_sandbox_spec(path: str | Path | None = None) -> SandboxSpec:
    """Read and check a sandbox file (default: the bundled default buyers)."""
    file = Path(path) if path is not None else default_spec_path()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no sandbox file at {file}: pass the path of a sandbox YAML") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read sandbox file {file}: {exc}") from None
    return parse_sandbox_spec(text, str(file))


def parse_sandbox_spec(text: str, source: str = "<sandbox>") -> SandboxSpec:
    """Parse sandbox YAML text; every problem is reported with its line and column."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([Problem(source, line, col, f"not valid YAML: {problem}")]) from None
    if not isinstance(data, dict):
        message = "a sandbox file is a mapping with a `buyers:` list (see docs/sandbox.md)"
        raise ConfigError([Problem(source, 1, 1, message)])
    try:
        return SandboxSpec.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(source, node, error) for error in exc.errors()]
        raise ConfigError(problems) from None


def _problem(source: str, root: yaml.Node | None, error: Any) -> Problem:
    node, names = _walk(root, error["loc"])
    where = ".".join(names)
    if error["type"] == "extra_forbidden":
        message = f"unknown key `{names[-1] if names else '?'}`"
        parent_model = _model_at(error["loc"][:-1])
        if parent_model is not None:
            known = [f.alias or name for name, f in parent_model.model_fields.items()]
            close = difflib.get_close_matches(str(error["loc"][-1]), known, n=1)
            message += (
                f" (did you mean `{close[0]}`?)" if close else f" (known: {', '.join(known)})"
            )
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (0, 0)
    return Problem(source, line, col, f"{where}: {message}" if where else message)


def _walk(node: yaml.Node | None, loc: tuple[Any, ...]) -> tuple[yaml.Node | None, list[str]]:
    """Follow a pydantic error location through the YAML node tree as far as it goes.

    Returns the node to point at (the key of the last mapping entry reached, so that
    `bid: [9, 1]` is reported at `bid`) and the dotted names walked.
    """
    names: list[str] = []
    at = node
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                break
            at, node = pair
            names.append(str(part))
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            at = node = node.value[part]
            names.append(f"[{part}]")
        else:
            break
    return at, _join(names)


def _join(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        if name.startswith("[") and out:
            out[-1] += name
        else:
            out.append(name)
    return out


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = SandboxSpec
    nested: dict[str, type[BaseModel]] = {"buyers": BuyerSpec, "faults": Faults, "accepts": Rule}
    for part in loc:
        if isinstance(part, int):
            continue
        next_model = nested.get(str(part))
        if next_model is None:
            return None
        model = next_model
    return model
