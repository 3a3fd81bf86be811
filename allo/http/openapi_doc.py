"""/openapi.json says what a 422 really holds.

FastAPI documents every 422 as its own validation error (`detail`: a list). allo's endpoints also refuse input they
have validated themselves with a 422 whose `detail` is a message or an object (`{"problems": [...]}`,
`{"error", "message"}`): a client generated from the schema, or schemathesis checking responses against it, saw
those as violations. The 422 of every operation is documented as either form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

REFUSED = {
    "title": "Refused",
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {
        "title": "Detail",
        "description": "FastAPI's validation errors (a list), or the endpoint's own refusal: a message, or an "
                       "object such as {\"problems\": [{\"path\", \"message\"}]} or {\"error\", \"message\"}",
        "anyOf": [{"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}},
                  {"type": "string"}, {"type": "object"}],
    }},
}


def document_refusals(app: FastAPI) -> None:
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()  # FastAPI caches it in app.openapi_schema: changed in place, once
        schema.setdefault("components", {}).setdefault("schemas", {})["Refused"] = REFUSED
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                refused = operation.get("responses", {}).get("422") if isinstance(operation, dict) else None
                if refused is not None:
                    refused["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/Refused"}}}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
