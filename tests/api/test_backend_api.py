"""Contract tests of /v1: every endpoint, and every error in SPEC §5's format."""

import json

import pytest

from app import clock
from tests.api.conftest import assert_error
from tests.factory import make_secret_key

DAY_MS = 24 * 3600 * 1000


def test_success_is_200_with_exact_json_content_type(api, user_id):
    response = api.post("/sign_in_tokens", json={"user_id": user_id})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"


def test_mint_a_token_with_the_default_life_of_30_days(api, user_id):
    token = api.post("/sign_in_tokens", json={"user_id": user_id}).get_json()
    assert token["object"] == "sign_in_token" and token["id"].startswith("sit_")
    assert token["user_id"] == user_id and token["status"] == "pending"
    assert token["url"] == f"http://localhost/accept-token?token={token['token']}"
    assert len(token["token"]) >= 43
    assert token["expire_at"] - token["created_at"] == 30 * DAY_MS
    assert isinstance(token["updated_at"], int) and token["redirect_url"] is None


def test_expires_in_seconds_and_redirect_url(api, user_id):
    token = api.post(
        "/sign_in_tokens",
        json={"user_id": user_id, "expires_in_seconds": 3600, "redirect_url": "/user?welcome=1"},
    ).get_json()
    assert token["expire_at"] - token["created_at"] == 3600 * 1000
    assert token["redirect_url"] == "/user?welcome=1"


def test_get_and_revoke_a_token(api, user_id):
    token = api.post("/sign_in_tokens", json={"user_id": user_id}).get_json()
    fetched = api.get(f"/sign_in_tokens/{token['id']}").get_json()
    assert fetched["status"] == "pending" and fetched["token"] is None  # only a hash is kept
    revoked = api.post(f"/sign_in_tokens/{token['id']}/revoke").get_json()
    assert revoked["status"] == "revoked"
    again = api.post(f"/sign_in_tokens/{token['id']}/revoke")
    assert_error(again, 400, "sign_in_token_cannot_be_revoked")


@pytest.mark.parametrize("value", [0, -5, 1.5, "60", True, 10**12])
def test_bad_expires_in_seconds_is_form_param_value_invalid(api, user_id, value):
    response = api.post("/sign_in_tokens", json={"user_id": user_id, "expires_in_seconds": value})
    assert_error(response, 422, "form_param_value_invalid", "expires_in_seconds")


def test_missing_user_id_is_form_param_missing(api):
    assert_error(api.post("/sign_in_tokens", json={}), 422, "form_param_missing", "user_id")


def test_unknown_user_id_is_resource_not_found(api):
    response = api.post("/sign_in_tokens", json={"user_id": "user_nope"})
    assert_error(response, 404, "resource_not_found", "user_id")


def test_foreign_redirect_url_is_refused(api, user_id):
    response = api.post(
        "/sign_in_tokens", json={"user_id": user_id, "redirect_url": "https://evil.example/"}
    )
    assert_error(response, 422, "form_param_value_invalid", "redirect_url")


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "sk_abc"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}],
)
def test_missing_or_malformed_authorization(client, headers):
    response = client.get("/v1/users", headers=headers)
    assert_error(response, 401, "authorization_header_format_invalid")


def test_unknown_and_revoked_keys_are_secret_key_invalid(app, api, client):
    response = client.get("/v1/users", headers={"Authorization": "Bearer sk_nope"})
    assert_error(response, 401, "secret_key_invalid")
    assert api.get("/users").status_code == 200
    runner = app.test_cli_runner()
    with app.app_context():
        from sqlalchemy import select

        from app.extensions import db
        from app.models import SecretKey

        key_id = db.session.scalar(select(SecretKey.id))
    assert runner.invoke(args=["keys", "revoke", key_id]).exit_code == 0
    assert_error(api.get("/users"), 401, "secret_key_invalid")


@pytest.mark.parametrize(
    "data, content_type",
    [
        ("{not json", "application/json"),
        ('["a list"]', "application/json"),
        ("user_id=x", "application/x-www-form-urlencoded"),
        ('{"user_id": "x"}', "text/plain"),
        (b"\xff\xfe", "application/json"),
    ],
)
def test_bad_json_or_content_type_is_malformed_request(api, data, content_type):
    response = api.post("/sign_in_tokens", data=data, content_type=content_type)
    assert_error(response, 400, "malformed_request")


def test_oversized_body_is_413(api):
    response = api.post(
        "/users", data=json.dumps({"x": "a" * 100_000}), content_type="application/json"
    )
    assert_error(response, 413, "request_body_too_large")


def test_unknown_ids_are_resource_not_found(api):
    for path in [
        "/users/user_nope",
        "/sign_in_tokens/sit_nope",
        "/sessions/sess_nope",
        "/email_addresses/idn_nope",
    ]:
        assert_error(api.get(path), 404, "resource_not_found")


def test_create_list_count_get_update_delete_users(api):
    created = api.post(
        "/users",
        json={
            "email_address": ["Grace@Example.com", "g2@example.com"],
            "first_name": "Grace",
            "public_metadata": {"plan": "pro"},
        },
    ).get_json()
    assert created["object"] == "user" and created["first_name"] == "Grace"
    first, second = created["email_addresses"]
    assert created["primary_email_address_id"] == first["id"]
    for address in (first, second):
        assert address["verification"]["status"] == "verified"
        assert address["verification"]["object"] == "verification_admin"
        assert address["linked_to"] == []
    assert created["public_metadata"] == {"plan": "pro"}
    for key in (
        "phone_numbers",
        "web3_wallets",
        "passkeys",
        "external_accounts",
        "saml_accounts",
        "enterprise_accounts",
    ):
        assert created[key] == []

    listed = api.get("/users", query_string={"email_address": "grace@example.com"}).get_json()
    assert [u["id"] for u in listed] == [created["id"]]
    paged = api.get("/users", query_string={"paginated": "true", "limit": 1}).get_json()
    assert paged["total_count"] == 1 and len(paged["data"]) == 1
    assert api.get("/users/count").get_json() == {"object": "total_count", "total_count": 1}

    updated = api.patch(f"/users/{created['id']}", json={"last_name": "Hopper"}).get_json()
    assert updated["last_name"] == "Hopper" and updated["first_name"] == "Grace"
    deleted = api.delete(f"/users/{created['id']}").get_json()
    assert deleted == {"object": "user", "id": created["id"], "deleted": True}
    assert_error(api.get(f"/users/{created['id']}"), 404, "resource_not_found")


def test_user_creation_errors(api, user_id):
    assert_error(api.post("/users", json={}), 422, "form_param_missing", "email_address")
    taken = api.post("/users", json={"email_address": ["ADA@example.com"]})
    assert_error(taken, 422, "form_identifier_exists")
    bad = api.post("/users", json={"email_address": ["nope"]})
    assert_error(bad, 422, "form_param_format_invalid")


def test_list_ordering_and_paging(api):
    ids = [
        api.post("/users", json={"email_address": [f"u{i}@example.com"]}).get_json()["id"]
        for i in range(3)
    ]
    newest_first = [u["id"] for u in api.get("/users").get_json()]
    assert newest_first == list(reversed(ids))
    oldest_first = [u["id"] for u in api.get("/users?order_by=created_at").get_json()]
    assert oldest_first == ids
    assert [u["id"] for u in api.get("/users?limit=1&offset=1").get_json()] == [ids[1]]
    assert_error(api.get("/users?order_by=password"), 422, "form_param_value_invalid", "order_by")
    assert_error(api.get("/users?limit=abc"), 422, "form_param_value_invalid", "limit")
    assert_error(api.get("/users?limit=0"), 422, "form_param_value_invalid")


def test_ban_ends_sessions_and_unban(api, user_id, session_id):
    assert api.post(f"/users/{user_id}/ban").get_json()["banned"] is True
    assert api.get(f"/sessions/{session_id}").get_json()["status"] == "revoked"
    assert api.post(f"/users/{user_id}/unban").get_json()["banned"] is False


def test_email_addresses(api, user_id):
    added = api.post(
        "/email_addresses", json={"user_id": user_id, "email_address": "second@example.com"}
    ).get_json()
    assert added["object"] == "email_address" and added["verification"] is None
    assert_error(
        api.patch(f"/email_addresses/{added['id']}", json={"primary": True}),
        422,
        "form_param_value_invalid",
    )
    verified = api.patch(f"/email_addresses/{added['id']}", json={"verified": True}).get_json()
    assert verified["verification"]["status"] == "verified"
    api.patch(f"/email_addresses/{added['id']}", json={"primary": True})
    assert api.get(f"/users/{user_id}").get_json()["primary_email_address_id"] == added["id"]
    assert api.get(f"/email_addresses/{added['id']}").get_json()["id"] == added["id"]
    user = api.get(f"/users/{user_id}").get_json()
    old = next(a for a in user["email_addresses"] if a["id"] != added["id"])
    assert api.delete(f"/email_addresses/{old['id']}").get_json()["deleted"] is True
    last = api.delete(f"/email_addresses/{added['id']}")
    assert last.status_code == 400 and "primary" in last.get_json()["errors"][0]["message"]


def test_email_address_errors(api, user_id):
    assert_error(
        api.post("/email_addresses", json={"user_id": user_id}),
        422,
        "form_param_missing",
        "email_address",
    )
    assert_error(
        api.post("/email_addresses", json={"user_id": "user_x", "email_address": "a@b.co"}),
        404,
        "resource_not_found",
    )
    other = api.post("/users", json={"email_address": ["taken@example.com"]}).get_json()
    taken = api.post(
        "/email_addresses",
        json={"user_id": user_id, "email_address": "taken@example.com", "verified": True},
    )
    assert_error(taken, 422, "form_identifier_exists")
    assert other["id"]


def test_sessions_list_get_revoke(api, user_id, session_id):
    [session] = api.get("/sessions", query_string={"user_id": user_id}).get_json()
    assert session["id"] == session_id and session["status"] == "active"
    for key in ("client_id", "last_active_at", "expire_at", "abandon_at", "created_at"):
        assert key in session
    revoked = api.post(f"/sessions/{session['id']}/revoke").get_json()
    assert revoked["status"] == "revoked"
    assert api.get("/sessions?status=active").get_json() == []
    assert api.get("/sessions?paginated=true").get_json()["total_count"] == 1
    assert_error(api.get("/sessions?status=bogus"), 422, "form_param_value_invalid")


def test_the_per_key_rate_limit_answers_429(make_app, user_id):
    app = make_app(API_REQUESTS_PER_KEY="3 per minute")
    key = make_secret_key(app, "limited")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    for _ in range(3):
        assert client.get("/v1/users/count", headers=headers).status_code == 200
    response = client.get("/v1/users/count", headers=headers)
    error = assert_error(response, 429, "too_many_requests")
    assert int(response.headers["Retry-After"]) >= 1 and "Try again in" in error["message"]


def test_openapi_document_is_public_and_lists_every_route(app, client):
    document = client.get("/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {
        (f"/v1{path}".replace("{", "<").replace("}", ">"), method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/v1/") and rule.endpoint != "backend_api.openapi":
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                served.add((rule.rule, method))
    normalize = lambda pairs: {(p.split("<")[0] + str(p.count("<")), m) for p, m in pairs}  # noqa: E731
    assert normalize(served) == normalize(documented)


def test_metadata_is_merged_and_null_removes_a_key(api, user_id):
    api.patch(f"/users/{user_id}", json={"public_metadata": {"plan": "pro", "seats": {"max": 5}}})
    merged = api.patch(
        f"/users/{user_id}/metadata",
        json={
            "public_metadata": {"plan": None, "seats": {"used": 2}},
            "private_metadata": {"a": 1},
        },
    ).get_json()
    assert merged["public_metadata"] == {"seats": {"max": 5, "used": 2}}
    assert merged["private_metadata"] == {"a": 1}


@pytest.mark.parametrize(
    "path",
    ["/users?user_id=a%00b", "/users?offset=99999999999999999999", "/sessions?limit=10000000000"],
)
def test_hostile_query_values_are_422_not_500(api, path):
    assert api.get(path).status_code == 422


def test_hostile_bodies_are_4xx_not_500(api, user_id):
    deep = '{"public_metadata": ' + "[" * 5000 + "]" * 5000 + "}"
    assert_error(
        api.patch(f"/users/{user_id}", data=deep, content_type="application/json"),
        400,
        "malformed_request",
    )
    nul = api.post(
        "/users",
        data='{"email_address": ["a\\u0000@example.com"]}',
        content_type="application/json",
    )
    assert_error(nul, 400, "malformed_request")
    long_name = api.patch(f"/users/{user_id}", json={"first_name": "x" * 256})
    assert_error(long_name, 422, "form_param_value_invalid", "first_name")


def test_a_revoked_session_is_answered_as_stored(app, api, session_id):
    clock.travel(3600)
    revoked_after = clock.to_ms(clock.now())
    answered = api.post(f"/sessions/{session_id}/revoke").get_json()
    assert answered["updated_at"] == api.get(f"/sessions/{session_id}").get_json()["updated_at"]
    assert answered["updated_at"] >= revoked_after  # not the value from before the revoke
