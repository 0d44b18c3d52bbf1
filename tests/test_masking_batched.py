"""The Masker's fast paths give exactly what masking value by value gives (P12).

`Masker.texts` masks many values in one call over their NUL join; `request` and
`response` use it; caseless pii in ASCII text is found without a regex; and
`for_result` builds its needles once. Each is checked here against the plain way.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from hypothesis import example, given, settings
from hypothesis import strategies as st
from render.helpers import make_lead
from test_masking import make_config

from pingpost.exchange import Failure, RawResponse, RenderedRequest
from pingpost.masking import MASK, Masker, _needles, requests_of

# few letters, so that needles really occur in the texts; NUL, case pairs, non-ASCII
ALPHABET = st.sampled_from(list("aAbB\x00 &%é\u0130\u212akK\u017fs1_"))
WORDS = st.text(ALPHABET, max_size=6)
TEXTS = st.lists(st.text(ALPHABET, max_size=30), max_size=6)


def reference_text(masker: Masker, s: str) -> str:
    """The masking of one value as it was before the fast paths: a caseless needle is an
    IGNORECASE regex of its form, behind the same lower-case pre-check."""
    needles = _needles(masker._secrets, masker._pii)
    lowered: str | None = None
    for needle, pattern, form in needles:
        if pattern is not None:
            if needle in s:
                s = pattern.sub(MASK, s)
        elif form is None:
            if needle in s:
                s = s.replace(needle, MASK)
        else:
            if lowered is None:
                lowered = s.lower()
            if needle in lowered:
                masked = re.compile(re.escape(form), re.IGNORECASE).sub(MASK, s)
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
    assert masked.url == masker.url(url)
    assert masked.headers == masker.headers(headers)
    assert masked.body == masker.bytes(body)
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
            assert (fast._secrets, fast._pii, fast._headers, fast._params) == (
                plain._secrets,
                plain._pii,
                plain._headers,
                plain._params,
            )
            assert fast._needles == plain._needles
            text = "Ada Byron byron, ada literal-token env-secret CA Bearer x"
            assert fast.text(text) == plain.text(text)
    assert MASK in Masker.for_result(config, result).text("byron, ada")
