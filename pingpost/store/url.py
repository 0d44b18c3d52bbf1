"""Store URLs: which store a command uses, how it is written, and how it is shown.

    --store URL  >  $PINGPOST_STORE  >  `store:` in settings
                 >  sqlite:/// + <config dir>/../.pingpost/store.db

URLs follow SQLAlchemy's convention for SQLite: `sqlite:///relative/path.db` is
relative to the working directory, `sqlite:////abs/path.db` (four slashes) is
absolute. `postgresql://USER[:PASSWORD]@HOST[:PORT]/DB` (or `postgres://`) takes
libpq's query parameters, plus `schema=NAME` to keep the store in one schema of a
shared database. `memory:` is a store that forgets everything on exit (tests).
Parsing does no I/O (backends.py builds a store for a URL, `Store.open` connects).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from pingpost.store.errors import BadStoreUrl

if TYPE_CHECKING:
    from pingpost.config.models import Settings

ENV_VAR = "PINGPOST_STORE"
DEFAULT_PATH = Path(".pingpost") / "store.db"  # beside the config directory
_SCHEMES = "sqlite:///PATH, postgresql://USER@HOST:PORT/DB or memory:"
_PASSWORD_PARAMS = frozenset({"password", "sslpassword"})
_SQLITE_PARAMS = frozenset({"timeout"})


@dataclass(frozen=True, slots=True)
class StoreUrl:
    """A parsed store URL. `path` for SQLite; `dsn` (libpq form) and `schema` for PostgreSQL."""

    backend: Literal["sqlite", "postgresql", "memory"]
    text: str  # as given
    path: Path | None = None
    dsn: str | None = None
    schema: str | None = None
    busy_timeout: float = 10.0  # SQLite: seconds to wait for another process's write lock

    @property
    def display(self) -> str:
        return display_url(self.text)


def parse_store_url(text: str) -> StoreUrl:
    """Parse a store URL; raises `BadStoreUrl` saying what a good one looks like."""
    text = text.strip()
    if text in ("memory:", "memory://"):
        return StoreUrl("memory", text)
    scheme, sep, _ = text.partition(":")
    if not sep:
        raise BadStoreUrl(display_url(text), f"not a URL: write {_SCHEMES}")
    scheme = scheme.lower()
    if scheme == "sqlite":
        return _sqlite(text)
    if scheme in ("postgresql", "postgres"):
        return _postgresql(text)
    raise BadStoreUrl(display_url(text), f"unknown scheme `{scheme}`: write {_SCHEMES}")


def _sqlite(text: str) -> StoreUrl:
    shown = display_url(text)
    parts = urlsplit(text)
    if not text.lower().startswith("sqlite:///"):
        raise BadStoreUrl(
            shown,
            "an SQLite URL is sqlite:/// followed by the file's path: sqlite:///store.db "
            "(relative to the working directory) or sqlite:////abs/path/store.db",
        )
    raw_path = unquote(text[len("sqlite:///") :].split("?", 1)[0])
    if raw_path in ("", ":memory:") or raw_path.endswith("/"):
        raise BadStoreUrl(shown, "name the database file (an in-memory store is the URL memory:)")
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(params) - _SQLITE_PARAMS)
    if unknown:
        raise BadStoreUrl(shown, f"unknown parameter `{unknown[0]}` (known: timeout=SECONDS)")
    timeout = 10.0
    if "timeout" in params:
        try:
            timeout = float(params["timeout"])
        except ValueError:
            timeout = -1.0
        if not 0 <= timeout <= 3600:
            raise BadStoreUrl(shown, "timeout must be a number of seconds from 0 to 3600")
    return StoreUrl("sqlite", text, path=Path(raw_path), busy_timeout=timeout)


def _postgresql(text: str) -> StoreUrl:
    shown = display_url(text)
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise BadStoreUrl(shown, "the port must be a number") from None
    if not parts.hostname and "host=" not in parts.query:
        raise BadStoreUrl(shown, "name the server: postgresql://USER@HOST:PORT/DATABASE")
    params = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in params if k == "schema"), None)
    if schema is not None and not _is_identifier(schema):
        raise BadStoreUrl(shown, "schema must be a plain name (letters, digits, _)")
    rest = urlencode([(k, v) for k, v in params if k != "schema"])
    dsn = urlunsplit(("postgresql", parts.netloc, parts.path, rest, ""))
    return StoreUrl("postgresql", text, dsn=dsn, schema=schema)


def _is_identifier(name: str) -> bool:
    return (
        bool(name)
        and len(name) <= 63
        and name.replace("_", "a").isalnum()
        and (not name[0].isdigit())
    )


def display_url(text: str) -> str:
    """The URL without its password (in the user part or a `password=` parameter)."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        if ":" in user:
            user = user.split(":", 1)[0] + ":****"
        netloc = f"{user}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k in _PASSWORD_PARAMS for k, _ in pairs):
            masked = [(k, "****" if k in _PASSWORD_PARAMS else v) for k, v in pairs]
            query = urlencode(masked, safe="*/", quote_via=quote)
    if netloc == parts.netloc and query == parts.query:
        return text
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def default_store_url(config_dir: Path) -> str:
    """`sqlite:///` + the absolute `.pingpost/store.db` beside the config directory."""
    directory = config_dir if not config_dir.is_file() else config_dir.parent
    path = (directory.resolve().parent / DEFAULT_PATH).as_posix()
    return "sqlite:///" + path  # an absolute path begins with `/`: four slashes


def resolve_store_url(
    option: str | None, no_store: bool, settings: Settings | None, config_dir: Path
) -> str | None:
    """The store a command uses, first match wins (None: run without one)."""
    if no_store:
        return None
    from_settings = settings.store if settings is not None else None
    for candidate in (option, os.environ.get(ENV_VAR), from_settings):
        if candidate:
            return candidate
    return default_store_url(config_dir)
