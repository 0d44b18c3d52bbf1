"""`pingpost schema`: prints the committed schema, or writes it to a file."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pingpost.cli.app import app

COMMITTED = Path(__file__).resolve().parents[2] / "pingpost" / "schema" / "pingpost.schema.json"


def test_schema_prints_the_committed_copy() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert result.stdout == COMMITTED.read_text(), (
        "the committed schema is out of date: run "
        "`pingpost schema > pingpost/schema/pingpost.schema.json`"
    )
    assert json.loads(result.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    result = CliRunner().invoke(app, ["schema", "-o", str(out)])
    assert result.exit_code == 0
    assert out.read_text() == COMMITTED.read_text()
    assert result.stderr == f"wrote {out}\n"
