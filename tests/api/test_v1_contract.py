"""One source for the /v1 contract: every parameter a view reads is in the live OpenAPI document,
and the models' strict types answer with SPEC §5's codes."""

import ast
import copy
import inspect

import pytest

from app.auth.accounts import ORDERINGS
from app.views import backend_api
from app.views.backend_api import routes
from tests.api.conftest import assert_error


def components(document: dict, schema: dict) -> dict:
    return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]


def undocumented(document: dict, operations) -> list[str]:
    """`METHOD /path ?name` (query), `{name}` (path) or `.name` (body) for each parameter a
    view reads that the document does not list."""
    missing = []
    for operation in operations:
        where = f"{operation.method.upper()} {operation.path}"
        spec = document["paths"].get(operation.path, {}).get(operation.method)
        if spec is None:
            missing.append(where)
            continue
        listed = {(p["in"], p["name"]) for p in spec["parameters"]}
        read = [("path", name) for name in operation.path_parameters]
        read += [
            ("query", name) for name in (operation.query.model_fields if operation.query else ())
        ]
        missing += [f"{where} ?{name}" for kind, name in read if (kind, name) not in listed]
        if operation.body:
            body = spec.get("requestBody", {}).get("content", {}).get("application/json", {})
            properties = components(document, body["schema"])["properties"] if body else {}
            missing += [
                f"{where} .{name}" for name in operation.body.model_fields if name not in properties
            ]
    return missing


@pytest.fixture
def document(client):
    return client.get("/v1/openapi.json").get_json()


def test_every_parameter_a_view_reads_is_documented(document):
    assert len(routes.operations) == 21
    assert undocumented(document, routes.operations) == []


def test_a_parameter_dropped_from_the_document_is_caught(document):
    """The check above can fail: take a parameter out of the document and it is reported."""
    damaged = copy.deepcopy(document)
    sessions = damaged["paths"]["/sessions"]["get"]
    sessions["parameters"] = [p for p in sessions["parameters"] if p["name"] != "client_id"]
    del damaged["components"]["schemas"]["NewSignInToken"]["properties"]["redirect_url"]
    del damaged["paths"]["/users/{user_id}/ban"]
    assert undocumented(damaged, routes.operations) == [
        "POST /sign_in_tokens .redirect_url",
        "POST /users/{user_id}/ban",
        "GET /sessions ?client_id",
    ]


def test_views_read_the_request_only_through_their_models():
    """What a view reads outside its `body`/`query` model would be in no document."""
    tree = ast.parse(inspect.getsource(backend_api))
    read = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "request"
    }
    assert read <= {"headers", "remote_addr", "endpoint"}, read


def test_order_by_lists_every_ordering_and_each_works(document, api):
    [order_by] = [
        p for p in document["paths"]["/users"]["get"]["parameters"] if p["name"] == "order_by"
    ]
    expected = {f"{sign}{field}" for sign in ("", "+", "-") for field in ORDERINGS}
    assert set(order_by["schema"]["enum"]) == expected and len(expected) == 30
    for value in sorted(expected):
        assert api.get("/users", query_string={"order_by": value}).status_code == 200, value


def test_sessions_documents_paging_client_id_and_every_status(document):
    parameters = {
        p["name"]: p["schema"] for p in document["paths"]["/sessions"]["get"]["parameters"]
    }
    assert set(parameters) == {"user_id", "client_id", "status", "limit", "offset", "paginated"}
    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 500)
    assert parameters["offset"]["minimum"] == 0
    assert "replaced" in parameters["status"]["enum"] and "null" not in str(parameters["status"])


def test_the_document_is_openapi_3_1_with_nullable_fields_as_json_schema(document):
    assert document["openapi"] == "3.1.0"
    user = document["components"]["schemas"]["User"]
    assert user["properties"]["first_name"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert set(user["required"]) == set(user["properties"])  # the SDKs require every key


@pytest.mark.parametrize(
    "path, body, code, param",
    [
        (
            "/sign_in_tokens",
            {"expires_in_seconds": True},
            "form_param_value_invalid",
            "expires_in_seconds",
        ),
        (
            "/sign_in_tokens",
            {"expires_in_seconds": 60.0},
            "form_param_value_invalid",
            "expires_in_seconds",
        ),
        ("/sign_in_tokens", {"redirect_url": 1}, "form_param_format_invalid", "redirect_url"),
        ("/sign_in_tokens", {"user_id": None}, "form_param_missing", "user_id"),
        ("/sign_in_tokens", {"user_id": ""}, "form_param_missing", "user_id"),
        ("/sign_in_tokens", {"user_id": ["user_x"]}, "form_param_format_invalid", "user_id"),
        ("/users", {"email_address": []}, "form_param_missing", "email_address"),
        ("/users", {"email_address": [True]}, "form_param_format_invalid", "email_address"),
        ("/users", {"email_address": [None]}, "form_param_format_invalid", "email_address"),
        (
            "/users",
            {"email_address": ["a@example.com"], "first_name": 1},
            "form_param_format_invalid",
            "first_name",
        ),
        (
            "/email_addresses",
            {"email_address": "a@example.com", "verified": 1},
            "form_param_format_invalid",
            "verified",
        ),
        (
            "/email_addresses",
            {"email_address": "a@example.com", "primary": "true"},
            "form_param_format_invalid",
            "primary",
        ),
    ],
)
def test_strict_types_are_refused_with_spec_codes(api, user_id, path, body, code, param):
    body = {"user_id": user_id, **body} if path != "/users" else body
    assert_error(api.post(path, json=body), 422, code, param)


def test_a_bare_address_is_a_list_of_one(api):
    created = api.post("/users", json={"email_address": "solo@example.com"}).get_json()
    assert [a["email_address"] for a in created["email_addresses"]] == ["solo@example.com"]


@pytest.mark.parametrize(
    "query, param",
    [
        ("limit=true", "limit"),
        ("limit=1.5", "limit"),
        ("offset=-1", "offset"),
        ("paginated=maybe", "paginated"),
    ],
)
def test_bad_query_values_name_their_parameter(api, query, param):
    assert_error(api.get(f"/users?{query}"), 422, "form_param_value_invalid", param)


@pytest.mark.parametrize(
    "raw",
    [
        '{"first_name": "a\\u0000b"}',
        '{"first_name": "\\ud800"}',
        '{"public_metadata": {"\\u0000": 1}}',
    ],
)
def test_nul_and_lone_surrogates_in_a_body_are_refused(api, user_id, raw):
    response = api.patch(f"/users/{user_id}", data=raw, content_type="application/json")
    assert_error(response, 400, "malformed_request")


def test_nul_in_a_query_is_refused(api):
    assert_error(api.get("/sessions?client_id=a%00"), 422, "form_param_value_invalid", "client_id")


def test_unknown_body_fields_are_ignored_as_the_sdks_expect(api, user_id):
    response = api.patch(f"/users/{user_id}", json={"username": "ada", "first_name": "Ada"})
    assert response.status_code == 200 and response.get_json()["first_name"] == "Ada"


def test_only_the_fields_sent_are_changed(api, user_id):
    api.patch(f"/users/{user_id}", json={"first_name": "Ada", "last_name": "Lovelace"})
    cleared = api.patch(f"/users/{user_id}", json={"last_name": None}).get_json()
    assert (cleared["first_name"], cleared["last_name"]) == ("Ada", None)


def test_deeply_nested_metadata_is_answered(api, user_id):
    """Deeper than pydantic's JSON serializer goes (a 500 there), within what JSON parsing takes."""
    deep = "[" * 600 + "]" * 600
    raw = f'{{"public_metadata": {{"deep": {deep}}}}}'
    assert (
        api.patch(f"/users/{user_id}", data=raw, content_type="application/json").status_code == 200
    )
    assert api.get(f"/users/{user_id}").status_code == 200
