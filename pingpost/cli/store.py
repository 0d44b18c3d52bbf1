"""`pingpost store info` and `pingpost store migrate`: the store itself (docs/store.md).

Exit codes: 0 done; 2 cannot run (no store there yet, unreachable, a bad URL, a
store from a newer pingpost, or one that needs `migrate` for `info`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from pingpost.cli.common import (
    EXIT_OK,
    ConfigOption,
    DebugOption,
    JsonOption,
    StoreOption,
    UnusedNoColor,
    UnusedTest,
    UnusedVerbose,
    run,
    store_url,
)
from pingpost.cli.help import Command

if TYPE_CHECKING:
    from pingpost.store.records import StoreInfo

app = typer.Typer(
    name="store",
    help="The store: the delivery log and the buyer controls' state.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("info", cls=Command)
def info(
    store: StoreOption = None,
    config: ConfigOption = None,
    json_: JsonOption = False,
    _test: UnusedTest = False,
    _verbose: UnusedVerbose = False,
    _no_color: UnusedNoColor = False,
    debug: DebugOption = False,
) -> None:
    """Show the store's backend, URL (without password), schema version, size and counts."""

    def body() -> int:
        import asyncio

        print_info(asyncio.run(_info(_url(store, config))), as_json=json_)
        return EXIT_OK

    run(body, debug=debug)


@app.command("migrate", cls=Command)
def migrate(
    store: StoreOption = None,
    config: ConfigOption = None,
    json_: Annotated[
        bool, typer.Option("--json", help="Print {url, before, after} as one JSON object.")
    ] = False,
    _test: UnusedTest = False,
    _verbose: UnusedVerbose = False,
    _no_color: UnusedNoColor = False,
    debug: DebugOption = False,
) -> None:
    """Create the store, or bring its schema to this pingpost's version (under a lock).

    Commands that use the store do this on their own; run it to upgrade at a chosen time.
    """

    def body() -> int:
        import asyncio

        from pingpost.store.url import display_url

        url = _url(store, config)
        before, after = asyncio.run(_migrate(url))
        shown = display_url(url)
        if json_:
            print(json.dumps({"url": shown, "before": before, "after": after}))
        elif before == after:
            print(f"{shown}: schema version {after}, nothing to migrate")
        elif before == 0:
            print(f"{shown}: created at schema version {after}")
        else:
            print(f"{shown}: migrated from schema version {before} to {after}")
        return EXIT_OK

    run(body, debug=debug)


def _url(option: str | None, config: object) -> str:
    from pathlib import Path

    url = store_url(option, False, config if isinstance(config, Path) else None)
    assert url is not None
    return url


async def _info(url: str) -> StoreInfo:
    from pingpost.store.backends import store_for_url

    store = store_for_url(url)
    await store.open(migrate=False)
    try:
        return await store.info()
    finally:
        await store.close()


async def _migrate(url: str) -> tuple[int, int]:
    from pingpost.store.backends import store_for_url

    store = store_for_url(url)
    try:
        return await store.migrate()
    finally:
        await store.close()


def print_info(info: StoreInfo, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(_document(info)))
        return
    rows = [
        ("backend", info.backend),
        ("url", info.url),
        ("schema version", f"{info.schema_version} (this pingpost: {info.supported_version})"),
        ("size", _size(info.size_bytes)),
        *((name, f"{n:,}") for name, n in info.counts.items()),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def _document(info: StoreInfo) -> dict[str, object]:
    return {
        "backend": info.backend,
        "url": info.url,
        "schema_version": info.schema_version,
        "supported_version": info.supported_version,
        "size_bytes": info.size_bytes,
        "counts": {name.replace(" ", "_"): n for name, n in info.counts.items()},
    }


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n = n / 1024  # type: ignore[assignment]
    return str(n)
