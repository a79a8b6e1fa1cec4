"""Session tokens (SPEC §9): minted by /v1, judged by the official Python SDK's own verifier
(`clerk_backend_api.security`: `verify_token`, `authenticate_request`) against a live server.

The SDK checks with PyJWT and the real time, so tokens it must accept are minted on the real
clock (no `clock.travel` before them); an expired or future token is minted by the domain with
a `now` in the past or future instead. A token stays valid until its `exp` whatever happens to
its session: that is the hosted service's model too, and why tokens live 60 seconds.
"""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import httpx
import jwt
import pytest
from clerk_backend_api import Clerk
from clerk_backend_api.models import ClerkErrors, SDKError
from clerk_backend_api.security import (
    AuthenticateRequestOptions,
    AuthStatus,
    TokenVerificationError,
    TokenVerificationErrorReason,
    VerifyTokenOptions,
    authenticate_request,
    verify_token,
)
from clerk_backend_api.security.types import SessionAuthObjectV2
from clerk_backend_api.utils import RetryConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app import clock
from app.auth import signing_keys
from app.auth.origin import Origin
from app.auth.session_tokens import mint_session_token
from app.auth.sessions import end_session, get_session
from tests.api.conftest import assert_error
from tests.factory import make_secret_key, make_session, make_user, work

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:clerk_backend_api")

NO_RETRIES = RetryConfig("none", None, False)
Reason = TokenVerificationErrorReason
PUBLIC_MEMBERS = {"use", "kty", "kid", "alg", "n", "e"}


def pem_of(jwk: dict) -> str:
    """The PEM public key an integrator pastes into `jwt_key`, built from a JWKS entry."""

    def number(text: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")

    key = rsa.RSAPublicNumbers(number(jwk["e"]), number(jwk["n"])).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def refused(token: str, options: VerifyTokenOptions) -> Reason:
    with pytest.raises(TokenVerificationError) as info:
        verify_token(token, options)
    return info.value.reason


def bearer(token: str) -> httpx.Request:
    """A request to the integrator's backend, as `authenticate_request` reads one."""
    return httpx.Request("GET", "https://shop.example/api", headers={"Authorization": token})


# -- live: the SDK as the judge ----------------------------------------------------------------


@pytest.fixture
def secret(live_app):
    return make_secret_key(live_app, "sdk")


@pytest.fixture
def clerk(live_server, secret):
    with Clerk(bearer_auth=secret, server_url=live_server + "/v1", retry_config=NO_RETRIES) as sdk:
        yield sdk


@pytest.fixture
def ada(live_app):
    return make_user(live_app, "ada@example.com", strategy="admin")


@pytest.fixture
def ada_session(live_app, ada):
    return make_session(live_app, ada)


@pytest.fixture
def jwt_key(clerk):
    """The current key's PEM, from the JWKS as the SDK reads it."""
    [key] = clerk.jwks.get_jwks().keys
    return pem_of(key.model_dump())


def test_a_minted_token_verifies_with_the_sdk_and_carries_the_claims(
    clerk, jwt_key, live_server, ada, ada_session
):
    token = clerk.sessions.create_token(session_id=ada_session)
    assert token.object.value == "token"
    claims = verify_token(token.jwt, VerifyTokenOptions(jwt_key=jwt_key))
    assert claims["iss"] == live_server  # PUBLIC_URL, no trailing slash
    assert (claims["sub"], claims["sid"]) == (ada, ada_session)
    assert claims["nbf"] == claims["iat"]
    assert abs(claims["iat"] - clock.to_ms(clock.now()) / 1000) < 5  # whole Unix seconds, now
    assert claims["exp"] - claims["iat"] == 60  # SESSION_TOKEN_TTL
    assert claims["v"] == 2 and claims["fva"] == [0, -1]
    assert len(claims["jti"]) >= 16
    assert "aud" not in claims and "azp" not in claims  # no origin is known to /v1
    header = jwt.get_unverified_header(token.jwt)
    [published] = clerk.jwks.get_jwks().keys
    assert header == {"alg": "RS256", "kid": published.kid, "typ": "JWT"}
    again = verify_token(
        clerk.sessions.create_token(session_id=ada_session).jwt, VerifyTokenOptions(jwt_key=jwt_key)
    )
    assert again["jti"] != claims["jti"]


def test_authenticate_request_signs_the_request_in(clerk, jwt_key, ada, ada_session):
    token = clerk.sessions.create_token(session_id=ada_session).jwt
    state = authenticate_request(
        bearer(f"Bearer {token}"), AuthenticateRequestOptions(jwt_key=jwt_key)
    )
    assert state.status == AuthStatus.SIGNED_IN, state.reason
    auth = state.to_auth()
    assert isinstance(auth, SessionAuthObjectV2)  # read as a v2 token
    assert (auth.sub, auth.sid, auth.fva) == (ada, ada_session, [0, -1])

    cookie = httpx.Request("GET", "https://shop.example/", headers={"Cookie": f"__session={token}"})
    assert authenticate_request(cookie, AuthenticateRequestOptions(jwt_key=jwt_key)).is_signed_in


def test_the_sdk_fetches_the_keys_from_v1_jwks_with_the_secret_key(
    clerk, live_server, secret, ada_session
):
    """`verify_token` with `secret_key` and `api_url` reads {api_url}/v1/jwks. (The SDK's
    `authenticate_request` has no `api_url`: with a secret key alone it asks the hosted
    service, so against Latchkey it takes `jwt_key`.)"""
    token = clerk.sessions.create_token(session_id=ada_session, expires_in_seconds=120).jwt
    claims = verify_token(token, VerifyTokenOptions(secret_key=secret, api_url=live_server))
    assert (claims["sid"], claims["exp"] - claims["iat"]) == (ada_session, 120)

    wrong = VerifyTokenOptions(secret_key="sk_" + "x" * 43, api_url=live_server)
    assert refused(token, wrong) == Reason.JWK_FAILED_TO_LOAD  # /v1/jwks wants a real key


def test_tokens_signed_before_a_rotation_still_verify(
    clerk, live_app, live_server, secret, ada_session
):
    options = VerifyTokenOptions(secret_key=secret, api_url=live_server)
    before = clerk.sessions.create_token(session_id=ada_session).jwt
    verify_token(before, options)  # the SDK now caches the first key
    with work(live_app):
        signing_keys.rotate(clock.now())
    after = clerk.sessions.create_token(session_id=ada_session).jwt
    assert jwt.get_unverified_header(after)["kid"] != jwt.get_unverified_header(before)["kid"]
    assert len(clerk.jwks.get_jwks().keys) == 2
    assert verify_token(after, options)["sid"] == ada_session  # a new kid: fetched again
    assert verify_token(before, options)["sid"] == ada_session


def _segments(token: str) -> list[str]:
    return token.split(".")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_tampered_token_is_refused(clerk, jwt_key, live_server, secret, ada_session):
    header, payload, signature = _segments(clerk.sessions.create_token(session_id=ada_session).jwt)
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = f"{header}.{_b64({**claims, 'sub': 'user_' + '0' * 27})}.{signature}"
    assert refused(forged, VerifyTokenOptions(jwt_key=jwt_key)) == Reason.TOKEN_INVALID_SIGNATURE
    remote = VerifyTokenOptions(secret_key=secret, api_url=live_server)
    assert refused(forged, remote) == Reason.TOKEN_INVALID_SIGNATURE
    state = authenticate_request(bearer(forged), AuthenticateRequestOptions(jwt_key=jwt_key))
    assert state.status == AuthStatus.SIGNED_OUT


def test_a_token_signed_by_another_key_is_refused(clerk, jwt_key, live_server, secret, ada_session):
    genuine = clerk.sessions.create_token(session_id=ada_session).jwt
    claims = jwt.decode(genuine, options={"verify_signature": False})
    header = jwt.get_unverified_header(genuine)
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    same_kid = jwt.encode(claims, impostor, algorithm="RS256", headers={"kid": header["kid"]})
    assert refused(same_kid, VerifyTokenOptions(jwt_key=jwt_key)) == Reason.TOKEN_INVALID_SIGNATURE
    remote = VerifyTokenOptions(secret_key=secret, api_url=live_server)
    assert refused(same_kid, remote) == Reason.TOKEN_INVALID_SIGNATURE
    other_kid = jwt.encode(claims, impostor, algorithm="RS256", headers={"kid": "kid_impostor"})
    assert refused(other_kid, remote) == Reason.JWK_KID_MISMATCH
    # The public key as an HMAC secret (the classic algorithm confusion), and no signature.
    for alg, sign in (
        ("HS256", lambda data: hmac.new(jwt_key.encode(), data, hashlib.sha256).digest()),
        ("none", lambda data: b""),
    ):
        signed = f"{_b64({**header, 'alg': alg})}.{_b64(claims)}"
        signature = base64.urlsafe_b64encode(sign(signed.encode())).rstrip(b"=").decode()
        forged = f"{signed}.{signature}"
        assert refused(forged, VerifyTokenOptions(jwt_key=jwt_key)) == Reason.TOKEN_INVALID
        assert refused(forged, remote) == Reason.TOKEN_INVALID


def test_expired_and_future_tokens_are_refused(live_app, jwt_key, ada_session):
    """Minted by the domain on a clock two minutes off: the SDK's own clock decides."""
    with work(live_app):
        session = get_session(ada_session)
        expired = mint_session_token(session, clock.now() - timedelta(seconds=120))
        future = mint_session_token(session, clock.now() + timedelta(seconds=120))
        barely = mint_session_token(session, clock.now() - timedelta(seconds=58), expires_in=60)
    options = VerifyTokenOptions(jwt_key=jwt_key)
    assert refused(expired, options) == Reason.TOKEN_EXPIRED
    assert refused(future, options) in (Reason.TOKEN_NOT_ACTIVE_YET, Reason.TOKEN_IAT_IN_THE_FUTURE)
    assert verify_token(barely, options)["sid"] == ada_session
    state = authenticate_request(bearer(expired), AuthenticateRequestOptions(jwt_key=jwt_key))
    assert (state.status, state.reason) == (AuthStatus.SIGNED_OUT, Reason.TOKEN_EXPIRED)


def test_authorized_parties_need_an_azp(live_app, clerk, jwt_key, ada_session):
    """/v1 knows no origin, so its tokens have no `azp` and a backend that lists authorized
    parties refuses them, as the SDK does any token without one. The domain sets it when told."""
    shop = "https://shop.example"
    from_api = clerk.sessions.create_token(session_id=ada_session).jwt
    with work(live_app):
        for_shop = mint_session_token(get_session(ada_session), clock.now(), authorized_party=shop)
    parties = VerifyTokenOptions(jwt_key=jwt_key, authorized_parties=[shop])
    assert verify_token(for_shop, parties)["azp"] == shop
    assert refused(from_api, parties) == Reason.TOKEN_INVALID_AUTHORIZED_PARTIES
    others = VerifyTokenOptions(jwt_key=jwt_key, authorized_parties=["https://evil.example"])
    assert refused(for_shop, others) == Reason.TOKEN_INVALID_AUTHORIZED_PARTIES


def test_a_revoked_session_gets_no_more_tokens(clerk, jwt_key, ada_session):
    token = clerk.sessions.create_token(session_id=ada_session).jwt
    clerk.sessions.revoke(session_id=ada_session)
    # 400 is not among the statuses this SDK call parses (401, 404): its generic SDKError.
    with pytest.raises(SDKError) as info:
        clerk.sessions.create_token(session_id=ada_session)
    assert info.value.status_code == 400
    [error] = json.loads(info.value.body)["errors"]
    assert (error["code"], error["meta"]) == (
        "form_param_value_invalid",
        {"param_name": "session_id"},
    )
    # What was minted before stays valid until its exp (at most SESSION_TOKEN_TTL by default):
    # a JWT is checked offline, and the hosted service's 60-second tokens work the same way.
    assert verify_token(token, VerifyTokenOptions(jwt_key=jwt_key))["sid"] == ada_session

    with pytest.raises(ClerkErrors) as unknown:
        clerk.sessions.create_token(session_id="sess_" + "0" * 27)
    assert unknown.value.raw_response.status_code == 404
    assert unknown.value.data.errors[0].code == "resource_not_found"


# -- the test client: inputs, states, keys -----------------------------------------------------


def test_jwks_publishes_public_members_only_and_needs_the_secret_key(api, client):
    keys = api.get("/jwks").get_json()["keys"]  # the first read makes the first key
    assert len(keys) == 1
    assert set(keys[0]) == PUBLIC_MEMBERS
    assert (keys[0]["kty"], keys[0]["alg"], keys[0]["use"]) == ("RSA", "RS256", "sig")
    assert len(base64.urlsafe_b64decode(keys[0]["n"] + "==")) == 256  # RSA-2048
    assert api.get("/jwks").get_json() == {"keys": keys}  # and no second key
    assert_error(client.get("/v1/jwks"), 401, "authorization_header_format_invalid")
    wrong = {"Authorization": "Bearer sk_" + "x" * 43}
    assert_error(client.get("/v1/jwks", headers=wrong), 401, "secret_key_invalid")
    assert_error(
        client.post("/v1/sessions/sess_" + "0" * 27 + "/tokens"),
        401,
        "authorization_header_format_invalid",
    )


def _claims(app, token: str) -> dict:
    with app.app_context():
        return signing_keys.verify(token, signing_keys.SESSIONS).claims


@pytest.mark.parametrize(
    "send",
    [
        {},
        {"json": {}},
        {"json": {"expires_in_seconds": None}},
        {"json": {"unknown": 1}},
        {"data": "", "content_type": "text/plain"},  # no body at all, whatever it says
    ],
)
def test_the_body_may_be_left_out(app, api, session_id, send):
    response = api.post(f"/sessions/{session_id}/tokens", **send)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "application/json"
    answer = response.get_json()
    assert set(answer) == {"object", "jwt"} and answer["object"] == "token"
    claims = _claims(app, answer["jwt"])
    assert claims["exp"] - claims["iat"] == 60


def test_expires_in_seconds_and_the_configured_ttl(app, api, session_id):
    answer = api.post(f"/sessions/{session_id}/tokens", json={"expires_in_seconds": 86_400})
    claims = _claims(app, answer.get_json()["jwt"])
    assert claims["exp"] - claims["iat"] == 86_400
    app.config["SESSION_TOKEN_TTL"] = 300
    claims = _claims(app, api.post(f"/sessions/{session_id}/tokens").get_json()["jwt"])
    assert claims["exp"] - claims["iat"] == 300


@pytest.mark.parametrize("value", [0, -1, 86_401, 10**30, "60", True, 60.0, 60.5, [60], {"s": 60}])
def test_bad_expires_in_seconds_is_refused(api, session_id, value):
    response = api.post(f"/sessions/{session_id}/tokens", json={"expires_in_seconds": value})
    assert_error(response, 422, "form_param_value_invalid", "expires_in_seconds")


@pytest.mark.parametrize(
    "data, content_type",
    [
        ('{"expires_in_seconds": 60}', "text/plain"),
        ("expires_in_seconds=60", "application/x-www-form-urlencoded"),
        ('{"expires_in_seconds": ', "application/json"),
        ("[60]", "application/json"),
    ],
)
def test_a_body_that_is_no_json_object_is_malformed(api, session_id, data, content_type):
    response = api.post(f"/sessions/{session_id}/tokens", data=data, content_type=content_type)
    assert_error(response, 400, "malformed_request")


@pytest.mark.parametrize("session_id", ["sess_" + "0" * 27, "user_" + "0" * 27, "sess_x", "sess-1"])
def test_unknown_and_malformed_session_ids_are_not_found(api, session_id):
    assert_error(api.post(f"/sessions/{session_id}/tokens"), 404, "resource_not_found")


def test_fva_counts_minutes_since_the_sign_in(app, api, session_id):
    clock.travel(5 * 60 + 10)  # 50 s of slack for a slow machine before it is 6
    claims = _claims(app, api.post(f"/sessions/{session_id}/tokens").get_json()["jwt"])
    assert claims["fva"] == [5, -1]


def test_a_lapsed_session_is_refused_and_marked_expired(app, api, session_id):
    clock.travel(7 * 24 * 3600)  # SESSION_LIFETIME
    response = api.post(f"/sessions/{session_id}/tokens")
    assert_error(response, 400, "form_param_value_invalid", "session_id")
    assert api.get(f"/sessions/{session_id}").get_json()["status"] == "expired"


def test_an_idle_session_is_refused(app, api, session_id):
    app.config["SESSION_INACTIVITY_TIMEOUT"] = 600
    clock.travel(601)
    assert_error(api.post(f"/sessions/{session_id}/tokens"), 400, "form_param_value_invalid")


def test_ended_and_banned_sessions_are_refused(app, api, user_id, session_id):
    with work(app):
        end_session(session_id, Origin(ip="127.0.0.1"), clock.now())
    assert_error(api.post(f"/sessions/{session_id}/tokens"), 400, "form_param_value_invalid")

    other = make_session(app, user_id)
    assert api.post(f"/users/{user_id}/ban").status_code == 200
    assert_error(api.post(f"/sessions/{other}/tokens"), 400, "form_param_value_invalid")
