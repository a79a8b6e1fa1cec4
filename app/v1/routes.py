"""The /v1 route table, filled in by the views' own declarations: a view's signature names the
models it reads (`body`, `query`) and the one it answers with (its return type), so what it
validates, what it sends and what the OpenAPI document says cannot part ways."""

import re
from dataclasses import dataclass, field
from functools import wraps
from typing import get_type_hints

from flask import Blueprint, jsonify
from pydantic import BaseModel

from app.v1.objects import ApiObject, Paginated
from app.v1.openapi import openapi_document
from app.v1.parsing import parse_body, parse_query

FLASK_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as OpenAPI writes it: /users/{user_id}
    summary: str
    answer: type[ApiObject]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    links: dict = field(default_factory=dict)

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


def serialize(result: ApiObject, query: BaseModel | None):
    # Python mode: every field is already a JSON type, and pydantic's JSON mode refuses metadata
    # nested deeper than its serializer's limit (a 500) where Flask's encoder does not.
    data = result.model_dump()
    if isinstance(result, Paginated) and not getattr(query, "paginated", False):
        data = data["data"]  # a plain array, as the SDKs expect by default
    return jsonify(data)


class Routes:
    def __init__(self, bp: Blueprint):
        self.bp = bp
        self.operations: list[Operation] = []
        self._document = None

    def route(self, method: str, rule: str, links: dict | None = None):
        """Register the view at `rule`; its docstring is the operation's summary."""

        def register(view):
            hints = get_type_hints(view)
            operation = Operation(
                method=method.lower(),
                path=FLASK_PARAMETER.sub(r"{\1}", rule),
                summary=(view.__doc__ or "").strip(),
                answer=hints["return"],
                body=hints.get("body"),
                query=hints.get("query"),
                links=links or {},
            )
            self.operations.append(operation)

            @wraps(view)
            def handle(**path_values):
                inputs = {}
                if operation.body:
                    inputs["body"] = parse_body(operation.body)
                if operation.query:
                    inputs["query"] = parse_query(operation.query)
                return serialize(view(**path_values, **inputs), inputs.get("query"))

            self.bp.add_url_rule(rule, view_func=handle, methods=[method])
            return view

        return register

    def get(self, rule: str, **options):
        return self.route("GET", rule, **options)

    def post(self, rule: str, **options):
        return self.route("POST", rule, **options)

    def patch(self, rule: str, **options):
        return self.route("PATCH", rule, **options)

    def delete(self, rule: str, **options):
        return self.route("DELETE", rule, **options)

    def document(self) -> dict:
        """The OpenAPI document, built once: the routes are all declared at import."""
        if self._document is None:
            self._document = openapi_document(self.operations)
        return self._document
