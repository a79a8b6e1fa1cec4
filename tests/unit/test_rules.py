"""The small rules every flow shares: addresses, redirects, tokens, ids, user agents."""

import pytest

from app.auth.address_text import normalize_email
from app.auth.errors import InvalidEmail, RedirectNotAllowed
from app.auth.redirects import check_redirect_url
from app.auth.tokens import hash_token, make_token
from app.auth.user_agents import describe
from app.ids import new_id
from tests.unit.conftest import CHROME, IPHONE

ALLOWED = ["https://shop.example.com"]


def test_addresses_compare_case_insensitively_after_trimming_and_keep_the_typed_form():
    assert normalize_email("  Ada.Lovelace@Example.COM ") == (
        "Ada.Lovelace@Example.COM",
        "ada.lovelace@example.com",
    )


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        None,
        "not-an-email",
        "a@b",
        "ada@example.com\r\nBcc: victim@example.com",
        "ada@exa mple.com",
        "a" * 310 + "@example.com",
        "<ada@example.com>",
    ],
)
def test_malformed_or_overlong_addresses_are_refused_with_a_message(raw):
    with pytest.raises(InvalidEmail) as caught:
        normalize_email(raw)
    assert caught.value.message and caught.value.param == "email_address"


def test_an_international_domain_is_accepted_but_not_a_non_ascii_mailbox_name():
    typed, key = normalize_email("Zoe@Bücher.example")
    assert typed == "Zoe@Bücher.example" and key == "zoe@bücher.example"
    with pytest.raises(InvalidEmail):  # Flask-Mail cannot send it (no SMTPUTF8)
        normalize_email("Zoë@Bücher.example")


@pytest.mark.parametrize("url", ["/user", "/user?tab=sessions", "https://shop.example.com/cart"])
def test_relative_paths_and_listed_origins_may_be_redirected_to(url):
    assert check_redirect_url(url, ALLOWED) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "https://shop.example.com.evil.example/",
        "https://shop.example.com@evil.example/",
        "javascript:alert(1)",
        "http://shop.example.com/",  # the scheme is part of the origin
        "/user\r\nLocation: https://evil.example",
        "user",
        "data:text/html,hi",
    ],
)
def test_other_redirects_are_refused(url):
    with pytest.raises(RedirectNotAllowed):
        check_redirect_url(url, ALLOWED)


def test_tokens_have_256_bits_and_are_stored_as_sha256():
    token = make_token()
    assert len(token) >= 43 and token != make_token()
    assert len(hash_token(token)) == 64 and hash_token(token) != token


def test_ids_have_the_prefix_27_base62_characters_and_sort_by_time():
    first = new_id("user")
    assert first.startswith("user_") and len(first) == len("user_") + 27
    assert first.split("_")[1].isalnum()


def test_user_agents_are_described_for_people():
    assert describe(CHROME) == "Chrome 156 on Linux"
    assert describe(IPHONE).endswith("on iOS")
    assert describe("") == "Unknown browser"


def test_user_agents_are_named_only_from_known_browsers_and_systems():
    # Free text ua-parser passes through as a browser name: the reviewer's whole User-Agent,
    # and a made-up product token.
    assert describe("Latchkey Security Check - safe to approve bot") == "Unknown browser"
    assert describe("Mozilla/5.0 (compatible; SafeToApproveBot/1.0)") == "Unknown browser"
    windows = "Mozilla/5.0 (Windows NT 10.0) Approve - Security Team/99"
    assert describe(windows) == "Unknown browser on Windows"
    # A version is ASCII digits only (ua-parser's \d also takes other scripts' digits).
    assert describe(CHROME.replace("156", "\u0661\u0665\u0666")) == "Chrome on Linux"


def test_the_log_filter_redacts_tokens_in_gunicorn_style_mapping_arguments():
    import logging

    from app.logs import RedactTokens

    record = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, "%(r)s", (), None)
    record.args = {"r": "GET /verify?token=s3cret HTTP/1.1", "s": 200}
    assert RedactTokens().filter(record)
    assert record.getMessage() == "GET /verify?token=[redacted] HTTP/1.1"
