"""The one place that hides secrets and pii before anything is shown (DESIGN §6, P12).

A `Masker` knows the secret values (every `${ENV}` value, literal auth values),
the pii values of one lead, and which headers and query parameters carry
credentials. It replaces every occurrence of a value, and of the forms the
value takes on the wire (URL-, form-, JSON- and XML-encoded), by `****`,
longest first. Credential headers and parameters are masked by name, so a
token rendered from a template is hidden too.
"""

from __future__ import annotations

import builtins
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

from pingpost import runtime_secrets
from pingpost.exchange import Headers, RawResponse, RenderedRequest
from pingpost.render.auth import literal_secrets, secret_header_names, secret_query_names
from pingpost.render.values import text_value
from pingpost.template_origins import ANY_FIELD

if TYPE_CHECKING:
    from pingpost.config.bundle import Config
    from pingpost.leads import Lead

MASK = "****"
MIN_PII_LENGTH = 2  # a one-letter value (an initial) would blank out half the output
CASELESS_PII_LENGTH = 3  # pii this long is matched in any case (`ADA` for `Ada`)
SHORT_SECRET = 4  # a shorter secret is masked only as a whole token (see docs/render.md)
_CREDENTIAL_HEADERS = ("authorization", "proxy-authorization")
_AUTH_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,15}")
_SEP = "\x00"  # joins values masked in one call (`Masker.texts`)


class Masker:
    """Masks secrets and pii in text, requests, responses and JSON-ready values."""

    def __init__(
        self,
        secrets: Iterable[str] = (),
        pii: Iterable[str] = (),
        *,
        secret_headers: Iterable[str] = (),
        secret_params: Iterable[str] = (),
        mask_credentials: bool = True,
        pii_fields: Iterable[str] = (),
        mask_pii: bool = True,
    ) -> None:
        """`secret_headers`/`secret_params`: masked by name whatever their value;
        `Authorization` too unless `mask_credentials` is off (`--show-secrets`).
        `pii_fields`: the lead fields whose rendered forms (`RenderedRequest.sensitive`)
        are masked too, unless `mask_pii` is off (`--show-pii`)."""
        self._args = (tuple(secret_headers), tuple(secret_params), mask_credentials)
        # tokens learned while running (oauth2) are masked whatever is shown (P12)
        self._secrets = frozenset(s for s in secrets if s) | runtime_secrets.known()
        self._pii = (
            frozenset(p for p in pii if len(p) >= MIN_PII_LENGTH) if mask_pii else frozenset()
        )
        self._pii_fields = frozenset(pii_fields)
        self._mask_pii = mask_pii
        self._exact = self._secrets | self._pii
        self._needles = _needles(self._secrets, self._pii)
        standard = _CREDENTIAL_HEADERS if mask_credentials else ()
        self._headers = frozenset(h.lower() for h in (*standard, *self._args[0]))
        self._params = frozenset(self._args[1])

    @classmethod
    def for_lead(
        cls,
        config: Config,
        lead: Lead | None,
        *,
        show_pii: bool = False,
        show_secrets: bool = False,
    ) -> Masker:
        """Secrets of `config` (env values and every method's auth) and pii of `lead`."""
        secrets: frozenset[str] = frozenset()
        headers: tuple[str, ...] = ()
        params: tuple[str, ...] = ()
        if not show_secrets:
            secrets, headers, params = _config_secrets(config)
        pii = () if show_pii or lead is None else pii_values(config, lead)
        return cls(
            secrets,
            pii,
            secret_headers=headers,
            secret_params=params,
            mask_credentials=not show_secrets,
            pii_fields=() if lead is None else pii_fields(config, lead),
            mask_pii=not show_pii,
        )

    @classmethod
    def for_result(
        cls, config: Config, result: Any, *, show_pii: bool = False, show_secrets: bool = False
    ) -> Masker:
        """`for_lead` for the lead of an auction or check result, also masking what its
        requests made of pii fields (a buyer's response may echo them)."""
        lead = result.lead
        if show_pii or lead is None:
            return cls.for_lead(config, lead, show_pii=show_pii, show_secrets=show_secrets)
        # What `for_lead(...).with_requests(...)` gives, built once: a masker's needles
        # are a large part of the cost of printing one lead of a batch.
        fields = pii_fields(config, lead)
        pii = pii_values(config, lead)
        pii += _sensitive_values(requests_of(result), fields) if fields else ()
        secrets, headers, params = (
            (frozenset(), (), ()) if show_secrets else _config_secrets(config)
        )
        return cls(
            secrets,
            pii,
            secret_headers=headers,
            secret_params=params,
            mask_credentials=not show_secrets,
            pii_fields=fields,
        )

    def with_values(self, pii: Iterable[str]) -> Masker:
        """This masker, also masking `pii` (no-op when pii is shown)."""
        extra = {p for p in pii if len(p) >= MIN_PII_LENGTH} - self._pii
        if not extra or not self._mask_pii:
            return self
        headers, params, credentials = self._args
        return Masker(
            self._secrets,
            self._pii | extra,
            secret_headers=headers,
            secret_params=params,
            mask_credentials=credentials,
            pii_fields=self._pii_fields,
        )

    def with_requests(self, requests: Iterable[RenderedRequest | None]) -> Masker:
        """This masker, also masking the values `requests` rendered from pii fields."""
        fields = self._pii_fields
        if not fields or not self._mask_pii:
            return self
        return self.with_values(_sensitive_values(requests, fields))

    def text(self, s: str) -> str:
        lowered: str | None = None
        for needle, pattern, form in self._needles:
            if pattern is not None:  # a short secret, as a whole token
                if needle in s:
                    s = pattern.sub(MASK, s)
            elif form is None:
                if needle in s:
                    s = s.replace(needle, MASK)
            else:
                if lowered is None:
                    lowered = s.lower()
                if needle in lowered:  # a cheap pre-check before the caseless search
                    masked = _caseless_sub(form, needle, s)
                    if masked != s:
                        s, lowered = masked, None
        return s

    def texts(self, values: Sequence[str]) -> list[str]:
        """`[self.text(v) for v in values]`, in one `text` call over their join when exact.

        Joining ASCII values with NUL is exact: when no value contains NUL, a needle
        could only match across two values by containing NUL itself, which would remove
        a separator; the split then comes out short and each value is masked on its own
        instead. A short secret's whole-token bounds see NUL as they see the ends of a
        value. Non-ASCII text is masked value by value: there, the caseless pre-check of
        one value could let the IGNORECASE search reach another (`ſ` for `s`).
        """
        if len(values) < 2 or not self._needles:
            return [self.text(v) for v in values]
        joined = _SEP.join(values)
        # no value holds NUL: the join has exactly its separators (one C-level count)
        if joined.isascii() and joined.count(_SEP) == len(values) - 1:
            masked = self.text(joined).split(_SEP)
            if len(masked) == len(values):
                return masked
        return [self.text(v) for v in values]

    def request(self, r: RenderedRequest) -> RenderedRequest:
        masker = self.with_requests((r,))
        url = r.url
        if masker._params or "@" in url:
            url = masker._mask_url_parts(url)
        body = masker._body_text(r.body)
        free = [v for k, v in r.headers if k.lower() not in masker._headers]
        masked = masker.texts([url, *free] if body is None else [url, *free, body])
        return replace(
            r,
            url=masked[0],
            headers=masker._rebuilt(r.headers, masked[1 : 1 + len(free)]),
            body=r.body if body is None else _encoded(masked[-1]),
        )

    def response(self, r: RawResponse) -> RawResponse:
        failure = r.failure
        body = self._body_text(r.body)
        free = [v for k, v in r.headers if k.lower() not in self._headers]
        values = [*free] if body is None else [*free, body]
        if failure is not None:
            values.append(failure.detail)
        masked = self.texts(values)
        if failure is not None:
            failure = replace(failure, detail=masked.pop())
        return replace(
            r,
            headers=self._rebuilt(r.headers, masked[: len(free)]),
            body=r.body if body is None else _encoded(masked[-1]),
            failure=failure,
        )

    def by_name(self, name: str, value: str) -> str | None:
        """A header's value masked by its name (a credential header), else None: the value
        is free text, for `text`/`texts`."""
        return self._header_value(name, value) if name.lower() in self._headers else None

    def url_parts(self, url: str) -> str:
        """`url` with its password and credential query parameters masked: what `url` and
        `request` mask before the free text (the caller masks that with `text`/`texts`)."""
        return self._mask_url_parts(url) if self._params or "@" in url else url

    def own(self, r: RenderedRequest) -> bool:
        """Whether `request(r)` masks with this masker (its pii forms are known already),
        so that `r`'s free text may be masked in one `texts` call with other text."""
        return self.with_requests((r,)) is self

    def value(self, obj: Any) -> Any:
        """Deep-mask a JSON-ready value (dict keys are kept)."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, Mapping):
            return {k: self.value(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.value(v) for v in obj]
        if obj is not None and not isinstance(obj, bool) and self._exact:
            try:
                if text_value(obj) in self._exact:
                    return MASK
            except TypeError:
                pass
        return obj

    def url(self, url: str) -> str:
        if self._params or "@" in url:
            url = self._mask_url_parts(url)
        return self.text(url)

    def headers(self, headers: Headers) -> Headers:
        return tuple((k, self._header_value(k, v)) for k, v in headers)

    def bytes(self, data: bytes) -> bytes:
        text = self._body_text(data)
        return data if text is None else _encoded(self.text(text))

    def _body_text(self, data: builtins.bytes) -> str | None:
        """`data` as text to mask (None: nothing to mask); `_encoded` gives the bytes back."""
        if not data or not self._needles:
            return None
        return data.decode("utf-8", "surrogateescape")  # any bytes round-trip unchanged

    def _rebuilt(self, headers: Headers, masked: Sequence[str]) -> Headers:
        """`headers` with the values not masked by name replaced, in order, by `masked`."""
        free = iter(masked)
        return tuple(
            (k, next(free) if k.lower() not in self._headers else self._header_value(k, v))
            for k, v in headers
        )

    def _header_value(self, name: str, value: str) -> str:
        if name.lower() not in self._headers:
            return self.text(value)
        scheme, space, _ = value.partition(" ")
        if space and _AUTH_SCHEME.fullmatch(scheme):
            return f"{scheme} {MASK}"  # keep `Bearer`/`Basic`: it helps debugging
        return MASK

    def _mask_url_parts(self, url: str) -> str:
        try:
            parts = urlsplit(url)
        except ValueError:
            return url
        netloc = parts.netloc
        if parts.password:
            netloc = netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
        query = "&".join(self._mask_pair(pair) for pair in parts.query.split("&"))
        return urlunsplit(parts._replace(netloc=netloc, query=query))

    def _mask_pair(self, pair: str) -> str:
        name, eq, _ = pair.partition("=")
        return f"{name}={MASK}" if eq and unquote_plus(name) in self._params else pair


def requests_of(result: Any) -> list[RenderedRequest]:
    """Every request in an auction result (`accounts`) or a check result (`checks`)."""
    found: list[RenderedRequest | None] = []
    for account in getattr(result, "accounts", ()):
        found += [e.request for e in (account.ping, account.post) if e is not None]
    found += [check.request for check in getattr(result, "checks", ())]
    return [r for r in found if r is not None]


def pii_fields(config: Config, lead: Lead) -> frozenset[str]:
    lead_type = config.lead_types.get(lead.lead_type)
    if lead_type is None:
        return frozenset()
    return frozenset(name for name, spec in lead_type.fields.items() if spec.pii)


def _sensitive_values(
    requests: Iterable[RenderedRequest | None], fields: frozenset[str]
) -> list[str]:
    """What `requests` rendered from the pii `fields` (or from a field of unknown origin)."""
    return [
        text
        for r in requests
        if r is not None
        for name, text in r.sensitive
        if name in fields or name == ANY_FIELD
    ]


# (needle, pattern, form): a pattern is a short secret's whole-token search; a form is
# a caseless pii form (needle is its lower case); neither is an exact `replace`.
_Needle = tuple[str, re.Pattern[str] | None, str | None]


def _needles(secrets: frozenset[str], pii: frozenset[str]) -> tuple[_Needle, ...]:
    """The needles of `secrets` and `pii`, longest first. A caseless needle is lower-cased
    (a quick pre-check on the lower-cased text); a secret shorter than SHORT_SECRET is
    matched only as a whole token. A secret's needle wins over a pii one."""
    found: dict[str, tuple[re.Pattern[str] | None, str | None]] = {}
    for value in pii:
        caseless = len(value) >= CASELESS_PII_LENGTH
        for form in _wire_forms(value):
            if caseless:
                found[form.lower()] = (None, form)
            else:
                found.setdefault(form, (None, None))
    found.update(_secret_needles(secrets))
    found.pop(MASK, None)
    found.pop("", None)
    # ties in text order: a set's iteration order varies with the hash seed and with how
    # the set was built, and the masking (and `for_result` == `for_lead`) must not
    ordered = sorted(found.items(), key=lambda item: (-len(item[0]), item[0]))
    return tuple((needle, pattern, form) for needle, (pattern, form) in ordered)


@functools.lru_cache(maxsize=8)
def _secret_needles(secrets: frozenset[str]) -> dict[str, tuple[re.Pattern[str] | None, None]]:
    """The secrets' part of `_needles`: the same for every lead of a run, so built once."""
    found: dict[str, tuple[re.Pattern[str] | None, None]] = {}
    for value in secrets:
        short = len(value) < SHORT_SECRET
        for form in _wire_forms(value):
            # a 1-3 character secret matched inside words would blank out every `h`
            found[form] = (_token_pattern(form), None) if short else (None, None)
    return found


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _caseless_sub(form: str, needle: str, s: str) -> str:
    """`form` masked in `s` in any case, as `re.sub` with IGNORECASE would. ASCII text and
    form (the usual case) need no regex: their case folding is exactly `str.lower`, which
    keeps every position, so the matches are the non-overlapping finds of `needle`."""
    if not (s.isascii() and form.isascii()):
        return _caseless_pattern(form).sub(MASK, s)
    lowered = s.lower()  # not the caller's pre-check copy: `s` may have changed since
    parts: list[str] = []
    start = 0
    at = lowered.find(needle)
    while at >= 0:
        parts += (s[start:at], MASK)
        start = at + len(needle)
        at = lowered.find(needle, start)
    parts.append(s[start:])
    return "".join(parts)


@functools.lru_cache(maxsize=1024)
def _caseless_pattern(form: str) -> re.Pattern[str]:
    return re.compile(re.escape(form), re.IGNORECASE)


def _token_pattern(form: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![^\W_]){re.escape(form)}(?![^\W_])")


def pii_values(config: Config, lead: Lead) -> list[str]:
    """The text forms of `lead`'s values in fields marked pii."""
    lead_type = config.lead_types.get(lead.lead_type)
    if lead_type is None:
        return []
    found: list[str] = []
    for name, spec in lead_type.fields.items():
        value = lead.values.get(name)
        if value is None or not spec.pii:
            continue
        found.append(text_value(value))
        if spec.type == "phone" and isinstance(value, str) and len(value) == 10:
            found += _phone_forms(value)
        elif isinstance(value, date):
            found.append(value.strftime("%m/%d/%Y"))
    return found


def _phone_forms(d: str) -> list[str]:
    a, b, c = d[:3], d[3:6], d[6:]
    return [f"{a}-{b}-{c}", f"({a}) {b}-{c}", f"({a}){b}-{c}", f"{a}.{b}.{c}", f"1{d}", f"+1{d}"]


@functools.lru_cache(maxsize=4096)
def _wire_forms(value: str) -> frozenset[str]:
    """The value as it may appear in a URL, a form, a JSON string or XML text."""
    xml_min = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    xml_full = xml_min.replace('"', "&quot;").replace("'", "&apos;")
    for char, ref in (("\t", "&#9;"), ("\n", "&#10;"), ("\r", "&#13;")):
        xml_full = xml_full.replace(char, ref)
    return frozenset(
        {
            value,
            quote(value, safe=""),
            quote(value),
            quote_plus(value, safe=""),
            json.dumps(value, ensure_ascii=False)[1:-1],
            json.dumps(value)[1:-1],
            xml_min,
            xml_full,
        }
    )


_CONFIG_CACHE: list[tuple[object, tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]]] = []


def _config_secrets(config: Config) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    """Secret values, credential header names and query parameter names of a config."""
    for cached_config, found in _CONFIG_CACHE:
        if cached_config is config:
            return found
    secrets = set(config.secrets)
    headers: set[str] = set()
    params: set[str] = set()
    for method in config.methods.values():
        for request in (method.ping, method.post):
            secrets.update(literal_secrets(request.auth))
            headers.update(secret_header_names(request.auth))
            params.update(secret_query_names(request.auth))
    found = (frozenset(secrets), tuple(sorted(headers)), tuple(sorted(params)))
    _CONFIG_CACHE[:] = [(config, found)]  # one config per process is the usual case
    return found
