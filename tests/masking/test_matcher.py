"""The masking's fast paths give exactly what masking value by value gives (P12).

`Masker.texts` masks many values in one call over their NUL join; `request`,
`response` and `document` use it; caseless pii in ASCII text is found without a
regex; and `for_result` builds its needles once. Each is checked here against the
plain way: the slow oracle below masks with the masker's needles one by one, with
nothing but `str.replace` and `re`.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pingpost.exchange import Failure, RawResponse, RenderedRequest
from pingpost.masking import MASK, Masker, Name, requests_of
from tests.masking.helpers import make_config
from tests.render.helpers import make_lead

# few letters, so that needles really occur in the texts; NUL, case pairs, non-ASCII
ALPHABET = st.sampled_from(list("aAbB\x00 &%é\u0130\u212akK\u017fs1_"))
WORDS = st.text(ALPHABET, max_size=6)
TEXTS = st.lists(st.text(ALPHABET, max_size=30), max_size=6)


def reference_text(masker: Masker, s: str) -> str:
    """The masking of one value as it was before the fast paths: a short secret is a
    whole-token regex, a caseless needle an IGNORECASE regex of its form, behind the same
    lower-case pre-check."""
    lowered: str | None = None
    for needle in masker.needles:
        if needle.kind == "token":
            pattern = re.compile(rf"(?<![^\W_]){re.escape(needle.text)}(?![^\W_])")
            s = pattern.sub(MASK, s)
        elif needle.kind == "exact":
            s = s.replace(needle.text, MASK)
        else:
            if lowered is None:
                lowered = s.lower()
            if needle.text.lower() in lowered:
                masked = re.compile(re.escape(needle.text), re.IGNORECASE).sub(MASK, s)
                if masked != s:
                    s, lowered = masked, None
    return s


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=3), st.lists(WORDS, max_size=3), TEXTS)
@example(["a\x00b"], [], ["xa", "by"])  # a secret across the separator: value by value
@example([], ["Abba"], ["ABBA abba", "aBbA"])
@example(["ab"], [], ["ab", "xab", "ab_"])  # short secrets: whole tokens at value ends
@example([], ["kks"], ["\u212aKs", "KK\u017f"])  # non-ASCII case partners: the regex path
def test_texts_is_text_value_by_value(
    secrets: list[str], pii: list[str], values: list[str]
) -> None:
    masker = Masker(secrets, pii)
    assert masker.texts(values) == [masker.text(v) for v in values]
    assert [masker.text(v) for v in values] == [reference_text(masker, v) for v in values]


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, max_size=3), st.lists(WORDS, max_size=3), TEXTS, WORDS)
def test_request_and_response_are_masked_field_by_field(
    secrets: list[str], pii: list[str], values: list[str], detail: str
) -> None:
    masker = Masker(secrets, pii, secret_headers=["X-Key"], secret_params=["key"])
    headers = (("Authorization", "Bearer t"), ("X-Key", "k"), *(("X-V", v) for v in values))
    body = "|".join(values).encode("utf-8", "surrogateescape")
    url = "https://u:" + (values[0] if values else "p") + "@b.example/p?key=1&q=" + detail
    request = RenderedRequest("POST", url, headers, body)
    masked = masker.request(request)
    knows = masker.with_requests([request])  # the credentials the request carried too
    assert masked.url == knows.url(url)
    assert masked.headers == knows.headers(headers)
    assert masked.body == knows.bytes(body)
    failure = Failure("timeout", detail, may_have_arrived=True)
    for response in (
        RawResponse(200, headers, body, elapsed_ms=1.0),
        RawResponse(None, elapsed_ms=1.0, failure=failure),
    ):
        got = masker.response(response)
        assert got.headers == masker.headers(response.headers)
        assert got.body == masker.bytes(response.body)
        if response.failure is not None:
            assert got.failure is not None
            assert got.failure.detail == masker.text(response.failure.detail)


def test_for_result_is_for_lead_with_the_requests() -> None:
    lead = make_lead(FirstName="Ada Byron", Email="ada@example.com")
    request = RenderedRequest(
        "POST",
        "https://b.example/p",
        (),
        b'{"n":"BYRON, ADA"}',
        sensitive=(("FirstName", "BYRON, ADA"), ("State", "CA")),
    )
    exchange = SimpleNamespace(request=request)
    result = SimpleNamespace(lead=lead, accounts=[SimpleNamespace(ping=exchange, post=None)])
    config = make_config(type="bearer", token="literal-token")
    for show_pii in (False, True):
        for show_secrets in (False, True):
            options = {"show_pii": show_pii, "show_secrets": show_secrets}
            fast = Masker.for_result(config, result, **options)
            plain = Masker.for_lead(config, lead, **options).with_requests(requests_of(result))
            assert fast.needles == plain.needles
            text = "Ada Byron byron, ada literal-token env-secret CA Bearer x"
            assert fast.text(text) == plain.text(text)
            headers = (("Authorization", "Bearer x"), ("X-Other", "literal-token"))
            assert fast.headers(headers) == plain.headers(headers)
    assert MASK in Masker.for_result(config, result).text("byron, ada")


def reference_document(masker: Masker, obj: object) -> object:
    """`Masker.document` the plain way: each string masked on its own; a credential
    header's value by name; a `Name` kept."""
    if isinstance(obj, Name):
        return str(obj)
    if isinstance(obj, str):
        return reference_text(masker, obj)
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if isinstance(value, str) and not isinstance(value, Name):
                out[key] = masker.headers(((key, value),))[0][1]
            else:
                out[key] = reference_document(masker, value)
        return out
    if isinstance(obj, list | tuple):
        return [reference_document(masker, v) for v in obj]
    return obj


LEAVES = st.one_of(st.text(ALPHABET, max_size=20), st.integers(), st.none(), st.booleans())
KEYS = st.sampled_from(["reason", "Authorization", "X-Key", "aB", "body", "é"])
DOCUMENTS = st.recursive(
    st.one_of(LEAVES, st.builds(Name, st.text(ALPHABET, max_size=8))),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=3), st.lists(WORDS, max_size=3), DOCUMENTS)
@example(["ab"], ["Abba"], {"reason": "ABBA ab", "X-Key": "Bearer ab", "n": [Name("ab")]})
def test_a_document_is_masked_string_by_string(
    secrets: list[str], pii: list[str], document: object
) -> None:
    masker = Masker(secrets, pii, secret_headers=["X-Key"])
    assert masker.document(document) == reference_document(masker, document)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=3), st.lists(WORDS, max_size=3), DOCUMENTS)
@example(["ab"], ["Abba"], {"reason": "ABBA ab", "X-Key": "Bearer ab", "n": [Name("ab")]})
def test_masking_in_place_writes_what_document_gives_and_puts_it_back(
    secrets: list[str], pii: list[str], document: object
) -> None:
    """`masked_in_place` (the batch's store record and `--json` line) masks exactly the
    strings `document` masks, and leaves the shared document as it found it."""
    import copy
    import json

    from pingpost.masking.sites import Sites

    wrapped = {"doc": document}  # `Sites` takes a dict, as a result document is
    before = json.dumps(wrapped)
    sites = Sites(copy.deepcopy(wrapped))
    for masker in (  # two maskers on one document: the store's and the printed line's
        Masker(secrets, (), secret_headers=["X-Key"]),
        Masker(secrets, pii, secret_headers=["X-Key"]),
    ):
        with masker.masked_in_place(sites) as masked:
            written = json.dumps(masked)
        assert written == json.dumps(masker.document(wrapped))
        assert json.dumps(sites.document) == before


def test_each_lead_s_masker_knows_its_own_requests_credentials() -> None:
    """The store's masker (pii shown) is copied from one made before for the same
    secrets: a lead whose request carried another credential (a templated token) gets a
    masker that masks it, and one masker's requests never leak into another's."""
    config = make_config(type="bearer", token="{{ account.vars.token }}")
    lead = make_lead(FirstName="Ada")

    def result_with(token: str) -> SimpleNamespace:
        request = RenderedRequest(
            "POST", "https://b.example/p", (("Authorization", f"Bearer {token}"),), b"{}"
        )
        ping = SimpleNamespace(request=request)
        return SimpleNamespace(lead=lead, accounts=[SimpleNamespace(ping=ping, post=None)])

    first, second, again = result_with("tok-one"), result_with("tok-two"), result_with("tok-one")
    for result, token, other in ((first, "tok-one", "tok-two"), (second, "tok-two", "tok-one")):
        for show_pii in (True, False):
            masker = Masker.for_result(config, result, show_pii=show_pii)
            plain = Masker.for_lead(config, lead, show_pii=show_pii)
            plain = plain.with_requests(requests_of(result))
            assert masker.needles == plain.needles
            assert masker.text(f"echo {token} {other}") == f"echo {MASK} {other}"
    store = Masker.for_result(config, again, show_pii=True)
    assert store._learned.keys() == {id(r) for r in requests_of(again)}  # its own, no more
