"""The core of test-ping/test-post, with a fake transport: what is sent, how, and what it means."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest
import yaml

from pingpost.commands.check import (
    Check,
    CheckTarget,
    check_ping,
    check_post,
    diagnose,
    override_url,
    phase_timeout,
)
from pingpost.commands.inputs import AccountChoice, pick_account, sample_lead
from pingpost.config.bundle import Config
from pingpost.config.models import DeliveryAccount, DeliveryMethod, LeadType, Settings
from pingpost.errors import BadUrl, CapturesNeeded, UsageError
from pingpost.exchange import Failure, RawResponse, RenderedRequest
from pingpost.responses.outcome import Outcome
from pingpost.transport import SendOptions
from tests.trace_cli_fixtures import ACCOUNT, LEAD_TYPE, METHOD


class FakeTransport:
    """Answers each phase from a script and records what was sent."""

    def __init__(self, **answers: RawResponse) -> None:
        self.answers = answers
        self.sent: list[tuple[RenderedRequest, SendOptions]] = []

    async def send(self, request: RenderedRequest, options: SendOptions) -> RawResponse:
        self.sent.append((request, options))
        phase = "ping" if request.url.endswith("/ping") or "/ping?" in request.url else "post"
        return self.answers[phase]


def json_response(body: str, status: int = 200) -> RawResponse:
    return RawResponse(status, (("Content-Type", "application/json"),), body.encode(), 5.0)


def method(name: str = "acme", **post_changes: object) -> DeliveryMethod:
    data = yaml.safe_load(
        METHOD.format(name=name, base="http://buyer.test", timeout=1.5, secret_env="X")
    )
    data["post"].update(post_changes)
    return DeliveryMethod.model_validate(data)


def account(name: str, method_name: str = "acme", **changes: object) -> DeliveryAccount:
    data = yaml.safe_load(ACCOUNT.format(name=name, method=method_name, priority=0))
    return DeliveryAccount.model_validate({**data, **changes})


def config(*accounts: DeliveryAccount, methods: tuple[DeliveryMethod, ...] = ()) -> Config:
    lead_type = LeadType.model_validate(yaml.safe_load(LEAD_TYPE))
    methods = methods or (method(),)
    return Config(
        lead_types={lead_type.name: lead_type},
        methods={m.name: m for m in methods},
        accounts={a.name: a for a in accounts},
        settings=Settings(),
    )


@pytest.fixture
def target() -> CheckTarget:
    cfg = config(account("acme-main"))
    lead = sample_lead(cfg.lead_type())
    return CheckTarget(cfg.method("acme"), lead, cfg.settings, account=cfg.account("acme-main"))


ACCEPTED = json_response('{"status": "accepted", "price": "12.50", "ping_id": "p-1"}')


def test_check_ping_renders_sends_and_interprets(target):
    transport = FakeTransport(ping=ACCEPTED)
    before = time.monotonic()
    result = asyncio.run(check_ping(target, transport=transport))
    assert result.accepted and result.post is None
    assert result.ping is not None
    assert result.ping.outcome.bid == Decimal("12.50")
    assert result.ping.outcome.captures == {"ping_id": "p-1"}
    ((request, options),) = transport.sent
    assert request.url == "http://buyer.test/acme/ping"
    assert options.pool == "acme-main" and options.may_resend
    assert before + 1.5 <= options.deadline <= time.monotonic() + 1.5  # the method's timeout


def test_then_post_uses_the_ping_captures(target):
    transport = FakeTransport(ping=ACCEPTED, post=json_response('{"result": "success"}'))
    result = asyncio.run(check_ping(target, transport=transport, then_post=True))
    assert result.accepted and result.post is not None
    post_request, post_options = transport.sent[1]
    assert b'"ping_id": "p-1"' in post_request.body or b'"ping_id":"p-1"' in post_request.body
    assert not post_options.may_resend  # a post without an idempotency key is never re-sent (P5)


def test_then_post_skips_after_a_rejection(target):
    transport = FakeTransport(ping=json_response('{"status": "rejected", "message": "no"}'))
    result = asyncio.run(check_ping(target, transport=transport, then_post=True))
    assert not result.accepted
    assert result.post_skipped == "not posting: the ping was rejected"
    assert len(transport.sent) == 1


def test_post_carries_the_same_idempotency_key_as_the_auction():
    keyed = method(idempotency_key={"header": "Idem-Key"}, retry={"attempts": 2, "on": ["timeout"]})
    cfg = config(account("acme-main"), methods=(keyed,))
    target = CheckTarget(
        keyed, sample_lead(cfg.lead_type()), cfg.settings, cfg.account("acme-main")
    )
    transport = FakeTransport(post=json_response('{"result": "success"}'))
    asyncio.run(check_post(target, transport=transport, captures={"ping_id": "p"}, lead_id="L1"))
    request, options = transport.sent[0]
    assert request.header("Idem-Key") == "L1:acme-main"
    assert options.may_resend


def test_post_without_its_captures_says_which_are_needed(target):
    with pytest.raises(CapturesNeeded) as raised:
        asyncio.run(check_post(target, transport=FakeTransport(), captures={}))
    assert raised.value.captures == ("ping_id",)
    assert "ping_id" in str(raised.value) and "--capture" not in str(raised.value)


def test_url_override_keeps_the_rendered_query():
    assert override_url("https://b.example/p?zip=1&key=s", "http://127.0.0.1:81/x") == (
        "http://127.0.0.1:81/x?zip=1&key=s"
    )
    assert override_url("https://b.example/p", "http://h/x?debug=1") == "http://h/x?debug=1"
    assert override_url("https://b.example/p?a=1", "http://h") == "http://h/?a=1"
    with pytest.raises(BadUrl, match="not an absolute URL") as raised:
        override_url("https://b.example/p", "/relative", target="post")
    assert (raised.value.url, raised.value.target) == ("/relative", "post")


def test_pick_account():
    one = config(account("acme-main"))
    assert pick_account(one, one.method("acme"), None) == AccountChoice(one.account("acme-main"))
    two = config(account("b-acct"), account("a-acct", enabled=False))
    choice = pick_account(two, two.method("acme"), None)
    assert choice.account is not None and choice.account.name == "b-acct"  # enabled first
    assert choice.others == ("a-acct",)
    other = config(account("x", method_name="other"), methods=(method(), method("other")))
    with pytest.raises(UsageError, match="uses method `other`, not `acme`"):
        pick_account(other, other.method("acme"), "x")
    assert pick_account(other, other.method("acme"), None) == AccountChoice(None)


def test_phase_timeout_falls_back_to_the_settings(target):
    assert phase_timeout(target, "ping") == 1.5
    untimed = method()
    untimed = untimed.model_copy(update={"ping": untimed.ping.model_copy(update={"timeout": None})})
    plain = CheckTarget(untimed, target.lead, Settings())
    assert phase_timeout(plain, "ping") == Settings().auction.ping_deadline
    assert phase_timeout(CheckTarget(untimed, target.lead, Settings(), timeout=0.2), "ping") == 0.2


def check(response: RawResponse, outcome: Outcome) -> Check:
    return Check("ping", RenderedRequest("GET", "http://x", ()), response, outcome, 1.0)


def test_diagnose():
    refused = RawResponse(None, failure=Failure("connect", "cannot connect to x: refused", False))
    assert diagnose(check(refused, Outcome("error"))) == "no response: cannot connect to x: refused"
    assert "HTTP 503" in (diagnose(check(RawResponse(503), Outcome("error"))) or "")
    garbled = Outcome("error", reason="invalid bid: 'abc'", decode_error="json: bad")
    assert diagnose(check(RawResponse(200), garbled)) == "invalid bid: 'abc' (json: bad)"
    assert diagnose(check(RawResponse(200), Outcome("rejected", reason="no"))) is None


def test_a_post_that_cannot_render_is_kept_as_the_post_error(target):
    strict = {"field": "State", "map": {"TX": "T"}, "strict_map": True}
    picky = method(mappings={"ping_id": {"capture": "ping_id"}, "st": strict})
    cfg = config(account("acme-main"), methods=(picky,))
    target = CheckTarget(picky, target.lead, cfg.settings, cfg.account("acme-main"))
    transport = FakeTransport(ping=ACCEPTED)
    result = asyncio.run(check_ping(target, transport=transport, then_post=True))
    assert result.ping is not None and result.ping.accepted  # the ping was sent and shown
    assert result.post is None and result.post_error is not None
    assert "State" in str(result.post_error)
    assert not result.accepted and len(transport.sent) == 1
