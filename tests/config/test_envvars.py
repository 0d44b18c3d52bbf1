"""${NAME} / ${NAME:-default} interpolation."""

from __future__ import annotations

import pytest

from pingpost.config.envvars import interpolate
from pingpost.config.marks import DocMarks


def run(data: object, env: dict[str, str]):  # type: ignore[no-untyped-def]
    marks = DocMarks("f.yaml", values={("a",): (3, 4)})
    return interpolate(data, marks, env)


@pytest.mark.parametrize(
    ("text", "env", "value", "secrets"),
    [
        ("${A}", {"A": "x1"}, "x1", {"x1"}),
        ("https://${HOST}:${PORT}/p", {"HOST": "h", "PORT": "81"}, "https://h:81/p", {"h", "81"}),
        ("${A:-dflt}", {}, "dflt", set()),
        ("${A:-dflt}", {"A": ""}, "dflt", set()),  # like the shell's :-
        ("${A:-}", {}, "", set()),
        ("${A:-dflt}", {"A": "set"}, "set", {"set"}),
        ("${A}", {"A": ""}, "", set()),
        ("$${A} and $5", {"A": "x"}, "${A} and $5", set()),
        ("no reference", {}, "no reference", set()),
        ("{{ lead.Zip }}", {}, "{{ lead.Zip }}", set()),
    ],
)
def test_references(text: str, env: dict[str, str], value: str, secrets: set[str]) -> None:
    result = run({"a": text}, env)
    assert result.problems == []
    assert result.data == {"a": value}
    assert result.secrets == secrets


def test_every_string_in_nested_data_and_nothing_else() -> None:
    data = {"a": [{"b": "${X}"}, 1, True, None], "${X}": "k"}
    result = run(data, {"X": "v"})
    assert result.data == {"a": [{"b": "v"}, 1, True, None], "${X}": "k"}  # keys stay


def test_a_missing_variable_names_it_and_is_located() -> None:
    result = run({"a": "${MISSING}"}, {})
    assert [(p.line, p.column, p.message) for p in result.problems] == [
        (
            3,
            4,
            "environment variable `MISSING` is not set (set it, or give a default: "
            "`${MISSING:-default}`)",
        )
    ]


@pytest.mark.parametrize("text", ["${lower case}", "${}", "${A", "${1A}"])
def test_malformed_references_are_refused(text: str) -> None:
    [problem] = run({"a": text}, {}).problems
    assert problem.message.startswith("malformed environment reference `${")
    assert "`$${` for a literal `${`" in problem.message
