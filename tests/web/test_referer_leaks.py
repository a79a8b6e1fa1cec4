"""Tokens never leave in a Referer (issue 6): the token pages send no referrer, keep out of
caches, load nothing from elsewhere and carry the token on nowhere."""

import re

import pytest

from tests.conftest import Mailbox
from tests.factory import mint_token
from tests.web.conftest import post_form


@pytest.fixture
def app(make_app):
    # Rate limits have tests of their own; here they would only cut the attack loops short.
    return make_app(RATELIMIT_ENABLED=False)


RESOURCE = re.compile(
    r'<(?:script|link|img|iframe|source|embed|object)\b[^>]*?(?:src|href)="([^"]*)'
)
TARGET = re.compile(r'(?:href|src|action|formaction)="([^"]*)')


def test_token_pages_send_no_referrer_and_load_nothing_from_elsewhere(
    app, client, auth, mailbox, admin, ada
):
    """Every page whose URL or body holds a live token: no Referer leaves it, no cache keeps it,
    nothing is loaded from another origin, and no link or form carries the token onward."""
    auth.start("sign-up", "grace@example.com")
    link_token = mailbox.token("grace@example.com")
    _, sign_in_token = mint_token(app, ada)
    phone = app.test_client()
    answers = {
        "verify, same browser": client.get(f"/verify?token={link_token}"),
        "verify, another browser": phone.get(f"/verify?token={link_token}"),
        "verify, bad token": client.get("/verify?token=forged"),
        "accept-token": client.get(f"/accept-token?token={sign_in_token}"),
        "accept-token, bad token": client.get("/accept-token?token=forged"),
        "admin, just minted": post_form(client, f"/admin/users/{ada}/sign-in-tokens"),
        "dev mailbox": client.get("/dev/mailbox"),
        "dev mailbox message": client.get(f"/dev/mailbox/{mailbox.messages()[-1].id}"),
    }
    answers["verify, spent"] = post_form(client, "/verify", token=link_token)
    answers["verify, used"] = client.get(f"/verify?token={link_token}")
    for name, response in answers.items():
        assert response.status_code < 500, name
        assert response.headers["Referrer-Policy"] == "no-referrer", name
        assert "no-store" in response.headers["Cache-Control"], name
        page = response.get_data(as_text=True)
        for url in RESOURCE.findall(page):
            assert url.startswith("/") and not url.startswith("//"), (name, url)
        if not name.startswith("dev"):  # the mailbox shows the links: that is its job
            for url in TARGET.findall(page):
                assert link_token not in url and sign_in_token not in url, (name, url)
    assert "/accept-token?token=" in answers["admin, just minted"].get_data(as_text=True)


@pytest.mark.browser
def test_the_browser_sends_no_referer_from_a_token_page(new_context, live_server, live_app):
    """In Chromium: the link's page, its scripts and styles, and the POST that spends the link
    carry no Referer, so the token reaches neither a log of ours nor anybody else's."""
    context = new_context(base_url=live_server)
    context.set_default_timeout(5_000)
    page = context.new_page()
    page.goto("/sign-up")
    page.fill("#email_address", "grace@example.com")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/sign-up/sua_"))
    link = Mailbox(live_app).link("grace@example.com")
    sent = []
    tab = context.new_page()  # the same browser: the page spends the link by itself
    tab.on("request", lambda request: sent.append((request.url, request.headers)))
    tab.goto(link)
    tab.wait_for_url(re.compile(r"/user$"))
    spent = [headers for url, headers in sent if url.endswith("/verify")]
    assert spent and "referer" not in spent[0], "the POST to /verify carried a Referer"
    for url, headers in sent:
        assert "token=" not in headers.get("referer", ""), url
