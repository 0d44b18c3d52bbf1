"""The `Masker`: the one thing that hides secrets and pii before anything is shown (P12).

It holds what counts as secret for one output (`secrets.py`) and masks text,
requests, responses and finished JSON-ready documents with one matcher
(`matcher.py`). Credential headers and parameters are also masked by name,
and the credentials a request carried are learned from it (`with_requests`),
so a token rendered from an account var is hidden wherever it shows up,
echoed bodies included.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from pingpost import runtime_secrets
from pingpost.exchange import Headers, RawResponse, RenderedRequest
from pingpost.masking.matcher import Matcher
from pingpost.masking.secrets import (
    MASK,
    MIN_PII_LENGTH,
    ConfigSecrets,
    CredentialNames,
    Needle,
    config_secrets,
    needles,
    pii_fields,
    pii_values,
    requests_of,
    sensitive_values,
)
from pingpost.masking.sites import Name, Sites
from pingpost.values import text_value

if TYPE_CHECKING:
    from pingpost.config.bundle import Config
    from pingpost.leads import Lead

T = TypeVar("T")


# scalar types a document keeps as they are (`_collect` would return them unchanged)
_KEPT = frozenset({int, float, bool, Decimal})


class Masker:
    """Masks secrets and pii in text, requests, responses and JSON-ready documents."""

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
        header_schemes: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """`secret_headers`/`secret_params`: masked by name whatever their value;
        `Authorization` too unless `mask_credentials` is off (secrets shown).
        `header_schemes`: the schemes the config writes before a header's credential
        (`Bearer`), left visible; any other value is masked whole.
        `pii_fields`: the lead fields whose rendered forms (`RenderedRequest.sensitive`)
        are masked too, unless `mask_pii` is off (pii shown)."""
        self._names = CredentialNames.of(
            secret_headers, secret_params, header_schemes or {}, standard=mask_credentials
        )
        self._show_secrets = not mask_credentials
        # tokens learned while running (oauth2) are masked whatever is shown (P12)
        self._secrets = frozenset(s for s in secrets if s) | runtime_secrets.known()
        self._pii = (
            frozenset(p for p in pii if len(p) >= MIN_PII_LENGTH) if mask_pii else frozenset()
        )
        self._pii_fields = frozenset(pii_fields)
        self._mask_pii = mask_pii
        self._exact = self._secrets | self._pii
        self._matcher = Matcher(needles(self._secrets, self._pii))
        self._headers = frozenset(self._names.headers)
        self._params = self._names.params
        self._learned: dict[int, RenderedRequest] = {}  # what `with_requests` took in

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
        known = _shown_or(config, show_secrets)
        pii = () if show_pii or lead is None else pii_values(config, lead)
        return cls(
            known.values,
            pii,
            secret_headers=known.headers,
            secret_params=known.params,
            mask_credentials=not show_secrets,
            pii_fields=() if lead is None else pii_fields(config, lead),
            mask_pii=not show_pii,
            header_schemes=known.schemes,
        )

    @classmethod
    def for_result(
        cls, config: Config, result: Any, *, show_pii: bool = False, show_secrets: bool = False
    ) -> Masker:
        """`for_lead` for the lead of an auction or check result, also masking what its
        requests made of pii fields and the credentials they carried."""
        lead = result.lead
        requests = requests_of(result)
        if lead is None:
            masker = cls.for_lead(config, lead, show_pii=show_pii, show_secrets=show_secrets)
            return masker.with_requests(requests)
        # What `for_lead(...).with_requests(...)` gives, built once: a masker's needles
        # are a large part of the cost of printing one lead of a batch.
        known = _shown_or(config, show_secrets)
        fields = pii_fields(config, lead)
        secrets = set(known.values)
        if not show_secrets:
            names = _credential_names(known)
            secrets.update(c for r in requests for c in names.carried(r))
        if show_pii:  # secrets only (the store's record): the same for most leads of a run
            masker = _secrets_only(cls, known, frozenset(secrets), fields, show_secrets)
        else:
            pii = pii_values(config, lead)
            pii += sensitive_values(requests, fields) if fields else ()
            masker = cls(
                secrets,
                pii,
                secret_headers=known.headers,
                secret_params=known.params,
                mask_credentials=not show_secrets,
                pii_fields=fields,
                header_schemes=known.schemes,
            )
        masker._learned.update((id(r), r) for r in requests)
        return masker

    @property
    def needles(self) -> tuple[Needle, ...]:
        """What this masker looks for, in the order it masks them."""
        return self._matcher.needles

    def with_values(self, pii: Iterable[str] = (), secrets: Iterable[str] = ()) -> Masker:
        """This masker, also masking `pii` (unless pii is shown) and `secrets`."""
        extra = (
            {p for p in pii if len(p) >= MIN_PII_LENGTH} - self._pii if self._mask_pii else set()
        )
        more = {s for s in secrets if s} - self._secrets
        if not extra and not more:
            return self
        masker = Masker(
            self._secrets | more,
            self._pii | extra,
            mask_credentials=False,
            pii_fields=self._pii_fields,
            mask_pii=self._mask_pii,
        )
        masker._names, masker._show_secrets = self._names, self._show_secrets
        masker._headers, masker._params = self._headers, self._params
        return masker

    def with_requests(self, requests: Iterable[RenderedRequest | None]) -> Masker:
        """This masker, also masking what `requests` made of pii fields and the credentials
        they carried (a buyer may echo either back)."""
        sent = [r for r in requests if r is not None and self._learned.get(id(r)) is not r]
        if not sent:
            return self
        pii = sensitive_values(sent, self._pii_fields) if self._pii_fields else []
        masker = self.with_values(pii, self._credentials(sent))
        if masker is not self:
            masker._learned.update(self._learned)
        masker._learned.update((id(r), r) for r in sent)  # holding `r` keeps its id valid
        return masker

    def _credentials(self, requests: Iterable[RenderedRequest]) -> list[str]:
        if self._show_secrets:
            return []
        return [c for r in requests for c in self._names.carried(r)]

    # ----------------------------------------------------------------------- text

    def text(self, s: str) -> str:
        return self._matcher.text(s)

    def texts(self, values: Sequence[str]) -> list[str]:
        """`[self.text(v) for v in values]`, in one pass when that is exact."""
        return self._matcher.texts(values)

    def document(self, obj: T) -> T:
        """A finished JSON-ready document, masked: every string, in one pass, but a `Name`
        (kept as it is) and a value under a credential header's name (masked by name).
        Keys, numbers and the shape are kept."""
        slots: list[tuple[Any, Any]] = []
        copy = self._collect(obj, slots)
        masked = self._matcher.texts([target[key] for target, key in slots])
        for (target, key), value in zip(slots, masked, strict=True):
            target[key] = value
        return cast(T, copy)

    @contextlib.contextmanager
    def masked_in_place(self, sites: Sites) -> Iterator[dict[str, Any]]:
        """`sites.document` masked as `document` would mask it, in place, for the time of
        the `with` (to write it out): no copy is made. The plain strings are put back on
        exit. Nothing else may read the document meanwhile (no `await` inside)."""
        texts, values, by_name = sites.split(self._headers)
        changed: list[tuple[Any, Any, str, str]] = []
        masked = self._matcher.texts(values) if texts and self._matcher else values
        if masked is not values:  # something was masked (`texts` gives `values` if not)
            changed = [
                (target, key, value, new)
                for (target, key, value), new in zip(texts, masked, strict=True)
                if new != value
            ]
        changed += [(t, k, v, self._header_value(k, v)) for t, k, v in by_name]
        try:
            for target, key, _, new in changed:
                target[key] = new
            yield sites.document
        finally:
            for target, key, value, _ in changed:
                target[key] = value

    def _collect(self, obj: Any, slots: list[tuple[Any, Any]]) -> Any:
        """A copy of `obj`; each string to mask is left in place and its (container, key)
        appended to `slots`, for `document` to mask them all at once."""
        kind = type(obj)
        if kind is dict or (kind is not str and isinstance(obj, Mapping)):
            out: dict[Any, Any] = {}
            for key, value in obj.items():
                if type(value) is str:  # the common case first: plain text
                    if type(key) is str and key.lower() in self._headers:
                        out[key] = self._header_value(key, value)
                    else:
                        out[key] = value
                        slots.append((out, key))
                elif value is None or type(value) in _KEPT:  # no call for what is kept as is
                    out[key] = value
                elif isinstance(value, Name):
                    out[key] = str(value)
                elif isinstance(value, str):
                    out[key] = value
                    slots.append((out, key))
                else:
                    out[key] = self._collect(value, slots)
            return out
        if kind is list or kind is tuple:
            items: list[Any] = []
            for value in obj:
                if type(value) is str:
                    slots.append((items, len(items)))
                    items.append(value)
                elif value is None or type(value) in _KEPT:
                    items.append(value)
                else:
                    items.append(self._collect(value, slots))
            return items
        if kind is Name:
            return str(obj)
        if isinstance(obj, str):
            return self.text(obj)
        return obj

    def _scalar(self, obj: Any) -> Any:
        if obj is not None and not isinstance(obj, bool) and self._exact:
            try:
                if text_value(obj) in self._exact:
                    return MASK
            except TypeError:
                pass
        return obj

    def value(self, obj: Any) -> Any:
        """Deep-mask a JSON-ready value (dict keys are kept); a number equal to a secret or
        pii value is masked too."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, Mapping):
            return {k: self.value(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.value(v) for v in obj]
        return self._scalar(obj)

    # ----------------------------------------------------------------------- the wire

    def request(self, r: RenderedRequest) -> RenderedRequest:
        masker = self.with_requests((r,))
        url = masker.url_parts(r.url)
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

    def url(self, url: str) -> str:
        return self.text(self.url_parts(url))

    def url_parts(self, url: str) -> str:
        """`url` with its password and credential query parameters masked by name (its free
        text is not masked: `url` does both)."""
        if not self._params and "@" not in url:
            return url
        try:
            parts = urlsplit(url)
        except ValueError:
            return url
        netloc = parts.netloc
        if parts.password:
            netloc = netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
        query = "&".join(self._mask_pair(pair) for pair in parts.query.split("&"))
        return urlunsplit(parts._replace(netloc=netloc, query=query))

    def headers(self, headers: Headers) -> Headers:
        return tuple((k, self._header_value(k, v)) for k, v in headers)

    def bytes(self, data: builtins.bytes) -> builtins.bytes:
        text = self._body_text(data)
        return data if text is None else _encoded(self.text(text))

    def _body_text(self, data: builtins.bytes) -> str | None:
        """`data` as text to mask (None: nothing to mask); `_encoded` gives the bytes back."""
        if not data or not self._matcher:
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
        by_name = self._names.header(name, value)  # `Bearer ****`: a scheme the config writes
        return self.text(value) if by_name is None else by_name

    def _mask_pair(self, pair: str) -> str:
        name, eq, _ = pair.partition("=")
        return f"{name}={MASK}" if eq and unquote_plus(name) in self._params else pair


def _credential_names(known: ConfigSecrets) -> CredentialNames:
    """The credential names of a config's secrets (and the standard ones), made once per
    config: `CredentialNames.carried` keeps what it found per request."""
    held = _NAMES.get(id(known))
    if held is not None and held[0] is known:
        return held[1]
    names = CredentialNames.of(known.headers, known.params, known.schemes, standard=True)
    _NAMES.clear()  # one config per process is the usual case
    _NAMES[id(known)] = (known, names)
    return names


_NAMES: dict[int, tuple[ConfigSecrets, CredentialNames]] = {}


def _secrets_only(
    cls: type[Masker],
    known: ConfigSecrets,
    secrets: frozenset[str],
    fields: frozenset[str],
    show_secrets: bool,
) -> Masker:
    """A masker of `secrets` with pii shown, as `for_lead(..., show_pii=True)` with the
    requests' credentials gives it: a copy of one made before for the same secrets (the
    leads of a run mostly carry the same credentials), with nothing learned yet."""
    key = (id(known), secrets, fields, show_secrets, runtime_secrets.known())
    held = _SECRETS_ONLY.get(key)
    if held is None or held[0] is not known:
        masker = cls(
            secrets,
            (),
            secret_headers=known.headers,
            secret_params=known.params,
            mask_credentials=not show_secrets,
            pii_fields=fields,
            mask_pii=False,
            header_schemes=known.schemes,
        )
        if len(_SECRETS_ONLY) >= 16:
            _SECRETS_ONLY.clear()
        held = _SECRETS_ONLY[key] = (known, masker)
    masker = copy.copy(held[1])
    masker._learned = {}
    return masker


_SECRETS_ONLY: dict[tuple[Any, ...], tuple[ConfigSecrets, Masker]] = {}


def _shown_or(config: Config, shown: bool) -> ConfigSecrets:
    """The config's secrets and where its credentials travel; nothing when shown."""
    return ConfigSecrets(frozenset(), (), (), {}) if shown else config_secrets(config)


def _encoded(text: str) -> builtins.bytes:
    return text.encode("utf-8", "surrogateescape")
