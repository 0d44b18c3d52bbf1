"""`pingpost store info` and `pingpost store migrate`: output, exit codes, where the store is."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pingpost.cli.app import app

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the sample configs in a project directory; the working directory elsewhere."""
    shutil.copytree(CONFIGS, tmp_path / "project" / "configs")
    monkeypatch.delenv("PINGPOST_STORE", raising=False)
    monkeypatch.delenv("PINGPOST_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "project"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_migrate_creates_the_default_store_beside_the_configs(project: Path) -> None:
    code, out, err = _run("store", "info", "-c", str(project / "configs"))
    assert code == 2 and "no store there yet" in err
    assert "pingpost store migrate" in err
    assert not (project / ".pingpost").exists()  # info never creates a store
    code, out, _ = _run("store", "migrate", "-c", str(project / "configs"))
    db = project / ".pingpost" / "store.db"
    assert code == 0 and out == f"sqlite:///{db}: created at schema version 2\n"
    assert db.exists()
    code, out, _ = _run("store", "migrate", "-c", str(project / "configs"))
    assert code == 0 and "schema version 2, nothing to migrate" in out


def test_info_shows_backend_url_version_size_and_counts(project: Path) -> None:
    url = f"sqlite:///{project / 'log.db'}"
    assert _run("store", "migrate", "--store", url)[0] == 0
    code, out, _ = _run("store", "info", "--store", url)
    assert code == 0
    lines = dict(line.split(None, 1) if " " in line else (line, "") for line in out.splitlines())
    assert lines["backend"].strip() == "sqlite"
    assert f"url               {url}" in out
    assert "schema version    2 (this pingpost: 2)" in out
    assert "auctions          0" in out and "open auctions     0" in out
    code, out, _ = _run("store", "info", "--store", url, "--json")
    doc = json.loads(out)
    assert doc["backend"] == "sqlite" and doc["schema_version"] == 2
    assert doc["size_bytes"] > 0 and doc["counts"]["auctions"] == 0


def test_the_environment_and_settings_name_the_store(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = project / "configs" / "pingpost.yaml"
    settings.write_text(settings.read_text() + f"store: sqlite:///{project / 'settings.db'}\n")
    assert _run("store", "migrate", "-c", str(project / "configs"))[0] == 0
    assert (project / "settings.db").exists()
    monkeypatch.setenv("PINGPOST_STORE", f"sqlite:///{project / 'env.db'}")
    assert _run("store", "migrate", "-c", str(project / "configs"))[0] == 0
    assert (project / "env.db").exists()


def test_store_errors_exit_2_and_say_how_to_fix(project: Path) -> None:
    code, _, err = _run("store", "info", "--store", "mysql://db/leads")
    assert code == 2 and "unknown scheme `mysql`" in err and "fix --store" in err
    code, _, err = _run("store", "info", "--store", "postgresql://u:secret@127.0.0.1:9/x")
    assert code == 2 and "cannot reach the database server" in err
    assert "secret" not in err and "u:****@127.0.0.1:9" in err
    assert "Traceback" not in err


def test_a_store_from_a_newer_pingpost_is_refused(project: Path) -> None:
    url = f"sqlite:///{project / 'new.db'}"
    assert _run("store", "migrate", "--store", url)[0] == 0
    conn = sqlite3.connect(project / "new.db")
    conn.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    for command in ("info", "migrate"):
        code, _, err = _run("store", command, "--store", url)
        assert code == 2
        assert "schema version 9, newer than this pingpost understands (2)" in err
        assert "upgrade pingpost" in err


def test_info_on_postgresql(postgres_url: str) -> None:
    assert _run("store", "migrate", "--store", postgres_url)[0] == 0
    code, out, _ = _run("store", "info", "--store", postgres_url, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["backend"] == "postgresql" and doc["schema_version"] == 2
    assert doc["counts"]["auctions"] == 0 and doc["size_bytes"] > 0
