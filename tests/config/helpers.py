"""A small valid config to break on purpose, and a shortcut to validate it."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pingpost.commands.offline import run_offline_checks
from pingpost.config.loader import ValidationReport, discover, validate_config
from pingpost.config.yaml_read import read_file

LEAD_TYPE = """\
kind: lead_type
name: auto
fields:
  Zip: {type: zip, required: true}
  State: {type: state, required: true}
  Age: {type: integer, min: 18, max: 120}
  Email: {type: email, pii: true}
  Coverage: {type: enum, values: [liability, full]}
sample: {Zip: "90210", State: CA, Age: 30, Email: ada@example.com, Coverage: full}
"""

METHOD = """\
kind: delivery_method
name: acme
lead_type: auto
ping:
  url: https://acme.example/ping
  timeout: 1.0
  mappings:
    zip: Zip
    source: {value: "{{ account.vars.source }}"}
  response:
    accept: {path: status, equals: ok}
    bid: price
    capture:
      token: token
post:
  url: https://acme.example/post
  mappings:
    token: {capture: token}
    email: {field: Email, required: false}
  response:
    accept: {path: status, equals: ok}
examples:
  - name: sold
    ping:
      response: {body: '{"status": "ok", "price": "12.50", "token": "t-1"}'}
      expect: {outcome: accepted, bid: "12.50", capture: {token: t-1}}
    post:
      response: {body: '{"status": "ok"}'}
      expect: {outcome: accepted}
"""

ACCOUNT = """\
kind: delivery_account
name: gold
method: acme
vars: {source: "s-1"}
"""

BASE = {
    "lead_types/auto.yaml": LEAD_TYPE,
    "methods/acme.yaml": METHOD,
    "accounts/gold.yaml": ACCOUNT,
}


def write_config(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def check(
    root: Path,
    overrides: Mapping[str, str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    behaviour: bool = True,
) -> ValidationReport:
    """Validate BASE with `overrides` (file name -> text) written over it, as `pingpost
    validate` does (with the offline behaviour checks unless `behaviour` is false)."""
    write_config(root, {**BASE, **(overrides or {})})
    checks = run_offline_checks if behaviour else None
    return validate_config([root], behaviour=checks, env=env or {})


def found(report: ValidationReport, severity: str | None = None) -> list[tuple[str, int, int, str]]:
    """(file relative to the config dir, line, column, message) of each problem."""
    out = []
    for p in report.problems:
        if severity is None or p.severity == severity:
            out.append((Path(p.file).name, p.line, p.column, p.message))
    return out


def json_data(node: Any) -> Any:
    """YAML data as a JSON document would hold it: every key a string."""
    if isinstance(node, dict):
        keys = {k: ("true" if k is True else "false" if k is False else str(k)) for k in node}
        return {keys[k]: json_data(v) for k, v in node.items()}
    if isinstance(node, list):
        return [json_data(v) for v in node]
    return node


def documents(directory: Path) -> list[tuple[str, Any]]:
    out = []
    for path, display in discover([directory]):
        docs, problems, _ = read_file(path, display)
        assert problems == []
        out += [(f"{display}#{d.index}", json_data(d.data)) for d in docs if d.data is not None]
    return out
