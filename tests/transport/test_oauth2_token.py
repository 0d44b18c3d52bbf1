"""The OAuth2 token request and answer (RFC 6749 4.4 and 5): what is sent, what is read,
and that a failure's words never hold the client secret."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl

import pytest

from pingpost.exchange import Failure, OAuth2Client, RawResponse
from pingpost.transport.oauth2 import DEFAULT_LIFETIME, AuthFailed, read_token, token_request

SECRET = "s3cr3t/+&value"
CLIENT = OAuth2Client("https://auth.example/oauth/token", "client:1", SECRET, scope="leads read")


def test_the_request_uses_basic_auth_with_form_encoded_parts() -> None:
    request = token_request(CLIENT, "pingpost/1")
    assert (request.method, request.url) == ("POST", "https://auth.example/oauth/token")
    assert request.header("Content-Type") == "application/x-www-form-urlencoded"
    assert request.header("Accept") == "application/json"
    scheme, _, value = (request.header("Authorization") or "").partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(value).decode() == "client%3A1:s3cr3t%2F%2B%26value"
    assert dict(parse_qsl(request.body.decode())) == {
        "grant_type": "client_credentials",
        "scope": "leads read",
    }


def test_the_request_can_carry_the_client_in_the_body() -> None:
    client = OAuth2Client(
        CLIENT.token_url, "c1", SECRET, client_auth="body", params=(("audience", "api"),)
    )
    request = token_request(client)
    assert request.header("Authorization") is None
    assert dict(parse_qsl(request.body.decode())) == {
        "grant_type": "client_credentials",
        "audience": "api",
        "client_id": "c1",
        "client_secret": SECRET,
    }


def answer(body: str, status: int = 200) -> RawResponse:
    return RawResponse(status, (("Content-Type", "application/json"),), body.encode())


@pytest.mark.parametrize(
    ("body", "token", "lifetime"),
    [
        ('{"access_token": "abc", "token_type": "Bearer", "expires_in": 120}', "abc", 120.0),
        ('{"access_token": "abc", "token_type": "bearer", "expires_in": "90"}', "abc", 90.0),
        ('{"access_token": "abc"}', "abc", DEFAULT_LIFETIME),
        ('{"access_token": "abc", "expires_in": -5}', "abc", DEFAULT_LIFETIME),
    ],
)
def test_the_token_and_its_lifetime(body: str, token: str, lifetime: float) -> None:
    assert read_token(answer(body), CLIENT) == (token, lifetime)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            answer(
                '{"error": "invalid_client", "error_description": "bad secret s3cr3t/+&value"}', 401
            ),
            "token endpoint auth.example answered HTTP 401: invalid_client (bad secret ****)",
        ),
        (answer("<html>oops</html>", 503), "token endpoint auth.example answered HTTP 503"),
        (
            answer('{"token_type": "Bearer"}'),
            "the answer of token endpoint auth.example has no access_token",
        ),
        (answer("not json"), "the answer of token endpoint auth.example has no access_token"),
        (
            answer('{"access_token": "abc", "token_type": "mac"}'),
            "token endpoint auth.example gave a 'mac' token; only bearer tokens work",
        ),
        (
            RawResponse(
                None, failure=Failure("connect", "connection refused by auth.example:443", False)
            ),
            "token endpoint auth.example: connection refused by auth.example:443",
        ),
    ],
)
def test_failures_say_why_without_the_secret(response: RawResponse, message: str) -> None:
    with pytest.raises(AuthFailed) as caught:
        read_token(response, CLIENT)
    assert str(caught.value) == message
    assert SECRET not in str(caught.value)
