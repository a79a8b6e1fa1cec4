"""Hypothesis on the token parsers: email-link tokens, sign-in tokens, secret keys, the client
cookie and the session cookie. Called directly, any text is refused with the module's own error
(never another exception), and a token that was not issued is never accepted, however close it
is to one that was. Over HTTP (query, form, Authorization header, cookies): no 5xx, a refusal
that says why, and the issued tokens still work afterwards (nothing was spent by a miss)."""

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.auth.clients import find_client_id
from app.auth.email_links import consume_email_link, open_email_link
from app.auth.errors import LinkInvalid, TokenInvalid
from app.auth.secret_keys import authenticate_secret_key
from app.auth.sessions import load_session
from app.auth.sign_in_tokens import accept_sign_in_token, check_sign_in_token, mint_sign_in_token
from app.auth.sign_up import start_sign_up
from app.auth.tokens import hash_token
from tests.api.conftest import user_id  # noqa: F401  (a fixture: ada, an existing user)
from tests.conftest import csrf_token
from tests.fuzz.strategies import CHARACTERS, TEXT, WIRE, assert_answered, fuzzing, url
from tests.unit.conftest import browser_origin, laptop, now, phone  # noqa: F401  (fixtures)


def near_misses(secret: str) -> st.SearchStrategy[str]:
    """Strings a hair from `secret`: a character changed, dropped or added; case, padding or
    encoding changed; cut short or doubled. None of them is `secret`."""
    at = st.integers(0, len(secret) - 1)
    variants = [
        secret.upper(),
        secret.lower(),
        secret.swapcase(),
        f" {secret}",
        f"{secret}\n",
        f"{secret}=",
        f"{secret}\x00",
        quote(secret, safe=""),
        secret[:-1],
        secret[1:],
        secret * 2,
    ]
    return st.one_of(
        st.builds(lambda i, c: secret[:i] + c + secret[i + 1 :], at, CHARACTERS),
        at.map(lambda i: secret[:i] + secret[i + 1 :]),
        st.builds(lambda i, c: secret[:i] + c + secret[i:], at, CHARACTERS),
        st.sampled_from(variants),
    ).filter(lambda text: text != secret)


def storable(text: str) -> bool:
    """Text a session id can be: it comes out of the signed session cookie, which only the app
    writes, and never holds a NUL or a lone surrogate (no database column takes either)."""
    return "\x00" not in text and text.encode("utf-8", "replace").decode("utf-8") == text


def guesses(secret: str) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), TEXT, near_misses(secret))


@pytest.fixture
def issued(ctx, laptop, mailbox, now, secret_key, user_id):  # noqa: F811
    """One live token of each kind: an email link, a sign-in token, a secret key, a client."""
    start_sign_up("grace@example.com", laptop, now)
    return {
        "link": mailbox.token("grace@example.com"),
        "sign_in_token": mint_sign_in_token(user_id, now)[1],
        "secret_key": secret_key,
    }


def test_hash_token_takes_any_text(ctx):
    @fuzzing(100)
    @given(st.text(CHARACTERS))
    def digest(text):
        hashed = hash_token(text)
        assert len(hashed) == 64 and int(hashed, 16) >= 0

    digest()


def test_email_links_refuse_every_token_not_issued(issued, laptop, phone, now):  # noqa: F811
    link = issued["link"]

    @fuzzing(80)
    @given(guesses(link))
    def guess(token):
        with pytest.raises(LinkInvalid):
            open_email_link(token, phone, now)
        with pytest.raises(LinkInvalid):
            consume_email_link(token, phone, now)

    guess()
    # No guess spent or spoiled the real link.
    assert consume_email_link(link, laptop, now).session is not None


def test_sign_in_tokens_refuse_every_token_not_issued(issued, phone, now):  # noqa: F811
    token = issued["sign_in_token"]

    @fuzzing(80)
    @given(guesses(token))
    def guess(text):
        with pytest.raises(TokenInvalid):
            check_sign_in_token(text, phone, now)
        with pytest.raises(TokenInvalid):
            accept_sign_in_token(text, phone, now)

    guess()
    assert accept_sign_in_token(token, phone, now).token.status == "accepted"


def test_secret_keys_clients_and_sessions_know_only_what_was_issued(issued, laptop, now):  # noqa: F811
    key = issued["secret_key"]

    @fuzzing(80)
    @given(key_guess=guesses(key).filter(bool), other=TEXT)
    def guess(key_guess, other):
        assert authenticate_secret_key(key_guess, now) is None
        assert find_client_id(other) is None
        if storable(other):
            assert load_session(other, now) is None

    guess()
    assert authenticate_secret_key(key, now) is not None


# Header values as a server hands them over: bytes read as Latin-1, no line breaks.
HEADER_VALUES = st.binary(max_size=200).map(
    lambda raw: raw.replace(b"\r", b"").replace(b"\n", b"").decode("latin-1")
)


@pytest.fixture
def live_tokens(auth, mailbox, api, user_id):  # noqa: F811
    """An email link and a sign-in token, asked for as a browser and a backend ask.

    (No app context stays pushed in the HTTP tests: it would share `g`, and with it the signed-in
    user, between requests.)"""
    auth.start("sign-up", "grace@example.com")
    minted = api.post("/sign_in_tokens", json={"user_id": user_id}).get_json()
    return mailbox.token("grace@example.com"), minted["token"]


def test_token_pages_answer_any_token(client, live_tokens):
    link, token = live_tokens
    csrf = csrf_token(client)
    near = st.one_of(near_misses(link), near_misses(token)).map(
        lambda text: text.encode("utf-8", "surrogatepass")
    )

    @fuzzing(80)
    @given(
        path=st.sampled_from(["/verify", "/accept-token"]),
        method=st.sampled_from(["GET", "POST"]),
        value=st.one_of(st.none(), WIRE, near),
    )
    def open_page(path, method, value):
        if method == "GET":
            response = client.get(url(path, {"token": value}))
        else:
            body = b"token=" + quote(value or b"").encode() if value is not None else b""
            response = client.post(
                path,
                data=body,
                headers={"X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded"},
            )
        assert_answered(response)
        assert 400 <= response.status_code < 500

    open_page()
    # Nothing was spent by the misses: both tokens still open their pages.
    assert client.get(url("/verify", {"token": link.encode()})).status_code == 200
    assert client.get(url("/accept-token", {"token": token.encode()})).status_code == 200


def test_the_backend_api_refuses_any_authorization_but_the_key(client, secret_key):
    key = secret_key

    @fuzzing(80)
    @given(
        header=st.one_of(
            HEADER_VALUES,
            # (Spaces around the key are trimmed: " sk_…" is the key itself.)
            st.builds(
                "Bearer {}".format,
                near_misses(key).filter(lambda text: text.isprintable() and text.strip() != key),
            ),
            st.builds(
                "{} {}".format, st.sampled_from(["bearer", "Basic", "Token", ""]), st.just(key)
            ),
        )
    )
    def call(header):
        response = client.get("/v1/users", headers={"Authorization": header})
        assert_answered(response)
        assert response.status_code == 401, header

    call()
    assert client.get("/v1/users", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_any_cookie_is_a_stranger(app):
    browser = app.test_client(use_cookies=False)
    signer = app.session_interface.get_signing_serializer(app)
    # Made-up session ids in a correctly signed cookie, as if the secret key had leaked.
    signed_sessions = TEXT.filter(storable).map(lambda text: signer.dumps({"_user_id": text}))

    @fuzzing(80)
    @given(
        path=st.sampled_from(["/", "/sign-in", "/user", "/admin/users", "/api/sign-ins/sia_x"]),
        client_cookie=st.none() | HEADER_VALUES,
        session_cookie=st.none() | HEADER_VALUES | signed_sessions,
    )
    def visit(path, client_cookie, session_cookie):
        cookies = [
            f"{name}={value}"
            for name, value in (
                ("latchkey_client", client_cookie),
                ("latchkey_session", session_cookie),
            )
            if value is not None
        ]
        response = browser.get(path, headers={"Cookie": "; ".join(cookies)} if cookies else {})
        assert_answered(response)
        if path in ("/user", "/admin/users"):  # nobody is signed in by a made-up cookie
            assert response.status_code == 302 and "/sign-in" in response.location

    visit()
