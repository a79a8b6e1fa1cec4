"""/oauth/token, userinfo, introspection, revocation: tokens as SPEC §9 says, tied to the
Latchkey session they came from, and every bad request a clear OAuth error."""

import base64
import json

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from app import clock
from tests.conftest import csrf_token
from tests.factory import make_oauth_app
from tests.oauth.conftest import RelyingParty, bearer, issue_tokens


def decode(client, token: str) -> jwt.Token:
    keys = KeySet.import_key_set(client.get("/oauth/jwks").get_json())
    return jwt.decode(token, keys, algorithms=["RS256"])


def introspect(rp, token: str) -> dict:
    answer = rp.client.post(
        "/oauth/introspect", data={"token": token}, auth=(rp.client_id, rp.secret)
    )
    assert answer.status_code == 200
    return answer.get_json()


def test_the_id_token_and_access_token_carry_the_claims_of_spec_9(app, client, rp, signed_in):
    tokens = issue_tokens(rp, nonce="n-123")
    id_token = decode(client, tokens["id_token"])
    claims = id_token.claims
    assert id_token.header["alg"] == "RS256" and id_token.header["kid"].startswith("kid_")
    assert claims["iss"] == "http://localhost"
    assert claims["aud"] == rp.client_id and claims["azp"] == rp.client_id
    assert claims["sub"].startswith("user_") and claims["sid"].startswith("sess_")
    assert claims["nonce"] == "n-123"
    assert claims["email"] == signed_in and claims["email_verified"] is True
    assert claims["exp"] - claims["iat"] == 600
    assert abs(claims["auth_time"] - claims["iat"]) < 5

    access = decode(client, tokens["access_token"])
    assert access.header["typ"] == "at+jwt" and access.header["kid"] == id_token.header["kid"]
    for name in ("iss", "sub", "aud", "client_id", "scope", "sid", "exp", "iat", "jti"):
        assert name in access.claims, name
    assert access.claims["sid"] == claims["sid"] and access.claims["client_id"] == rp.client_id
    assert tokens["expires_in"] == 600 and tokens["token_type"] == "Bearer"


def test_userinfo_answers_by_scope_on_get_and_post(client, rp, signed_in):
    tokens = issue_tokens(rp, scope="openid email")
    for method in (client.get, client.post):
        info = method("/oauth/userinfo", headers=bearer(tokens["access_token"])).get_json()
        assert info["email"] == signed_in and info["sub"].startswith("user_")
    narrow = issue_tokens(rp, scope="openid")
    info = client.get("/oauth/userinfo", headers=bearer(narrow["access_token"])).get_json()
    assert "email" not in info


def test_no_refresh_token_without_offline_access(rp, signed_in):
    assert "refresh_token" not in issue_tokens(rp, scope="openid email")
    assert "refresh_token" in issue_tokens(rp, scope="openid offline_access")


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_family(client, rp, signed_in):
    first = issue_tokens(rp)
    second = rp.token(grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    second = second.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/oauth/userinfo", headers=bearer(second["access_token"])).status_code == 200

    reused = rp.token(grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400 and reused.get_json()["error"] == "invalid_grant"
    # The thief and the app alike lose everything of the grant.
    after = rp.token(grant_type="refresh_token", refresh_token=second["refresh_token"])
    assert after.get_json()["error"] == "invalid_grant"
    for token in (first["access_token"], second["access_token"]):
        assert client.get("/oauth/userinfo", headers=bearer(token)).status_code == 401
        assert introspect(rp, token) == {"active": False}
    events = audit_events(rp.client.application)
    assert "oauth.refresh_token_reused" in events


def audit_events(app) -> list[str]:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import AuditEvent

    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.event)))


def test_a_reused_code_is_refused_and_revokes_its_tokens(client, rp, signed_in):
    code = rp.code_from(rp.consent(rp.authorize()))
    tokens = rp.exchange(code).get_json()
    again = rp.exchange(code)
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    assert client.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).status_code == 401
    refreshed = rp.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.get_json()["error"] == "invalid_grant"
    assert "oauth.code_reused" in audit_events(rp.client.application)


def test_an_expired_code_is_refused(rp, signed_in):
    code = rp.code_from(rp.consent(rp.authorize()))
    clock.travel(61)
    assert rp.exchange(code).get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "change, error",
    [
        ({"code_verifier": None}, "invalid_request"),
        ({"code_verifier": "x" * 43}, "invalid_grant"),
        ({"code_verifier": "short"}, "invalid_request"),
        ({"redirect_uri": "http://127.0.0.1:9/other"}, "invalid_grant"),
        ({"code": "not-a-code"}, "invalid_grant"),
        ({"code": "x" * 5000}, "invalid_grant"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
    ],
)
def test_bad_code_exchanges_are_oauth_errors_and_leave_the_code_usable(
    rp, signed_in, change, error
):
    code = rp.code_from(rp.consent(rp.authorize()))
    answer = rp.exchange(code, **change)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["error"] == error
    assert answer.headers["Cache-Control"] == "no-store"
    assert rp.exchange(code).status_code == 200  # a refused exchange spent nothing


def test_wrong_client_credentials_are_invalid_client(client, rp, signed_in):
    code = rp.code_from(rp.consent(rp.authorize()))
    wrong = RelyingParty(client, rp.client_id, "wrong-secret")
    wrong.verifier = rp.verifier
    answer = wrong.exchange(code)
    assert answer.status_code == 401 and answer.get_json()["error"] == "invalid_client"
    unknown = RelyingParty(client, "oa_3N9oaZqPmF29YLHJHQKFdNICBLV", "x")
    assert unknown.exchange(code).get_json()["error"] == "invalid_client"
    assert rp.exchange(code).status_code == 200


def test_a_code_is_bound_to_its_app(app, client, rp, signed_in):
    code = rp.code_from(rp.consent(rp.authorize()))
    other_id, other_secret = make_oauth_app(app)
    other = RelyingParty(client, other_id, other_secret)
    other.verifier = rp.verifier
    assert other.exchange(code).get_json()["error"] == "invalid_grant"


def test_client_secret_post_works_too(client, rp, signed_in):
    code = rp.code_from(rp.consent(rp.authorize()))
    answer = client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": rp.redirect_uri,
            "code_verifier": rp.verifier,
            "client_id": rp.client_id,
            "client_secret": rp.secret,
        },
    )
    assert answer.status_code == 200


def test_a_public_app_exchanges_with_pkce_and_no_secret(app, client, signed_in):
    client_id, _ = make_oauth_app(app, public=True, first_party=True)
    public = RelyingParty(client, client_id, None)
    code = public.code_from(public.authorize())
    assert public.exchange(code, code_verifier=None).get_json()["error"] == "invalid_request"
    assert public.exchange(code).status_code == 200


@pytest.mark.parametrize("how", ["sign-out", "revoke-session", "session-expires"])
def test_tokens_end_with_their_session(app, client, rp, signed_in, how, secret_key):
    tokens = issue_tokens(rp)
    session_id = decode(client, tokens["id_token"]).claims["sid"]
    if how == "sign-out":
        client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    elif how == "revoke-session":
        revoked = client.post(f"/v1/sessions/{session_id}/revoke", headers=bearer(secret_key))
        assert revoked.status_code == 200
    else:
        clock.travel(app.config["SESSION_LIFETIME"] + 1)
    assert client.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).status_code == 401
    assert introspect(rp, tokens["access_token"]) == {"active": False}
    assert introspect(rp, tokens["refresh_token"]) == {"active": False}
    refreshed = rp.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.get_json()["error"] == "invalid_grant"


def test_introspection_of_live_tokens_and_of_another_apps(app, client, rp, signed_in):
    tokens = issue_tokens(rp)
    answer = introspect(rp, tokens["access_token"])
    assert answer["active"] is True and answer["client_id"] == rp.client_id
    assert answer["token_type"] == "access_token" and answer["sid"].startswith("sess_")
    assert introspect(rp, tokens["refresh_token"])["token_type"] == "refresh_token"
    other_id, other_secret = make_oauth_app(app)
    other = client.post(
        "/oauth/introspect", data={"token": tokens["access_token"]}, auth=(other_id, other_secret)
    )
    assert other.get_json() == {"active": False}
    nobody = client.post("/oauth/introspect", data={"token": tokens["access_token"]})
    assert nobody.status_code == 401
    for junk in ("junk", "a.b.c", "x" * 10000, ""):
        assert introspect(rp, junk) == {"active": False}


def test_revoking_an_access_token_ends_it_alone_and_a_refresh_token_the_grant(
    client, rp, signed_in
):
    tokens = issue_tokens(rp)
    revoke = client.post(
        "/oauth/revoke", data={"token": tokens["access_token"]}, auth=(rp.client_id, rp.secret)
    )
    assert revoke.status_code == 200
    assert client.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).status_code == 401
    refreshed = rp.token(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    ).get_json()
    assert "access_token" in refreshed
    client.post(
        "/oauth/revoke",
        data={"token": refreshed["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(rp.client_id, rp.secret),
    )
    assert (
        client.get("/oauth/userinfo", headers=bearer(refreshed["access_token"])).status_code == 401
    )
    unknown = client.post("/oauth/revoke", data={"token": "junk"}, auth=(rp.client_id, rp.secret))
    assert unknown.status_code == 200  # RFC 7009 §2.2: an unknown token is not an error


def test_a_tampered_or_foreign_access_token_is_refused(client, rp, signed_in):
    tokens = issue_tokens(rp)
    header, payload, signature = tokens["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "user_someone_else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    for token in (f"{header}.{forged}.{signature}", tokens["id_token"], "junk", "x" * 5000):
        assert client.get("/oauth/userinfo", headers=bearer(token)).status_code == 401
    assert client.get("/oauth/userinfo").status_code == 401


def test_userinfo_needs_the_openid_scope(client, rp, signed_in):
    tokens = issue_tokens(rp, scope="email")
    assert client.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).status_code == 403


def test_malformed_token_requests_are_clear_errors(client, rp):
    assert client.post("/oauth/token").status_code in (400, 401)
    assert client.post("/oauth/token", json={"grant_type": "authorization_code"}).status_code in (
        400,
        401,
    )
    huge = client.post("/oauth/token", data={"code": "x" * 70000})
    assert huge.status_code == 413
    assert client.get("/oauth/token").status_code == 405


def test_the_audit_log_tells_the_whole_story(client, rp, signed_in):
    tokens = issue_tokens(rp)
    refreshed = rp.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    client.post(
        "/oauth/revoke",
        data={"token": refreshed.get_json()["refresh_token"]},
        auth=(rp.client_id, rp.secret),
    )
    events = audit_events(rp.client.application)
    for event in (
        "oauth.consent_given",
        "oauth.code_issued",
        "oauth.code_redeemed",
        "oauth.token_issued",
        "oauth.token_refreshed",
        "oauth.token_revoked",
    ):
        assert event in events, event


def test_scope_profile_adds_the_names_when_set(app, client, rp, signed_in):
    from app.auth.accounts import update_user
    from app.auth.users import owner_of
    from tests.factory import work

    assert "name" not in decode(client, issue_tokens(rp)["id_token"]).claims  # none set yet
    with work(app):
        update_user(owner_of(signed_in), {"first_name": "Ada", "last_name": "Lovelace"})
    claims = decode(client, issue_tokens(rp)["id_token"]).claims
    assert (claims["name"], claims["given_name"], claims["family_name"]) == (
        "Ada Lovelace",
        "Ada",
        "Lovelace",
    )
    narrow = decode(client, issue_tokens(rp, scope="openid email")["id_token"]).claims
    assert "name" not in narrow and "given_name" not in narrow


@pytest.mark.parametrize("kind", ["access_token", "refresh_token"])
def test_a_wrong_token_type_hint_is_looked_past(client, rp, signed_in, kind):
    tokens = issue_tokens(rp)
    wrong = "refresh_token" if kind == "access_token" else "access_token"
    answer = client.post(
        "/oauth/introspect",
        data={"token": tokens[kind], "token_type_hint": wrong},
        auth=(rp.client_id, rp.secret),
    )
    assert answer.get_json()["active"] is True
    client.post(
        "/oauth/revoke",
        data={"token": tokens[kind], "token_type_hint": wrong},
        auth=(rp.client_id, rp.secret),
    )
    assert introspect(rp, tokens[kind]) == {"active": False}


def test_browser_apps_may_read_the_machine_endpoints_from_any_origin(client, rp, signed_in):
    tokens = issue_tokens(rp)
    headers = {**bearer(tokens["access_token"]), "Origin": "https://spa.example"}
    for answer in (
        client.get("/.well-known/openid-configuration", headers=headers),
        client.get("/oauth/jwks", headers=headers),
        client.get("/oauth/userinfo", headers=headers),
        rp.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"]),
    ):
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in answer.headers
    preflight = client.options(
        "/oauth/userinfo",
        headers={
            "Origin": "https://spa.example",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    # Latchkey's own pages are not readable cross-origin.
    assert "Access-Control-Allow-Origin" not in client.get("/sign-in").headers
