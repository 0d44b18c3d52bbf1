"""Store URLs: SQLAlchemy's SQLite convention, PostgreSQL, where the store comes from, display."""

from __future__ import annotations

from pathlib import Path

import pytest

from pingpost.config.models import Settings
from pingpost.store import BadStoreUrl, MemoryStore
from pingpost.store.backends import store_for_url
from pingpost.store.sqlite import SqliteStore
from pingpost.store.url import display_url, parse_store_url, resolve_store_url


def test_sqlite_urls_follow_sqlalchemy() -> None:
    assert parse_store_url("sqlite:///store.db").path == Path("store.db")
    assert parse_store_url("sqlite:///data/log.db").path == Path("data/log.db")
    assert parse_store_url("sqlite:////var/lib/pingpost/store.db").path == Path(
        "/var/lib/pingpost/store.db"
    )
    timed = parse_store_url("sqlite:///store.db?timeout=2.5")
    assert timed.busy_timeout == 2.5 and timed.path == Path("store.db")
    assert isinstance(store_for_url("sqlite:///x.db"), SqliteStore)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("sqlite://store.db", "sqlite:/// followed by the file's path"),
        ("sqlite:///", "name the database file"),
        ("sqlite:///:memory:", "memory:"),
        ("sqlite:///x.db?mode=ro", "unknown parameter `mode`"),
        ("sqlite:///x.db?timeout=soon", "timeout must be a number"),
        ("mysql://u@h/db", "unknown scheme `mysql`"),
        ("store.db", "not a URL"),
        ("postgresql:///db", "name the server"),
        ("postgresql://u@h:port/db", "the port must be a number"),
        ("postgresql://u@h/db?schema=a-b", "schema must be a plain name"),
    ],
)
def test_bad_urls_say_what_a_good_one_looks_like(url: str, says: str) -> None:
    with pytest.raises(BadStoreUrl) as bad:
        parse_store_url(url)
    assert says in str(bad.value)


def test_postgresql_urls() -> None:
    url = parse_store_url("postgres://app:s3cret@db.internal:6432/leads?sslmode=require&schema=pp")
    assert url.backend == "postgresql" and url.schema == "pp"
    assert url.dsn == "postgresql://app:s3cret@db.internal:6432/leads?sslmode=require"
    assert url.display == "postgres://app:****@db.internal:6432/leads?sslmode=require&schema=pp"
    assert parse_store_url("postgresql://postgres@127.0.0.1/test").schema is None
    assert isinstance(store_for_url("memory:"), MemoryStore)


def test_the_display_form_never_shows_a_password() -> None:
    assert display_url("postgresql://u:pw@h/db") == "postgresql://u:****@h/db"
    assert display_url("postgresql://h/db?user=u&password=pw") == (
        "postgresql://h/db?user=u&password=****"
    )
    assert display_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert display_url("sqlite:////tmp/a.db") == "sqlite:////tmp/a.db"


def test_where_the_store_comes_from(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    configs = tmp_path / "project" / "configs"
    configs.mkdir(parents=True)
    monkeypatch.delenv("PINGPOST_STORE", raising=False)
    settings = Settings(store="sqlite:///from-settings.db")
    default = "sqlite:///" + str(tmp_path / "project" / ".pingpost" / "store.db")
    assert default.startswith("sqlite:////")  # absolute: four slashes
    assert resolve_store_url(None, False, Settings(), configs) == default
    assert resolve_store_url(None, False, settings, configs) == "sqlite:///from-settings.db"
    monkeypatch.setenv("PINGPOST_STORE", "memory:")
    assert resolve_store_url(None, False, settings, configs) == "memory:"
    assert resolve_store_url("sqlite:///opt.db", False, settings, configs) == "sqlite:///opt.db"
    assert resolve_store_url("sqlite:///opt.db", True, settings, configs) is None


def test_the_default_is_the_same_whatever_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    configs = tmp_path / "configs"
    configs.mkdir()
    monkeypatch.delenv("PINGPOST_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    here = resolve_store_url(None, False, None, Path("configs"))
    monkeypatch.chdir(configs)
    there = resolve_store_url(None, False, None, Path("."))
    assert here == there == "sqlite:///" + str(tmp_path / ".pingpost" / "store.db")
    (configs / "settings.yaml").write_text("kind: settings\n")
    one_file = resolve_store_url(None, False, None, configs / "settings.yaml")
    assert one_file == here  # a single config file: its directory is the config directory
