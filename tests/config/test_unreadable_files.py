"""A file that cannot be read does not make references to its documents dangle."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import METHOD, check, found


@pytest.mark.parametrize(
    ("breakage", "line", "column"),
    [
        (("url: https://acme.example/ping", 'url: "https://acme.example/ping'), 9, 22),
        (("  timeout: 1.0", "\ttimeout: 1.0"), 6, 1),
    ],
)
def test_an_unreadable_file_causes_no_dangling_references(
    tmp_path: Path, breakage: tuple[str, str], line: int, column: int
) -> None:
    method = METHOD.replace(*breakage, 1)
    report = check(tmp_path, {"methods/acme.yaml": method})
    [(file, at_line, at_column, message)] = found(report, "error")
    assert (file, at_line, at_column) == ("acme.yaml", line, column)
    assert message.startswith("invalid YAML")
    assert not any("no delivery method" in p.message for p in report.problems)


def test_an_undecodable_file_is_named_on_a_dangling_reference(tmp_path: Path) -> None:
    from pingpost.config.loader import validate_config

    check(tmp_path)
    broken = tmp_path / "methods" / "acme.yaml"
    broken.write_bytes(METHOD.encode() + b"# \xff\n")
    messages = [m for *_, m in found(validate_config([tmp_path], env={}), "error")]
    assert f"no delivery method named `acme` (`{broken}` could not be read)" in messages
