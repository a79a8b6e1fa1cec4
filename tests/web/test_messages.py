"""Words a person reads on the forms: our own for email-validator's reasons, a wait in minutes,
and the other form offered, the address kept, when an address has (or lacks) an account."""

import html
import re

import pytest
from email_validator import EmailNotValidError, validate_email

from app import clock
from app.auth.address_text import ANY_REASON, REASONS
from tests.web.conftest import post_form


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# An address for each kind of reason email-validator gives, and the words of ours it gets.
REFUSED = [
    ("josé@example.com", "We can't send to accented or non-Latin letters before the @ sign."),
    ("ada@" + "a" * 64 + ".com", "That email address is too long."),
    ("a@" + ("a" * 60 + ".") * 5 + "com", "That email address is too long."),
    ("ada＠example.com", "That @ sign only looks like one: type the @ from your keyboard."),
    ("@example.com", "Enter the part before the @ sign."),
    ("ada@", "Enter the part after the @ sign, such as example.com."),
    (
        "Ada <ada@example.com>",
        "Enter the address alone, without a name or angle brackets: name@example.com.",
    ),
    ("<ada@example.com> x", "Enter the address alone"),
    ('"ada"@example.com', "Enter the address without quotation marks."),
    ("ada@[127.0.0.1]", "Enter a domain name after the @ sign, not an IP address."),
    (
        "ada@exa\u200bmple.com",
        "The address has an invisible or control character. Type it again by hand.",
    ),
    (
        "x@example.com\r\nBcc: eve@evil.example",
        "The part after the @ sign can only have letters, digits, hyphens and dots, as in "
        "example.com.",
    ),
    (
        "a..b@example.com",
        "Check the dots and hyphens: an address cannot start or end with one, have one beside "
        "the @ sign, or have two together.",
    ),
    ("ada@-example.com", "Check the dots and hyphens"),
    (
        "ada@example.invalid",
        "The part after the @ sign must be a domain that can receive email, such as example.com.",
    ),
    ("ada@localhost", "The part after the @ sign must be a domain that can receive email"),
    (
        "a b@example.com",
        "The part before the @ sign has a space or a symbol that an email address cannot have.",
    ),
    ("not an email", "Enter a valid email address."),
]


@pytest.mark.parametrize("typed, ours", REFUSED)
def test_email_validator_s_reasons_are_said_in_our_words(client, typed, ours):
    with pytest.raises(EmailNotValidError) as theirs:
        validate_email(typed, check_deliverability=False, allow_smtputf8=False)
    response = post_form(client, "/sign-up", email_address=typed)
    assert response.status_code == 422
    page = text(response)
    assert ours in page
    assert str(theirs.value) not in page  # its English never reaches the page


def test_every_reason_we_know_has_an_address_that_gets_it(app):
    # A pattern added to REASONS without a case above, or one that no longer matches: caught.
    with app.test_request_context():
        said = {ours for _, ours in REFUSED}
        for _, words in REASONS + (("", ANY_REASON),):
            assert any(case.startswith(str(words)) for case in said), str(words)


def test_a_wait_is_said_in_whole_minutes_not_seconds(client):
    for _ in range(5):
        assert post_form(client, "/sign-up", email_address="g@example.com").status_code == 302
    clock.travel(81)  # the per-address window (10 minutes) has ~519 seconds left
    response = post_form(client, "/sign-up", email_address="g@example.com")
    assert response.status_code == 429
    assert 510 <= int(response.headers["Retry-After"]) <= 520
    page = text(response)
    assert "Try again in 8 minutes." in page  # rounded down: never a longer wait than true
    assert not re.search(r"\d+ seconds", page)


def offer_in(response) -> str | None:
    """The link the refusal offers, if any."""
    found = re.search(
        r'id="email-error"[^>]*>.*?<a href="([^"]+)"', response.get_data(as_text=True)
    )
    return html.unescape(found.group(1)) if found else None


def test_signing_up_with_an_address_that_has_an_account_offers_to_sign_in(client, user_email):
    typed = " " + user_email.upper()
    refused = post_form(client, "/sign-up?redirect_url=/user", email_address=typed)
    assert refused.status_code == 422
    offer = offer_in(refused)
    assert offer.startswith("/sign-in?")  # on this site: no redirect anywhere else
    assert f"Sign in with {user_email.upper()}" in text(refused)
    form = text(client.get(offer))
    assert f'value="{user_email.upper()}"' in form  # the address kept
    assert "/user" in re.search(r"redirect_url=([^&\"]+)", offer).group(1)
    accepted = post_form(client, offer, email_address=user_email.upper())
    assert accepted.status_code == 302 and "/sign-in/sia_" in accepted.location


def test_signing_in_with_an_unknown_address_offers_to_sign_up(client):
    refused = post_form(client, "/sign-in", email_address="grace@example.com")
    assert refused.status_code == 422
    offer = offer_in(refused)
    assert offer == "/sign-up?email_address=grace@example.com"
    assert "Create an account with grace@example.com" in text(refused)
    assert 'value="grace@example.com"' in text(client.get(offer))


def test_other_refusals_offer_nothing(client, user_email):
    assert offer_in(post_form(client, "/sign-in", email_address="nope")) is None
    assert offer_in(post_form(client, "/sign-up", email_address="nope")) is None
