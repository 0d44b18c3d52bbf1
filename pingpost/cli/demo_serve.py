"""`pingpost demo --serve`: the sandbox buyers, `pingpost serve` on the sample configs, and
a few leads sent to it, each with the curl command that sends the same request.

The service runs in this process on a free port, on a SQLite store of its own in a
temporary directory (deleted at the end: the demo leaves nothing behind), with a key
made for this run (WEBFORM_KEY, read by configs/sources/web-form.yaml). Its access
log goes to stderr; the requests, answers, curl commands and, at the end, the delivery
log as `pingpost log` shows it, to stdout.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shlex
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp

KEY_VARIABLE = "WEBFORM_KEY"


@contextmanager
def demo_key() -> Iterator[str]:
    """A key for this demo only, in the environment while the configs load."""
    before = os.environ.get(KEY_VARIABLE)
    key = os.environ[KEY_VARIABLE] = "demo-" + secrets.token_hex(12)
    try:
        yield key
    finally:
        if before is None:
            os.environ.pop(KEY_VARIABLE, None)
        else:
            os.environ[KEY_VARIABLE] = before


def run_demo(configs: Path, lead_file: Path, key: str) -> int:
    """Serve, send the leads, stop, show the log. 0 when every answer was the one expected."""
    lead = json.loads(lead_file.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="pingpost-demo-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'store.db'}"
        code = asyncio.run(_demo(configs, lead, lead_file, key, url))
        _show_log(configs, url)
    return code


def _show_log(configs: Path, url: str) -> None:
    """What `pingpost log --store URL` prints: every auction the service ran, by source."""
    from pingpost.cli.log_output import print_log
    from pingpost.cli.log_session import LogSession, with_log
    from pingpost.store.records import LogQuery

    async def listing(session: LogSession) -> None:
        rows = await session.store.log(LogQuery(limit=20))
        await print_log(session, rows, limit=20, as_json=False, no_color=False)

    print("\n── the delivery log: pingpost log (the demo's store is deleted when it ends)")
    with_log(url, configs, listing)


async def _demo(configs: Path, lead: dict[str, Any], lead_file: Path, key: str, url: str) -> int:
    from pingpost.serve import ServeOptions, serve
    from pingpost.serve.accesslog import ServiceLog
    from pingpost.store.backends import store_for_url

    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    options = ServeOptions(configs, port=0)
    log = ServiceLog(human=True)
    service = asyncio.create_task(
        serve(options, store_for_url(url), log=log, ready=ready.set_result, stop=stop)
    )
    either: set[asyncio.Future[Any]] = {service, ready}
    done, _ = await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    if service in done:
        service.result()  # it could not start: raise why
    try:
        return await _send_all(ready.result(), lead, lead_file, key)
    finally:
        stop.set()
        await service


async def _send_all(url: str, lead: dict[str, Any], lead_file: Path, key: str) -> int:
    print(f"pingpost serve: listening on {url} (source web-form, key {key})\n")
    invalid = {**lead, "ZipCode": "ABCDE"}
    steps = [
        ("a lead: sold to the best bid (201)", lead, {"Authorization": f"Bearer {key}"}, 201),
        ("the same lead with an Idempotency-Key, twice: one auction, the same answer", lead,
         {"Authorization": f"Bearer {key}", "Idempotency-Key": "demo-order-1"}, 201),
        ("", lead, {"Authorization": f"Bearer {key}", "Idempotency-Key": "demo-order-1"}, 201),
        ("an invalid lead: 422 with every problem", invalid, {"X-Api-Key": key}, 422),
        ("no API key: 401, and no auction", lead, {}, 401),
    ]  # fmt: skip
    failed = 0
    shown = f"@{_shown(lead_file)}"
    async with aiohttp.ClientSession() as session:
        for title, body, headers, expected in steps:
            status = await _send(
                session, url, title, body, headers, shown if body is lead else None
            )
            failed += status != expected
        await _metrics(session, url)
    return 1 if failed else 0


async def _send(
    session: aiohttp.ClientSession,
    url: str,
    title: str,
    lead: dict[str, Any],
    headers: dict[str, str],
    file: str | None,
) -> int:
    target = f"{url}/v1/leads?lead_type=auto_insurance"
    sent = {"Content-Type": "application/json", **headers}
    data = json.dumps(lead)
    if title:
        print(f"── {title}")
    print(_curl(target, sent, file or data))
    async with session.post(target, data=data, headers=sent) as response:
        answer = await response.json(content_type=None)
        replayed = " (replayed)" if response.headers.get("Idempotent-Replayed") else ""
        print(f"→ {response.status} {_summary(answer)}{replayed}\n")
        return response.status


def _curl(url: str, headers: dict[str, str], data: str) -> str:
    """The curl command sending the same request (`data`: the body, or `@FILE`)."""
    parts = [f"curl -sS -X POST {shlex.quote(url)}"]
    parts += [f"-H {shlex.quote(f'{k}: {v}')}" for k, v in headers.items()]
    parts.append(f"--data-binary {shlex.quote(data)}")
    return " \\\n  ".join(parts)


def _shown(path: Path) -> str:
    """The lead file as the user would type it: relative to here when it is below."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _summary(answer: Any) -> str:
    if not isinstance(answer, dict):
        return str(answer)[:200]
    if "result" in answer:
        sold = f" to {answer['sold_to']} for ${answer['price']}" if answer["sold_to"] else ""
        return f"{answer['result']}{sold}, auction {answer['lead_id']}"
    problems = "; ".join(answer.get("problems", []))
    return f"{answer.get('code')}: {answer.get('detail')}" + (f" ({problems})" if problems else "")


async def _metrics(session: aiohttp.ClientSession, url: str) -> None:
    print(f"── the metrics: curl -sS {url}/metrics | grep pingpost_auctions")
    async with session.get(f"{url}/metrics") as response:
        text = await response.text()
    for line in text.splitlines():
        if line.startswith("pingpost_auctions_total"):
            print(line)
