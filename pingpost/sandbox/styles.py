"""How each buyer style answers (spec/buyer-styles.md), byte for byte.

Every style answers four things: ping accepted (with its token and bid), ping
rejected, post accepted (with the price), post rejected. Values echoed from a
request (a token a client sent) are escaped for the body's format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

JSON = "application/json; charset=utf-8"
XML = "application/xml; charset=utf-8"
HTML = "text/html; charset=utf-8"
INVALID_TOKEN = "invalid token"


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()  # more headers: WWW-Authenticate, Set-Cookie


def json_reply(status: int, data: object) -> Reply:
    return Reply(status, JSON, json.dumps(data).encode())


def _j(value: str | None) -> str:
    return json.dumps(value)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


class Style:
    """One answer style; `post_reject_message` is what a buyer says when it refuses a post."""

    name = ""
    post_reject_message = "Rejected"

    def ping_accept(self, token: str, bid: Decimal) -> Reply:
        raise NotImplementedError

    def ping_reject(self, ref: str, reason: str) -> Reply:
        raise NotImplementedError

    def post_accept(self, token: str | None, price: Decimal, lead_id: str) -> Reply:
        raise NotImplementedError

    def post_reject(self, token: str | None, message: str) -> Reply:
        raise NotImplementedError


class JsonFlag(Style):
    """`Success` flag, numeric `Payout`; ping rejections always come as published, with the
    missing comma before `"Sold"` (so they are not JSON: rules must use regex/contains)."""

    name = "json_flag"
    post_reject_message = "Lead rejected"

    def ping_accept(self, token: str, bid: Decimal) -> Reply:
        body = (
            f'{{"TransactionId": {_j(token)}, "Success": true, "Payout": {_money(bid)}, '
            '"Message": null, "Errors": null, "Sold": null, "Environment": "Testing"}'
        )
        return Reply(200, JSON, body.encode())

    def ping_reject(self, ref: str, reason: str) -> Reply:
        body = (
            f'{{ "TransactionId": {_j(ref)}, "Success": false, "Payout": null,\n'
            f'  "Message": "BadRequest", "Errors": [ {_j(reason)} ] "Sold": null }}'
        )
        return Reply(200, JSON, body.encode())

    def post_accept(self, token: str | None, price: Decimal, lead_id: str) -> Reply:
        body = (
            f'{{"TransactionId": {_j(token)}, "Success": true, "Sold": true, '
            f'"Payout": {_money(price)}, "Message": null, "Errors": null}}'
        )
        return Reply(200, JSON, body.encode())

    def post_reject(self, token: str | None, message: str) -> Reply:
        body = (
            f'{{"TransactionId": {_j(token)}, "Success": false, "Sold": false, '
            f'"Payout": null, "Message": {_j(message)}, "Errors": [{_j(message)}]}}'
        )
        return Reply(200, JSON, body.encode())


class JsonStatus(Style):
    """`status` word, `price` as a string, `pingToken`; the post answer has no price."""

    name = "json_status"
    post_reject_message = "No Matches"

    def ping_accept(self, token: str, bid: Decimal) -> Reply:
        body = f'{{"status": "success", "pingToken": {_j(token)}, "price": "{_money(bid)}"}}'
        return Reply(200, JSON, body.encode())

    def ping_reject(self, ref: str, reason: str) -> Reply:
        return Reply(200, JSON, b'{"status": "rejected", "message": "No Matches"}')

    def post_accept(self, token: str | None, price: Decimal, lead_id: str) -> Reply:
        return Reply(200, JSON, f'{{"status": "success", "leadId": "{lead_id}"}}'.encode())

    def post_reject(self, token: str | None, message: str) -> Reply:
        return Reply(200, JSON, f'{{"status": "rejected", "message": {_j(message)}}}'.encode())


_XML_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><Result xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
)


class Xml(Style):
    """The JSON-flag buyer in namespaced XML (`xsi:nil` for empty values)."""

    name = "xml"
    post_reject_message = "Lead rejected"

    def _result(self, token: str | None, inner: str) -> Reply:
        tid = (
            f"<TransactionId>{escape(token)}</TransactionId>"
            if token
            else ('<TransactionId xsi:nil="true" />')
        )
        body = f"{_XML_HEAD}{tid}{inner}<Environment>Testing</Environment></Result>"
        return Reply(200, XML, body.encode())

    def ping_accept(self, token: str, bid: Decimal) -> Reply:
        inner = f'<Success>true</Success><Payout>{_money(bid)}</Payout><Sold xsi:nil="true" />'
        return self._result(token, inner)

    def ping_reject(self, ref: str, reason: str) -> Reply:
        inner = (
            '<Success>false</Success><Payout xsi:nil="true" /><Message>BadRequest</Message>'
            f'<Errors><string>{escape(reason)}</string></Errors><Sold xsi:nil="true" />'
        )
        return self._result(ref, inner)

    def post_accept(self, token: str | None, price: Decimal, lead_id: str) -> Reply:
        inner = f"<Success>true</Success><Payout>{_money(price)}</Payout><Sold>true</Sold>"
        return self._result(token, inner)

    def post_reject(self, token: str | None, message: str) -> Reply:
        inner = (
            '<Success>false</Success><Payout xsi:nil="true" /><Sold>false</Sold>'
            f"<Message>{escape(message)}</Message>"
        )
        return self._result(token, inner)


def _loose(value: str | None) -> str:
    """Loose bodies have no quoting: keep only characters a token can have."""
    return re.sub(r"[^A-Za-z0-9._-]", "", value or "")[:64]


class FormLoose(Style):
    """Unquoted keys, `=` mixed with `:`, served with a misleading application/json."""

    name = "form_loose"
    post_reject_message = "no match"
    content_type = "application/json"

    def _body(self, id_: str, price: str, message: str, code: str, success: bool) -> Reply:
        flag = "true" if success else "false"
        body = (
            f'{{ id: {id_}, price: {price}, message: "{message}", code = "{code}", '
            f"success: {flag} }}"
        )
        return Reply(200, self.content_type, body.encode())

    def ping_accept(self, token: str, bid: Decimal) -> Reply:
        return self._body(token, _money(bid), "success", "OK", True)

    def ping_reject(self, ref: str, reason: str) -> Reply:
        return self._body("", "0", "no match", "NO", False)

    def post_accept(self, token: str | None, price: Decimal, lead_id: str) -> Reply:
        return self._body(_loose(token), _money(price), "success", "OK", True)

    def post_reject(self, token: str | None, message: str) -> Reply:
        return self._body(_loose(token), "0", message.replace('"', "'"), "NO", False)


class Text(Style):
    """JSON-looking text served as text/html for regex rules; the post answers in XML."""

    name = "text"
    post_reject_message = "Duplicate"

    def ping_accept(self, token: str, bid: Decimal) -> Reply:
        body = f'{{"Success":true,"Price":"{_money(bid)}","PingReference":{_j(token)}}}'
        return Reply(200, HTML, body.encode())

    def ping_reject(self, ref: str, reason: str) -> Reply:
        return Reply(200, HTML, b'{"Success":false,"Message":"Duplicate"}')

    def post_accept(self, token: str | None, price: Decimal, lead_id: str) -> Reply:
        body = (
            '<?xml version="1.0"?><response><status>Success</status>'
            f"<price>{_money(price)}</price><lead_id>{lead_id}</lead_id></response>"
        )
        return Reply(200, HTML, body.encode())

    def post_reject(self, token: str | None, message: str) -> Reply:
        body = (
            '<?xml version="1.0"?><response><status>Failure</status>'
            f"<message>{escape(message)}</message></response>"
        )
        return Reply(200, HTML, body.encode())


class NotFound404(Style):
    """HTTP 200 means a bid; "no" is HTTP 404 with a JSON body."""

    name = "not_found_404"
    post_reject_message = "no buyer for this lead"

    def ping_accept(self, token: str, bid: Decimal) -> Reply:
        return Reply(200, JSON, f'{{"bid": {_money(bid)}, "token": {_j(token)}}}'.encode())

    def ping_reject(self, ref: str, reason: str) -> Reply:
        return Reply(404, JSON, b'{"error": "no buyer for this lead"}')

    def post_accept(self, token: str | None, price: Decimal, lead_id: str) -> Reply:
        return Reply(200, JSON, b'{"result": "ok"}')

    def post_reject(self, token: str | None, message: str) -> Reply:
        return Reply(404, JSON, f'{{"error": {_j(message)}}}'.encode())


STYLES: dict[str, Style] = {
    style.name: style
    for style in (JsonFlag(), JsonStatus(), Xml(), FormLoose(), Text(), NotFound404())
}
