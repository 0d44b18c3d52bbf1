"""Releases are annotated tags vMAJOR.MINOR.PATCH; the install lines in the README and
the guides name the current one (pingpost is not on PyPI: `pip install pingpost` would
install something else, or nothing)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from pingpost import __version__

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", "docs/validate.md", ".pre-commit-hooks.yaml"]


def test_one_version_everywhere() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == __version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


@pytest.mark.parametrize("page", PAGES)
def test_install_lines_name_the_current_release_tag(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    assert "pip install pingpost" not in text
    tags = re.findall(r"@v(\d+\.\d+\.\d+)|rev: v(\d+\.\d+\.\d+)", text)
    versions = {a or b for a, b in tags}
    assert versions == {__version__}, f"{page} names {versions or 'no release tag'}"
    for line in re.findall(r"pip install [^\n]*git\+[^\n]*", text):
        assert f"@v{__version__}" in line, line
