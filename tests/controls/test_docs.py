"""docs/controls.md: its config examples are valid documents of their kind."""

from __future__ import annotations

import re
from pathlib import Path

from pingpost.config.models import DOCUMENT_MODELS
from pingpost.config.yaml_read import read_file

DOC = Path(__file__).resolve().parents[2] / "docs" / "controls.md"


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_every_full_example_is_a_valid_document(tmp_path: Path) -> None:
    kinds = []
    for i, block in enumerate(yaml_blocks()):
        if not block.lstrip().startswith(("#", "kind:")) or "kind:" not in block:
            continue  # a fragment (one key shown alone)
        path = tmp_path / f"example-{i}.yaml"
        path.write_text(block, encoding="utf-8")
        docs, problems, _ = read_file(path, path.name)
        assert problems == []
        for doc in docs:
            assert isinstance(doc.data, dict)
            DOCUMENT_MODELS[doc.data["kind"]].model_validate(doc.data)
            kinds.append(doc.data["kind"])
    assert sorted(kinds) == ["delivery_account", "lead_type", "settings"]
