"""Two more answer styles: an HTML page, and SOAP with the result as escaped XML.

`html` answers a page with the sloppy markup real sites serve (unclosed
paragraphs, a stray closing tag), the bid in `<span class="price">`, the ping
token in a hidden input and in a link, and a `session` cookie. `soap` answers a
SOAP 1.1 envelope whose result element holds the answer as an escaped XML
string, the way .NET services return it (configs read it with `decode`).
"""

from __future__ import annotations

from decimal import Decimal
from html import escape as html_escape
from xml.sax.saxutils import escape

from pingpost.sandbox.styles import HTML, Reply, Style

_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>{title}</title>"
    '<meta charset="utf-8"></head>\n<body><div id="main">\n'
    '<div class="result {kind}"><h1>{title}</h1>\n{inner}\n</div></span>\n'
    "<p>Thank you for your submission.\n</div></body></html>\n"
)


def _page(title: str, kind: str, inner: str, cookie: str | None = None) -> Reply:
    body = _PAGE.format(title=title, kind=kind, inner=inner).encode()
    headers = (("Set-Cookie", f"session={cookie}; Path=/; HttpOnly"),) if cookie else ()
    return Reply(200, HTML, body, headers)


class Html(Style):
    name = "html"
    post_reject_message = "Lead not accepted"

    def ping_accept(self, token: str, bid: Decimal) -> Reply:
        inner = (
            f'<p>Price: <span class="price">{bid:.2f}</span>\n'
            f'<input type="hidden" name="lead_token" value="{html_escape(token)}">\n'
            f'<a class="next" href="/post?lead_token={html_escape(token)}">Send the lead</a>'
        )
        return _page("Accepted", "accepted", inner, cookie=token[:12])

    def ping_reject(self, ref: str, reason: str) -> Reply:
        inner = f'<p class="reason">{html_escape(reason)}'
        return _page("Rejected", "rejected", inner)

    def post_accept(self, token: str | None, price: Decimal, lead_id: str) -> Reply:
        inner = f'<p>Sold for <span class="price">{price:.2f}</span>\n<p id="lead-id">{lead_id}'
        return _page("Sold", "sold", inner)

    def post_reject(self, token: str | None, message: str) -> Reply:
        return _page("Rejected", "rejected", f'<p class="reason">{html_escape(message)}')


_ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>'
    '<{op}Response xmlns="http://tempuri.org/"><{op}Result>{result}</{op}Result>'
    "</{op}Response></soap:Body></soap:Envelope>"
)


def _soap(op: str, inner: str) -> Reply:
    result = escape(f"<Result>{inner}</Result>")  # the document, as a string
    return Reply(200, "text/xml; charset=utf-8", _ENVELOPE.format(op=op, result=result).encode())


class Soap(Style):
    name = "soap"
    post_reject_message = "Duplicate lead"

    def ping_accept(self, token: str, bid: Decimal) -> Reply:
        inner = f"<Status>Accepted</Status><Price>{bid:.2f}</Price><Token>{escape(token)}</Token>"
        return _soap("PingLead", inner)

    def ping_reject(self, ref: str, reason: str) -> Reply:
        return _soap("PingLead", f"<Status>Rejected</Status><Reason>{escape(reason)}</Reason>")

    def post_accept(self, token: str | None, price: Decimal, lead_id: str) -> Reply:
        inner = f"<Status>Sold</Status><Price>{price:.2f}</Price><LeadId>{lead_id}</LeadId>"
        return _soap("PostLead", inner)

    def post_reject(self, token: str | None, message: str) -> Reply:
        return _soap("PostLead", f"<Status>Rejected</Status><Reason>{escape(message)}</Reason>")


MARKUP_STYLES: dict[str, Style] = {style.name: style for style in (Html(), Soap())}
