"""Session fixation and forged sessions (issue 6): cookies planted by an attacker do not
survive a sign-in, and a session cookie cannot be forged or replayed after sign-out."""

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.factory import mint_token, work
from tests.web.conftest import post_form


@pytest.fixture
def app(make_app):
    # Rate limits have tests of their own; here they would only cut the attack loops short.
    return make_app(RATELIMIT_ENABLED=False)


def plant_cookies(attacker, victim) -> dict:
    """The attacker's own cookies, copied into the victim's browser (a sibling subdomain or
    a shared computer can do this); returns what the attacker still holds."""
    attacker.get("/sign-in")
    planted = {}
    for name in ("latchkey_session", "latchkey_client"):
        planted[name] = attacker.get_cookie(name).value
        victim.set_cookie(name, planted[name])
    return planted


def assert_signed_out(client):
    response = client.get("/user")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_a_planted_cookie_does_not_survive_an_email_link_sign_in(app, client, auth, user_email):
    attacker = app.test_client()
    planted = plant_cookies(attacker, client)
    auth.sign_in(user_email)
    assert client.get("/user").status_code == 200
    assert client.get_cookie("latchkey_session").value != planted["latchkey_session"]
    assert_signed_out(attacker)


def test_a_planted_cookie_does_not_survive_accepting_a_sign_in_token(app, client, ada):
    _, token = mint_token(app, ada)
    attacker = app.test_client()
    planted = plant_cookies(attacker, client)
    client.get(f"/accept-token?token={token}")
    done = post_form(client, "/accept-token", token=token)
    assert done.status_code == 302 and client.get("/user").status_code == 200
    assert client.get_cookie("latchkey_session").value != planted["latchkey_session"]
    assert_signed_out(attacker)


def test_a_planted_cookie_does_not_survive_cross_device_completion(
    app, client, auth, mailbox, user_email
):
    """The laptop (with the attacker's cookies planted) asks, the phone approves, the laptop's
    waiting tab finishes. The attacker, holding the same client cookie, cannot finish it again."""
    attacker = app.test_client()
    planted = plant_cookies(attacker, client)
    waiting = auth.start("sign-in", user_email).location
    approved = auth.open_and_confirm(user_email, client=app.test_client())  # the phone
    assert approved.status_code == 200
    finish = client.get(f"{waiting}/continue")
    assert finish.status_code == 302 and client.get("/user").status_code == 200
    assert client.get_cookie("latchkey_session").value != planted["latchkey_session"]
    assert_signed_out(attacker)
    attacker.get(f"{waiting}/continue")  # even knowing the attempt id: it finishes once
    assert_signed_out(attacker)


def test_a_session_cookie_cannot_be_forged_or_replayed_after_sign_out(
    make_app, app, client, auth, user_email
):
    auth.sign_in(user_email)
    stolen = client.get_cookie("latchkey_session").value
    with work(app):
        session_id = db.session.scalar(text("SELECT id FROM sessions WHERE status = 'active'"))

    def cookie_for(secret_key: str) -> str:
        signer = make_app(SECRET_KEY=secret_key)
        serializer = signer.session_interface.get_signing_serializer(signer)
        return serializer.dumps({"_user_id": session_id, "_fresh": True})

    forger = app.test_client()
    forger.set_cookie("latchkey_session", cookie_for(app.config["SECRET_KEY"]))  # control
    assert forger.get("/user").status_code == 200
    forger.set_cookie("latchkey_session", cookie_for("a-guess"))
    assert_signed_out(forger)

    post_form(client, "/sign-out")
    replay = app.test_client()
    replay.set_cookie("latchkey_session", stolen)  # signed, but its session has ended
    assert_signed_out(replay)
