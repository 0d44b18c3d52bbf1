"""Every relative link in the README and the guides (any `docs/*.md`, the examples'
READMEs) points at a file of this repository, and every `#heading` at a heading of it:
a clone has everything the documentation refers to."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("examples/**/*.md")])
_FENCE = re.compile(r"^(```|~~~)")
_INLINE = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_CODE_SPAN = re.compile(r"`[^`]*`")
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, ...


def prose(text: str, *, code: bool = False) -> list[str]:
    """The lines outside fenced code blocks, inline code removed (kept, without its
    backticks, with `code`: a heading's anchor has it)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line.replace("`", "") if code else _CODE_SPAN.sub("", line))
    return lines


def links(page: Path) -> list[str]:
    found: list[str] = []
    for line in prose(page.read_text(encoding="utf-8")):
        found += _INLINE.findall(line)
        if match := _DEFINITION.match(line):
            found.append(match.group(1))
    return found


def anchors(page: Path) -> set[str]:
    """GitHub's anchors for the headings of `page` (duplicates get -1, -2, ...)."""
    seen: dict[str, int] = {}
    out: set[str] = set()
    for line in prose(page.read_text(encoding="utf-8"), code=True):
        if not (heading := re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)):
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        out.add(slug if count == 0 else f"{slug}-{count}")
    return out


def test_the_pages_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in PAGES}
    assert {"README.md", "docs/config.md", "docs/guarantees.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_every_relative_link_resolves_inside_the_repository(page: Path) -> None:
    broken: list[str] = []
    for link in links(page):
        if _EXTERNAL.match(link):
            continue
        path, _, fragment = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.is_relative_to(ROOT) or ".venv" in target.parts:
            broken.append(f"{link}: outside the repository")
        elif not target.exists():
            broken.append(f"{link}: no such file")
        elif fragment and target.suffix == ".md" and fragment not in anchors(target):
            broken.append(f"{link}: no heading `#{fragment}` in {target.name}")
    assert not broken, f"{page.relative_to(ROOT)}:\n  " + "\n  ".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_no_page_points_outside_the_repository(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "../shared" not in text and "shared/spec" not in text


def test_the_checker_sees_links_anchors_and_skips_code(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text(
        "# Title\n## A b (c)\n## A b (c)\nsee [x](q.md#top) and [y][r] `[z](no.md)`\n"
        "[r]: ../up.md\n```\n[w](code.md)\n# not a heading\n```\n"
    )
    assert links(page) == ["q.md#top", "../up.md"]
    assert anchors(page) == {"title", "a-b-c", "a-b-c-1"}


def test_the_config_reference_names_every_key_of_the_language() -> None:
    """docs/config.md is the whole language: every key the JSON Schema knows is in it."""
    schema = json.loads((ROOT / "pingpost" / "schema" / "pingpost.schema.json").read_text())
    keys: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            keys.update(node.get("properties") or {})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    page = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    missing = sorted(k for k in keys if not re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", page))
    assert len(keys) > 100 and missing == []
