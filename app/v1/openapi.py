"""The OpenAPI 3.1 document of /v1, made from the route table and the models' JSON Schemas
(draft 2020-12, which OpenAPI 3.1 takes as it is)."""

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from app.v1.objects import Errors, Paginated

REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_STATUSES = {
    "400": "Malformed request, or an action the resource's state does not allow",
    "401": "Missing, malformed, unknown or revoked secret key",
    "404": "No such resource",
    "413": "Request body too large",
    "422": "A parameter is missing or invalid, or an address is taken",
    "429": "Too many requests for this key; see Retry-After",
}


class OpenApiSchema(GenerateJsonSchema):
    def field_title_should_be_set(self, schema) -> bool:
        return False  # "Email Address" over email_address tells a reader nothing


def ref(model: type[BaseModel]) -> dict:
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, schema_generator=OpenApiSchema)
    if "$defs" in schema:
        raise TypeError(f"{model.__name__}: a query parameter must be a plain value, not a model")
    parameters = []
    for name, field in schema["properties"].items():
        if field.get("default", "") is None:
            del field["default"]  # a query string has no null to leave out
        required = name in schema.get("required", ())
        parameters.append({"name": name, "in": "query", "required": required, "schema": field})
    return parameters


def answer_schema(model: type[BaseModel], schemas: dict) -> dict:
    if issubclass(model, Paginated):
        # Without ?paginated=true a list is its bare `data` array.
        return {"oneOf": [schemas[model.__name__]["properties"]["data"], ref(model)]}
    return ref(model)


def responses(operation, schemas: dict) -> dict:
    success = {
        "description": "Success",
        "content": {"application/json": {"schema": answer_schema(operation.answer, schemas)}},
    }
    if operation.links:
        success["links"] = operation.links
    errors = {"application/json": {"schema": ref(Errors)}}
    return {
        "200": success,
        **{
            status: {"description": text, "content": errors}
            for status, text in ERROR_STATUSES.items()
        },
    }


def describe(operation, schemas: dict) -> dict:
    path = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in operation.path_parameters
    ]
    query = query_parameters(operation.query) if operation.query else []
    spec = {
        "summary": operation.summary,
        "parameters": path + query,
        "responses": responses(operation, schemas),
    }
    if operation.body:
        spec["requestBody"] = {
            # An empty body reads as {} (app/v1/parsing.py): one may be left out when none of
            # its fields is required.
            "required": any(f.is_required() for f in operation.body.model_fields.values()),
            "content": {"application/json": {"schema": ref(operation.body)}},
        }
    return spec


def openapi_document(operations) -> dict:
    models = {(Errors, "serialization")}
    for operation in operations:
        models.add((operation.answer, "serialization"))
        if operation.body:
            models.add((operation.body, "validation"))
    _, definitions = models_json_schema(
        sorted(models, key=lambda pair: pair[0].__name__),
        ref_template=REF_TEMPLATE,
        schema_generator=OpenApiSchema,
    )
    schemas = definitions["$defs"]
    paths: dict[str, dict] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method] = describe(operation, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Latchkey backend API", "version": "1"},
        "servers": [{"url": "/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": paths,
    }
