"""validate's warnings about where a method sends leads and with what credentials:
a post without the ping's auth (issue: the buyer answers 401 and the lead goes unsold),
and URLs on link-local or cloud-metadata addresses."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .helpers import METHOD, check, found

PING_AUTH = "  timeout: 1.0\n  auth: {type: bearer, token: s3cret-token}\n"


def warnings(tmp_path: Path, method: str) -> list[tuple[str, int, int, str]]:
    report = check(tmp_path, {"methods/acme.yaml": method})
    assert [p for p in found(report, "error")] == []
    return [w for w in found(report, "warning") if "never pinged" not in w[3]]


def test_a_post_without_the_pings_auth_is_warned_about_at_the_post(tmp_path: Path) -> None:
    method = METHOD.replace("  timeout: 1.0\n", PING_AUTH)
    assert warnings(tmp_path, method) == [
        (
            "acme.yaml",
            16,
            1,
            "the ping sends `auth` (bearer) but the post sends none: a buyer that checks "
            "credentials answers 401 and the lead goes unsold; give the post the same `auth` "
            "(or `auth: {type: none}` if it really needs none)",
        )
    ]


@pytest.mark.parametrize(
    "post_auth",
    [
        "  auth: {type: bearer, token: s3cret-token}\n",
        "  auth: {type: none}\n",  # said on purpose
        "  headers: {Authorization: Bearer s3cret-token}\n",  # written as a header
    ],
    ids=["same auth", "explicitly none", "header"],
)
def test_a_post_with_its_own_auth_or_an_explicit_none_is_fine(
    tmp_path: Path, post_auth: str
) -> None:
    method = METHOD.replace("  timeout: 1.0\n", PING_AUTH).replace(
        "  url: https://acme.example/post\n", "  url: https://acme.example/post\n" + post_auth
    )
    assert warnings(tmp_path, method) == []


def test_a_header_auth_copied_as_a_post_header_is_fine(tmp_path: Path) -> None:
    ping = "  timeout: 1.0\n  auth: {type: header, name: X-Api-Key, value: s3cret-token}\n"
    post = "  url: https://acme.example/post\n  headers: {x-api-key: s3cret-token}\n"
    method = METHOD.replace("  timeout: 1.0\n", ping).replace(
        "  url: https://acme.example/post\n", post
    )
    assert warnings(tmp_path, method) == []


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("http://169.254.10.3:8080/ping", "a link-local address"),
        ("http://[fd00:ec2::254]/latest", "a cloud metadata address"),
        ("http://[fe80::1]/ping", "a link-local address"),
        ("http://[::ffff:169.254.169.254]/x", "a link-local address"),
        ("http://100.100.100.200/latest/meta-data", "a cloud metadata address"),
        ("http://metadata.google.internal/computeMetadata/v1/", "a cloud metadata service"),
        ("https://169.254.169.254/{{ account.vars.source }}", "a link-local address"),
    ],
)
def test_a_url_on_a_metadata_or_link_local_address_is_warned_about(
    tmp_path: Path, url: str, why: str
) -> None:
    method = METHOD.replace("  url: https://acme.example/ping", f"  url: {url}")
    (warning,) = warnings(tmp_path, method)
    assert warning[1:3] == (5, 8)  # at the ping's url
    assert warning[3].startswith(f"`{urlsplit(url.split('{')[0]).hostname}` is {why}")
    assert "no buyer is there" in warning[3]


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.example/ping",
        "http://127.0.0.1:8765/ping",
        "http://10.0.0.7/ping",
        "http://169.255.0.1/ping",
        "https://{{ account.vars.source }}/ping",
    ],
)
def test_ordinary_urls_are_not_warned_about(tmp_path: Path, url: str) -> None:
    method = METHOD.replace("  url: https://acme.example/ping", f"  url: {url}")
    assert warnings(tmp_path, method) == []
