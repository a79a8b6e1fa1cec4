"""Fixtures: an app per test on a clean database (SQLite, or TEST_DATABASE_URL), a client with
CSRF tokens, the outbox as a mailbox, an `auth` helper that signs in through the real loop,
a live server in a thread, a self-signed certificate, and Debian's Chromium for Playwright."""

import ipaddress
import os
import re
import socket
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import current_app, has_app_context
from flask_migrate import upgrade
from sqlalchemy import delete, select
from werkzeug.serving import make_server

from app import clock, create_app
from app.auth.tokens import hash_token
from app.extensions import db
from app.models import Attempt, EmailLink, OutboxMessage
from tests.factory import make_secret_key, work  # noqa: F401  (work: imported from here too)

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
CHROMIUM = "/usr/lib/chromium/chromium"
LINK = re.compile(r"https?://[^\s\"'<>]+/verify\?token=[A-Za-z0-9_\-]+")
CODE = re.compile(r"(\d{6}) ")  # first in the subject, in every language (SPEC §10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """Migrated once per run: the migrations are tested on every database the suite runs on."""
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def make_app(database_url):
    """Build an app with extra config; every table is emptied after the test."""
    apps = []

    def build(**config):
        settings = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "PUBLIC_URL": "http://localhost",
            "MAIL_DELIVERY": "dev_mailbox",
        }
        settings.update(config)
        app = create_app(settings)
        apps.append(app)
        return app

    yield build
    clock.reset()
    for app in apps:
        empty_tables(app)
        with app.app_context():
            db.engine.dispose()


def empty_tables(app, keep=()) -> None:
    """Delete every row of every table but the `keep` models'."""
    kept = {model.__table__ for model in keep}
    with app.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            if table not in kept:
                db.session.execute(delete(table))
        db.session.commit()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def secret_key(app):
    """The secret of a backend API key (sk_…)."""
    return make_secret_key(app)


def csrf_token(client, path="/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


class Mailbox:
    """What the app really wrote to its outbox (and, with SMTP, handed to the server)."""

    def __init__(self, app):
        self.app = app

    def messages(self, to: str | None = None) -> list[OutboxMessage]:
        query = select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id)
        if to:
            query = query.where(OutboxMessage.to_normalized == to.strip().lower())
        if has_app_context() and current_app._get_current_object() is self.app:
            # A domain test's own unit of work, not yet committed: read it as it stands.
            return db.session.scalars(query).all()
        with self.app.app_context():
            messages = db.session.scalars(query).all()
            db.session.expunge_all()
            return messages

    def last(self, to: str) -> OutboxMessage:
        messages = self.messages(to)
        assert messages, f"no email to {to}"
        return messages[-1]

    def settled(self, to: str, timeout: float = 5.0) -> OutboxMessage:
        """The newest email to `to` once a sender has tried it (sending happens off-request)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.last(to)
            if (message.tries and message.status != "sending") or time.monotonic() > deadline:
                return message
            time.sleep(0.02)

    def link(self, to: str) -> str:
        """The /verify URL of the newest email to this address (text and HTML parts agree)."""
        message = self.last(to)
        text_links = LINK.findall(message.text_body)
        html_links = [unescape(u) for u in LINK.findall(message.html_body)]
        assert text_links and text_links[0] == html_links[0]
        return text_links[0]

    def token(self, to: str) -> str:
        return self.link(to).split("token=", 1)[1]

    def code(self, to: str) -> str:
        """The 6-digit code of the newest email to this address: first in its subject."""
        return CODE.match(self.last(to).subject).group(1)


@pytest.fixture
def mailbox(app):
    return Mailbox(app)


def match_number(app, link: str) -> str | None:
    """The number a cross-device approval of this link (a URL or its token) must type: what its
    attempt's waiting tab shows (SPEC §10)."""
    token = link.split("token=", 1)[-1]
    with app.app_context():
        found = db.session.scalar(
            select(Attempt.match_number)
            .join(EmailLink, EmailLink.attempt_id == Attempt.id)
            .where(EmailLink.token_hash == hash_token(token))
        )
        db.session.remove()
        return found


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Auth:
    """Sign up and sign in through the real loop: submit, read the email, open, confirm."""

    def __init__(self, client, mailbox):
        self.client = client
        self.mailbox = mailbox

    def start(self, flow: str, email: str, **query):
        token = csrf_token(self.client, f"/{flow}")
        return self.client.post(
            f"/{flow}", query_string=query, data={"csrf_token": token, "email_address": email}
        )

    def open_and_confirm(self, email: str, client=None):
        client = client or self.client
        url = path_of(self.mailbox.link(email))
        page = client.get(url)
        assert page.status_code == 200, page.get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        # The waiting tab's number, which another browser's approval must type (SPEC §10).
        data = {"csrf_token": token.group(1), "token": url.split("token=", 1)[1]}
        return client.post("/verify", data=data | {"number": match_number(client.application, url)})

    def sign_up(self, email: str):
        assert self.start("sign-up", email).status_code == 302
        return self.open_and_confirm(email)

    def sign_in(self, email: str):
        assert self.start("sign-in", email).status_code == 302
        return self.open_and_confirm(email)


@pytest.fixture
def auth(client, mailbox):
    return Auth(client, mailbox)


@pytest.fixture
def user_email(app, auth):
    """An existing account, and a client that is signed out again."""
    email = "ada@example.com"
    auth.sign_up(email)
    auth.client.post("/sign-out", data={"csrf_token": csrf_token(auth.client)})
    return email


@contextmanager
def serving(app):
    server = make_server("127.0.0.1", app.config["LIVE_PORT"], app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{app.config['LIVE_PORT']}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture
def live_app(make_app):
    port = free_port()
    return make_app(
        LIVE_PORT=port, PUBLIC_URL=f"http://127.0.0.1:{port}", SERVER_NAME=None, DEBUG=False
    )


@pytest.fixture
def live_server(live_app):
    with serving(live_app) as url:
        yield url


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> SimpleNamespace:
    """A self-signed certificate for 127.0.0.1 and localhost: `.cert` and `.key` are PEM files."""
    folder: Path = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    paths = SimpleNamespace(cert=folder / "cert.pem", key=folder / "key.pem")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }
