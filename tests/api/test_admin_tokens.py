"""A secret key cannot become an admin by minting a sign-in token for one (security review)."""

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from tests.api.conftest import assert_error
from tests.conftest import csrf_token
from tests.factory import make_admin, work


def events(app, name):
    with work(app):
        return db.session.scalars(select(AuditEvent).where(AuditEvent.event == name)).all()


def test_a_key_cannot_mint_a_token_for_an_admin(app, api, user_id):
    make_admin(app, user_id)
    refused = api.post("/sign_in_tokens", json={"user_id": user_id})
    error = assert_error(refused, 422, "form_param_value_invalid", "user_id")
    assert "admins" in error["message"]
    [event] = events(app, "sign_in_token.refused")
    assert event.user_id == user_id and event.actor_id.startswith("key_")  # the key is named
    assert events(app, "sign_in_token.minted") == []


def test_the_operator_may_allow_it(app, api, user_id):
    make_admin(app, user_id)
    app.config["API_SIGN_IN_TOKENS_FOR_ADMINS"] = True
    assert api.post("/sign_in_tokens", json={"user_id": user_id}).status_code == 200


def test_an_accepted_token_names_the_key_that_minted_it(app, api, client, user_id):
    minted = api.post("/sign_in_tokens", json={"user_id": user_id}).get_json()
    form = {"csrf_token": csrf_token(client), "token": minted["token"]}
    assert client.post("/accept-token", data=form).status_code == 302
    [accepted] = events(app, "sign_in_token.accepted")
    [minted_event] = events(app, "sign_in_token.minted")
    assert accepted.actor_id == minted_event.actor_id and accepted.actor_id is not None
