"""Safe YAML reading: plain data, positions of every node, hostile input refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from pingpost.config.yaml_compose import MAX_ALIAS_NODES, MAX_DEPTH
from pingpost.config.yaml_read import MAX_FILE_BYTES, read_file, read_text
from pingpost.config.yaml_scalars import YamlFloat, resolve_plain


def one(text: str):  # type: ignore[no-untyped-def]
    docs, problems = read_text(text, "f.yaml")
    assert problems == []
    assert len(docs) == 1
    return docs[0]


def file_problems(text: str) -> list[tuple[int, int, str]]:
    _, problems = read_text(text, "f.yaml")
    return [(p.line, p.column, p.message) for p in problems]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("True", True),
        ("false", False),
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("12:30", "12:30"),  # YAML 1.1 would make this 750
        ("012", 12),  # not octal
        ("0o17", 15),
        ("0x1F", 31),
        ("1_000", "1_000"),
        ("12.50", 12.5),
        ("1e3", 1000.0),
        ("~", None),
        ("null", None),
        ("", None),
        ("2024-01-02", "2024-01-02"),  # dates stay text
        ("1" * 50, "1" * 50),  # absurd numbers stay text
    ],
)
def test_plain_scalars_follow_the_yaml_1_2_core_schema(text: str, value: object) -> None:
    resolved = resolve_plain(text)
    assert resolved == value
    if type(value) is float:  # a float that remembers its text (exact decimals)
        assert isinstance(resolved, YamlFloat) and str(resolved) == text
    else:
        assert type(resolved) is type(value)


def test_quoted_scalars_are_strings() -> None:
    doc = one("a: 'true'\nb: \"12\"\nc: !!str 12\n")
    assert doc.data == {"a": "true", "b": "12", "c": "12"}


def test_positions_of_keys_and_values_are_kept() -> None:
    doc = one("kind: x\nping:\n  url: http://a\n  list: [1, {b: c}]\n")
    assert doc.marks.keys[("ping", "url")] == (3, 3)
    assert doc.marks.values[("ping", "url")] == (3, 8)
    assert doc.marks.values[("ping", "list", 1, "b")] == (4, 17)
    assert doc.marks.position(("ping", "missing"), on="parent") == (2, 1)


def test_a_shorthand_value_is_found_for_a_path_inside_it() -> None:
    doc = one("mappings:\n  zip: ZipCode\n")
    # {field: ...} written as a bare name: the name is the position of `field`
    assert doc.marks.position(("mappings", "zip", "field")) == (2, 8)


def test_literal_block_lines_map_to_file_lines() -> None:
    doc = one("a: 1\nbody: |\n  line one\n  line two\n")
    assert doc.marks.text_position(("body",), 2) == (4, 3)


def test_duplicate_keys_are_refused_at_the_second_one() -> None:
    doc = read_text("a: 1\nb: 2\na: 3\n", "f.yaml")[0][0]
    assert [(p.line, p.column, p.message) for p in doc.problems] == [
        (3, 1, "duplicate key `a` (first defined on line 1)")
    ]
    assert doc.data == {"a": 1, "b": 2}


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system [ls]\n",
        "a: !!python/name:os.system\n",
        "a: !custom x\n",
        "a: !!binary aGk=\n",
        "a: !!set {x}\n",
    ],
)
def test_tags_other_than_str_are_refused(text: str) -> None:
    doc = read_text(text, "f.yaml")[0][0]
    assert len(doc.problems) == 1
    assert doc.problems[0].message.startswith("the tag `")
    assert "is not allowed" in doc.problems[0].message
    assert (doc.problems[0].line, doc.problems[0].column) == (1, 4)


def test_merge_keys_and_aliases() -> None:
    doc = one("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nagain: *b\n")
    assert doc.data["use"] == {"x": 1, "y": 3}
    assert doc.data["again"] == {"x": 1, "y": 2}
    assert doc.marks.keys[("use", "x")] == (1, 11)  # where the merged key is written


def test_an_unknown_alias_is_a_problem() -> None:
    doc = read_text("a: *nope\n", "f.yaml")[0][0]
    assert doc.problems[0].message == "unknown alias `*nope` (no `&nope` before)"


def test_a_collection_as_a_key_is_refused() -> None:
    doc = read_text("? [a]\n: 1\nb: 2\n", "f.yaml")[0][0]
    assert doc.problems[0].message == "a mapping key must be a plain value"
    assert doc.data == {"b": 2}


def test_multi_document_files() -> None:
    docs, problems = read_text("kind: a\n---\nkind: b\n---\n", "f.yaml")
    assert problems == []
    assert [d.data for d in docs] == [{"kind": "a"}, {"kind": "b"}, None]
    assert docs[1].marks.values[()] == (3, 1)


def test_alias_bombs_are_refused_without_expanding() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    docs, problems = read_text("\n".join(lines) + "\n", "f.yaml")
    assert docs == []
    message = (
        f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes (an alias bomb?); "
        "write the values out"
    )
    assert [(p.line, p.message) for p in problems] == [(6, message)]


def test_deep_block_nesting_is_refused() -> None:
    assert file_problems("- " * (MAX_DEPTH + 5) + "x\n") == [
        (1, 2 * MAX_DEPTH + 1, f"the YAML nests deeper than {MAX_DEPTH} levels")
    ]


def test_ten_thousand_levels_of_flow_nesting_are_refused() -> None:
    [(line, _, message)] = file_problems("[" * 10_000 + "]" * 10_000)
    assert line == 1
    assert message == "invalid YAML: the YAML nests too deeply (more than 100 levels are refused)"


def test_syntax_errors_are_located() -> None:
    assert file_problems("a: b\n  c: d\n") == [
        (2, 4, "invalid YAML: mapping values are not allowed in this context")
    ]


def test_tabs_get_a_hint() -> None:
    assert file_problems("a:\n\tb: c\n") == [
        (2, 1, "invalid YAML: a tab character: YAML indents with spaces, never tabs")
    ]


def test_control_characters_are_refused() -> None:
    assert file_problems("a: b\x01\n") == [
        (1, 5, "invalid YAML: character U+0001 is not allowed in YAML text (control characters)")
    ]


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_a_file_without_documents_is_a_problem(text: str) -> None:
    assert file_problems(text) == [(0, 0, "the file holds no YAML document (expected a `kind`)")]


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"kind: lead_type\nname: caf\xe9\n")
    docs, problems, text = read_file(path, "x.yaml")
    assert (docs, text) == ([], None)
    assert [(p.line, p.column, p.message) for p in problems] == [
        (2, 10, "the file is not valid UTF-8 (byte 0xe9); save it as UTF-8")
    ]


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\xef\xbb\xbfkind: settings\n")
    docs, problems, _ = read_file(path, "x.yaml")
    assert problems == []
    assert docs[0].data == {"kind": "settings"}


def test_large_files_are_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: " + b"x" * (10 * 1024 * 1024) + b"\n")
    docs, problems, _ = read_file(path, "big.yaml")
    assert docs == []
    assert problems[0].message == (
        "the file is 10.0 MB; config files are limited to "
        f"{MAX_FILE_BYTES // 1024 // 1024} MB (split it into several files)"
    )
