"""Typed, frozen models of the config language (spec/config.md).

YAML becomes these models in `config.loader` and nowhere else. They are the
single source of the JSON Schema (`pingpost schema`). Shorthands of the
language (a mapping given as a bare lead field name, a condition or extractor
given as a bare JMESPath string) are normalised here by before-validators,
so code past the loader sees one shape only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from pingpost.config.control_models import (
    AccountDedupe,
    Cap,
    Duration,
    Health,
    LeadDedupe,
    Schedule,
    TimeZoneName,
)

Scalar = str | int | float | bool | None


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


NonNegativeDecimal = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]

# --------------------------------------------------------------------------- lead types

FieldType = Literal[
    "string", "integer", "number", "boolean", "date", "email", "phone", "zip", "state", "enum"
]


class LeadField(Model):
    type: FieldType = "string"
    required: StrictBool = False
    pii: StrictBool = False
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    values: tuple[str, ...] | None = None  # for `enum`
    description: str | None = None


class LeadType(Model):
    kind: Literal["lead_type"]
    name: str = Field(min_length=1)
    description: str | None = None
    fields: dict[str, LeadField]
    sample: dict[str, Any] | None = None  # a valid lead; validate renders every method with it
    dedupe: LeadDedupe | None = None  # refuse a lead seen within a window (spec/operations.md)
    id_field: str | None = None  # a lead field whose value becomes the auction id


# --------------------------------------------------------------------------- mappings

MAPPING_SOURCES = ("field", "value", "capture", "template")


def _map_key(key: object) -> str:
    """Value-map keys compare as strings; YAML booleans become `true`/`false`."""
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


class Mapping(Model):
    """One buyer field and where its value comes from (exactly one source)."""

    field: str | None = None
    value: Scalar = None
    capture: str | None = None
    template: str | None = None
    default: Scalar = None
    map: dict[str, Scalar] | None = None
    strict_map: StrictBool = False
    format: str | None = None
    required: StrictBool | None = None  # None: required when the lead field is required

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"field": data}
        if isinstance(data, dict) and isinstance(data.get("map"), dict):
            data = {**data, "map": {_map_key(k): v for k, v in data["map"].items()}}
        return data

    @model_validator(mode="after")
    def _one_source(self) -> Mapping:
        given = [s for s in MAPPING_SOURCES if s in self.model_fields_set]
        if len(given) != 1:
            raise ValueError(
                "a mapping needs exactly one source of "
                + ", ".join(f"`{s}`" for s in MAPPING_SOURCES)
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    @property
    def source(self) -> str:
        return next(s for s in MAPPING_SOURCES if s in self.model_fields_set)


# --------------------------------------------------------------------------- auth


class NoAuth(Model):
    type: Literal["none"]


class BasicAuth(Model):
    type: Literal["basic"]
    username: str
    password: str


class BearerAuth(Model):
    type: Literal["bearer"]
    token: str
    prefix: str = "Bearer"


class HeaderAuth(Model):
    type: Literal["header"]
    name: str
    value: str


class QueryAuth(Model):
    type: Literal["query"]
    name: str
    value: str


class DigestAuth(Model):
    """HTTP Digest (RFC 7616): MD5 or SHA-256, qop=auth; the challenge is answered at send time."""

    type: Literal["digest"]
    username: str
    password: str


class OAuth2Auth(Model):
    """OAuth2 client credentials: a bearer token fetched from `token_url`, cached per account."""

    type: Literal["oauth2"]
    token_url: str
    client_id: str
    client_secret: str
    scope: str | tuple[str, ...] | None = None
    client_auth: Literal["basic", "body"] = "basic"  # how the client id and secret are sent
    params: dict[str, str] = Field(default_factory=dict)  # extra token request fields
    timeout: float = Field(default=10.0, gt=0, le=120)  # seconds for one token request


Auth = Annotated[
    NoAuth | BasicAuth | BearerAuth | HeaderAuth | QueryAuth | DigestAuth | OAuth2Auth,
    Field(discriminator="type"),
]

# --------------------------------------------------------------------------- response rules

CONDITION_OPERATORS = ("equals", "not_equals", "in", "matches", "gt", "gte", "lt", "lte", "exists")


class Compared(Model):
    """A value read from the body: truthy, or compared with at most one operator."""

    equals: Scalar = None
    not_equals: Scalar = None
    in_: tuple[Scalar, ...] | None = Field(default=None, alias="in")
    matches: str | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    exists: StrictBool | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Compared:
        ops = self.operators()
        if len(ops) > 1:
            raise ValueError(f"use one operator per condition, got {', '.join(ops)}")
        return self

    def operators(self) -> list[str]:
        set_ = {("in" if f == "in_" else f) for f in self.model_fields_set}
        return [op for op in CONDITION_OPERATORS if op in set_]


class PathCondition(Compared):
    """JMESPath over the decoded body; truthy, or compared with at most one operator."""

    path: str

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"path": data} if isinstance(data, str) else data


class SelectorCondition(Compared):
    """A CSS selector over an HTML body (`format: html`); `@attr` at the end reads an attribute."""

    selector: str


class XPathCondition(Compared):
    """XPath 1.0 over the XML or HTML document as received, namespaces declared in it usable."""

    xpath: str


class RegexCondition(Model):
    regex: str


class ContainsCondition(Model):
    contains: str


class StatusCondition(Model):
    status: int | tuple[int, ...]

    def codes(self) -> tuple[int, ...]:
        return (self.status,) if isinstance(self.status, int) else self.status


class HeaderCondition(Model):
    """A response header (any of its values, when repeated) is present, equals or matches."""

    header: str
    equals: str | None = None  # None: the header is present
    matches: str | None = None  # a regex searched in each value

    @model_validator(mode="after")
    def _one_operator(self) -> HeaderCondition:
        if self.equals is not None and self.matches is not None:
            raise ValueError("use one operator per condition, got equals, matches")
        return self


class AllCondition(Model):
    all: tuple[Condition, ...]


class AnyCondition(Model):
    any: tuple[Condition, ...]


class NotCondition(Model):
    not_: Condition = Field(alias="not")


_CONDITION_KEYS = {
    "selector": "selector",
    "xpath": "xpath",
    "all": "all",
    "any": "any",
    "not": "not",
    "regex": "regex",
    "contains": "contains",
    "header": "header",
    "status": "status",
}


def _condition_kind(data: Any) -> str:
    if isinstance(data, str):
        return "path"
    if isinstance(data, dict):
        for key, tag in _CONDITION_KEYS.items():
            if key in data:
                return tag
        return "path"
    if isinstance(data, BaseModel):
        return {
            AllCondition: "all",
            AnyCondition: "any",
            NotCondition: "not",
            RegexCondition: "regex",
            ContainsCondition: "contains",
            HeaderCondition: "header",
            StatusCondition: "status",
            SelectorCondition: "selector",
            XPathCondition: "xpath",
        }.get(type(data), "path")
    return "path"


Condition = Annotated[
    Annotated[PathCondition, Tag("path")]
    | Annotated[SelectorCondition, Tag("selector")]
    | Annotated[XPathCondition, Tag("xpath")]
    | Annotated[RegexCondition, Tag("regex")]
    | Annotated[ContainsCondition, Tag("contains")]
    | Annotated[StatusCondition, Tag("status")]
    | Annotated[HeaderCondition, Tag("header")]
    | Annotated[AllCondition, Tag("all")]
    | Annotated[AnyCondition, Tag("any")]
    | Annotated[NotCondition, Tag("not")],
    Discriminator(_condition_kind),
]


EXTRACTOR_SOURCES = ("path", "regex", "header", "cookie", "selector", "xpath")


class Extractor(Model):
    """Where a value comes from: one source, or none with a `default` (a fixed value)."""

    path: str | None = None
    regex: str | None = None  # group 1, or the group named `value`
    header: str | None = None
    cookie: str | None = None  # a cookie set by `Set-Cookie`
    selector: str | None = None  # CSS over an HTML body; `@attr` reads an attribute
    xpath: str | None = None
    matches: str | None = None  # with `header`: the first of its values that matches
    default: Scalar = None  # when the value is null, "" or []; alone: a fixed value

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"path": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _one_source(self) -> Extractor:
        given = self.sources()
        if len(given) > 1 or (not given and self.default is None):
            names = ", ".join(f"`{s}`" for s in EXTRACTOR_SOURCES)
            raise ValueError(f"an extractor needs exactly one of {names}, or only a `default`")
        if self.matches is not None and given != ["header"]:
            raise ValueError("`matches` picks among repeated headers: use it with `header`")
        return self

    def sources(self) -> list[str]:
        return [s for s in EXTRACTOR_SOURCES if getattr(self, s) is not None]


class DecodeStep(Model):
    """A string in the decoded body that holds a document of its own (SOAP results)."""

    path: str  # a plain key path, e.g. Envelope.Body.SubmitResponse.SubmitResult
    as_: Literal["xml", "json", "form"] = Field(alias="as")


StatusVerdict = Literal["reject", "error"]


ResponseFormat = Literal["auto", "json", "xml", "form", "text", "html"]


class Response(Model):
    format: ResponseFormat = "auto"
    decode: tuple[DecodeStep, ...] = ()
    namespaces: dict[str, str] = Field(default_factory=dict)  # xpath prefixes: URIs
    status: dict[int, StatusVerdict] = Field(default_factory=dict)
    error: Condition | None = None  # checked first: a match is the buyer's error
    accept: Condition | None = None  # None: any 2xx answer is accepted
    reject: Condition | None = None
    bid: Extractor | None = None
    price: Extractor | None = None
    reason: Extractor | None = None
    capture: dict[str, Extractor] = Field(default_factory=dict)


# --------------------------------------------------------------------------- requests

RETRY_ON = ("connect", "timeout", "5xx", "429")
# `429` unquoted in YAML is an integer: the schema allows it, `Retry` reads it as "429"
RetryOn = Annotated[
    Literal["connect", "timeout", "5xx", "429"],
    WithJsonSchema({"enum": [*RETRY_ON, 429]}),
]


class Retry(Model):
    attempts: int = Field(default=1, ge=1, le=10)  # every try, the first included
    backoff: float = Field(default=0.05, ge=0, le=60)  # seconds, doubled each retry
    on: tuple[RetryOn, ...] = ("connect",)

    @field_validator("on", mode="before")
    @classmethod
    def _status_as_text(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [_retry_code(item) for item in value]
        return value


def _retry_code(item: Any) -> Any:
    """`429` (an int in YAML) -> "429"; anything else is left for the Literal to judge."""
    if type(item) is int and str(item) in RETRY_ON:
        return str(item)
    return item


class IdempotencyKey(Model):
    header: str = "Idempotency-Key"


HttpMethod = Literal["GET", "POST", "PUT"]
ContentType = Literal["json", "xml", "form", "query"]


class Request(Model):
    """One phase (ping or post) of a delivery method."""

    url: str
    test_url: str | None = None
    method: HttpMethod = "POST"
    content_type: ContentType = "json"
    xml_root: str = "lead"
    timeout: float | None = Field(default=None, gt=0, le=300)  # seconds, the whole exchange
    headers: dict[str, str] = Field(default_factory=dict)
    auth: Auth = Field(default_factory=lambda: NoAuth(type="none"))
    mappings: dict[str, Mapping] = Field(default_factory=dict)
    body: str | None = None
    response: Response = Field(default_factory=Response)
    retry: Retry = Field(default_factory=Retry)
    idempotency_key: IdempotencyKey | None = None

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class PingRequest(Request):
    pass


class PostRequest(Request):
    include_ping_mappings: StrictBool = False  # start from the ping's mappings, then add/override


# --------------------------------------------------------------------------- examples

OutcomeStatus = Literal["accepted", "rejected", "error", "in_doubt"]


def _header_pairs(value: Any) -> Any:
    """A mapping of headers becomes its pairs; a list must hold [name, value] pairs."""
    if isinstance(value, dict):
        return tuple(value.items())
    if isinstance(value, list | tuple):
        for i, pair in enumerate(value):
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise ValueError(
                    f"item {i}: a header in a list is a [name, value] pair, got {pair!r}"
                )
    return value


_STRINGS = {"type": "string"}
HeaderPairs = Annotated[
    tuple[tuple[str, str], ...],
    BeforeValidator(_header_pairs),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "object", "additionalProperties": _STRINGS},
                {
                    "type": "array",
                    "items": {
                        "type": "array",
                        "prefixItems": [_STRINGS, _STRINGS],
                        "minItems": 2,
                        "maxItems": 2,
                    },
                },
            ]
        }
    ),
]


class ExampleResponse(Model):
    status: int = 200
    # a mapping, or [name, value] pairs for repeated headers (several Set-Cookie)
    headers: HeaderPairs = ()
    body: str = ""


class ExampleExpect(Model):
    outcome: OutcomeStatus
    bid: Decimal | None = None
    price: Decimal | None = None
    reason: str | None = None
    capture: dict[str, str] | None = None


class ExampleExchange(Model):
    response: ExampleResponse
    expect: ExampleExpect


class Example(Model):
    name: str
    ping: ExampleExchange | None = None
    post: ExampleExchange | None = None


# --------------------------------------------------------------------------- methods


class DeliveryMethod(Model):
    kind: Literal["delivery_method"]
    name: str = Field(min_length=1)
    description: str | None = None
    lead_type: str
    ping: PingRequest
    post: PostRequest
    examples: tuple[Example, ...] = ()


# --------------------------------------------------------------------------- accounts

FILTER_OPERATORS = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "matches",
    "gt",
    "gte",
    "lt",
    "lte",
    "exists",
)


class Filter(Model):
    """A rule the lead must meet for the account to be pinged."""

    field: str
    equals: Scalar = None
    not_equals: Scalar = None
    in_: tuple[Scalar, ...] | None = Field(default=None, alias="in")
    not_in: tuple[Scalar, ...] | None = None
    matches: str | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    exists: StrictBool | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Filter:
        if len(self.operators()) != 1:
            raise ValueError(
                "a filter needs exactly one operator of " + ", ".join(FILTER_OPERATORS)
            )
        return self

    def operators(self) -> list[str]:
        set_ = {("in" if f == "in_" else f) for f in self.model_fields_set}
        return [op for op in FILTER_OPERATORS if op in set_]


class Pricing(Model):
    min_bid: NonNegativeDecimal | None = None  # floor: lower bids lose (below_floor)
    max_bid: NonNegativeDecimal | None = None  # guard: higher bids are refused (above_max)
    fixed_price: NonNegativeDecimal | None = None  # for buyers that accept without bidding


class DeliveryAccount(Model):
    kind: Literal["delivery_account"]
    name: str = Field(min_length=1)
    description: str | None = None
    method: str
    enabled: StrictBool = True
    environment: Literal["production", "test"] = "production"
    vars: dict[str, Scalar] = Field(default_factory=dict)
    priority: int = Field(default=0, ge=0)
    pricing: Pricing = Field(default_factory=Pricing)
    filters: tuple[Filter, ...] = ()
    max_connections: int | None = Field(default=None, ge=1, le=1000)  # overrides settings
    # buyer controls (spec/operations.md); none of them is on unless written
    timezone: TimeZoneName | None = None  # None: settings.timezone, else UTC
    schedule: Schedule | None = None  # None: always open
    caps: tuple[Cap, ...] = ()
    dedupe: AccountDedupe | None = None
    exclusive: StrictBool = True  # false: buys shared leads (settings auction.max_sells)
    weight: float = Field(default=1.0, gt=0, le=1_000_000)  # for strategy: weighted
    health: Health | None = None


# --------------------------------------------------------------------------- settings


class AuctionSettings(Model):
    strategy: Literal["highest_bid", "priority", "round_robin", "weighted"] = "highest_bid"
    ping_deadline: float = Field(default=1.5, gt=0, le=60)
    max_posts: int = Field(default=3, ge=1, le=50)
    in_doubt: Literal["hold", "fallback"] = "hold"
    tie_break: Literal["priority", "latency"] = "priority"
    post_timeout: float = Field(default=10.0, gt=0, le=300)  # when a post sets no timeout
    max_sells: int = Field(default=1, ge=1, le=50)  # above 1: up to N shared buyers per lead


class HttpSettings(Model):
    max_response_bytes: int = Field(default=65536, ge=256, le=64 * 1024 * 1024)
    # None: sized from the run (deliver --concurrency, serve.max_in_flight; transport/limits.py)
    max_connections_per_account: int | None = Field(default=None, ge=1, le=1000)
    user_agent: str = "pingpost"


class ServeSettings(Model):
    """`pingpost serve`: how many auctions run at once, and the admin key."""

    max_in_flight: int = Field(default=100, ge=1, le=100_000)
    admin_key: str | None = Field(default=None, min_length=1)  # else $PINGPOST_ADMIN_KEY
    # an Idempotency-Key claimed and unanswered this long is taken over by a retry (its
    # instance died); None: 5 minutes, or twice the longest auction if that is longer
    idempotency_stale_after: Duration | None = None


class LogSettings(Model):
    retention: Duration | None = None  # None: keep every auction until purged by hand


class Settings(Model):
    kind: Literal["settings"] = "settings"
    timezone: TimeZoneName | None = None  # accounts' default zone for caps and schedules; UTC
    auction: AuctionSettings = Field(default_factory=AuctionSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)
    store: str | None = None  # a store URL (see pingpost/store/url.py)
    log: LogSettings = Field(default_factory=LogSettings)

    @field_validator("store")
    @classmethod
    def _store_url(cls, value: str | None) -> str | None:
        if value is not None:
            from pingpost.store.errors import BadStoreUrl
            from pingpost.store.url import parse_store_url

            try:
                parse_store_url(value)
            except BadStoreUrl as exc:
                raise ValueError(str(exc)) from None
        return value


# --------------------------------------------------------------------------- sources

RATE_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
RATE_PATTERN = r"^[1-9][0-9]*/(s|m|h)$"


def _rate(value: str) -> str:
    count, _, unit = value.partition("/")
    if not (count.isdigit() and int(count) > 0 and unit in RATE_UNITS):
        raise ValueError(
            f"`{value}` is not a rate: write requests per second, minute or hour, "
            "like `50/s`, `600/m` or `10000/h`"
        )
    return value


Rate = Annotated[
    str,
    AfterValidator(_rate),
    WithJsonSchema({"type": "string", "pattern": RATE_PATTERN}),
]


class Source(Model):
    """A lead source of `pingpost serve` (a web form, an affiliate): its key and its rights."""

    kind: Literal["source"]
    name: str = Field(min_length=1)
    description: str | None = None
    api_key: str = Field(min_length=1)  # `${ENV}`: a secret, masked everywhere
    lead_types: tuple[str, ...] | None = None  # None: every lead type
    rate_limit: Rate | None = None  # per instance: `50/s`, `600/m`, `10000/h`
    enabled: StrictBool = True

    def per_second(self) -> float | None:
        """The rate limit as requests per second (None: no limit)."""
        if self.rate_limit is None:
            return None
        count, _, unit = self.rate_limit.partition("/")
        return int(count) / RATE_UNITS[unit]


AllCondition.model_rebuild()
AnyCondition.model_rebuild()
NotCondition.model_rebuild()
Response.model_rebuild()

DOCUMENT_MODELS: dict[str, type[Model]] = {
    "lead_type": LeadType,
    "delivery_method": DeliveryMethod,
    "delivery_account": DeliveryAccount,
    "settings": Settings,
    "source": Source,
}
