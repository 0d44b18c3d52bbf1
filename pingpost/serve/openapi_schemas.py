"""JSON Schemas (2020-12, as OpenAPI 3.1 uses) of what `pingpost serve` takes and answers:
the lead, the JSON result document of one lead (spec/cli.md) and the problem document."""

from __future__ import annotations

from typing import Any

_MONEY = {"type": ["string", "null"], "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
          "description": "A decimal as a string, e.g. \"12.50\"."}  # fmt: skip
_TEXT_OR_NULL = {"type": ["string", "null"]}

ACCOUNT_STATUSES = [
    "filtered", "not_pinged", "accepted", "rejected", "error", "below_floor", "above_max",
    "outbid", "sold", "post_rejected", "post_error", "in_doubt",
    "capped", "off_schedule", "duplicate", "paused",
]  # fmt: skip

_EXCHANGE: dict[str, Any] = {
    "type": ["object", "null"],
    "description": "One phase with one account: the request sent, the response, what it "
    "meant. Secrets and pii are masked.",
    "properties": {
        "request": {"type": ["object", "null"]},
        "response": {"type": ["object", "null"]},
        "latency_ms": {"type": "number"},
        "attempts": {"type": "integer", "minimum": 0},
        "outcome": {"type": ["object", "null"]},
    },
}

_ACCOUNT: dict[str, Any] = {
    "type": "object",
    "required": ["account", "method", "status"],
    "properties": {
        "account": {"type": "string"},
        "method": {"type": "string"},
        "priority": {"type": "integer"},
        "status": {"type": "string", "examples": ACCOUNT_STATUSES},
        "reason": _TEXT_OR_NULL,
        "bid": _MONEY,
        "ping": {"$ref": "#/components/schemas/Exchange"},
        "post": {"$ref": "#/components/schemas/Exchange"},
    },
}

_RESULT: dict[str, Any] = {
    "type": "object",
    "description": "The JSON result of one lead, as `pingpost deliver --json` prints it. "
    "Other keys may be added; these keep their meaning.",
    "required": [
        "schema_version",
        "lead_id",
        "result",
        "sold_to",
        "price",
        "duration_ms",
        "accounts",
    ],
    "properties": {
        "schema_version": {"type": "integer", "const": 1},
        "lead_id": {"type": "string", "description": "The auction id."},
        "lead_type": {"type": "string"},
        "result": {"type": "string", "examples": ["sold", "unsold", "in_doubt", "duplicate"]},
        "sold_to": _TEXT_OR_NULL,
        "price": _MONEY,
        "reason": _TEXT_OR_NULL,
        "duration_ms": {
            "type": ["number", "null"],
            "description": "null: an auction interrupted before its result, settled since "
            "by `pingpost recover` (see `recovery`).",
        },
        "ping_round_ms": {"type": "number"},
        "posted_to": {"type": "array", "items": {"type": "string"}},
        "dry_run": {"type": "boolean"},
        "accounts": {"type": "array", "items": {"$ref": "#/components/schemas/AccountResult"}},
        "recovery": {
            "type": "object",
            "description": "In the answer to a retry of a held (202) lead once `pingpost "
            "recover` has settled it: the result as settled and the posts settled since, as "
            "`pingpost log show --json` prints them.",
        },
    },
}

_PROBLEM: dict[str, Any] = {
    "type": "object",
    "description": "An error (RFC 9457). `code` is stable for programs; `detail` and "
    "`problems` are for people.",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {
            "type": "string",
            "examples": [
                "invalid_json",
                "invalid_lead",
                "unsupported_media_type",
                "body_too_large",
                "unauthorized",
                "rate_limited",
                "busy",
                "shutting_down",
                "unknown_lead_type",
                "lead_type_required",
                "lead_type_not_allowed",
                "idempotency_key_reused",
                "idempotency_key_in_use",
                "invalid_idempotency_key",
                "store_unavailable",
                "invalid_config",
                "not_found",
                "method_not_allowed",
                "internal_error",
            ],
        },
        "detail": {"type": "string"},
        "problems": {"type": "array", "items": {"type": "string"}},
    },
}

SCHEMAS: dict[str, Any] = {
    "Lead": {
        "type": "object",
        "description": "Field name: value, as the lead type defines them. Unknown fields are "
        "refused; a null or blank value counts as absent.",
    },
    "AuctionResult": _RESULT,
    "AccountResult": _ACCOUNT,
    "Exchange": _EXCHANGE,
    "Problem": _PROBLEM,
}
