"""The service under test: a config against sandbox buyers, `serve` in a thread on a real
port (or as a real subprocess), and a small blocking HTTP client."""

from __future__ import annotations

import asyncio
import http.client
import io
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pingpost.serve import ServeOptions, serve
from pingpost.serve.accesslog import ServiceLog
from pingpost.store import MemoryStore
from pingpost.store.api import Store

KEY = "web-form-key-0123456789"
OTHER_KEY = "affiliate-key-0123456789"
ADMIN = "admin-key-0123456789"
ENV = {"WEB_KEY": KEY, "AFF_KEY": OTHER_KEY, "ADMIN_KEY": ADMIN}
ROOT = Path(__file__).resolve().parents[2]

LEAD_TYPE = """\
kind: lead_type
name: auto
fields:
  FirstName: {type: string, required: true, pii: true}
  Phone: {type: phone, required: true, pii: true}
  Email: {type: email, pii: true}
  Zip: {type: zip, required: true}
  State: {type: state}
sample: {FirstName: Ada, Phone: "(415) 555-0142", Email: ada@example.com, Zip: "94107", State: CA}
"""
HOME = LEAD_TYPE.replace("name: auto", "name: home")
LEAD = {"FirstName": "Ada", "Phone": "(415) 555-0142", "Email": "ada@example.com", "Zip": "94107"}

METHOD = """\
kind: delivery_method
name: {name}
lead_type: auto
ping:
  url: {url}/{name}/ping
  timeout: {timeout}
  mappings: {{zip: Zip}}
  response:
    accept: {{path: status, equals: success}}
    reject: {{path: status, equals: rejected}}
    bid: price
    capture: {{token: pingToken}}
post:
  url: {url}/{name}/post
  timeout: {post_timeout}
  mappings:
    pingToken: {{capture: token}}
    phone: {{field: Phone, format: digits}}
    name: FirstName
  response:
    accept: {{path: status, equals: success}}
    reject: {{path: status, equals: rejected}}
"""
ACCOUNT = "kind: delivery_account\nname: {name}-acct\nmethod: {name}\n"
SOURCES = """\
kind: source
name: web-form
api_key: "${WEB_KEY}"
lead_types: [auto]
---
kind: source
name: affiliate
api_key: "${AFF_KEY}"
"""


def buyer(name: str, bid: float = 10.0, latency_ms: float = 1.0, **fields: Any) -> dict[str, Any]:
    """A json_status sandbox buyer at /NAME/ping and /NAME/post."""
    return {
        "name": name, "style": "json_status", "ping_path": f"/{name}/ping",
        "post_path": f"/{name}/post", "bid": [bid, bid], "latency_ms": [latency_ms, latency_ms],
        **fields,
    }  # fmt: skip


def write_config(
    root: Path,
    url: str,
    buyers: Sequence[str],
    *,
    sources: str | None = SOURCES,
    settings: str = "",
    timeout: float = 2.0,
    post_timeout: float = 3.0,
    extra: Mapping[str, str] | None = None,
) -> Path:
    """A config dir: lead type `auto`, one method and account per buyer name, the sources."""
    files = {"lead_types/auto.yaml": LEAD_TYPE}
    for name in buyers:
        files[f"methods/{name}.yaml"] = METHOD.format(
            name=name, url=url, timeout=timeout, post_timeout=post_timeout
        )
        files[f"accounts/{name}.yaml"] = ACCOUNT.format(name=name)
    if sources:
        files["sources.yaml"] = sources
    files["pingpost.yaml"] = "kind: settings\n" + textwrap.dedent(settings)
    files.update(extra or {})
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# -- the service in a thread --------------------------------------------------------------


@dataclass
class Running:
    url: str
    log: io.StringIO
    loop: asyncio.AbstractEventLoop
    stop_event: asyncio.Event
    thread: threading.Thread
    errors: list[BaseException] = field(default_factory=list)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(30)

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in self.log.getvalue().splitlines() if line]
        return [e for e in lines if name is None or e["event"] == name]


@contextmanager
def running_service(
    config: Path, *, store: Store | None = None, auth: bool = True, test: bool = False
) -> Iterator[Running]:
    """`serve` on 127.0.0.1, a free port, in its own thread and event loop."""
    log = io.StringIO()
    started = threading.Event()
    box: dict[str, Any] = {}

    async def main() -> None:
        box["loop"], box["stop"] = asyncio.get_running_loop(), asyncio.Event()

        def ready(url: str) -> None:
            box["url"] = url
            started.set()

        options = ServeOptions(config, port=0, auth=auth, test=test)
        await serve(options, store or MemoryStore(), log=ServiceLog(log, human=False),
                    ready=ready, stop=box["stop"])  # fmt: skip

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:
            box.setdefault("errors", []).append(exc)
            started.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    assert started.wait(30), "the service did not start"
    if "url" not in box:
        raise box["errors"][0]
    running = Running(box["url"], log, box["loop"], box["stop"], thread)
    try:
        yield running
    finally:
        running.stop()
    assert not box.get("errors"), box.get("errors")


# -- a blocking client ----------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0]


def call(
    url: str,
    method: str = "GET",
    body: bytes | str | Any = None,
    *,
    headers: Mapping[str, str] | None = None,
    key: str | None = KEY,
    timeout: float = 20.0,
) -> Answer:
    """One request; a non-bytes, non-str body is sent as JSON (`Content-Type` set)."""
    parts = urlsplit(url)
    sent = dict(headers or {})
    if body is not None and not isinstance(body, bytes | str):
        body = json.dumps(body)
        sent.setdefault("Content-Type", "application/json")
    if key is not None:
        sent.setdefault("Authorization", f"Bearer {key}")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path or "/", body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        got = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, got, data)
    finally:
        connection.close()


def post_lead(base: str, lead: Any = None, **kw: Any) -> Answer:
    query = kw.pop("query", "")
    return call(f"{base}/v1/leads{query}", "POST", LEAD if lead is None else lead, **kw)


# -- the service as a subprocess --------------------------------------------------------


@dataclass
class Process:
    process: subprocess.Popen[str]
    url: str
    lines: list[str]
    reader: threading.Thread

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines if line.startswith("{")]

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def finish(self, timeout: float = 30) -> int:
        """Wait for the exit (killing it past `timeout`), read stderr to the end, close it."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.reader.join(10)
        if self.process.stderr is not None:
            self.process.stderr.close()
        return code

    def saw(self, event: str) -> bool:
        return any(f'"event":"{event}"' in line for line in list(self.lines))


def command(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "pingpost", "serve", "--port", "0", "--log-format", "json",
            *args]  # fmt: skip


def run_to_end(args: Sequence[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """`pingpost serve ARGS` expected to stop by itself (refused at start)."""
    return subprocess.run(
        command(args), capture_output=True, text=True, cwd=ROOT, env={**os.environ, **env},
        timeout=60,
    )  # fmt: skip


def start_process(args: Sequence[str], env: Mapping[str, str]) -> Process:
    """`python -m pingpost serve ARGS` with JSON logs; waits for its `listening` line."""
    process = subprocess.Popen(
        command(args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, **env},
    )  # fmt: skip
    assert process.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if '"event":"listening"' in line:
            reader = threading.Thread(target=_drain, args=(process, lines), daemon=True)
            reader.start()
            return Process(process, json.loads(line)["url"], lines, reader)
    process.kill()
    rest = process.communicate()[1]
    raise AssertionError("serve did not start:\n" + "".join(lines) + rest)


def _drain(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line)


def problem_of(answer: object, status: int, code: str) -> dict[str, object]:
    assert answer.status == status, (answer.status, answer.body)  # type: ignore[attr-defined]
    assert answer.content_type == "application/problem+json"  # type: ignore[attr-defined]
    document = answer.json()  # type: ignore[attr-defined]
    assert document["status"] == status and document["code"] == code
    assert document["type"] == "about:blank" and document["title"] and document["detail"]
    return document  # type: ignore[no-any-return]
