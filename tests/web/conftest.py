"""Fixtures for the /admin pages (an administrator signed in on `client`, a user to act on),
a clock at half past for what the audit log counts per hour, and waiting tabs on a real server."""

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import AuditEvent
from tests.conftest import csrf_token
from tests.factory import make_user
from tests.http import browser_opener, cookie_header


@pytest.fixture
def admin(app, auth):
    """The id of an administrator, admin@example.com, signed in on `client` by the real loop."""
    user_id = make_user(app, "admin@example.com", admin=True, strategy="admin")
    auth.sign_in("admin@example.com")
    return user_id


@pytest.fixture
def ada(app):
    """The id of an ordinary user, ada@example.com, signed in nowhere."""
    return make_user(app, "ada@example.com", strategy="admin")


@pytest.fixture
def post(client):
    """POST a form from `client` with its CSRF token; follow=True lands on the next page."""

    def send(path: str, follow: bool = False, **data):
        return client.post(
            path, data={"csrf_token": csrf_token(client), **data}, follow_redirects=follow
        )

    return send


@pytest.fixture
def audited(app):
    """The audit rows of one event type, oldest first."""

    def rows(event: str) -> list[AuditEvent]:
        with app.app_context():
            found = db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.event == event)
                .order_by(AuditEvent.created_at, AuditEvent.id)
            ).all()
            db.session.expunge_all()
            return found

    return rows


@pytest.fixture
def mid_hour(make_app):
    """The clock moved to the next half past: repeated rejections counted per clock hour stay
    on one row for the next 30 minutes, whenever the test runs."""
    now = clock.now()
    target = now.replace(minute=30, second=0, microsecond=0)
    if target <= now:
        target += timedelta(hours=1)
    clock.travel((target - now).total_seconds())


class WaitingTab:
    """A sign-up's waiting tab in a browser of its own, asking the server as waiting.js does."""

    def __init__(self, base_url: str, email: str):
        self.base_url = base_url
        self.opener = browser_opener()
        page = self.opener.open(f"{base_url}/sign-up").read().decode()
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf_token": self.csrf, "email_address": email})
        try:
            self.opener.open(f"{base_url}/sign-up", form.encode())
        except urllib.error.HTTPError as redirect:  # the opener answers redirects, not follows
            location = redirect.headers["Location"]
        self.status_url = base_url + location.replace("/sign-up/", "/api/sign-ups/")
        self.current = json.loads(self.opener.open(self.status_url).read())

    def poll_path(self, seen: str, wait: float) -> str:
        """The long-poll's path and query, for a request sent by hand."""
        query = urllib.parse.urlencode({"wait": wait, "seen": seen})
        return f"{urllib.parse.urlsplit(self.status_url).path}?{query}"

    def poll(self, seen: str, wait: float, timeout: float = 60):
        """The long-poll's answer: (JSON, headers)."""
        url = self.base_url + self.poll_path(seen, wait)
        with self.opener.open(url, timeout=timeout) as response:
            return json.loads(response.read()), response.headers

    def cancel(self) -> dict:
        request = urllib.request.Request(
            f"{self.status_url}/cancel", b"", headers={"X-CSRFToken": self.csrf}
        )
        return json.loads(self.opener.open(request).read())

    def cookie(self) -> str:
        return cookie_header(self.opener)


@pytest.fixture
def waiting_tab():
    """A new browser that signs up (through the form, with its CSRF token) on the server at
    `base_url` and keeps its waiting tab: waiting_tab(base_url, email)."""
    return WaitingTab
