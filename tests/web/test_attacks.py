"""Attacks as tests (issue 6): hostile input, fixation, redirects, enumeration, leaks at rest.

Each test names the defence it proves; SECURITY.md maps the threats to these tests.
"""

import email
import hashlib
import http.client
import http.cookiejar
import json
import logging
import re
import statistics
import time
import unicodedata
import urllib.request
from email import policy
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import event, func, select, text

from app import clock
from app.auth.secret_keys import create_secret_key
from app.auth.sign_in_tokens import mint_sign_in_token
from app.auth.users import create_user
from app.extensions import db
from app.models import AuditEvent, EmailAddress, OutboxMessage
from tests.conftest import Auth, Mailbox, csrf_token, free_port
from tests.factory import work
from tests.http import LoopbackPolicy, NoRedirect, status_of
from tests.web.test_security import FORGED, sign_ups_from

SHOP = "https://shop.example.com"


@pytest.fixture
def app(make_app):
    # Rate limits have tests of their own; here they would only cut the attack loops short.
    return make_app(RATELIMIT_ENABLED=False, ALLOWED_REDIRECT_ORIGINS=[SHOP])


@pytest.fixture
def secret_key(app):
    with work(app):
        return create_secret_key("attacks", clock.now())[1]


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


# -- header injection and unicode in addresses ---------------------------------------------

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
                assert "Enter a valid email address." in page, (where, payload)
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
        assert "Enter a valid email address." in response.get_data(as_text=True)
        api = v1(client, secret_key, "POST", "/users", {"email_address": [typed]})
        assert api.status_code == 422, typed
    assert count(app, OutboxMessage) == 0


class Inbox:
    """What an SMTP server received: envelope recipients and the parsed message."""

    def __init__(self):
        self.received = []

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
def smtp(make_app):
    """An app that sends over SMTP to an in-process server; yields (app, inbox)."""
    port = free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app = make_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_DELIVERY=None,
        MAIL_SUPPRESS_SEND=False,
        RATELIMIT_ENABLED=False,
    )
    yield app, inbox
    controller.stop()


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


# -- every route, with real ids ------------------------------------------------------------

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def real_ids(app, client, auth, admin, ada, mailbox):
    """A value for every URL argument of the app, naming a real row the admin's client may use:
    an attempt it started, its own unverified address, ada, a session, a token, a key."""
    attempt = auth.start("sign-in", "admin@example.com").location.rsplit("/", 1)[1]
    post_form(client, "/user/email-addresses", email_address="admin2@example.com")
    with work(app):
        key, _ = create_secret_key("attacks", clock.now())
        token, _ = mint_sign_in_token(ada, clock.now())
        ids = {
            "attempt_id": attempt,
            "address_id": db.session.scalar(
                select(EmailAddress.id).where(EmailAddress.normalized == "admin2@example.com")
            ),
            "user_id": ada,
            "session_id": db.session.scalar(text("SELECT id FROM sessions LIMIT 1")),
            "token_id": token.id,
            "sign_in_token_id": token.id,
            "kind": "sign_in",  # /sign-in/… and /api/sign-ins/… alike
            "key_id": key.id,
            "message_id": mailbox.messages()[-1].id,
            "filename": "css/app.css",
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


def audit_rows(app) -> int:
    return count(app, AuditEvent)


@pytest.mark.parametrize("size", [1 << 20, 10 << 20])
def test_a_huge_body_is_413_on_every_route_before_any_work(app, client, real_ids, secret_key, size):
    """1 MB and 10 MB to every state-changing route, signed in as an admin with a valid CSRF
    token and key: 413 in the route's own error format, and nothing happened."""
    body = b"email_address=" + b"a" * size
    before = audit_rows(app)
    headers = {"X-CSRFToken": csrf_token(client), "Authorization": f"Bearer {secret_key}"}
    seen = 0
    for method, path in routes(app, real_ids, UNSAFE):
        for content_type in ("application/x-www-form-urlencoded", "application/json"):
            response = client.open(
                path, method=method, data=body, content_type=content_type, headers=headers
            )
            assert response.status_code == 413, (method, path, content_type)
            if path.startswith(("/api/", "/v1/")):
                assert response.get_json()["errors"][0]["code"] == "request_body_too_large"
            else:
                assert "The request body is too large." in response.get_data(as_text=True)
            seen += 1
    assert seen > 80 and audit_rows(app) == before
    assert client.get("/user").status_code == 200  # /sign-out did not happen either


def chunked_post(base_url: str, path: str, size: int, headers: dict) -> int:
    """POST `size` bytes with Transfer-Encoding: chunked (no Content-Length) over real HTTP."""
    host, port = urlsplit(base_url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    chunk = b"a" * 65536

    def chunks():
        for _ in range(size // len(chunk)):
            yield chunk

    try:
        connection.request("POST", path, body=chunks(), headers=headers, encode_chunked=True)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed while we were still sending: read its answer
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def test_a_chunked_body_without_content_length_is_413_too(live_app, live_server):
    """Werkzeug cuts a streamed body at MAX_CONTENT_LENGTH without a word: without a check of
    our own, a cut JSON document or form could be read as a smaller, valid one."""
    with work(live_app):
        key = create_secret_key("attacks", clock.now())[1]
    json_headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for size in (1 << 20, 10 << 20):
        assert chunked_post(live_server, "/v1/users", size, json_headers) == 413
        assert chunked_post(live_server, "/v1/users/user_x/ban", size, json_headers) == 413
        assert chunked_post(live_server, "/sign-up", size, form) == 413
    # A small chunked body still works: the check costs nothing to honest clients.
    assert chunked_post(live_server, "/v1/users", 0, json_headers) == 422


# -- session fixation ----------------------------------------------------------------------


def plant_cookies(attacker, victim) -> dict:
    """The attacker's own cookies, copied into the victim's browser (a sibling subdomain or
    a shared computer can do this); returns what the attacker still holds."""
    attacker.get("/sign-in")
    planted = {}
    for name in ("latchkey_session", "latchkey_client"):
        planted[name] = attacker.get_cookie(name).value
        victim.set_cookie(name, planted[name])
    return planted


def assert_signed_out(client):
    response = client.get("/user")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_a_planted_cookie_does_not_survive_an_email_link_sign_in(app, client, auth, user_email):
    attacker = app.test_client()
    planted = plant_cookies(attacker, client)
    auth.sign_in(user_email)
    assert client.get("/user").status_code == 200
    assert client.get_cookie("latchkey_session").value != planted["latchkey_session"]
    assert_signed_out(attacker)


def test_a_planted_cookie_does_not_survive_accepting_a_sign_in_token(app, client, ada):
    with work(app):
        _, token = mint_sign_in_token(ada, clock.now())
    attacker = app.test_client()
    planted = plant_cookies(attacker, client)
    client.get(f"/accept-token?token={token}")
    done = post_form(client, "/accept-token", token=token)
    assert done.status_code == 302 and client.get("/user").status_code == 200
    assert client.get_cookie("latchkey_session").value != planted["latchkey_session"]
    assert_signed_out(attacker)


def test_a_planted_cookie_does_not_survive_cross_device_completion(
    app, client, auth, mailbox, user_email
):
    """The laptop (with the attacker's cookies planted) asks, the phone approves, the laptop's
    waiting tab finishes. The attacker, holding the same client cookie, cannot finish it again."""
    attacker = app.test_client()
    planted = plant_cookies(attacker, client)
    waiting = auth.start("sign-in", user_email).location
    approved = auth.open_and_confirm(user_email, client=app.test_client())  # the phone
    assert approved.status_code == 200
    finish = client.get(f"{waiting}/continue")
    assert finish.status_code == 302 and client.get("/user").status_code == 200
    assert client.get_cookie("latchkey_session").value != planted["latchkey_session"]
    assert_signed_out(attacker)
    attacker.get(f"{waiting}/continue")  # even knowing the attempt id: it finishes once
    assert_signed_out(attacker)


def test_a_session_cookie_cannot_be_forged_or_replayed_after_sign_out(
    make_app, app, client, auth, user_email
):
    auth.sign_in(user_email)
    stolen = client.get_cookie("latchkey_session").value
    with work(app):
        session_id = db.session.scalar(text("SELECT id FROM sessions WHERE status = 'active'"))

    def cookie_for(secret_key: str) -> str:
        signer = make_app(SECRET_KEY=secret_key)
        serializer = signer.session_interface.get_signing_serializer(signer)
        return serializer.dumps({"_user_id": session_id, "_fresh": True})

    forger = app.test_client()
    forger.set_cookie("latchkey_session", cookie_for(app.config["SECRET_KEY"]))  # control
    assert forger.get("/user").status_code == 200
    forger.set_cookie("latchkey_session", cookie_for("a-guess"))
    assert_signed_out(forger)

    post_form(client, "/sign-out")
    replay = app.test_client()
    replay.set_cookie("latchkey_session", stolen)  # signed, but its session has ended
    assert_signed_out(replay)


# -- open redirects ------------------------------------------------------------------------

LOOKALIKE = "https://sh\u043ep.example.com/"  # Cyrillic о

FOREIGN_REDIRECTS = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "https:/evil.example",
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%2F%2Fevil.example",
    f"{SHOP}@evil.example/",
    f"{SHOP}.evil.example/",
    f"{SHOP}\\@evil.example",
    "https://evil.example/#https://shop.example.com",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\nLocation: https://evil.example",
    " //evil.example",
    "\x00//evil.example",
    LOOKALIKE,
    "https://xn--shp-ted.example.com/",  # the same lookalike in punycode
    "http://shop.example.com/",  # the allowed host, but not its origin
    "https://shop.example.com:8443/",
    "ftp://shop.example.com/",
]


def refusals(place, client, key, user_id, target):
    if place in ("sign-in", "sign-up"):
        address = "admin@example.com" if place == "sign-in" else "new@example.com"
        token = csrf_token(client, f"/{place}")
        response = client.post(
            f"/{place}",
            query_string={"redirect_url": target},
            data={"csrf_token": token, "email_address": address},
        )
        return response, "That redirect URL is not allowed." in response.get_data(as_text=True)
    if place == "admin":
        path = f"/admin/users/{user_id}/sign-in-tokens"
        response = post_form(client, path, redirect_url=target)
        return response, "That redirect URL is not allowed." in response.get_data(as_text=True)
    body = {"user_id": user_id, "redirect_url": target}
    response = v1(client, key, "POST", "/sign_in_tokens", body)
    [error] = response.get_json()["errors"]
    if error["code"] == "malformed_request":  # NUL: refused before any field is read
        return response, response.status_code == 400
    return response, response.status_code == 422 and error["meta"]["param_name"] == "redirect_url"


@pytest.mark.parametrize("place", ["sign-in", "sign-up", "admin", "v1"])
def test_foreign_redirects_are_refused_wherever_a_redirect_url_is_taken(
    app, client, admin, ada, secret_key, place
):
    assert len(FOREIGN_REDIRECTS) >= 8
    for target in FOREIGN_REDIRECTS:
        response, says_why = refusals(place, client, secret_key, ada, target)
        assert response.status_code in (400, 422) and says_why, (place, target)
    with work(app):
        stored = db.session.scalars(text("SELECT redirect_url FROM sign_in_tokens")).all()
        stored += db.session.scalars(text("SELECT redirect_url FROM attempts")).all()
    assert set(stored) <= {None}  # nothing refused was kept to be followed later


def lands_on(location: str, base: str = "http://localhost/verify") -> str:
    """Where a browser goes: WHATWG URL parsing drops tabs/newlines and reads \\ as /."""
    cleaned = re.sub(r"[\t\r\n]", "", location).replace("\\", "/")
    return urlsplit(urljoin(base, cleaned)).netloc


@pytest.mark.parametrize("target", ["/%2F%2Fevil.example", "/%5Cevil.example", "/..//evil.example"])
def test_odd_paths_on_this_site_are_kept_on_this_site(client, auth, target):
    """What the check lets through is a path here: after the link, the browser stays here."""
    assert auth.start("sign-up", "new@example.com", redirect_url=target).status_code == 302
    done = auth.open_and_confirm("new@example.com")
    assert done.status_code == 302 and done.location == target
    assert lands_on(done.location) == "localhost"


@pytest.mark.parametrize(
    "path", ["//evil.example", "//evil.example/user", "//user", "/static//evil.example", "/\\evil"]
)
def test_request_paths_never_redirect_off_site(client, path):
    """A path a server passes on as is (gunicorn does): any redirect stays on this host."""
    response = client.get("/", environ_overrides={"PATH_INFO": path})
    assert response.status_code < 500
    location = response.headers.get("Location")
    assert location is None or lands_on(location) == "localhost", (path, location)


# -- enumeration ---------------------------------------------------------------------------

ROUNDS = 30
# Two medians differ by at most this much when both paths do the same work. The floor covers
# a 2-core machine busy with other suites: both paths are measured in alternation, so a slow
# spell slows both, and a median ignores up to half its samples being slow. A real difference
# is work one path does and the other does not, and it shows in every sample of that path:
# an email sent inline (tens of ms) or a sleep of 20 ms fails this bound until the machine is
# about four times slower than usual.
# A single extra query (well under 1 ms on SQLite) is below any timing noise: the
# statement-by-statement comparison below catches that one instead.
FLOOR_SECONDS, RELATIVE = 0.010, 0.5

# flow -> (the kind an attacker wants to tell apart, the kind it must look like)
ENUMERATION_CASES = {
    "sign-in": ("known{}@example.com", "nobody{}@example.com"),
    "sign-up": ("known{}@example.com", "free{}@example.com"),
}


def same_shape(text_: str) -> str:
    """A page or JSON with what differs between any two requests taken out: ids, tokens,
    addresses and times."""
    text_ = re.sub(r"\b(sia|sua|idn|user)_[0-9A-Za-z]{27}\b", "<id>", text_)
    text_ = re.sub(r"[\w.+-]+@example\.com", "<email>", text_)
    text_ = re.sub(r'(csrf[-_]token"? (?:content|value)=")[^"]+', r"\1<csrf>", text_)
    return re.sub(r"\d{10,}|\d\d:\d\d(:\d\d)?", "<time>", text_)


def test_enumeration_protection_makes_both_cases_indistinguishable(app, client, mailbox):
    """Status, page, JSON, emails sent, SQL statements and time: a known and an unknown address
    (sign-in), a taken and a free one (sign-up) look the same to the person asking."""
    app.config["ENUMERATION_PROTECTION"] = True
    with work(app):
        for n in range(ROUNDS + 1):
            address = f"known{n}@example.com"
            create_user(address, address, clock.now())
        db.session.commit()
        engine = db.engine
    statements = []

    def note(connection, cursor, statement, *args):
        # The admin settings are read at most once a second per process, by whichever request
        # comes: that read says nothing about the address, so it is not compared.
        if "FROM settings" not in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    token = csrf_token(client, "/sign-in")

    def ask(flow, address):
        statements.clear()
        started = time.perf_counter()
        response = client.post(f"/{flow}", data={"csrf_token": token, "email_address": address})
        elapsed = time.perf_counter() - started
        assert response.status_code == 302, (flow, address)
        return response.location, elapsed, list(statements)

    try:
        for flow, kinds in ENUMERATION_CASES.items():
            for kind in kinds:  # the first request of a client also makes its row: not timed
                ask(flow, kind.format(ROUNDS))
            seen = {kind: [] for kind in kinds}
            for n in range(ROUNDS):
                order = kinds if n % 2 else kinds[::-1]
                for kind in order:
                    seen[kind].append(ask(flow, kind.format(n)))
            (a, b) = (seen[kind] for kind in kinds)
            # Same answer, same SQL, statement by statement: no lookup only one path does.
            assert {same_shape(r[0]) for r in a + b} == {f"/{flow}/<id>"}
            assert all(r[2] == a[0][2] for r in a + b), flow
            # Same waiting page and JSON.
            pages = [same_shape(client.get(r[0]).get_data(as_text=True)) for r in (a[0], b[0])]
            assert pages[0] == pages[1], flow
            api = [r[0].replace(f"/{flow}/", f"/api/{flow}s/") for r in (a[0], b[0])]
            bodies = [same_shape(client.get(u).get_data(as_text=True)) for u in api]
            assert bodies[0] == bodies[1] and '"status"' in bodies[0], flow
            # Same time, within noise.
            medians = [statistics.median(r[1] for r in rows) for rows in (a, b)]
            bound = max(FLOOR_SECONDS, RELATIVE * min(medians))
            assert abs(medians[0] - medians[1]) <= bound, (flow, medians)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    # One email per request, whatever the case (its text explains the situation).
    sent = [m.to_normalized for m in mailbox.messages()]
    assert len(sent) == 4 * (ROUNDS + 1) and len(set(sent)) == 3 * (ROUNDS + 1)


# -- headers and cookies on every answer ---------------------------------------------------


class Recorder:
    """WSGI middleware keeping the status and headers of every answer the app gives."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.answers = []

    def __call__(self, environ, start_response):
        def record(status, headers, exc_info=None):
            self.answers.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], status, headers))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, record)


@pytest.fixture
def recorded(app):
    app.wsgi_app = Recorder(app.wsgi_app)
    return app.wsgi_app.answers


def assert_safe_answer(method, path, status, headers):
    where = (method, path, status)
    values = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(value)
    csp = values["content-security-policy"][0]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, where
    if values["content-type"][0].startswith("text/html"):
        assert "script-src 'self'" in csp and "object-src 'none'" in csp, where
    assert values["x-content-type-options"] == ["nosniff"], where
    assert values["x-frame-options"] == ["DENY"], where
    assert values["referrer-policy"][0] in ("same-origin", "no-referrer"), where
    for cookie in values.get("set-cookie", []):
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "secure", "samesite=lax"} <= flags, (where, cookie)


def test_every_answer_has_security_headers_and_safe_cookies(
    recorded, app, client, auth, mailbox, real_ids, secret_key
):
    """Every GET route from the URL map, signed out, signed in and as an admin, and every
    answer of the sign-in loops that made those browsers: the headers of SPEC §6 are on each,
    and every cookie set is HttpOnly, Secure and SameSite=Lax."""
    user = app.test_client()
    Auth(user, mailbox).sign_in("ada@example.com")
    browsers = {"signed out": app.test_client(), "user": user, "admin": client}
    pages = list(routes(app, real_ids, {"GET"}))
    for browser in browsers.values():
        for _, path in pages:
            browser.get(path, headers={"Authorization": f"Bearer {secret_key}"})
    assert client.get("/admin/users").status_code == 200  # the admin really is one
    statuses = [int(status.split()[0]) for _, _, status, _ in recorded]
    assert len(recorded) > 3 * len(pages) and 500 not in statuses
    assert any(name == "Set-Cookie" for *_, headers in recorded for name, _ in headers)
    for answer in recorded:
        assert_safe_answer(*answer)


# -- tokens: never in a Referer, a log, or the database ------------------------------------

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
    with work(app):
        _, sign_in_token = mint_sign_in_token(ada, clock.now())
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


def leaks(secret: str, text_: str, window: int = 16) -> bool:
    """Whether the text holds the secret or any 16 characters of it (a truncated log line)."""
    return any(secret[i : i + window] in text_ for i in range(len(secret) - window + 1))


def test_no_token_key_or_cookie_reaches_any_log(live_app, live_server, caplog):
    """A whole flow over real HTTP with every logger at DEBUG, SQL echo included: neither a
    link, a sign-in token, a secret key nor a cookie value is written to any log."""
    caplog.set_level(logging.DEBUG)
    for name in ("werkzeug", "app", "flask_limiter", "gunicorn.error", "gunicorn.access"):
        caplog.set_level(logging.DEBUG, logger=name)
    # echo=True's level: statements and their parameters (echo="debug" adds result rows).
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    mailbox = Mailbox(live_app)
    jar = http.cookiejar.CookieJar(LoopbackPolicy())
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    def form(path: str, **data) -> int:
        page = browser.open(f"{live_server}{path}").read().decode()
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        body = urlencode({"csrf_token": csrf, **data}).encode()
        return status_of(browser, f"{live_server}{path.split('?')[0]}", body)

    assert form("/sign-up", email_address="grace@example.com") == 302
    link_token = mailbox.token("grace@example.com")
    assert form(f"/verify?token={link_token}", token=link_token) == 302
    with work(live_app):
        key = create_secret_key("logs", clock.now())[1]
        user_id = db.session.scalar(text("SELECT id FROM users"))
    api = urllib.request.Request(
        f"{live_server}/v1/sign_in_tokens",
        data=json.dumps({"user_id": user_id}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    sign_in_token = json.loads(urllib.request.urlopen(api).read())["token"]
    assert form(f"/accept-token?token={sign_in_token}", token=sign_in_token) == 302
    assert status_of(browser, f"{live_server}/verify?token={link_token}x") == 400
    cookies = [cookie.value for cookie in jar]
    assert {cookie.name for cookie in jar} == {"latchkey_client", "latchkey_session"}
    logged = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert "/verify?token=[redacted]" in logged and "INSERT INTO" in logged  # it did log
    for secret in (link_token, sign_in_token, key, *cookies):
        assert not leaks(secret, logged), secret


def link_in(message) -> str:
    return re.search(r"/verify\?token=([\w-]+)", message.get_body(("plain",)).get_content())[1]


def test_the_database_keeps_only_hashes_of_every_secret(smtp):
    """After every kind of secret has been made and used: link tokens (spent and pending),
    sign-in tokens (accepted and pending), a secret key, client and session cookies. Every
    column of every table is read: none holds a secret or 16 characters of one, and each
    one's SHA-256 is there (so the test read the right rows)."""
    app, inbox = smtp
    laptop, phone = app.test_client(), app.test_client()
    post_form(laptop, "/sign-up", email_address="grace@example.com")
    spent_link = link_in(received(inbox, 1)[0][1])
    laptop.get(f"/verify?token={spent_link}")
    assert post_form(laptop, "/verify", token=spent_link).status_code == 302
    post_form(laptop, "/user/email-addresses", email_address="work@example.com")
    pending_link = link_in(received(inbox, 2)[1][1])
    with work(app):
        key = create_secret_key("rest", clock.now())[1]
        user_id = db.session.scalar(text("SELECT id FROM users"))
    tokens = [
        v1(laptop, key, "POST", "/sign_in_tokens", {"user_id": user_id}).get_json()["token"]
        for _ in range(2)
    ]
    assert post_form(phone, "/accept-token", token=tokens[0]).status_code == 302
    cookies = [
        browser.get_cookie(name).value
        for browser in (laptop, phone)
        for name in ("latchkey_client", "latchkey_session")
    ]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with work(app):  # delivered: the outbox forgets the bodies
            if db.session.scalars(text("SELECT status FROM outbox")).all() == ["sent"] * 2:
                break
        time.sleep(0.02)
    with work(app):
        dump = "\n".join(
            repr(db.session.execute(text(f"SELECT * FROM {table}")).all())
            for table in db.inspect(db.engine).get_table_names()
        )
    for secret in (spent_link, pending_link, key, *tokens, *cookies):
        assert not leaks(secret, dump), secret
    for secret in (spent_link, pending_link, key, *tokens, cookies[0], cookies[2]):
        assert hashlib.sha256(secret.encode()).hexdigest() in dump, secret


# -- forged client IPs ---------------------------------------------------------------------


def test_a_forged_hop_before_the_proxys_own_does_not_dodge_the_ip_limit(make_app):
    """Behind one trusted proxy, the client may write anything into X-Forwarded-For; the
    proxy appends the address it saw, and only that last hop is believed."""
    app = make_app(TRUSTED_PROXIES=1, EMAIL_REQUESTS_PER_IP="2 per minute")
    hops = [f"{forged}, 203.0.113.7" for forged in FORGED]
    assert sign_ups_from(app, hops) == [422, 422, 429]


def test_a_forged_x_forwarded_for_never_reaches_the_audit_log_or_the_email(app, client, mailbox):
    """Without a configured proxy the header is ignored everywhere an IP is kept or shown."""
    forged = {"X-Forwarded-For": "203.0.113.66", "X-Real-IP": "203.0.113.66"}
    token = csrf_token(client, "/sign-up")
    client.post(
        "/sign-up",
        data={"csrf_token": token, "email_address": "grace@example.com"},
        headers=forged,
    )
    with work(app):
        ips = set(db.session.scalars(select(AuditEvent.ip)).all())
    assert ips == {"127.0.0.1"}
    assert "203.0.113.66" not in mailbox.last("grace@example.com").text_body


# -- CSRF, signed in -----------------------------------------------------------------------


def test_no_state_changing_route_works_without_the_csrf_token_when_signed_in(app, client, real_ids):
    """The victim is a signed-in admin and every id is real, so each forged request would
    have worked: every unsafe route outside /v1 refuses it, and nothing changes."""
    before = audit_rows(app)
    forged = list(routes(app, real_ids, UNSAFE))
    for method, path in forged:
        if path.startswith("/v1/"):
            continue  # bearer keys, not cookies: covered in test_security.py
        for extra in ({}, {"csrf_token": "forged"}):
            data = {"email_address": "eve@evil.example", "token": "x", **extra}
            response = client.open(path, method=method, data=data)
            assert response.status_code == 400, (method, path)
            page = response.get_data(as_text=True)
            assert "was not sent from this site" in page or "malformed_request" in page, path
    assert len(forged) > 40 and audit_rows(app) == before
    assert client.get("/user").status_code == 200  # still signed in: /sign-out was refused


def test_the_frontend_api_refuses_other_sites_even_with_a_token(client, auth):
    """Fetch metadata says where a request comes from: another site's page gets a 403, and its
    posts the answer of every post from another site (app/views/same_origin.py), a 400."""
    location = auth.start("sign-up", "grace@example.com").location
    api = location.replace("/sign-up/", "/api/sign-ups/")
    headers = {"X-CSRFToken": csrf_token(client), "Sec-Fetch-Site": "cross-site"}
    assert client.get(api, headers=headers).status_code == 403
    assert client.post(f"{api}/cancel", headers=headers).status_code == 400
    assert client.get(api).get_json()["status"] == "missing_requirements"
