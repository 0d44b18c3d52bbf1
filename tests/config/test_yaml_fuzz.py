"""Whatever the text, reading it returns data or located problems: it never raises."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pingpost.config.loader import validate_config
from pingpost.config.yaml_read import read_text

TOKENS = [
    "a", "kind", ":", ": ", " ", "  ", "\n", "\t", "- ", "[", "]", "{", "}", ",", "&x ", "*x",
    "<<: ", "!!str ", "!!python/object:os.system ", "!t ", "'", '"', "|\n", ">\n", "---\n",
    "...\n", "? ", "#c", "1", "0x1", "true", "~", "${A}", "${", "é", "\x00", "\ufeff",
]  # fmt: skip
yamlish = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(yamlish, st.text(max_size=80)))
def test_reading_never_raises(text: str) -> None:
    docs, problems = read_text(text, "f.yaml")
    for problem in problems + [p for d in docs for p in d.problems]:
        assert problem.message
        assert problem.line >= 0 and problem.column >= 0


@settings(max_examples=60, deadline=None)
@given(yamlish)
def test_validating_never_raises(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("fuzz")
    (root / "a.yaml").write_text(
        "kind: delivery_method\n" + text, encoding="utf-8", errors="replace"
    )
    report = validate_config([root], env={})
    assert report.config is None or report.errors == []
