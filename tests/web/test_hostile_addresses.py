"""Hostile email addresses at every entry point (issue 6): header injection (CR/LF, lists,
display names, NUL), Unicode normal forms that are one account, undeliverable and lookalike
mailbox names, and where the mail really goes."""

import html
import unicodedata

import pytest
from email_validator import EmailNotValidError, validate_email

from app.auth.address_text import ANY_REASON, REASONS
from app.models import EmailAddress, OutboxMessage
from tests.web.conftest import count, post_form, received, v1


@pytest.fixture
def app(make_app):
    # Rate limits have tests of their own; here they would only cut the attack loops short.
    return make_app(RATELIMIT_ENABLED=False)


INJECTIONS = [
    "x@example.com\r\nBcc: eve@evil.example",
    "x@example.com\nBcc: eve@evil.example",
    "x@example.com\rBcc: eve@evil.example",
    "x@example.com%0d%0aBcc:eve@evil.example",
    "x@example.com%0ABcc: eve@evil.example",
    '"x\r\nBcc: eve@evil.example"@example.com',
    "Ada <x@example.com>\r\nBcc: eve@evil.example",
    "Ada <x@example.com>",
    "x@example.com, eve@evil.example",
    "x@example.com;eve@evil.example",
    "x@example.com\x00eve@evil.example",
    "x@example.com\u2028Bcc: eve@evil.example",
    "x@example.com\u0085Bcc: eve@evil.example",
    '"><script>alert(1)</script>@example.com',
]


def refused_in_our_words(page: str, typed: str) -> bool:
    """The page gives one of our reasons for refusing the address, never email-validator's."""
    page = html.unescape(page)
    try:
        validate_email(typed, check_deliverability=False, allow_smtputf8=False)
        theirs = None
    except EmailNotValidError as error:
        theirs = str(error)
    ours = [str(words) for _, words in REASONS] + [str(ANY_REASON)]
    return any(words in page for words in ours) and (theirs is None or theirs not in page)


def every_entry_point(client, key, user_id, payload):
    """(entry point, response) for one address typed at each place an address is taken."""
    yield "sign-up", post_form(client, "/sign-up", email_address=payload)
    yield "sign-in", post_form(client, "/sign-in", email_address=payload)
    yield "profile", post_form(client, "/user/email-addresses", email_address=payload)
    for choice in ("verified", "link"):
        path = f"/admin/users/{user_id}/email-addresses"
        yield f"admin {choice}", post_form(client, path, email_address=payload, verification=choice)
    yield "v1 users", v1(client, key, "POST", "/users", {"email_address": [payload]})
    body = {"user_id": user_id, "email_address": payload}
    yield "v1 email_addresses", v1(client, key, "POST", "/email_addresses", body)


def test_header_injection_in_an_address_is_refused_everywhere_and_sends_nothing(
    app, client, admin, ada, secret_key
):
    """CR/LF (raw or %-encoded), display names, lists and NUL: a clear 4xx at every entry point,
    never a 5xx, and no email (so no injected Bcc) and no address row is ever made."""
    emails, addresses = count(app, OutboxMessage), count(app, EmailAddress)
    for payload in INJECTIONS:
        for where, response in every_entry_point(client, secret_key, ada, payload):
            assert response.status_code in (400, 422), (where, payload, response.status_code)
            page = response.get_data(as_text=True)
            if where.startswith("v1"):
                code = response.get_json()["errors"][0]["code"]  # NUL is refused as malformed
                assert code in ("form_param_format_invalid", "malformed_request"), payload
            else:
                assert refused_in_our_words(page, payload), (where, payload)
                assert "<script>alert(1)" not in page  # echoed back escaped, never as markup
        query = {"email_address": payload}
        listed = v1(client, secret_key, "GET", "/users", query_string=query)
        assert listed.status_code in (200, 422), payload  # a search for it: never a 5xx
    assert count(app, OutboxMessage) == emails and count(app, EmailAddress) == addresses


# Forms of one address that are one account: case, Unicode normal forms, punycode, fullwidth.
SAME_ACCOUNT = [
    "jose@bücher.example",
    unicodedata.normalize("NFD", "jose@bücher.example"),
    "jose@xn--bcher-kva.example",
    "JOSE@BÜCHER.EXAMPLE",
    "Jose@ＢÜＣＨＥＲ.example",
    "  jose@bücher.example  ",
]

# Addresses refused at input: the mail library cannot send to a non-ASCII mailbox name
# (SMTPUTF8), so accepting one would queue a link that can never arrive. Lookalikes and
# invisible characters are among them.
UNDELIVERABLE = [
    "用户@例子.广告",
    "josé@bücher.example",
    unicodedata.normalize("NFD", "josé@bücher.example"),
    "ａｄａ@example.com",  # fullwidth letters
    "аda@example.com",  # Cyrillic а
    "ad\u200ba@example.com",  # zero-width space
    "ada\u202e@example.com",  # right-to-left override
]


def test_one_address_in_any_normal_form_is_one_account(app, client, auth, mailbox):
    auth.sign_up(SAME_ACCOUNT[0])
    post_form(client, "/sign-out")
    for typed in SAME_ACCOUNT:
        response = auth.start("sign-in", typed)
        assert response.status_code == 302, typed  # found: the same account
        assert post_form(client, "/sign-up", email_address=typed).status_code == 422, typed
    assert {m.to_normalized for m in mailbox.messages()} == {"jose@bücher.example"}
    assert count(app, EmailAddress) == 1


def test_undeliverable_and_lookalike_mailbox_names_are_refused(app, client, secret_key):
    for typed in UNDELIVERABLE:
        response = post_form(client, "/sign-up", email_address=typed)
        assert response.status_code == 422, typed
        assert refused_in_our_words(response.get_data(as_text=True), typed)
        api = v1(client, secret_key, "POST", "/users", {"email_address": [typed]})
        assert api.status_code == 422, typed
    assert count(app, OutboxMessage) == 0


@pytest.mark.parametrize(
    "typed, recipient",
    [
        # IDNA 2008 (what the account key uses), not Python's IDNA 2003 codec: that one spells
        # faß.de as fass.de, another domain whose owner would receive the link.
        ("ada@faß.de", "ada@xn--fa-hia.de"),
        ("Jose@Bücher.example", "Jose@xn--bcher-kva.example"),
        ("ada@ｅｘａｍｐｌｅ.com", "ada@example.com"),
        # %0d%0a in a mailbox name is legal and stays literal: no header is made of it.
        ("x%0d%0abcc=3Aeve@example.com", "x%0d%0abcc=3Aeve@example.com"),
    ],
)
def test_mail_goes_to_the_mailbox_the_account_names_and_nowhere_else(smtp, typed, recipient):
    app, inbox = smtp
    client = app.test_client()
    assert post_form(client, "/sign-up", email_address=typed).status_code == 302
    [(envelope, message)] = received(inbox, 1)
    assert envelope == [recipient] and message["To"] == recipient
    assert message["Bcc"] is None and message["Cc"] is None
