"""The shipped examples stay what the README says they are."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def test_leads_jsonl_is_reproducible_from_its_generator(tmp_path: Path) -> None:
    out = tmp_path / "leads.jsonl"
    subprocess.run([sys.executable, str(EXAMPLES / "make_leads.py"), "--out", str(out)], check=True)
    assert out.read_bytes() == (EXAMPLES / "leads.jsonl").read_bytes()


def test_leads_jsonl_has_1000_lines_some_invalid_on_purpose() -> None:
    lines = (EXAMPLES / "leads.jsonl").read_text().splitlines()
    assert len(lines) == 1000
    not_json = 0
    for line in lines:
        try:
            json.loads(line)
        except json.JSONDecodeError:
            not_json += 1
    assert 0 < not_json < 50


def test_example_lead_is_one_json_object() -> None:
    lead = json.loads((EXAMPLES / "lead.json").read_text())
    assert isinstance(lead, dict)
    assert lead["State"] == "CA"
