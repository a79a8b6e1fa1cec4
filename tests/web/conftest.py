"""Fixtures for the /admin pages (an administrator signed in on `client`, a user to act on),
a clock at half past for what the audit log counts per hour, and waiting tabs on a real server;
for the attacks: every route with real ids, an SMTP server in process, and plain helpers."""

import email
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text

from app import clock
from app.auth.tokens import hash_token
from app.extensions import db
from app.models import AuditEvent, EmailAddress, SecretKey
from tests.conftest import csrf_token, free_port
from tests.factory import make_oauth_app, make_secret_key, make_user, mint_token, work
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


# -- helpers of the attack tests -----------------------------------------------------------


def post_form(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token(client), **data})


def v1(client, key, method, path, payload=None, **kwargs):
    return client.open(
        f"/v1{path}",
        method=method,
        headers={"Authorization": f"Bearer {key}"},
        json=payload,
        **kwargs,
    )


def count(app, model) -> int:
    with work(app):
        return db.session.scalar(select(func.count()).select_from(model))


def audit_rows(app) -> int:
    return count(app, AuditEvent)


def leaks(secret: str, text_: str, window: int = 16) -> bool:
    """Whether the text holds the secret or any 16 characters of it (a truncated log line)."""
    return any(secret[i : i + window] in text_ for i in range(len(secret) - window + 1))


# -- every route, with real ids ------------------------------------------------------------

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def real_ids(app, client, auth, admin, ada, mailbox):
    """A value for every URL argument of the app, naming a real row the admin's client may use:
    an attempt it started, its own unverified address, ada, a session, a token, a key, an
    OAuth application."""
    attempt = auth.start("sign-in", "admin@example.com").location.rsplit("/", 1)[1]
    post_form(client, "/user/email-addresses", email_address="admin2@example.com")
    secret = make_secret_key(app, "attacks")
    token_id, _ = mint_token(app, ada)
    client_id, _ = make_oauth_app(app)
    with work(app):
        ids = {
            "attempt_id": attempt,
            "address_id": db.session.scalar(
                select(EmailAddress.id).where(EmailAddress.normalized == "admin2@example.com")
            ),
            "user_id": ada,
            "session_id": db.session.scalar(text("SELECT id FROM sessions LIMIT 1")),
            "token_id": token_id,
            "sign_in_token_id": token_id,
            "kind": "sign_in",  # /sign-in/… and /api/sign-ins/… alike
            "key_id": db.session.scalar(
                select(SecretKey.id).where(SecretKey.key_hash == hash_token(secret))
            ),
            "message_id": mailbox.messages()[-1].id,
            "filename": "css/app.css",
            "client_id": client_id,
        }
    # /v1 names its ids after their objects.
    ids["email_address_id"] = ids["address_id"]
    return ids


def routes(app, ids, methods):
    """(method, path) of every rule answering one of `methods`: a new route cannot be missed,
    and one with an argument nobody filled in fails here until a real id is added above."""
    for rule in app.url_map.iter_rules():
        args = {}
        for name in rule.arguments:
            choices = getattr(rule._converters[name], "items", None)
            assert choices or name in ids, f"{rule.rule}: add a real value for {name}"
            args[name] = sorted(choices)[0] if choices else ids[name]
        for method in sorted(rule.methods & methods):
            yield method, rule.build(args)[1]


# -- an SMTP server in process ---------------------------------------------------------------


class Inbox:
    """What an SMTP server received: envelope recipients and the parsed message."""

    def __init__(self):
        self.received = []

    @property
    def messages(self) -> list:
        return [message for _, message in self.received]

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((envelope.rcpt_tos, message))
        return "250 OK"


def received(inbox, count_: int):
    """The messages the server has, once it has `count_` of them (or after 5 s)."""
    deadline = time.monotonic() + 5
    while len(inbox.received) < count_ and time.monotonic() < deadline:
        time.sleep(0.02)  # sending happens off the request
    return inbox.received


@pytest.fixture
def make_smtp_app(make_app):
    """Build an app with `config` that sends over SMTP to an in-process server: (app, inbox)."""
    controllers = []

    def build(**config):
        port = free_port()
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        app = make_app(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_DELIVERY=None,
            MAIL_SUPPRESS_SEND=False,
            **config,
        )
        return app, inbox

    yield build
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp(make_smtp_app):
    """An app that sends over SMTP to an in-process server: (app, inbox)."""
    return make_smtp_app(RATELIMIT_ENABLED=False)
