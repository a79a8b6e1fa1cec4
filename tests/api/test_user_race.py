"""Twenty requests racing to create a user with one address over real HTTP: exactly one wins, the
others are told the address is taken (SPEC §5), none is a 500."""

import json

from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from tests.factory import make_secret_key, work
from tests.http import plain_opener, race_bodies

RACERS = 20


def test_twenty_racing_creates_of_one_address_make_exactly_one_user(live_server, live_app):
    secret = make_secret_key(live_app, "race")
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    body = json.dumps({"email_address": ["ada@example.com"]}).encode()
    statuses = race_bodies(plain_opener(), f"{live_server}/v1/users", [body] * RACERS, headers)
    assert statuses == [200] + [422] * (RACERS - 1)
    with work(live_app):
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
