"""Hypothesis on the HTML forms: any fields, any values (unicode, control characters, NUL, lone
surrogates, long strings, bytes that are not UTF-8), repeated or missing fields, and any content
type, always with a valid CSRF token so the form itself is reached. No 5xx; a refusal is a page
that says why; a refused request writes nothing."""

import re
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from app.models import EmailAddress
from tests.conftest import csrf_token
from tests.fuzz.strategies import (
    ADDRESSES,
    GOOD_ADDRESSES,
    TEXT,
    WIRE,
    Body,
    assert_answered,
    browser_forms,
    form_bodies,
    fuzzing,
    on_the_wire,
    send,
    url,
    urlencoded,
)

# The account `user_email` made, as people type it: sign-in succeeds for these.
ACCOUNT = st.sampled_from(["ada@example.com", " Ada@Example.COM ", "ADA@EXAMPLE.COM"])


def email_form(addresses) -> dict:
    return {"email_address": on_the_wire(addresses | ADDRESSES)}


REDIRECTS = on_the_wire(st.sampled_from(["/user", "/user?welcome=1", "//evil.example"]) | TEXT)
# Rows a refused request may leave: the audit log says what was refused.
AUDITED = {"audit_events"}


def assert_done_or_refused(response, before: dict, after: dict, done: str | None = None) -> None:
    """A redirect to `done` (a pattern), or a refusal that wrote nothing but its audit row."""
    if done and response.status_code == 302:
        assert re.fullmatch(done, response.location), response.location
        return
    assert response.status_code >= 400, "a form post that did nothing and said nothing"
    kept = {table: rows for table, rows in after.items() if table not in AUDITED}
    assert kept == {table: rows for table, rows in before.items() if table not in AUDITED}


def segment(text: str) -> str:
    """Any text as one path segment (a lone surrogate goes as its UTF-8 bytes)."""
    return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="") or "x"


@pytest.mark.parametrize("path", ["/sign-in", "/sign-up"])
def test_email_forms_answer_any_input_and_write_nothing_they_refuse(
    client, row_counts, user_email, path
):
    token = csrf_token(client, path)

    @fuzzing(60)
    @given(
        body=form_bodies(email_form(ACCOUNT)), redirect=st.one_of(st.none(), st.none(), REDIRECTS)
    )
    def submit(body, redirect):
        before = row_counts()
        response = send(client, "POST", url(path, {"redirect_url": redirect}), body, token)
        assert_answered(response)
        assert_done_or_refused(response, before, row_counts(), rf"{path}/s[iu]a_\w{{27}}")

    submit()


def test_waiting_page_actions_answer_any_id_and_body(client, auth, user_email):
    started = auth.start("sign-in", user_email)
    attempt_id = started.location.rsplit("/", 1)[1]
    token = csrf_token(client)

    @fuzzing(60)
    @given(
        flow=st.sampled_from(["sign-in", "sign-up"]),
        attempt=st.just(attempt_id) | TEXT.map(segment),
        action=st.sampled_from(["resend", "cancel", "continue", None]),
        api=st.booleans(),
        body=form_bodies(email_form(ACCOUNT)),
    )
    def act(flow, attempt, action, api, body):
        path = f"/api/{flow}s/{attempt}" if api else f"/{flow}/{attempt}"
        method = "POST" if action in ("resend", "cancel") else "GET"
        response = send(client, method, f"{path}/{action}" if action else path, body, token)
        assert_answered(response)

    act()


@pytest.fixture
def profile(app, client, auth):
    """`client` signed in as a new user; the id of their primary address."""
    auth.sign_up("grace@example.com")
    with app.app_context():
        return db.session.scalar(select(EmailAddress.id))


def test_adding_an_address_answers_any_input_and_writes_nothing_it_refuses(
    client, profile, row_counts
):
    token = csrf_token(client, "/user")

    @fuzzing(50)
    @given(body=form_bodies(email_form(GOOD_ADDRESSES)))
    def add(body):
        before = row_counts()
        response = send(client, "POST", "/user/email-addresses", body, token)
        assert_answered(response)
        assert_done_or_refused(response, before, row_counts(), r"/user/email-addresses/idn_\w{27}")

    add()


def test_profile_actions_answer_any_id_and_body(client, profile):
    token = csrf_token(client, "/user")
    address_actions = st.sampled_from(["primary", "remove", "verify", "resend", "cancel"])

    @fuzzing(50)
    @given(
        path=st.one_of(
            st.builds(
                "/user/email-addresses/{}/{}".format,
                st.just(profile) | TEXT.map(segment),
                address_actions,
            ),
            st.builds("/user/sessions/{}/revoke".format, TEXT.map(segment)),
            st.just("/user/sessions/revoke-others"),
        ),
        body=form_bodies(email_form(GOOD_ADDRESSES)),
    )
    def act(path, body):
        response = send(client, "POST", path, body, token)
        assert_answered(response)
        assert response.status_code != 200, "a form post that did nothing and said nothing"
        if response.status_code < 400:
            assert response.location.startswith("/user"), "signed out by a fuzzed form"

    act()


# Whole numbers as typed, every magnitude as likely as any other: 0, -1, 600 and 10**22 too.
SECONDS = st.one_of(
    st.sampled_from(["0", "-1", " 600 ", "1_000"]),
    st.integers(0, 25).flatmap(lambda digits: st.integers(10**digits, 10 ** (digits + 1))).map(str),
)


# What an admin may type in /admin/settings: mostly values that fit, sometimes anything.
SETTINGS = {
    "REQUIRE_SAME_CLIENT": st.sampled_from(["true", "no", "1", ""]) | TEXT,
    "ENUMERATION_PROTECTION": st.sampled_from(["false", "yes", "0", ""]) | TEXT,
    "EMAIL_LINK_TTL": st.one_of(SECONDS, SECONDS, TEXT),
    "SIGN_IN_TOKEN_TTL": st.one_of(SECONDS, SECONDS, TEXT),
    "ALLOWED_REDIRECT_ORIGINS": st.sampled_from(
        ["https://shop.example", "http://a.example:8080 https://b.example", ""]
    )
    | TEXT,
}
ADMIN_FORMS = {
    "/admin/users/{user}/email-addresses": {
        **email_form(GOOD_ADDRESSES),
        "verification": on_the_wire(st.sampled_from(["verified", "link", "unverified"]) | TEXT),
        "primary": on_the_wire(st.sampled_from(["on", "off"]) | TEXT),
    },
    "/admin/users/{user}/sign-in-tokens": {
        "expires_in_seconds": on_the_wire(SECONDS | TEXT),
        "redirect_url": REDIRECTS,
    },
    "/admin/secret-keys": {"name": WIRE},
    "/admin/settings": {name: on_the_wire(values) for name, values in SETTINGS.items()},
}


@pytest.mark.parametrize("path", sorted(ADMIN_FORMS))
def test_admin_forms_answer_any_input_and_write_nothing_they_refuse(
    client, admin, ada, row_counts, path
):
    token = csrf_token(client, "/admin/users")

    @fuzzing(25)
    @given(body=st.one_of(browser_forms(ADMIN_FORMS[path]), form_bodies(ADMIN_FORMS[path])))
    def submit(body):
        before = row_counts()
        response = send(client, "POST", path.format(user=ada), body, token)
        assert_answered(response)
        if response.status_code >= 400:  # a success here is a page (a new key, a minted link)
            assert_done_or_refused(response, before, row_counts())

    submit()


def test_no_settings_an_admin_saves_break_signing_up_or_minting(app, client, admin, ada):
    token = csrf_token(client, "/admin/settings")
    visitor = app.test_client()

    @fuzzing(80)
    @given(typed=st.fixed_dictionaries({}, optional=SETTINGS), address=GOOD_ADDRESSES)
    def save(typed, address):
        # Each example starts from the environment's settings (an empty field returns to it).
        defaults = {"csrf_token": token, **dict.fromkeys(SETTINGS, "")}
        assert client.post("/admin/settings", data=defaults).status_code == 302
        fields = [
            (name.encode(), value.encode("utf-8", "surrogatepass")) for name, value in typed.items()
        ]
        form = Body("application/x-www-form-urlencoded", urlencoded(fields))
        assert_answered(send(client, "POST", "/admin/settings", form, token))
        # Whatever was saved, people can still sign up, and sign-in tokens can still be minted.
        assert_answered(visitor.get("/sign-in"))
        page = visitor.post(
            "/sign-up",
            data={"csrf_token": csrf_token(visitor, "/sign-up"), "email_address": address},
        )
        assert_answered(page)
        minted = client.post(f"/admin/users/{ada}/sign-in-tokens", data={"csrf_token": token})
        assert minted.status_code == 200, minted.get_data(as_text=True)

    save()


@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit"])
def test_admin_lists_answer_any_query(client, admin, path):
    @fuzzing(40)
    @given(query=st.dictionaries(st.sampled_from(["q", "user", "event", "page"]), WIRE))
    def search(query):
        assert_answered(client.get(url(path, query)))

    search()
