"""Fixtures for the trace and command tests (deliver, test-ping, test-post, privacy).

`buyer_setup` writes a config directory whose buyers are pytest-httpserver
endpoints (`/<buyer>/ping`, `/<buyer>/post`), with a canary secret in every
auth header (from the environment) and canary PII in the lead, so any test
can also check that neither leaks.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

CANARY_SECRET = "canary-secret-7f3a9c"
SECRET_ENV = "PP_CANARY_TOKEN"
CANARY_PII = {
    "FirstName": "Canaryfirst",
    "LastName": "Canarylast",
    "Email": "canary.pii@example.com",
    "Phone": "(415) 555-0199",
}
CANARY_PII_VALUES = ("Canaryfirst", "Canarylast", "canary.pii@example.com", "4155550199")
LEAD = {**CANARY_PII, "ZipCode": "94107", "State": "CA", "Age": 34}

LEAD_TYPE = """\
kind: lead_type
name: auto_insurance
fields:
  FirstName: {type: string, required: true, pii: true}
  LastName:  {type: string, required: true, pii: true}
  Email:     {type: email, pii: true}
  Phone:     {type: phone, required: true, pii: true}
  ZipCode:   {type: zip, required: true}
  State:     {type: state, required: true}
  Age:       {type: integer, min: 18, max: 120}
sample:
  FirstName: Canaryfirst
  LastName: Canarylast
  Email: canary.pii@example.com
  Phone: "(415) 555-0199"
  ZipCode: "94107"
  State: CA
  Age: 34
"""

METHOD = """\
kind: delivery_method
name: {name}
lead_type: auto_insurance
ping:
  url: {base}/{name}/ping
  timeout: {timeout}
  auth: {{type: bearer, token: "${{{secret_env}}}"}}
  mappings:
    zip: ZipCode
    state: State
    age: {{field: Age, required: false}}
  response:
    status: {{404: reject}}
    accept: {{path: status, equals: accepted}}
    bid: price
    reason: message
    capture: {{ping_id: ping_id}}
post:
  url: {base}/{name}/post
  timeout: {timeout}
  auth: {{type: bearer, token: "${{{secret_env}}}"}}
  mappings:
    ping_id: {{capture: ping_id}}
    first_name: FirstName
    last_name: LastName
    phone: Phone
    email: {{field: Email, required: false}}
  response:
    accept: {{path: result, equals: success}}
    price: price
    reason: message
"""

ACCOUNT = """\
kind: delivery_account
name: {name}
method: {method}
priority: {priority}
pricing: {{min_bid: 1.00}}
"""

SETTINGS = """\
kind: settings
auction: {{ping_deadline: {deadline}, post_timeout: 2.0, max_posts: 3}}
"""


@dataclass
class BuyerSetup:
    """A config dir (`.dir`) for `buyers`, answering at `.base` (the httpserver)."""

    dir: Path
    base: str
    server: HTTPServer
    buyers: tuple[str, ...]
    written: list[Path] = field(default_factory=list)

    def answer(self, buyer: str, phase: str, body: Any, status: int = 200) -> None:
        """Make `buyer` answer every `phase` request with `body` (JSON) and `status`."""
        text = body if isinstance(body, str) else json.dumps(body)
        self.server.expect_request(f"/{buyer}/{phase}").respond_with_data(
            text, status=status, content_type="application/json"
        )

    def lead_file(self, name: str = "lead.json", **changes: Any) -> Path:
        path = self.dir.parent / name
        path.write_text(json.dumps({**LEAD, **changes}))
        return path

    def leads_file(self, lines: list[str], name: str = "leads.jsonl") -> Path:
        path = self.dir.parent / name
        path.write_text("".join(line + "\n" for line in lines))
        return path

    def requests(self, buyer: str, phase: str) -> list[Any]:
        """What `buyer` received in `phase`, as decoded JSON bodies (query GETs as `{}`)."""
        path = f"/{buyer}/{phase}"
        return [json.loads(r.data or b"{}") for r, _ in self.server.log if r.path == path]


@pytest.fixture
def buyer_setup(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., BuyerSetup]:
    """`buyer_setup("acme", "bluesky", deadline=1.0)` -> a `BuyerSetup` (config dir written)."""
    monkeypatch.setenv(SECRET_ENV, CANARY_SECRET)

    def make(
        *buyers: str, deadline: float = 2.0, timeout: float = 1.5, base: str | None = None
    ) -> BuyerSetup:
        buyers = buyers or ("acme",)
        root = tmp_path / "configs"
        for sub in ("lead_types", "methods", "accounts"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        url = (base or httpserver.url_for("")).rstrip("/")
        setup = BuyerSetup(root, url, httpserver, tuple(buyers))
        (root / "lead_types" / "auto.yaml").write_text(LEAD_TYPE)
        (root / "pingpost.yaml").write_text(SETTINGS.format(deadline=deadline))
        for i, name in enumerate(buyers):
            (root / "methods" / f"{name}.yaml").write_text(
                METHOD.format(name=name, base=url, timeout=timeout, secret_env=SECRET_ENV)
            )
            (root / "accounts" / f"{name}.yaml").write_text(
                ACCOUNT.format(name=f"{name}-main", method=name, priority=0 if i < 8 else 1)
            )
        return setup

    return make


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def hanging_url() -> Iterator[str]:
    """A listening socket that never answers (the kernel accepts, nobody reads)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@pytest.fixture
def refused_url() -> str:
    """A loopback port nobody listens on (bound then closed: connection refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def assert_no_canaries(*texts: str) -> None:
    """Neither the canary secret nor any canary PII value appears in `texts`."""
    for text in texts:
        assert CANARY_SECRET not in text, "a secret leaked"
        for value in CANARY_PII_VALUES:
            assert value not in text, f"pii leaked: {value}"
