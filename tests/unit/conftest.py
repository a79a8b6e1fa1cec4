"""Domain-level fixtures: browsers as Origins, and a moving `now`."""

from datetime import timedelta

import pytest

from app import clock
from app.auth.clients import ensure_client_id
from app.auth.origin import Origin
from app.auth.tokens import make_token
from app.extensions import db

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def browser_origin(ctx):
    """A new browser (client) each call."""

    def make(user_agent=CHROME, ip="203.0.113.7"):
        client_id = ensure_client_id(make_token(), user_agent)
        db.session.commit()
        return Origin(client_id=client_id, ip=ip, user_agent=user_agent)

    return make


@pytest.fixture
def laptop(browser_origin):
    return browser_origin()


@pytest.fixture
def phone(browser_origin):
    return browser_origin(IPHONE, "198.51.100.4")


@pytest.fixture
def now(ctx):
    return clock.now()


def later(moment, seconds):
    return moment + timedelta(seconds=seconds)
