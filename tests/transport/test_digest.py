"""Digest (RFC 7616): challenges read, the strongest chosen, requests signed as the RFC shows."""

from __future__ import annotations

import pytest

from pingpost.exchange import DigestCredentials
from pingpost.transport.digest import Challenge, DigestRefused, authorization, challenges, choose

# RFC 7616 section 3.9.1
NONCE = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
OPAQUE = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
MUFASA = DigestCredentials("Mufasa", "Circle of Life")


def rfc_challenge(algorithm: str) -> str:
    return (
        f'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={algorithm}, '
        f'nonce="{NONCE}", opaque="{OPAQUE}"'
    )


@pytest.mark.parametrize(
    ("algorithm", "response"),
    [
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
    ],
)
def test_the_rfc_7616_examples(algorithm: str, response: str) -> None:
    challenge = choose([rfc_challenge(algorithm)])
    assert challenge == Challenge("http-auth@example.org", NONCE, algorithm, "auth", OPAQUE)
    header = authorization(challenge, MUFASA, "GET", "/dir/index.html", 1, CNONCE)
    assert header == (
        f'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", '
        f'algorithm={algorithm}, nonce="{NONCE}", nc=00000001, cnonce="{CNONCE}", qop=auth, '
        f'response="{response}", opaque="{OPAQUE}"'
    )


def test_the_strongest_of_several_challenges_is_chosen() -> None:
    offered = [rfc_challenge("MD5"), rfc_challenge("SHA-256")]
    assert choose(offered).algorithm == "SHA-256"  # type: ignore[union-attr]
    both_in_one = rfc_challenge("MD5") + ', Basic realm="x", ' + rfc_challenge("SHA-256")
    assert choose([both_in_one]).algorithm == "SHA-256"  # type: ignore[union-attr]
    assert [c["scheme"] for c in challenges([both_in_one])] == ["digest", "basic", "digest"]


def test_quoted_commas_and_escapes_are_read() -> None:
    (found,) = challenges(['Digest realm="a, \\"b\\"", nonce="n,1", qop=auth'])
    assert (found["realm"], found["nonce"], found["qop"]) == ('a, "b"', "n,1", "auth")


def test_no_digest_challenge_and_unusable_ones() -> None:
    assert choose(['Basic realm="x"']) is None
    assert choose([]) is None
    with pytest.raises(DigestRefused, match="qop `auth-int` is not supported"):
        choose(['Digest realm="r", nonce="n", qop="auth-int"'])
    with pytest.raises(DigestRefused, match="algorithm SHA-1 is not supported"):
        choose(['Digest realm="r", nonce="n", algorithm=SHA-1, qop=auth'])
    with pytest.raises(DigestRefused, match="no nonce"):
        choose(['Digest realm="r", qop=auth'])


def test_sess_userhash_legacy_and_counts() -> None:
    sess = choose(['Digest realm="r", nonce="n", algorithm=MD5-sess, qop=auth'])
    assert sess is not None and sess.algorithm == "MD5-SESS"
    assert "algorithm=MD5-SESS" in authorization(sess, MUFASA, "POST", "/p", 3, "c")
    assert "nc=00000003" in authorization(sess, MUFASA, "POST", "/p", 3, "c")
    hashed = choose(['Digest realm="r", nonce="n", qop=auth, userhash=true, algorithm=SHA-256'])
    assert hashed is not None
    header = authorization(hashed, MUFASA, "POST", "/p", 1, "c")
    assert "Mufasa" not in header and "userhash=true" in header
    legacy = choose(['Digest realm="r", nonce="n"'])  # RFC 2069: no qop
    assert legacy is not None and legacy.qop is None
    header = authorization(legacy, MUFASA, "GET", "/", 1, "c")
    assert "qop" not in header and "nc=" not in header and "cnonce" not in header


def test_a_non_ascii_username_uses_the_extended_form() -> None:
    challenge = choose(['Digest realm="r", nonce="n", qop=auth'])
    assert challenge is not None
    header = authorization(challenge, DigestCredentials("Jäsøn Doe", "pw"), "GET", "/", 1, "c")
    assert "username*=UTF-8''J%C3%A4s%C3%B8n%20Doe" in header
