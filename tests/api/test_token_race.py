"""Twenty requests racing to spend one sign-in token over real HTTP: exactly one wins (SPEC §6)."""

import json
import re
import urllib.error
import urllib.parse
import urllib.request

from sqlalchemy import func, select

from app.extensions import db
from app.models import Session, SignInToken
from tests.factory import make_secret_key, make_user, work
from tests.http import browser_opener, race

RACERS = 20


def mint(live_server: str, secret: str, user_id: str) -> str:
    """POST /v1/sign_in_tokens with a secret key; the token's URL."""
    request = urllib.request.Request(
        f"{live_server}/v1/sign_in_tokens",
        data=json.dumps({"user_id": user_id}).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())["url"]


def test_twenty_racing_posts_of_one_token_make_exactly_one_session(live_server, live_app):
    user_id = make_user(live_app, "ada@example.com")
    secret = make_secret_key(live_app, "race")
    url = mint(live_server, secret, user_id)

    opener = browser_opener()
    page = opener.open(url).read().decode()  # "Signing you in…": the form, its CSRF token
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["token"][0]
    body = urllib.parse.urlencode({"csrf_token": csrf, "token": token}).encode()
    statuses = race(opener, f"{live_server}/accept-token", body, RACERS)

    assert statuses == [302] + [410] * (RACERS - 1)
    with work(live_app):
        sessions = db.session.scalars(select(Session)).all()
        assert [(s.user_id, s.status) for s in sessions] == [(user_id, "active")]
        assert db.session.scalar(select(func.count()).select_from(SignInToken)) == 1
        assert db.session.scalar(select(SignInToken.status)) == "accepted"
