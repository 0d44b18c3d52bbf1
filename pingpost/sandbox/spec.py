"""The sandbox file: which simulated buyers to play and how they behave.

A small YAML language of its own (documented in docs/sandbox.md), loaded into
frozen pydantic models by `loader.py`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Scalar = str | int | float | bool | None
Style = Literal[
    "json_flag", "json_status", "xml", "form_loose", "text", "not_found_404", "html", "soap"
]
Phase = Literal["ping", "post"]

STYLES: tuple[str, ...] = Style.__args__  # type: ignore[attr-defined]
TRANSPORT_FAULTS = ("hang", "drip", "reset", "http_500", "garbage", "oversized")
POST_FAULTS = ("post_reject", "post_hang")
RULE_OPERATORS = ("equals", "in", "not_in", "matches", "gte", "lte", "exists")
ADMIN_PREFIX = "/_sandbox/"

# where the post carries the ping's token when the buyer does not say
DEFAULT_TOKEN_FIELDS: dict[str, str] = {
    "json_flag": "TransactionId",
    "json_status": "pingToken",
    "xml": "TransactionId",
    "form_loose": "TXID",
    "text": "PingReference",
    "not_found_404": "token",
    "html": "lead_token",
    "soap": "soap:Body.PostLead.Token",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Rule(_Model):
    """One condition on a decoded ping field; `field` may be dotted (nested)."""

    field: str = Field(min_length=1)
    equals: Scalar = None
    in_: tuple[Scalar, ...] | None = Field(default=None, alias="in")
    not_in: tuple[Scalar, ...] | None = None
    matches: str | None = None
    gte: float | None = None
    lte: float | None = None
    exists: bool | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Rule:
        ops = self.operators()
        if len(ops) != 1:
            raise ValueError(
                f"a rule needs exactly one operator of {', '.join(RULE_OPERATORS)}"
                + (f" (got {', '.join(ops)})" if ops else "")
            )
        if self.matches is not None:
            try:
                re.compile(self.matches)
            except re.error as exc:
                raise ValueError(f"`matches` is not a valid regex: {exc}") from None
        return self

    def operators(self) -> list[str]:
        given = {("in" if f == "in_" else f) for f in self.model_fields_set}
        return [op for op in RULE_OPERATORS if op in given]

    @property
    def operator(self) -> str:
        return self.operators()[0]

    def describe(self) -> str:
        if self.operator == "exists":
            return f"{self.field} {'exists' if self.exists else 'missing'}"
        return f"{self.field} {self.operator} {_show(self.expected)}"

    @property
    def expected(self) -> Any:
        """The operand of the rule's operator."""
        return getattr(self, "in_" if self.operator == "in" else self.operator)


class Faults(_Model):
    """Share of requests (0..1) that hit each fault mode; the shares of one phase add up to <= 1."""

    hang: float = Field(default=0.0, ge=0, le=1)
    drip: float = Field(default=0.0, ge=0, le=1)
    reset: float = Field(default=0.0, ge=0, le=1)
    http_500: float = Field(default=0.0, ge=0, le=1)
    garbage: float = Field(default=0.0, ge=0, le=1)
    oversized: float = Field(default=0.0, ge=0, le=1)
    post_reject: float = Field(default=0.0, ge=0, le=1)
    post_hang: float = Field(default=0.0, ge=0, le=1)

    def active(self) -> dict[str, float]:
        return {
            name: share for name in type(self).model_fields if (share := getattr(self, name)) > 0
        }


class BuyerAuth(_Model):
    """What a buyer asks of each request: a bearer token from the sandbox's token endpoint
    (`oauth2`), or HTTP Digest credentials (`digest`, challenged with a 401)."""

    type: Literal["oauth2", "digest"]
    username: str = "pingpost"  # digest only
    password: str = "sandbox"  # digest only
    realm: str = "sandbox"  # digest only
    algorithm: Literal["MD5", "SHA-256"] = "SHA-256"  # digest only


class OAuth2Client(_Model):
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    scope: str | None = None  # when set, a request asking another scope is refused


class OAuth2Server(_Model):
    """The sandbox's token endpoint (client-credentials grant)."""

    token_path: str = "/oauth/token"
    token_ttl: float = Field(default=3600.0, gt=0)  # seconds; `expires_in` of each token
    clients: tuple[OAuth2Client, ...] = Field(min_length=1)
    fault: Literal["none", "http_500", "hang"] = "none"  # every token request fails so

    @model_validator(mode="after")
    def _check(self) -> OAuth2Server:
        _check_path(self.token_path, "token_path", token_allowed=False)
        return self


class BuyerSpec(_Model):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    style: Style
    ping_path: str
    post_path: str
    token_field: str | None = Field(default=None, min_length=1)
    accepts: tuple[Rule, ...] = ()
    bid: tuple[Decimal, Decimal] = (Decimal("5.00"), Decimal("25.00"))
    latency_ms: tuple[float, float] = (0.0, 0.0)
    token_ttl: float = Field(default=300.0, gt=0)
    post_price_delta: Decimal = Decimal(0)
    post_cap: int | None = Field(default=None, ge=0)  # accepted posts, then "cap reached"
    lead_field: str | None = Field(default=None, min_length=1)  # the post field naming the lead
    faults: Faults = Field(default_factory=Faults)
    fault_phase: Literal["ping", "post", "both"] = "both"
    auth: BuyerAuth | None = None  # credentials every ping and post must carry

    @model_validator(mode="after")
    def _check(self) -> BuyerSpec:
        _check_path(self.ping_path, "ping_path", token_allowed=False)
        _check_path(self.post_path, "post_path", token_allowed=True)
        lo, hi = self.bid
        if not (0 <= lo <= hi) or not lo.is_finite() or not hi.is_finite():
            raise ValueError(f"`bid` must be [low, high] with 0 <= low <= high, got [{lo}, {hi}]")
        if not 0 <= self.latency_ms[0] <= self.latency_ms[1]:
            raise ValueError("`latency_ms` must be [low, high] with 0 <= low <= high")
        for phase in ("ping", "post"):
            total = sum(self.fault_shares(phase).values())
            if total > 1 + 1e-9:
                raise ValueError(
                    f"the fault shares of the {phase} add up to {total:g}; at most 1 "
                    "(each request hits at most one fault)"
                )
        return self

    @property
    def path_token(self) -> bool:
        return "{token}" in self.post_path

    @property
    def token_key(self) -> str:
        return self.token_field or DEFAULT_TOKEN_FIELDS[self.style]

    def summary(self, url: str) -> dict[str, Any]:
        accepts = [r.describe() for r in self.accepts]
        faults = [f"{mode} {share:g}" for mode, share in self.faults.active().items()]
        return {
            "name": self.name,
            "style": self.style,
            "ping_url": url + self.ping_path,
            "post_url": url + self.post_path,
            "token": "{token} in the path" if self.path_token else self.token_key,
            "accepts": accepts,
            "bid": [f"{self.bid[0]:.2f}", f"{self.bid[1]:.2f}"],
            "latency_ms": [self.latency_ms[0], self.latency_ms[1]],
            "faults": faults,
            "fault_phase": self.fault_phase,
            "post_cap": self.post_cap,
            "lead_field": self.lead_field,
            "auth": self.auth.type if self.auth is not None else None,
        }

    def fault_shares(self, phase: Phase) -> dict[str, float]:
        """The fault modes that can hit a request of this phase, in the order they are drawn."""
        shares = self.faults.active()
        modes: list[str] = []
        if self.fault_phase in (phase, "both"):
            modes.extend(TRANSPORT_FAULTS)
        if phase == "post":
            modes.extend(POST_FAULTS)
        return {mode: shares[mode] for mode in modes if mode in shares}


class SandboxSpec(_Model):
    seed: int = 0
    port: int = Field(default=8765, ge=0, le=65535)
    ledger: bool = True  # false: record nothing (load runs)
    ledger_limit: int = Field(default=100_000, ge=1)  # oldest entries dropped past this
    oauth2: OAuth2Server | None = None  # a token endpoint for the buyers with `auth: oauth2`
    buyers: tuple[BuyerSpec, ...]

    @model_validator(mode="after")
    def _unique(self) -> SandboxSpec:
        if not self.buyers:
            raise ValueError("`buyers` is empty: describe at least one buyer")
        names: set[str] = set()
        paths: dict[str, str] = {}
        if self.oauth2 is not None:
            paths[self.oauth2.token_path] = "the oauth2 token endpoint"
        for buyer in self.buyers:
            if buyer.auth is not None and buyer.auth.type == "oauth2" and self.oauth2 is None:
                raise ValueError(
                    f"buyer `{buyer.name}` has `auth: {{type: oauth2}}`: describe the token "
                    "endpoint in `oauth2:` (token_path, clients)"
                )
            if buyer.name in names:
                raise ValueError(f"two buyers are named `{buyer.name}`")
            names.add(buyer.name)
            for phase, path in (("ping", buyer.ping_path), ("post", buyer.post_path)):
                key = re.sub(r"\{token\}", "{}", path)
                if key in paths:
                    raise ValueError(
                        f"{buyer.name} {phase}: path {path} is already used by {paths[key]}"
                    )
                paths[key] = f"{buyer.name} {phase}"
        return self

    def buyer(self, name: str) -> BuyerSpec:
        return next(b for b in self.buyers if b.name == name)

    def summary(self, url: str) -> dict[str, Any]:
        """What `pingpost sandbox` shows: every buyer with its full URLs (JSON-ready)."""
        summary: dict[str, Any] = {
            "url": url,
            "seed": self.seed,
            "ledger": self.ledger,
            "buyers": [buyer.summary(url) for buyer in self.buyers],
        }
        if self.oauth2 is not None:
            summary["token_url"] = url + self.oauth2.token_path
        return summary


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_path(path: str, what: str, *, token_allowed: bool) -> None:
    if not path.startswith("/") or any(c in path for c in " ?#\t"):
        raise ValueError(f"`{what}` must be a URL path starting with / (no query), got {path!r}")
    if path.startswith(ADMIN_PREFIX):
        raise ValueError(f"`{what}` {path}: {ADMIN_PREFIX}... is reserved for the sandbox itself")
    braces = re.findall(r"\{[^}]*\}", path)
    if not braces:
        return
    if not token_allowed or braces != ["{token}"] or "/{token}" not in path:
        raise ValueError(
            f"`{what}` {path}: only the post path may hold a placeholder, exactly one "
            "`{token}` as a whole path segment (e.g. /buyer/post/{token})"
        )
    segment = path.split("/{token}", 1)[1]
    if segment and not segment.startswith("/"):
        raise ValueError(f"`{what}` {path}: `{{token}}` must be a whole path segment")
