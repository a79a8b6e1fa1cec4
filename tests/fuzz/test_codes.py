"""Hypothesis on the code beside every link (SPEC §10), typed on a live attempt's waiting page
and sent to its JSON twin: any text in the form's `code` field, any JSON value for `{"code"}`,
bodies that are not JSON objects, the wrong content types. No 5xx, a refusal that says why;
a text that is not six digits once its spaces and dashes are gone is never counted as a wrong
code (and writes nothing); a plain six-digit wrong code counts exactly one."""

import json
import unicodedata
from dataclasses import dataclass
from html import unescape

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from app.auth.email_codes import MAX_WRONG_CODES
from app.extensions import db
from app.models import Attempt
from tests.conftest import csrf_token
from tests.factory import make_user
from tests.fuzz.strategies import (
    JSON_VALUES,
    TEXT,
    WIRE,
    Body,
    assert_answered,
    form_bodies,
    fuzzing,
    on_the_wire,
    send,
    urlencoded,
)

# Rate limits are off for the fuzz tests (conftest.py), and the address's daily allowance of
# wrong codes with them: the wrong codes among the examples count however many attempts of one
# address they stop.
EMAIL = {"sign-in": "ada@example.com", "sign-up": "grace@example.com"}
# Rows a refused code may leave: the audit log says what was refused.
AUDITED = {"audit_events"}
TOO_LARGE = "request_body_too_large"


# -- what is typed, and what must come of it -------------------------------------------------

NOT_A_CODE, WRONG, EITHER = "not a code", "a wrong code", "either"


def digits_of(text: str) -> str:
    """`text` without any white space or dash, the app's separators and more."""
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch) == "Pd"))


def verdict(text) -> str:
    """NOT_A_CODE: never counted, whatever the app takes for a separator. WRONG: six digits
    as a person types them (spaces, dashes): counted. EITHER: six digits with separators the
    app may or may not take ("123\\n456", a line of spaces)."""
    if not isinstance(text, str):
        return NOT_A_CODE
    digits = digits_of(text)
    if not (len(digits) == 6 and digits.isascii() and digits.isdigit()):
        return NOT_A_CODE
    if set(text) <= set("0123456789 -") and len(text) <= 16:
        return WRONG
    return EITHER


def interleave(digits: str, separators: list[str]) -> str:
    """Seven separators around six digits: s d s d s d s d s d s d s."""
    return "".join(sep + digit for sep, digit in zip(separators, [*digits, ""], strict=True))


DIGITS = st.text("0123456789", min_size=6, max_size=6)
# Six digits as people type them: "123456", "123 456", "12-34-56".
PLAIN = st.builds(
    interleave, DIGITS, st.lists(st.sampled_from(["", "", " ", "-"]), min_size=7, max_size=7)
)
# With what a mail app puts between them, and some that no app should.
SEPARATED = st.builds(
    interleave,
    DIGITS,
    st.lists(st.text(" -\t\u00a0\u2009\u202f\u2013\n\r", max_size=2), min_size=7, max_size=7),
)
# Digits that are not ASCII ("１２３４５６", "١٢٣٤٥٦", superscripts), and too few or too many.
LOOKALIKES = st.text("0123456789０１２３４５６７８９٠١٢٣٤٥٦٧٨٩¹²³⁴ -", min_size=4, max_size=9)


@dataclass
class Typed:
    """A request body, and what its code is: NOT_A_CODE, WRONG or EITHER."""

    body: Body
    verdict: str
    text: str | None = None  # the code as typed, when there is one


def typed_in_form(text: str) -> Typed:
    """The waiting page's form as a browser sends it: `code=<text>` (its CSRF token is sent
    as the header, as in every fuzz test)."""
    wire = text.encode("utf-8", "surrogatepass")
    body = Body("application/x-www-form-urlencoded", urlencoded([(b"code", wire)]))
    return Typed(body, verdict(text), text)


def typed_as_json(text: str, content_type: str = "application/json") -> Typed:
    body = Body(content_type, json.dumps({"code": text}).encode())
    return Typed(body, verdict(text), text)


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, each drawn about as often as its weight says."""
    return st.sampled_from([strategy for n, strategy in choices for _ in range(n)]).flatmap(
        lambda strategy: strategy
    )


CODE_TEXT = weighted((2, PLAIN), (1, SEPARATED), (1, LOOKALIKES), (2, TEXT))
FORM_REQUESTS = weighted(
    (3, CODE_TEXT.map(typed_in_form)),
    # Anything: fields repeated or missing, others nobody asked for, multipart, JSON, no type.
    (1, form_bodies({"code": on_the_wire(CODE_TEXT)}).map(lambda body: Typed(body, EITHER))),
)

JSON_TYPES = ["application/json", "application/json; charset=utf-8"]
WRONG_TYPES = [None, "text/plain", "application/x-www-form-urlencoded", "text/json", "x/json"]


def raw_json(data: bytes) -> Typed:
    """Bytes sent as JSON: a code only if they parse to an object with a text "code"."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return Typed(Body("application/json", data), NOT_A_CODE)
    found = isinstance(document, dict) and isinstance(document.get("code"), str)
    return Typed(Body("application/json", data), EITHER if found else NOT_A_CODE)


def json_body(document, content_type: str = "application/json") -> Body:
    return Body(content_type, json.dumps(document).encode())


JSON_REQUESTS = weighted(
    (6, st.builds(typed_as_json, CODE_TEXT, st.sampled_from(JSON_TYPES))),
    # A code that is not text: a number, null, a list, an object…
    (
        1,
        JSON_VALUES.filter(lambda value: not isinstance(value, str)).map(
            lambda value: Typed(json_body({"code": value}), NOT_A_CODE)
        ),
    ),
    # Other members beside the code (a NUL or a lone surrogate in one refuses the whole body).
    (
        1,
        st.builds(
            lambda text, others: Typed(json_body({**others, "code": text}), EITHER, text),
            CODE_TEXT,
            st.dictionaries(TEXT, JSON_VALUES, min_size=1, max_size=3),
        ),
    ),
    # A body that is not an object.
    (
        1,
        JSON_VALUES.filter(lambda value: not isinstance(value, dict)).map(
            lambda value: Typed(json_body(value), NOT_A_CODE)
        ),
    ),
    # A code as people type it, under a content type that is not JSON: refused, not counted.
    (
        1,
        st.builds(
            lambda text, content_type: Typed(json_body({"code": text}, content_type), NOT_A_CODE),
            PLAIN,
            st.sampled_from(WRONG_TYPES),
        ),
    ),
    (
        1,
        PLAIN.map(
            lambda text: Typed(
                Body("application/x-www-form-urlencoded", urlencoded([(b"code", text.encode())])),
                NOT_A_CODE,
            )
        ),
    ),
    # Bytes: JSON or not, UTF-8 or not.
    (1, (on_the_wire(TEXT) | WIRE).map(raw_json)),
)


# -- the live attempt --------------------------------------------------------------------------


class WaitingTab:
    """`client`'s waiting tab: a live attempt and the code of its email, started again (a new
    email, a new code) whenever wrong codes stopped the last one."""

    def __init__(self, app, auth, mailbox, flow: str):
        self.app, self.auth, self.mailbox, self.flow = app, auth, mailbox, flow
        self.email = EMAIL[flow]
        self.attempt_id = self.code = None

    def attempt(self) -> Attempt:
        with self.app.app_context():
            found = db.session.scalar(select(Attempt).where(Attempt.id == self.attempt_id))
            db.session.expunge_all()
            return found

    def live(self) -> Attempt:
        attempt = self.attempt() if self.attempt_id else None
        if attempt is None or attempt.status != "pending":
            started = self.auth.start(self.flow, self.email)
            assert started.status_code == 302, started.get_data(as_text=True)
            self.attempt_id = started.location.rsplit("/", 1)[1]
            self.code = self.mailbox.code(self.email)
            attempt = self.attempt()
        assert attempt.status == "pending" and attempt.code_failures < MAX_WRONG_CODES
        return attempt

    def path(self, api: bool) -> str:
        if api:
            return f"/api/{self.flow}s/{self.attempt_id}/code"
        return f"/{self.flow}/{self.attempt_id}/code"


@pytest.fixture
def waiting_tab(app, auth, mailbox):
    make_user(app, EMAIL["sign-in"])  # sign-up's address has no account
    return lambda flow: WaitingTab(app, auth, mailbox, flow)


def check_answer(response, typed: Typed, before: Attempt, after: Attempt, api: bool) -> None:
    assert_answered(response)
    counted = after.code_failures - before.code_failures
    assert counted in (0, 1), counted
    assert response.status_code >= 400, "a code that is not the email's signed somebody in"
    if typed.verdict == NOT_A_CODE:
        assert counted == 0, "a text that is not a code was counted as a wrong code"
        assert after.status == "pending"
        # Its shape (400), its value (422), or its size (413: a long text, percent-encoded).
        if api:
            code = response.get_json()["errors"][0]["code"]
            assert code in ("malformed_request", "form_param_format_invalid", TOO_LARGE), code
        else:
            assert response.status_code in (413, 422)
    elif typed.verdict == WRONG:
        assert counted == 1, "a wrong code was not counted"
        assert response.status_code == 422
        tries_left = MAX_WRONG_CODES - after.code_failures
        if api:
            [error] = response.get_json()["errors"]
            assert error["code"] == "form_code_incorrect"
            assert error["meta"]["tries_left"] == tries_left
        else:
            page = unescape(response.get_data(as_text=True))
            assert "That code isn't right" in page
            assert (f"{tries_left} tr" in page) if tries_left else ("last try" in page)
    if after.code_failures >= MAX_WRONG_CODES:
        assert (after.status, after.closed_reason) == ("abandoned", "too_many_codes")


def fuzz_codes(client, waiting_tab, row_counts, flow: str, api: bool, requests, examples: int):
    tab = waiting_tab(flow)
    token = csrf_token(client, f"/{flow}")

    @fuzzing(examples)
    @example(typed_in_form("123 456") if not api else typed_as_json("123-456"))
    @example(typed_in_form("１２３４５６") if not api else typed_as_json("１２３４５６"))
    @example(typed_in_form("12345") if not api else typed_as_json("1234567"))
    @given(typed=requests)
    def post_code(typed: Typed):
        before = tab.live()
        if typed.text is not None and digits_of(typed.text) == tab.code:
            return  # the right code: it would sign in, which is for other tests
        counts = row_counts()
        response = send(client, "POST", tab.path(api), typed.body, token)
        after = tab.attempt()
        check_answer(response, typed, before, after, api)
        if typed.verdict == NOT_A_CODE:  # refused, and nothing written but its audit row
            now = {table: rows for table, rows in row_counts().items() if table not in AUDITED}
            assert now == {table: rows for table, rows in counts.items() if table not in AUDITED}

    post_code()


@pytest.mark.parametrize("flow", ["sign-in", "sign-up"])
def test_the_waiting_pages_code_form_answers_any_input(client, waiting_tab, row_counts, flow):
    fuzz_codes(
        client, waiting_tab, row_counts, flow, api=False, requests=FORM_REQUESTS, examples=40
    )


@pytest.mark.parametrize("flow", ["sign-in", "sign-up"])
def test_the_json_code_endpoint_answers_any_body(client, waiting_tab, row_counts, flow):
    fuzz_codes(client, waiting_tab, row_counts, flow, True, JSON_REQUESTS, examples=60)
