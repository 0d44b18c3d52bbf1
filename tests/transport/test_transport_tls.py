"""TLS is verified (P13): a self-signed buyer is refused before anything is sent."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from pingpost.exchange import RawResponse
from pingpost.transport import HttpTransport

from .helpers import options, post
from .servers import RawServer, answer

# neither trustme nor cryptography is a dependency; the openssl command line is common
pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None, reason="needs the `openssl` command to make a test cert"
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def exchange(
    certificate: tuple[Path, Path], client: ssl.SSLContext | None
) -> tuple[RawResponse, int]:
    cert, key = certificate
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)

    async def scenario() -> tuple[RawResponse, int]:
        async with (
            RawServer(answer(), ssl=server_side) as server,
            HttpTransport(ssl_context=client) as transport,
        ):
            return await transport.send(post(server.url + "/ping"), options()), len(server.requests)

    return asyncio.run(scenario())


def test_self_signed_certificate_is_refused(certificate: tuple[Path, Path]) -> None:
    result, requests = exchange(certificate, None)
    assert result.failure is not None
    assert (result.failure.kind, result.failure.may_have_arrived) == ("connect", False)
    assert "TLS certificate of 127.0.0.1:" in result.failure.detail
    assert "self-signed" in result.failure.detail or "self signed" in result.failure.detail
    assert requests == 0


def test_a_trusted_certificate_works(certificate: tuple[Path, Path]) -> None:
    # the same server, with its certificate trusted: proves the refusal above is verification
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    result, requests = exchange(certificate, trusting)
    assert (result.status, result.body, requests) == (200, b"ok", 1)
