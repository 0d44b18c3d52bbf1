"""The buyers' logic: route a request, decide the answer, record it in the ledger.

`SandboxApp.handle` is synchronous and pure apart from the token book and the
ledger; it returns a `Plan` that the connection carries out (server.py).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, unquote

from pingpost.sandbox.auth import SandboxAuth
from pingpost.sandbox.decode import MISSING, Accepts, BodyError, describe_failure, lead_key, lookup
from pingpost.sandbox.decode import request_fields as decode_fields
from pingpost.sandbox.dice import Dice, bid_cents
from pingpost.sandbox.faults import Plan, fault_plan, planned_status
from pingpost.sandbox.ledger import Ledger
from pingpost.sandbox.markup import MARKUP_STYLES
from pingpost.sandbox.request import Request
from pingpost.sandbox.spec import ADMIN_PREFIX, BuyerSpec, Phase, SandboxSpec
from pingpost.sandbox.styles import INVALID_TOKEN, STYLES, Reply, Style, json_reply
from pingpost.sandbox.tokens import TokenBook, TokenRecord, format_token

CAP_REACHED = "cap reached"
ABRUPT_FAULTS = ("hang", "reset", "http_500", "garbage", "oversized")  # no real answer

BUYER_METHODS = ("GET", "POST", "PUT")


class Buyer:
    """A buyer spec with everything the hot path needs worked out once."""

    __slots__ = ("accepts", "cents", "shares", "spec", "style")

    def __init__(self, spec: BuyerSpec) -> None:
        self.spec = spec
        self.style: Style = STYLES.get(spec.style) or MARKUP_STYLES[spec.style]
        self.accepts = Accepts(spec.accepts)
        self.cents = bid_cents(spec)
        self.shares = {phase: spec.fault_shares(phase) for phase in ("ping", "post")}

    def latency(self, dice: Dice) -> float:
        return dice.latency(*self.spec.latency_ms)


class SandboxApp:
    """Every buyer of one sandbox file, with the shared token book and ledger."""

    def __init__(self, spec: SandboxSpec, clock: Callable[[], float] = time.monotonic) -> None:
        self.spec = spec
        self.ledger = Ledger(enabled=spec.ledger, limit=spec.ledger_limit)
        self.tokens = TokenBook(spec.seed)
        self.auth = SandboxAuth(spec.oauth2, spec.seed, clock)
        self._clock = clock
        self._accepted: Counter[str] = Counter()  # accepted posts per buyer, for `post_cap`
        self._routes: dict[str, tuple[Buyer, Phase]] = {}
        self._token_routes: list[tuple[re.Pattern[str], Buyer]] = []
        for buyer_spec in spec.buyers:
            buyer = Buyer(buyer_spec)
            self._routes[buyer_spec.ping_path] = (buyer, "ping")
            if buyer_spec.path_token:
                pattern = re.escape(buyer_spec.post_path).replace(r"\{token\}", "([^/]+)")
                self._token_routes.append((re.compile(pattern + "$"), buyer))
            else:
                self._routes[buyer_spec.post_path] = (buyer, "post")

    def reset(self) -> None:
        self.ledger.clear()
        self.tokens.clear()
        self._accepted.clear()
        self.auth.clear()

    def handle(self, request: Request) -> Plan:
        route = self._routes.get(request.path)
        if route is not None:
            buyer, phase = route
            if request.method not in BUYER_METHODS:
                return _not_allowed()
            refused = self._refused(buyer, phase, request)
            if refused is not None:
                return refused
            if phase == "ping":
                return self._ping(buyer, request)
            return self._post(buyer, request, None)
        for pattern, buyer in self._token_routes:
            match = pattern.match(request.path)
            if match:
                if request.method not in BUYER_METHODS:
                    return _not_allowed()
                refused = self._refused(buyer, "post", request)
                if refused is not None:
                    return refused
                return self._post(buyer, request, unquote(match.group(1)))
        oauth2 = self.spec.oauth2
        if oauth2 is not None and request.path == oauth2.token_path:
            return self._token(request)
        if request.path.startswith(ADMIN_PREFIX):
            return self._admin(request)
        return Plan("reply", json_reply(404, {"error": "unknown path"}))

    # ----------------------------------------------------------------------- ping

    def _ping(self, buyer: Buyer, request: Request) -> Plan:
        spec = buyer.spec
        seq = self.ledger.next_seq()
        entry = _entry(seq, spec, "ping", request) if self.ledger.enabled else {}
        try:
            fields = decode_fields(request)
        except BodyError as exc:
            return self._bad_request(entry, exc)
        dice = Dice(self.spec.seed, spec.name, "ping", _material(request))
        delay = buyer.latency(dice)
        fault = dice.fault(buyer.shares["ping"])
        if fault in ABRUPT_FAULTS:
            return self._record(entry, fault_plan(fault, dice, delay), fault=fault)
        failed = buyer.accepts.first_failed(fields)
        if failed is None:
            bid = dice.bid(buyer.cents)
            now = self._clock()
            token = self.tokens.issue(spec.name, spec.style, bid, spec.token_ttl, seq, now)
            reply = buyer.style.ping_accept(token, bid)
            entry.update(token=token, outcome="accepted", bid=f"{bid:.2f}")
        else:
            reason = describe_failure(failed, fields)
            reply = buyer.style.ping_reject(format_token(spec.style, dice.digest), reason)
            entry.update(outcome="rejected", note=reason)
        plan = Plan("drip" if fault == "drip" else "reply", reply, delay)
        return self._record(entry, plan, fault=fault)

    # ----------------------------------------------------------------------- post

    def _post(self, buyer: Buyer, request: Request, path_token: str | None) -> Plan:
        spec = buyer.spec
        seq = self.ledger.next_seq()
        entry = _entry(seq, spec, "post", request) if self.ledger.enabled else {}
        try:
            fields = decode_fields(request)
        except BodyError as exc:
            return self._bad_request(entry, exc)
        token = path_token if spec.path_token else _token_from(fields, spec.token_key)
        record, problem = self.tokens.redeem(spec.name, token, self._clock())
        entry.update(token=token, ping_seq=record.ping_seq if record else None)
        if self.ledger.enabled:
            entry["lead"] = lead_key(fields, spec)
        material = _material(request)
        if token:  # the token depends on arrival order: leave it out of the dice
            material = material.replace(token.encode(), b"")
        dice = Dice(self.spec.seed, spec.name, "post", material)
        delay = buyer.latency(dice)
        fault = dice.fault(buyer.shares["post"])
        if fault in ABRUPT_FAULTS:
            return self._record(entry, fault_plan(fault, dice, delay), fault=fault, note=problem)
        if fault == "post_hang":
            note = "read the lead, never answering" + (f"; {problem}" if problem else "")
            return self._record(entry, Plan("hang"), fault=fault, note=note)
        reply = self._post_answer(buyer, token, record, problem, fault, dice, entry)
        plan = Plan("drip" if fault == "drip" else "reply", reply, delay)
        return self._record(entry, plan, fault=fault)

    def _post_answer(
        self,
        buyer: Buyer,
        token: str | None,
        record: TokenRecord | None,
        problem: str,
        fault: str | None,
        dice: Dice,
        entry: dict[str, Any],
    ) -> Reply:
        """Accept or reject a post that is answered: token, then the buyer's cap, then chance."""
        spec = buyer.spec
        if problem or record is None:
            entry.update(outcome="rejected", note=problem)
            return buyer.style.post_reject(token, INVALID_TOKEN)
        if spec.post_cap is not None and self._accepted[spec.name] >= spec.post_cap:
            entry.update(outcome="rejected", note=f"{CAP_REACHED}: {spec.post_cap} posts accepted")
            return buyer.style.post_reject(token, CAP_REACHED)
        if fault == "post_reject":
            entry.update(outcome="rejected")
            return buyer.style.post_reject(token, buyer.style.post_reject_message)
        self._accepted[spec.name] += 1
        price = max(record.bid + spec.post_price_delta, Decimal(0))
        entry.update(outcome="accepted", price=f"{price:.2f}")
        return buyer.style.post_accept(token, price, dice.number(11))

    # ----------------------------------------------------------------------- auth

    def _refused(self, buyer: Buyer, phase: Phase, request: Request) -> Plan | None:
        """The 401 for a request without valid credentials, recorded as phase `auth` (so
        `phase=post` lists only the posts the buyer read); None when it may go in."""
        auth = buyer.spec.auth
        if auth is None:
            return None
        refusal = self.auth.refusal(auth, request)
        if refusal is None:
            return None
        reply, note = refusal
        entry = _entry(self.ledger.next_seq(), buyer.spec, phase, request)
        entry.update(phase="auth", outcome="refused", note=f"{phase}: {note}")
        return self._record(entry, Plan("reply", reply))

    def _token(self, request: Request) -> Plan:
        """The token endpoint. Its ledger entries never hold the request body (a secret)."""
        seq = self.ledger.next_seq()
        entry = {**_entry(seq, None, "token", request), "buyer": "oauth2", "body": ""}
        if request.method != "POST":
            return self._record(entry, _not_allowed(), note="not a POST")
        assert self.spec.oauth2 is not None
        if self.spec.oauth2.fault == "hang":
            return self._record(entry, Plan("hang"), fault="hang")
        reply, note = self.auth.token(request)
        outcome = "issued" if reply.status == 200 else "refused"
        return self._record(entry, Plan("reply", reply), outcome=outcome, note=note)

    # ----------------------------------------------------------------------- helpers

    def _record(self, entry: dict[str, Any], plan: Plan, **extra: Any) -> Plan:
        for key, value in extra.items():
            if value:
                entry[key] = value
        entry["status"] = planned_status(plan)
        self.ledger.record(entry)
        return plan

    def _bad_request(self, entry: dict[str, Any], exc: BodyError) -> Plan:
        plan = Plan("reply", json_reply(400, {"error": str(exc)}))
        return self._record(entry, plan, note=str(exc))

    def _admin(self, request: Request) -> Plan:
        action = request.path[len(ADMIN_PREFIX) :]
        query = dict(parse_qsl(request.query))
        if action == "ledger" and request.method == "GET":
            doc = self.ledger.document(buyer=query.get("buyer"), phase=query.get("phase"))
            return Plan("reply", json_reply(200, doc))
        if action == "posts" and request.method == "GET":
            counts = self.ledger.post_counts(query.get("lead"))
            return Plan(
                "reply", json_reply(200, {"posts": counts, "recording": self.ledger.enabled})
            )
        if action == "reset" and request.method == "POST":
            self.reset()
            return Plan("reply", json_reply(200, {"reset": True}))
        if action == "health" and request.method == "GET":
            return Plan("reply", json_reply(200, {"status": "ok", "buyers": len(self.spec.buyers)}))
        if action == "buyers" and request.method == "GET":
            buyers = [b.model_dump(mode="json", by_alias=True) for b in self.spec.buyers]
            return Plan("reply", json_reply(200, {"seed": self.spec.seed, "buyers": buyers}))
        if action in ("ledger", "posts", "reset", "health", "buyers"):
            return _not_allowed()
        return Plan("reply", json_reply(404, {"error": "unknown path"}))


def _entry(seq: int, buyer: BuyerSpec | None, phase: str, request: Request) -> dict[str, Any]:
    path = f"{request.path}?{request.query}" if request.query else request.path
    return {
        "seq": seq,
        "time": round(time.time(), 3),
        "buyer": buyer.name if buyer is not None else None,
        "phase": phase,
        "method": request.method,
        "path": path,
        "token": None,
        "body": request.body.decode("utf-8", "replace"),
        "status": None,
        "outcome": None,
        "bid": None,
        "price": None,
        "fault": None,
        "note": None,
        "ping_seq": None,  # posts: the ping that issued the token
        "lead": None,  # posts: which lead (see decode.lead_key)
    }


def _material(request: Request) -> bytes:
    """What identifies a request for the dice: its body and its query string."""
    return request.body + b"\x00" + request.query.encode()


def _token_from(fields: dict[str, Any], key: str) -> str | None:
    value = lookup(fields, key)
    if value is MISSING or value is None or isinstance(value, dict | list) or value == "":
        return None
    return str(value)


def _not_allowed() -> Plan:
    return Plan("reply", json_reply(405, {"error": "method not allowed"}))
