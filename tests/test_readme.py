"""The README's library example runs as written, against the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pingpost.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent


def readme_block(heading: str, language: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"```{language}\n", text.index(heading)) + len(language) + 4
    return text[start : text.index("```", start)]


def test_the_library_example_sells_the_example_lead(sandbox: Sandbox, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(readme_block("## Use as a library", "python"), encoding="utf-8")
    env = {**os.environ, "PINGPOST_SANDBOX_URL": sandbox.url}
    run = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    first = run.stdout.splitlines()[0].split()
    assert first[0] == "sold"
    assert any(line.startswith(f"{first[1]} sold ") for line in run.stdout.splitlines())
    assert "slowpoke error" in run.stdout
