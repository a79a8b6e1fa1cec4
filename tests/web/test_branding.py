"""A site's own brand (SPEC §11): APP_NAME on the pages, in the emails' subject, body and From
name; SUPPORT_EMAIL in the emails' footer; a page and an email replaced by files of the same
name under TEMPLATE_OVERRIDES (instance/templates/); files served from instance/brand/."""

import re
from html import unescape

import pytest

from app import mail
from tests.conftest import Mailbox, csrf_token
from tests.web.conftest import received

ACME = {"APP_NAME": "Acme", "SUPPORT_EMAIL": "help@acme.example"}


def sign_up(client, address="grace@example.com"):
    token = csrf_token(client, "/sign-up")
    answer = client.post("/sign-up", data={"csrf_token": token, "email_address": address})
    assert answer.status_code == 302


@pytest.fixture
def overrides(tmp_path):
    """A folder of overrides: the home page, and the sign-in emails' subject."""
    (tmp_path / "email").mkdir()
    (tmp_path / "home.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Welcome to the {{ site_name }} '
        "family</h1>{% endblock %}"
    )
    (tmp_path / "email" / "email_link.subject.txt").write_text("Your {{ site_name }} link")
    return tmp_path


def test_a_page_and_an_email_are_replaced_by_the_sites_own(make_app, overrides):
    app = make_app(TEMPLATE_OVERRIDES=str(overrides), **ACME)
    client = app.test_client()
    assert "<h1>Welcome to the Acme family</h1>" in client.get("/").get_data(as_text=True)
    sign_up(client)
    email = Mailbox(app).last("grace@example.com")
    assert email.subject == "Your Acme link"
    assert "Finish signing up for Acme" in email.text_body  # the rest is ours
    # Pages without an override are ours.
    assert "Welcome to the" not in client.get("/sign-in").get_data(as_text=True)


def test_the_sites_name_is_on_the_pages_and_in_the_emails(make_app):
    app = make_app(**ACME)
    client = app.test_client()
    home = client.get("/").get_data(as_text=True)
    assert re.search(r"<title>[^<]*· Acme</title>", home)
    assert re.search(r'<a class="brand" href="/">Acme</a>', home)
    assert "Latchkey" not in home
    sign_up(client)
    email = Mailbox(app).last("grace@example.com")
    assert re.fullmatch(r"\d{6} is your Acme sign-up code", email.subject)
    for part in (email.text_body, unescape(email.html_body)):
        assert "Finish signing up for Acme" in part and "Use this link to create your Acme" in part
        assert "Sent by Acme because someone asked to sign up for Acme" in part
        assert "Questions? Write to help@acme.example." in part
        assert "Latchkey" not in part
    with app.app_context():
        assert mail.sender() == "Acme <no-reply@latchkey.localhost>"
    page = client.get(f"/dev/mailbox/{email.id}").get_data(as_text=True)
    assert "<dd>Acme &lt;no-reply@latchkey.localhost&gt;</dd>" in page


def test_the_email_comes_from_the_sites_name_over_smtp(make_smtp_app):
    app, inbox = make_smtp_app(MAIL_SEND_INLINE=True, **ACME)
    sign_up(app.test_client())
    [(_, message)] = received(inbox, 1)
    assert message["From"] == "Acme <no-reply@latchkey.localhost>"
    assert re.fullmatch(r"\d{6} is your Acme sign-up code", message["Subject"])
    text = message.get_body(("plain",)).get_content()
    assert "Questions? Write to help@acme.example." in text


def test_brand_files_are_served_from_instance_brand(client, tmp_path, monkeypatch):
    # The route reads instance/brand/; a test's own folder stands in for it.
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "brand.css").write_text(":root { --accent: #0a7; }")
    monkeypatch.setattr("app.views.pages.INSTANCE", tmp_path)
    answer = client.get("/brand/brand.css")
    assert answer.status_code == 200 and answer.mimetype == "text/css"
    assert answer.get_data(as_text=True) == ":root { --accent: #0a7; }"
    assert client.get("/brand/missing.css").status_code == 404
    assert client.get("/brand/../secret_key").status_code == 404
