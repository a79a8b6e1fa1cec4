"""The sign-in emails as a person reads them (issue 15): the true expiry, the link as a button and
as plain text, a footer saying who sent it and why, a layout a phone shows whole, the language
and time zone of the browser that asked; and the dev mailbox showing the From line and the HTML
part as a mail program would."""

import re
from html import unescape

import pytest

from tests.conftest import LINK, Mailbox, csrf_token

ADDRESS = "grace@example.com"


def sign_up(client, headers=None):
    token = csrf_token(client, "/sign-up")
    answer = client.post(
        "/sign-up", data={"csrf_token": token, "email_address": ADDRESS}, headers=headers
    )
    assert answer.status_code == 302


def text_of(html: str) -> str:
    """What the HTML part reads as: its words, without tags or extra spaces."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.parametrize(
    ("ttl", "said"), [(5, "5 seconds"), (90, "90 seconds"), (600, "10 minutes")]
)
def test_the_email_says_how_long_the_link_truly_lives(make_app, ttl, said):
    app = make_app(EMAIL_LINK_TTL=ttl)
    sign_up(app.test_client())
    email = Mailbox(app).last(ADDRESS)
    assert f"expires in {said}, at " in email.text_body
    assert f"expires in {said}, at " in text_of(email.html_body)


def test_the_link_is_a_button_and_plain_text_in_both_parts(client, mailbox):
    sign_up(client)
    email = mailbox.last(ADDRESS)
    link = LINK.search(email.text_body).group(0)
    assert f"\n{link}\n" in email.text_body  # on a line of its own
    html = unescape(email.html_body)
    assert html.count(f'href="{link}"') == 2  # the button, and the address under it
    assert f"Or copy this address into your browser: {link}" in text_of(email.html_body)


def test_the_footer_says_who_sent_it_and_why(make_app):
    app = make_app()
    sign_up(app.test_client())
    email = Mailbox(app).last(ADDRESS)
    why = f"Sent by Latchkey because someone asked to sign up for Latchkey with {ADDRESS}."
    ignore = "If this wasn't you, ignore this email: nothing happens unless the link or the code"
    for part in (email.text_body, text_of(email.html_body)):
        assert f"{why} {ignore}" in part
        assert "Questions?" not in part  # no SUPPORT_EMAIL, no line for it

    supported = make_app(SUPPORT_EMAIL="help@example.org")
    sign_up(supported.test_client())
    email = Mailbox(supported).last(ADDRESS)
    for part in (email.text_body, text_of(email.html_body)):
        assert part.rstrip().endswith("Questions? Write to help@example.org.")


def test_the_html_part_fits_a_phone(client, mailbox):
    sign_up(client)
    html = mailbox.last(ADDRESS).html_body
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert re.search(r'<div style="max-width: 480px; margin: 0 auto;', html)


def test_the_email_is_in_the_language_and_time_zone_of_the_browser_that_asked(client, mailbox):
    sign_up(client)
    english = mailbox.last(ADDRESS)
    assert '<html lang="en">' in english.html_body
    # No time zone known: UTC, and named.
    assert re.search(r"expires in 10 minutes, at \w{3} \d+, \d{4}, .+ UTC\.", english.text_body)

    german = client.application.test_client()
    german.set_cookie("tz", "Europe/Berlin")
    sign_up(german, headers={"Accept-Language": "de-DE,de;q=0.9"})
    email = mailbox.last(ADDRESS)
    assert '<html lang="de">' in email.html_body
    # German words and dates, Berlin's time.
    assert re.search(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d Europe/Berlin", email.text_body)
    assert "10 Minuten" in email.text_body
    assert email.subject.endswith(" ist Ihr Registrierungscode für Latchkey")


# -- the dev mailbox ------------------------------------------------------------------------


def test_the_dev_mailbox_shows_the_from_line_and_the_html_part(client, mailbox):
    sign_up(client)
    email = mailbox.last(ADDRESS)
    page = unescape(client.get(f"/dev/mailbox/{email.id}").get_data(as_text=True))
    assert "<dt>From</dt><dd>Latchkey <no-reply@latchkey.localhost></dd>" in page
    frame = re.search(r'<iframe src="([^"]+)" sandbox=""', page)
    assert frame and frame.group(1) == f"/dev/mailbox/{email.id}/html"

    html = client.get(frame.group(1))
    assert html.get_data(as_text=True) == email.html_body
    policy = html.headers["Content-Security-Policy"]
    # Its inline styles apply; no script, no form, its own origin; framed by this site only.
    assert "default-src 'none'" in policy and "style-src 'unsafe-inline'" in policy
    assert "; sandbox;" in policy and "frame-ancestors 'self'" in policy
    assert html.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert html.headers["Referrer-Policy"] == "no-referrer"  # the page holds a live link


def test_the_dev_mailbox_frames_the_html_part_with_its_styles_in_chromium(
    live_app, live_server, page
):
    sign_up(live_app.test_client())
    email = Mailbox(live_app).last(ADDRESS)
    page.goto(f"{live_server}/dev/mailbox/{email.id}")
    button = page.frame_locator("iframe").get_by_role("link", name="Sign up", exact=True)
    # The email's inline style is applied: the message page's own policy would block it.
    background = button.evaluate("link => getComputedStyle(link).backgroundColor")
    assert background == "rgb(47, 91, 234)"
