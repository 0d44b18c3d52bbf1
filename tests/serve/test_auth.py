"""Sources: keys by Bearer or X-Api-Key, 401 for missing, wrong or revoked ones (compared in
constant time), 429 over a rate; neither is an auction."""

from __future__ import annotations

import gc
import hmac
import time
from pathlib import Path

import pytest

from pingpost.config.models import Source
from pingpost.sandbox import Sandbox
from pingpost.serve.sources import Keyring, RateLimits, presented_key

from .helpers import (
    ADMIN,
    KEY,
    OTHER_KEY,
    SOURCES,
    call,
    post_lead,
    problem_of,
    running_service,
    write_config,
)


def test_both_headers_authenticate_and_name_the_source(two_buyers: tuple[Sandbox, Path]) -> None:
    _, config = two_buyers
    with running_service(config) as service:
        bearer = post_lead(service.url, key=KEY)
        header = post_lead(service.url, key=None, headers={"X-Api-Key": OTHER_KEY})
        lowercase = post_lead(service.url, key=None, headers={"authorization": f"bearer {KEY}"})
    assert [bearer.status, header.status, lowercase.status] == [201, 201, 201]
    requests = service.events("request")
    assert [e["source"] for e in requests] == ["web-form", "affiliate", "web-form"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key-0123456789"},
        {"Authorization": f"Basic {KEY}"},
        {"X-Api-Key": ""},
        {"X-Api-Key": KEY[:-1]},
        {"X-Api-Key": KEY + "x"},
    ],
    ids=["missing", "wrong", "not-bearer", "empty", "prefix", "longer"],
)
def test_missing_or_wrong_keys_are_401_and_no_auction(
    two_buyers: tuple[Sandbox, Path], headers: dict[str, str]
) -> None:
    sandbox, config = two_buyers
    with running_service(config) as service:
        answer = post_lead(service.url, key=None, headers=headers)
        metrics = call(f"{service.url}/metrics").body.decode()
    problem_of(answer, 401, "unauthorized")
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert sandbox.ledger() == []
    assert "pingpost_auctions_total{" not in metrics
    (logged,) = service.events("request")
    assert logged["status"] == 401 and "auction_id" not in logged and "source" not in logged
    assert KEY not in service.log.getvalue()


def test_a_revoked_key_is_401_after_a_reload(two_buyers: tuple[Sandbox, Path]) -> None:
    sandbox, config = two_buyers
    settings = config / "pingpost.yaml"
    settings.write_text('kind: settings\nserve: {admin_key: "${ADMIN_KEY}"}\n')
    with running_service(config) as service:
        before = post_lead(service.url, key=OTHER_KEY)
        (config / "sources.yaml").write_text(SOURCES + "enabled: false\n")
        reload = call(f"{service.url}/v1/admin/reload", "POST", key=ADMIN)
        after = post_lead(service.url, key=OTHER_KEY)
        unknown = post_lead(service.url, key="never-issued-key-01234")
        still = post_lead(service.url, key=KEY)
    assert before.status == 201 and reload.status == 200
    revoked = problem_of(after, 401, "unauthorized")
    assert revoked == problem_of(unknown, 401, "unauthorized")  # the same answer: nothing told
    assert still.status == 201
    assert len(sandbox.ledger(phase="post")) == 2


def test_over_the_rate_limit_is_429_with_retry_after(
    two_buyers: tuple[Sandbox, Path],
) -> None:
    sandbox, config = two_buyers
    (config / "sources.yaml").write_text(SOURCES.replace("lead_types: [auto]", "rate_limit: 2/m"))
    with running_service(config) as service:
        answers = [post_lead(service.url, key=KEY) for _ in range(3)]
        other = post_lead(service.url, key=OTHER_KEY)  # each source has its own budget
    assert [a.status for a in answers] == [201, 201, 429]
    problem_of(answers[2], 429, "rate_limited")
    assert 1 <= int(answers[2].headers["retry-after"]) <= 30
    assert other.status == 201
    assert len(sandbox.ledger(phase="post")) == 3


def test_without_sources_serve_refuses_unless_told(two_buyers: tuple[Sandbox, Path]) -> None:
    from pingpost.serve import NoSources

    _, config = two_buyers
    (config / "sources.yaml").unlink()
    with pytest.raises(NoSources, match="declares no lead source"), running_service(config):
        pass
    with running_service(config, auth=False) as service:
        anonymous = post_lead(service.url, key=None)
        wrong = post_lead(service.url, key="not-a-key-0123456789")
    assert anonymous.status == 201
    problem_of(wrong, 401, "unauthorized")  # a key given is still checked


# -- the keyring, in process --------------------------------------------------------------


def _sources(n: int) -> dict[str, Source]:
    return {
        f"s{i}": Source(kind="source", name=f"s{i}", api_key=f"key-{i:04d}-abcdefghij")
        for i in range(n)
    }


def test_presented_key() -> None:
    assert presented_key("Bearer abc", None) == "abc"
    assert presented_key("bearer   abc ", None) == "abc"
    assert presented_key("Basic abc", "xyz") == "xyz"
    assert presented_key(None, " xyz ") == "xyz"
    assert presented_key("Bearer ", "") is None


def test_every_key_is_compared_whether_one_matches_or_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring = Keyring(_sources(20))
    calls: list[int] = []
    compare = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append(len(a) + len(b))
        return compare(a, b)

    monkeypatch.setattr("pingpost.serve.sources.hmac.compare_digest", counting)
    assert keyring.identify("key-0000-abcdefghij") is not None  # the first one
    first = list(calls)
    calls.clear()
    assert keyring.identify("nope") is None
    assert len(first) == len(calls) == 20
    assert set(first) == set(calls) == {64}  # digests: the same length whatever the key


def test_timing_does_not_tell_a_known_key_from_an_unknown_one() -> None:
    keyring = Keyring(_sources(50))
    cases = {
        "first": "key-0000-abcdefghij",
        "last": "key-0049-abcdefghij",
        "near miss": "key-0000-abcdefghiX",
        "unknown": "completely-different-key",
    }

    runs: dict[str, list[float]] = {name: [] for name in cases}
    gc.disable()  # no collection inside one case's run
    try:
        for _ in range(30):  # the cases interleaved, the best run of each: the machine is shared
            for name, key in cases.items():
                start = time.perf_counter()
                for _ in range(200):
                    keyring.identify(key)
                runs[name].append(time.perf_counter() - start)
    finally:
        gc.enable()
    best = {name: min(times) for name, times in runs.items()}
    assert max(best.values()) / min(best.values()) < 1.5, best


def test_a_disabled_source_is_not_in_the_keyring() -> None:
    sources = _sources(2)
    sources["s1"] = sources["s1"].model_copy(update={"enabled": False})
    keyring = Keyring(sources)
    assert len(keyring) == 1
    assert keyring.identify("key-0001-abcdefghij") is None


def test_rate_limits_are_token_buckets() -> None:
    now = [100.0]
    limits = RateLimits(clock=lambda: now[0])
    source = Source(kind="source", name="s", api_key="k" * 16, rate_limit="2/s")
    assert [limits.take(source) for _ in range(3)] == [0.0, 0.0, pytest.approx(0.5)]
    now[0] += 0.5
    assert limits.take(source) == 0.0
    unlimited = Source(kind="source", name="u", api_key="u" * 16)
    assert all(limits.take(unlimited) == 0.0 for _ in range(1000))


def test_admin_key_is_not_a_source_key(two_buyers: tuple[Sandbox, Path]) -> None:
    _, config = two_buyers
    (config / "pingpost.yaml").write_text('kind: settings\nserve: {admin_key: "${ADMIN_KEY}"}\n')
    with running_service(config) as service:
        answer = post_lead(service.url, key=ADMIN)
        reload = call(f"{service.url}/v1/admin/reload", "POST", key=KEY)
    problem_of(answer, 401, "unauthorized")
    problem_of(reload, 401, "unauthorized")


def test_config_with_sources_written_plainly_still_loads(tmp_path: Path) -> None:
    plain = "kind: source\nname: s\napi_key: plain-key-0123456789\n"
    config = write_config(tmp_path, "http://127.0.0.1:9", ["a"], sources=plain)
    with running_service(config) as service:
        assert call(f"{service.url}/healthz").status == 200
