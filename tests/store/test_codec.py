"""Blobs and the compression dictionary: round trips, and no lead data in a dictionary."""

from __future__ import annotations

import json

import pytest

from pingpost.store.codec import RAW, ZLIB, ZLIB_DICT, dictionary_of, pack, unpack
from pingpost.store.dictionary import lead_values, make_dictionary

from .helpers import lead, result_document

LEAD = {"FirstName": "Zebulon", "Phone": "(415) 867-5309", "Email": "Zeb@Example.org", "Age": 41}


def test_blobs_round_trip_in_each_format() -> None:
    short, text = b'{"a": 1}', json.dumps({"k": "v" * 500}).encode()
    assert pack(short)[0] == RAW and unpack(pack(short)) == short
    assert pack(text)[0] == ZLIB and unpack(pack(text)) == text
    packed = pack(text, (7, b'{"k": "vvvv"}'))
    assert packed[0] == ZLIB_DICT and dictionary_of(packed) == 7
    assert unpack(packed, {7: b'{"k": "vvvv"}'}.__getitem__) == text
    with pytest.raises(ValueError, match="unknown blob format 9"):
        unpack(b"\x09abc")
    assert unpack(b"") == b""


def test_a_dictionary_keeps_shapes_and_drops_the_lead() -> None:
    one = lead(1, fields=LEAD)
    doc = json.loads(result_document(one))
    doc["accounts"][1]["ping"]["request"]["body"] = (
        '<lead id="L-77"><phone>4158675309</phone><age>41</age></lead>'
    )
    doc["accounts"][2]["ping"]["request"]["body"] = "first=Zebulon&phone=4158675309"
    data = make_dictionary(json.dumps(doc).encode(), one.lead_json)
    assert data is not None
    text = data.decode()
    for gone in ("Zebulon", "8675309", "867-5309", "zeb@example.org", "Zeb@Example.org", "L-77"):
        assert gone not in text, gone
    assert '"post":null' in text and "zip=94110" not in text
    assert "<phone></phone>" in text and "first=&phone=" in text
    assert "https://buyer-3.example.com/v2/ping" in text and '"Server":"nginx"' in text
    assert '"lead_id":""' in text


def test_no_dictionary_from_a_small_or_foreign_document() -> None:
    assert make_dictionary(b'{"lead_id": "A1", "accounts": []}', "{}") is None
    assert make_dictionary(b"not json", "{}") is None
    assert make_dictionary(b"[1, 2]", "{}") is None


def test_lead_values_in_every_form_a_request_may_carry() -> None:
    values = lead_values(json.dumps(LEAD))
    assert {"Zebulon", "zebulon", "ZEBULON", "4158675309", "zeb@example.org"} <= set(values)
    assert "41" not in values  # too short to cut without harm
    assert values == sorted(values, key=len, reverse=True)
