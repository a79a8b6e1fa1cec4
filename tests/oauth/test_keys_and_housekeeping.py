"""Signing keys (made on first need, rotated, retired keys published while their tokens live,
never a private member) and the cleanup of spent OAuth rows."""

from datetime import timedelta

import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import func, select

from app import clock
from app.auth import signing_keys
from app.cleanup import clean_up
from app.extensions import db
from app.models import OAuthCode, OAuthToken
from tests.factory import work
from tests.oauth.conftest import bearer, issue_tokens

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}


def jwks(client) -> list[dict]:
    return client.get("/oauth/jwks").get_json()["keys"]


def test_the_jwks_is_never_empty_and_never_private(client):
    keys = jwks(client)
    assert len(keys) == 1 and not PRIVATE_MEMBERS & set(keys[0])
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["use"] == "sig"
    assert jwks(client) == keys  # made once, kept


def test_a_retired_key_stays_published_until_its_tokens_expire(app, client, rp, signed_in, runner):
    tokens = issue_tokens(rp)
    old_kid = jwks(client)[0]["kid"]
    result = runner.invoke(args=["signing-keys", "rotate"])
    assert result.exit_code == 0, result.output
    kids = [key["kid"] for key in jwks(client)]
    assert len(kids) == 2 and old_kid in kids

    # Old tokens still verify against the published set; new ones are signed by the new key.
    keys = KeySet.import_key_set({"keys": jwks(client)})
    jwt.decode(tokens["id_token"], keys, algorithms=["RS256"])
    assert client.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).status_code == 200
    newer = issue_tokens(rp)
    assert jwt.decode(newer["id_token"], keys).header["kid"] != old_kid

    with work(app):
        longest = signing_keys._longest_token_life(signing_keys.OIDC)
    clock.travel(longest + 1)
    assert [key["kid"] for key in jwks(client)] == [kids[0]] != [old_kid]


def test_cleanup_deletes_expired_codes_and_tokens(app, rp, signed_in):
    issue_tokens(rp)
    rp.code_from(rp.authorize())  # a code never redeemed
    with work(app):
        assert db.session.scalar(select(func.count()).select_from(OAuthCode)) == 2
        counts = clean_up(clock.now() + timedelta(days=31))
        assert counts["oauth_codes"] == 2
        assert counts["oauth_tokens"] == 2  # the access token and the refresh token
        assert db.session.scalar(select(func.count()).select_from(OAuthToken)) == 0


def test_an_access_token_signed_by_another_key_is_refused(client, rp, signed_in):
    from joserfc.jwk import RSAKey

    tokens = issue_tokens(rp)
    real = jwt.decode(tokens["access_token"], KeySet.import_key_set({"keys": jwks(client)}))
    stranger = RSAKey.generate_key(2048, private=True)
    for kid in (real.header["kid"], "kid_3N9oaZqPmF29YLHJHQKFdNICBLV", "junk", None):
        header = {"alg": "RS256", "typ": "at+jwt", **({"kid": kid} if kid else {})}
        forged = jwt.encode(header, real.claims, stranger)
        assert client.get("/oauth/userinfo", headers=bearer(forged)).status_code == 401
    assert client.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).status_code == 200


def test_openid_and_session_tokens_are_signed_by_keys_of_their_own(client, rp, signed_in):
    """An app's ID token must never pass for a /v1 session token at a backend that trusts
    /v1/jwks (the Node SDK checks no audience unless told to), nor the other way round."""
    from tests.factory import make_secret_key

    tokens = issue_tokens(rp)
    secret = make_secret_key(rp.client.application)
    session_id = decode_claims(client, tokens["id_token"])["sid"]
    minted = client.post(f"/v1/sessions/{session_id}/tokens", headers=bearer(secret)).get_json()
    v1_keys = client.get("/v1/jwks", headers=bearer(secret)).get_json()["keys"]
    oauth_keys = jwks(client)
    assert not {key["kid"] for key in v1_keys} & {key["kid"] for key in oauth_keys}
    sessions = KeySet.import_key_set({"keys": v1_keys})
    for token in (tokens["id_token"], tokens["access_token"]):
        with pytest.raises(JoseError):
            jwt.decode(token, sessions, algorithms=["RS256"])
    jwt.decode(minted["jwt"], sessions, algorithms=["RS256"])
    assert client.get("/oauth/userinfo", headers=bearer(minted["jwt"])).status_code == 401


def decode_claims(client, token: str) -> dict:
    return jwt.decode(token, KeySet.import_key_set({"keys": jwks(client)})).claims
