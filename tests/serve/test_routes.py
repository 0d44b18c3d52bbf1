"""The service's other routes over real HTTP: backpressure, health, readiness, metrics,
the OpenAPI document, and the admin reload."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from pingpost.sandbox import Sandbox
from pingpost.serve.app import build_app
from pingpost.serve.openapi import openapi_document
from pingpost.store import MemoryStore
from pingpost.store.records import LogQuery, LogRow

from .helpers import (
    ADMIN,
    METHOD,
    buyer,
    call,
    post_lead,
    problem_of,
    running_service,
    write_config,
)


def test_past_max_in_flight_is_503_with_retry_after_never_a_queue(
    buyers: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = buyers(buyer("s", 10, latency_ms=400))
    config = write_config(tmp_path, sandbox.url, ["s"], settings="serve: {max_in_flight: 2}\n")
    with running_service(config) as service, ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda _: post_lead(service.url), range(5)))
        after = post_lead(service.url)
    statuses = sorted(a.status for a in answers)
    assert statuses == [201, 201, 503, 503, 503]
    busy = next(a for a in answers if a.status == 503)
    assert "max_in_flight" in str(problem_of(busy, 503, "busy")["detail"])
    assert busy.headers["retry-after"] == "1"
    assert after.status == 201  # slots come back
    assert len(sandbox.ledger(phase="post")) == 3


def test_healthz_and_readyz(two_buyers: tuple[Sandbox, Path]) -> None:
    _, config = two_buyers
    with running_service(config) as service:
        health = call(f"{service.url}/healthz", key=None)
        ready = call(f"{service.url}/readyz", key=None)
    assert health.status == 200 and health.json() == {"status": "ok"}
    assert ready.status == 200
    assert ready.json()["checks"] == {"configs": "loaded", "store": "reachable"}


class BrokenStore(MemoryStore):
    """A store that cannot be read (the database went away)."""

    async def log(self, query: LogQuery) -> list[LogRow]:
        raise ConnectionError("gone")


def test_readyz_is_503_when_the_store_is_unreachable(two_buyers: tuple[Sandbox, Path]) -> None:
    _, config = two_buyers
    with running_service(config, store=BrokenStore()) as service:
        ready = call(f"{service.url}/readyz", key=None)
    assert ready.status == 503
    assert ready.json()["checks"]["store"] == "unreachable (ConnectionError)"


def _sample(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))  # exposition order
    pattern = re.escape(name + (f"{{{wanted}}}" if labels else "")) + r" ([0-9.e+-]+)$"
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"{name} {labels} not in the metrics"
    return float(found.group(1))


def test_metrics_count_auctions_revenue_and_each_account(
    buyers: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = buyers(buyer("a", 12), buyer("b", 9), buyer("e", 5, faults={"http_500": 1.0}))
    config = write_config(tmp_path, sandbox.url, ["a", "b", "e"])
    with running_service(config) as service:
        for _ in range(3):
            assert post_lead(service.url).status == 201
        post_lead(service.url, key="wrong-key-0123456789")
        answer = call(f"{service.url}/metrics", key=None)
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/plain")
    text = answer.body.decode()
    assert _sample(text, "pingpost_auctions_total", result="sold", source="web-form") == 3
    assert _sample(text, "pingpost_revenue_total", source="web-form") == 36.0
    assert _sample(text, "pingpost_account_sales_total", account="a-acct") == 3
    assert _sample(text, "pingpost_account_revenue_total", account="a-acct") == 36.0
    assert _sample(text, "pingpost_account_pings_total", account="b-acct", status="accepted") == 3
    assert _sample(text, "pingpost_account_posts_total", account="a-acct", status="sold") == 3
    assert _sample(text, "pingpost_account_errors_total", account="e-acct", phase="ping",
                   kind="http_5xx") == 3  # fmt: skip
    assert _sample(text, "pingpost_account_ping_latency_seconds_count", account="a-acct") == 3
    assert _sample(text, "pingpost_auctions_in_flight") == 0
    assert _sample(text, "pingpost_http_requests_total", route="/v1/leads", status="401") == 1
    assert _sample(text, "pingpost_sources") == 2
    assert "Ada" not in text and "94107" not in text


def test_openapi_is_a_valid_3_1_document_matching_the_routes(
    two_buyers: tuple[Sandbox, Path],
) -> None:
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    _, config = two_buyers
    with running_service(config) as service:
        answer = call(f"{service.url}/openapi.json", key=None)
    document = answer.json()
    assert answer.status == 200 and document == openapi_document()
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)  # raises on any error
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert documented == _routes()


def _routes() -> set[tuple[str, str]]:
    app = build_app(object())  # type: ignore[arg-type]  # routes only, never served
    return {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }


def test_the_openapi_answers_cover_what_the_service_answers() -> None:
    responses = openapi_document()["paths"]["/v1/leads"]["post"]["responses"]
    for code in ("200", "201", "202", "400", "401", "403", "409", "413", "415", "422", "429",
                 "503"):  # fmt: skip
        assert code in responses


# -- reload --------------------------------------------------------------------------------


def _with_admin(config: Path) -> None:
    (config / "pingpost.yaml").write_text('kind: settings\nserve: {admin_key: "${ADMIN_KEY}"}\n')


def test_admin_reload_swaps_the_config(two_buyers: tuple[Sandbox, Path]) -> None:
    _, config = two_buyers
    _with_admin(config)
    with running_service(config) as service:
        before = post_lead(service.url).json()
        (config / "accounts/a.yaml").write_text(
            "kind: delivery_account\nname: a-acct\nmethod: a\nenabled: false\n"
        )
        reload = call(f"{service.url}/v1/admin/reload", "POST", key=ADMIN)
        after = post_lead(service.url).json()
    assert reload.status == 200 and reload.json()["status"] == "reloaded"
    assert before["sold_to"] == "a-acct" and after["sold_to"] == "b-acct"
    assert [e["event"] for e in service.events() if e["event"] == "reloaded"] == ["reloaded"]


def test_a_bad_config_is_refused_and_the_old_one_keeps_serving(
    two_buyers: tuple[Sandbox, Path],
) -> None:
    _, config = two_buyers
    _with_admin(config)
    with running_service(config) as service:
        (config / "methods/b.yaml").write_text(
            METHOD.format(name="b", url="http://x", timeout=1, post_timeout=1).replace(
                "timeout: 1\n", "timout: 1\n", 1
            )
        )
        reload = call(f"{service.url}/v1/admin/reload", "POST", key=ADMIN)
        after = post_lead(service.url)
        metrics = call(f"{service.url}/metrics", key=None).body.decode()
    document = problem_of(reload, 422, "invalid_config")
    assert "previous one keeps serving" in str(document["detail"])
    problems: Any = document["problems"]
    assert any(re.search(r"methods/b\.yaml:6:3: unknown key `timout`", p) for p in problems)
    assert after.status == 201
    assert _sample(metrics, "pingpost_config_reloads_total", outcome="refused") == 1
    (refused,) = service.events("reload_refused")
    assert refused["keeping"] == "the old config"


def test_admin_reload_needs_the_admin_key(two_buyers: tuple[Sandbox, Path]) -> None:
    _, config = two_buyers
    with running_service(config) as service:
        disabled = call(f"{service.url}/v1/admin/reload", "POST", key=ADMIN)
    problem_of(disabled, 403, "admin_disabled")
    _with_admin(config)
    with running_service(config) as service:
        missing = call(f"{service.url}/v1/admin/reload", "POST", key=None)
        wrong = call(f"{service.url}/v1/admin/reload", "POST", key="nope-0123456789")
        right = call(f"{service.url}/v1/admin/reload", "POST", key=None,
                     headers={"X-Api-Key": ADMIN})  # fmt: skip
    problem_of(missing, 401, "unauthorized")
    problem_of(wrong, 401, "unauthorized")
    assert right.status == 200


def test_the_admin_key_can_come_from_the_environment(
    two_buyers: tuple[Sandbox, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, config = two_buyers
    monkeypatch.setenv("PINGPOST_ADMIN_KEY", "env-admin-key-0123456789")
    with running_service(config) as service:
        answer = call(f"{service.url}/v1/admin/reload", "POST", key="env-admin-key-0123456789")
    assert answer.status == 200
