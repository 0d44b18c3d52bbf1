"""`GET /openapi.json`: the service described in OpenAPI 3.1.

Written by hand from the routes (a test checks that the two list the same
operations, and validates the document with openapi-spec-validator). The result
document's schema is spec/cli.md's JSON result of one lead.
"""

from __future__ import annotations

import functools
from typing import Any

from pingpost import __version__
from pingpost.serve.openapi_schemas import SCHEMAS

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before sending again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def _error(description: str, *, retry: bool = False) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description, "content": _PROBLEM}
    if retry:
        answer["headers"] = _RETRY_AFTER
    return answer


def _result(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/AuctionResult"}
    replayed = {
        "Idempotent-Replayed": {
            "description": "`true` when this is the stored answer to an earlier request "
            "with the same Idempotency-Key.",
            "schema": {"type": "string", "enum": ["true"]},
        }
    }
    return {
        "description": description,
        "headers": replayed,
        "content": {"application/json": {"schema": schema}},
    }


_POST_LEAD: dict[str, Any] = {
    "operationId": "postLead",
    "summary": "Run the auction for one lead",
    "description": "Validates the lead against its lead type, pings every eligible buyer, "
    "posts to the best bid and answers the JSON result document. An Idempotency-Key makes "
    "a retried submission return the first answer instead of running a second auction.",
    "security": [{"bearerKey": []}, {"apiKey": []}],
    "parameters": [
        {
            "name": "lead_type",
            "in": "query",
            "required": False,
            "description": "The lead type (default: the source's only lead type, else the "
            "config's only one).",
            "schema": {"type": "string"},
        },
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "1 to 255 visible ASCII characters, e.g. a UUID; kept per source.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        },
    ],
    "requestBody": {
        "required": True,
        "description": "The lead: one JSON object of fields (at most 1 MB).",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Lead"}}},
    },
    "responses": {
        "200": _result("Unsold: the auction ran and nobody bought the lead."),
        "201": _result("Sold."),
        "202": _result(
            "In doubt: a post may have reached its buyer (see `pingpost recover`). A retry "
            "with the same Idempotency-Key gets the settled result (201 or 200, with "
            "`recovery`) once `pingpost recover` has resolved it."
        ),
        "400": _error("The body is not JSON, a lead type is needed, or a header is malformed."),
        "401": _error("The API key is missing, wrong or revoked."),
        "403": _error("This source may not post that lead type."),
        "409": {
            "description": "A duplicate lead (the JSON result document, result `duplicate`), "
            "or an Idempotency-Key whose first request is still running (a problem, with "
            "Retry-After).",
            "headers": _RETRY_AFTER,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/AuctionResult"}},
                **_PROBLEM,
            },
        },
        "413": _error("The body is over 1 MB."),
        "415": _error("The body is not `application/json` (UTF-8)."),
        "422": _error(
            "The lead is not valid (every problem listed), or the Idempotency-Key "
            "was used with a different lead."
        ),
        "429": _error("Over the source's rate limit.", retry=True),
        "503": _error(
            "Busy (serve.max_in_flight), shutting down, or the store is unreachable.", retry=True
        ),
    },
}


def _plain_get(operation: str, summary: str, responses: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"operationId": operation, "summary": summary, "responses": responses}}


_STATUS = {
    "type": "object",
    "properties": {"status": {"type": "string"}},
    "required": ["status"],
}


def _paths() -> dict[str, Any]:
    json_status = {"application/json": {"schema": _STATUS}}
    return {
        "/v1/leads": {"post": _POST_LEAD},
        "/v1/admin/reload": {
            "post": {
                "operationId": "reloadConfig",
                "summary": "Reload the configs atomically (the admin key)",
                "security": [{"bearerKey": []}, {"apiKey": []}],
                "responses": {
                    "200": {"description": "Reloaded.", "content": json_status},
                    "401": _error("The admin key is missing or wrong."),
                    "403": _error("No admin key is configured."),
                    "422": _error(
                        "The new config is invalid (every problem listed); the "
                        "previous one keeps serving."
                    ),
                },
            }
        },
        "/healthz": _plain_get(
            "health", "Alive", {"200": {"description": "Alive.", "content": json_status}}
        ),
        "/readyz": _plain_get(
            "readiness",
            "Ready: configs loaded, store reachable, not shutting down",
            {
                "200": {"description": "Ready.", "content": json_status},
                "503": {"description": "Not ready (the checks say why).", "content": json_status},
            },
        ),
        "/metrics": _plain_get(
            "metrics",
            "Prometheus metrics",
            {
                "200": {
                    "description": "Prometheus text exposition format.",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                }
            },
        ),
        "/openapi.json": _plain_get(
            "openapi",
            "This document",
            {
                "200": {
                    "description": "OpenAPI 3.1.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        ),
    }


@functools.cache
def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "pingpost serve",
            "version": __version__,
            "description": "Real-time lead intake: each lead posted is auctioned to the "
            "configured buyers (ping/post), and the answer is the auction's JSON result.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A source's API key: `Authorization: Bearer KEY`.",
                },
                "apiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Api-Key",
                    "description": "A source's API key, the other way to send it.",
                },
            },
        },
    }
