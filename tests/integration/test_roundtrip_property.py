"""P10: any lead string arrives byte for byte once the buyer decodes the body.

Each value is rendered into json, xml, form and query requests (bodies built
from mappings and from body templates), then decoded the way a buyer would:
json.loads, an XML parser, a form parser, the URL's query string. Values XML
1.0 cannot carry must be refused up front with a LeadError naming the field.
Most examples run in memory; a few go over real HTTP to a pytest-httpserver
buyer that decodes them with its web framework's own parsers.
"""

from __future__ import annotations

import http.client
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pingpost.config.models import DeliveryMethod, LeadType
from pingpost.errors import LeadError
from pingpost.exchange import RenderedRequest
from pingpost.leads import coerce_lead
from pingpost.render import render_request

LEAD_TYPE = LeadType.model_validate(
    {"kind": "lead_type", "name": "t", "fields": {"Value": {"type": "string", "required": True}}}
)


def _method(name: str, request: dict[str, Any], url: str) -> DeliveryMethod:
    return DeliveryMethod.model_validate(
        {
            "kind": "delivery_method",
            "name": name,
            "lead_type": "t",
            "ping": {"url": f"{url}/{name}", **request},
            "post": {"url": f"{url}/{name}/post"},
        }
    )


def methods(url: str = "http://127.0.0.1:9") -> list[DeliveryMethod]:
    return [
        _method("json", {"content_type": "json", "mappings": {"a.b": "Value", "c": "Value"}}, url),
        _method(
            "json_tpl", {"content_type": "json", "body": '{"a": {"b": {{ lead.Value }}}}'}, url
        ),
        _method("xml", {"content_type": "xml", "mappings": {"a.b": "Value", "@c": "Value"}}, url),
        _method(
            "xml_tpl",
            {
                "content_type": "xml",
                "body": '<lead c="{{ lead.Value }}"><a><b>{{ lead.Value }}</b></a></lead>',
            },
            url,
        ),
        _method("form", {"content_type": "form", "mappings": {"a.b": "Value", "c": "Value"}}, url),
        _method(
            "query",
            {"method": "GET", "content_type": "query", "mappings": {"a.b": "Value", "c": "Value"}},
            url,
        ),
    ]


METHODS = methods()
FRAGMENTS = [
    '"',
    "'",
    "<",
    ">",
    "&",
    "]]>",
    "{{ 7*7 }}",
    "{% if %}",
    "${HOME}",
    "${X:-d}",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\x00",
    "\x01",
    "\x1b",
    "\x7f",
    "\x85",
    "\u2028",
    "\ufeff",
    "\ufffe",
    "é",
    "日本",
    "🦆",
    "%20",
    "+",
    "=",
    "&a=b",
    "?",
    "#",
    "/",
    "\\",
    "\\u0000",
    " ",
    "&amp;",
    "<!--",
]
VALUES = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=12).map("".join),
)


def xml_can_carry(value: str) -> bool:
    """The XML 1.0 `Char` production, written out independently of the code under test."""
    return all(
        c in "\t\n\r"
        or 0x20 <= ord(c) <= 0xD7FF
        or 0xE000 <= ord(c) <= 0xFFFD
        or 0x10000 <= ord(c) <= 0x10FFFF
        for c in value
    )


def decode_like_a_buyer(
    content_type: str, url: str, body: bytes, form: dict[str, list[str]] | None = None
) -> list[str]:
    """Every copy of the value the buyer finds in the request."""
    if content_type == "json":
        data = json.loads(body)
        return [data["a"]["b"], *([data["c"]] if "c" in data else [])]
    if content_type == "xml":
        root = ElementTree.fromstring(body)
        return [root.findtext("a/b") or "", root.attrib["c"]]
    if form is not None:  # decoded by the HTTP server's framework
        return form["a.b"] + form["c"]
    text = body.decode("ascii") if content_type == "form" else urlsplit(url).query
    pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    return [v for k, v in pairs if k in ("a.b", "c")]


def render(method: DeliveryMethod, value: str) -> RenderedRequest | LeadError:
    lead = coerce_lead({"Value": value}, LEAD_TYPE)
    try:
        return render_request(method, "ping", lead)
    except LeadError as exc:
        return exc


def check_value(
    value: str,
    method: DeliveryMethod,
    rendered: RenderedRequest | LeadError,
    found: list[str] | None,
) -> None:
    is_xml = method.ping.content_type == "xml"
    if is_xml and not xml_can_carry(value):
        assert isinstance(rendered, LeadError), f"{method.name}: an XML-illegal value was sent"
        assert rendered.problems[0].startswith("Value: U+")
        assert "cannot be carried in XML 1.0" in rendered.problems[0]
        return
    assert isinstance(rendered, RenderedRequest), f"{method.name}: {rendered}"
    assert found, method.name
    assert all(copy == value for copy in found), (method.name, found)


@settings(
    max_examples=250, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(value=VALUES)
@example(value="]]><![CDATA[x]]>&lt;</lead><lead>")
@example(value='", "admin": true, "x": "')
@example(value=" leading and trailing spaces ")
@example(value="a\r\nb\rc")
def test_any_value_arrives_exactly_in_memory(value: str) -> None:
    assume(value.strip())  # a blank value is an absent one (see test_leads)
    for method in METHODS:
        rendered = render(method, value)
        found = None
        if isinstance(rendered, RenderedRequest):
            ct = method.ping.content_type
            found = decode_like_a_buyer(ct, rendered.url, rendered.body)
        check_value(value, method, rendered, found)


BIG = ("<&>]]>\"'{{ x }}${Y}\n\t日本🦆" * 6000)[: 100 * 1024]


@pytest.mark.parametrize("method", METHODS, ids=[m.name for m in METHODS])
def test_a_100_kb_value_arrives_exactly(method: DeliveryMethod) -> None:
    rendered = render(method, BIG)
    assert isinstance(rendered, RenderedRequest)
    found = decode_like_a_buyer(method.ping.content_type, rendered.url, rendered.body)
    assert found and all(copy == BIG for copy in found)


# --------------------------------------------------------------------------- over HTTP


def _buyer(request: Request) -> Response:
    """A buyer decoding with its framework: werkzeug's form and query parsers."""
    content_type = request.path.rsplit("/", 1)[-1].removesuffix("_tpl")
    form: dict[str, list[str]] | None = None
    if content_type in ("form", "query"):
        source = request.form if content_type == "form" else request.args
        form = {key: source.getlist(key) for key in ("a.b", "c")}
    found = decode_like_a_buyer(content_type, request.url, request.get_data(), form)
    return Response(json.dumps(found), content_type="application/json")


def send(request: RenderedRequest) -> list[str]:
    parts = urlsplit(request.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(request.method, target, request.body, dict(request.headers))
        response = connection.getresponse()
        assert response.status == 200, response.read()[:300]
        found: list[str] = json.loads(response.read())
        return found
    finally:
        connection.close()


@pytest.fixture
def buyer(httpserver: HTTPServer) -> list[DeliveryMethod]:
    httpserver.expect_request(re.compile(r"/.*")).respond_with_handler(_buyer)
    return methods(httpserver.url_for("").rstrip("/"))


def test_values_arrive_exactly_over_http(buyer: list[DeliveryMethod]) -> None:
    @settings(max_examples=8, deadline=None, database=None)
    @given(value=VALUES)
    @example(value="\x00<&>]]>{{ x }}${Y}\r\n日本🦆 +%20&a=b")
    def check(value: str) -> None:
        assume(value.strip())
        for method in buyer:
            rendered = render(method, value)
            found = send(rendered) if isinstance(rendered, RenderedRequest) else None
            check_value(value, method, rendered, found)

    check()


def test_a_100_kb_value_arrives_exactly_over_http(buyer: list[DeliveryMethod]) -> None:
    for method in buyer:
        if method.ping.content_type == "query":
            continue  # a 100 KB URL is beyond any server's request-line limit
        rendered = render(method, BIG)
        assert isinstance(rendered, RenderedRequest)
        found = send(rendered)
        assert found and all(copy == BIG for copy in found), method.name
