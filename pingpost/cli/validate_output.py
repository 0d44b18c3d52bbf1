"""How `pingpost validate` prints a report: text (with source and caret), json, github."""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.text import Text

from pingpost.cli.common import console
from pingpost.config.loader import ValidationReport
from pingpost.errors import Problem

_STYLE = {"error": "bold red", "warning": "bold yellow"}
_WINDOW = 120  # longest source excerpt shown


def print_report(report: ValidationReport, fmt: str, *, no_color: bool = False) -> None:
    if fmt == "json":
        print(json.dumps([_as_json(p) for p in report.problems], indent=2, ensure_ascii=False))
        print(summary(report), file=sys.stderr)
    elif fmt == "github":
        for problem in report.problems:
            print(github_annotation(problem))
        print(summary(report), file=sys.stderr)
    else:
        _print_text(report, no_color=no_color)


def summary(report: ValidationReport) -> str:
    errors, warnings, files = len(report.errors), len(report.warnings), len(report.files)
    return (
        f"{errors} {_plural(errors, 'error')}, {warnings} {_plural(warnings, 'warning')} "
        f"in {files} {_plural(files, 'file')}"
    )


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def _as_json(problem: Problem) -> dict[str, object]:
    return {
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "severity": problem.severity,
        "message": problem.message,
    }


def github_annotation(problem: Problem) -> str:
    """A workflow command: `::error file=…,line=…,col=…::message`."""
    props = [f"file={_escape_property(problem.file)}"]
    if problem.line:
        props += [f"line={problem.line}", f"col={problem.column}"]
    props.append("title=pingpost validate")
    return f"::{problem.severity} {','.join(props)}::{_escape_data(problem.message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _print_text(report: ValidationReport, *, no_color: bool) -> None:
    out = console(no_color=no_color)
    for problem in report.problems:
        head = Text(f"{problem.location()}: ")
        head.append(f"{problem.severity}: ", style=_STYLE[problem.severity])
        head.append(problem.message)
        out.print(head, soft_wrap=True)
        source = report.source_line(problem)
        if source is not None and problem.column >= 1:
            _print_source(out, problem, source)
    tail = Text(summary(report), style="bold")
    out.print(tail, soft_wrap=True)


def _print_source(out: Console, problem: Problem, source: str) -> None:
    line = source.replace("\t", " ").rstrip()
    column = problem.column - 1
    start = max(0, column - _WINDOW // 2) if len(line) > _WINDOW else 0
    excerpt = line[start : start + _WINDOW]
    prefix = "…" if start else ""
    suffix = "…" if start + _WINDOW < len(line) else ""
    gutter = f"{problem.line:>5} | "
    out.print(Text.assemble((gutter, "dim"), prefix + excerpt + suffix), soft_wrap=True)
    caret = " " * (len(prefix) + column - start) + "^"
    margin = " " * (len(gutter) - 2) + "| "
    out.print(Text.assemble((margin, "dim"), (caret, _STYLE[problem.severity])), soft_wrap=True)
