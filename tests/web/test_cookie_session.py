"""The session cookie is read by the requests that use it, and only those (cookie_session.py)."""

import pytest

from app.views.cookie_session import LazySession
from tests.conftest import csrf_token


def sets_session_cookie(response) -> bool:
    return any(c.startswith("latchkey_session=") for c in response.headers.getlist("Set-Cookie"))


def poll(client, response):
    """The waiting tab's status poll for the attempt a start answered with."""
    flow, attempt_id = response.location.strip("/").split("/")[-2:]
    return client.get(f"/api/{flow}s/{attempt_id}")


def test_a_status_poll_leaves_the_session_cookie_alone(auth, client):
    started = auth.start("sign-up", "ada@example.com")
    # Garbage where the session would be: a poll never reads it, so neither fails nor replaces it.
    client.set_cookie("latchkey_session", "not.a.session")
    answer = poll(client, started)
    assert answer.status_code == 200
    assert answer.json["status"] == "missing_requirements"
    assert not sets_session_cookie(answer)
    assert "Cookie" not in answer.headers.get("Vary", "")
    # A page that uses the session finds it unreadable and starts a new one.
    page = client.get("/sign-in")
    assert page.status_code == 200 and sets_session_cookie(page)


def test_a_signed_in_poll_skips_the_refresh_a_page_makes(auth, client):
    auth.sign_up("ada@example.com")
    started = auth.start("sign-up", "grace@example.com")
    assert not sets_session_cookie(poll(client, started))
    # The session is permanent: any request that reads it sends it again with a new expiry.
    profile = client.get("/user")
    assert profile.status_code == 200 and sets_session_cookie(profile)


def test_a_form_still_checks_the_session_csrf_token(client):
    token = csrf_token(client, "/sign-in")
    client.set_cookie("latchkey_session", "not.a.session")
    refused = client.post("/sign-in", data={"csrf_token": token, "email_address": "a@b.example"})
    assert refused.status_code == 400


def test_a_lazy_session_decodes_on_first_use_and_is_not_modified_by_it():
    loads = []
    session = LazySession(lambda: loads.append(1) or {"csrf_token": "abc"})
    assert not session.loaded and not loads
    assert session.get("csrf_token") == "abc"
    assert session.loaded and loads == [1]
    assert not session.modified
    assert "csrf_token" in session and len(session) == 1 and dict(session) == {"csrf_token": "abc"}
    assert loads == [1]  # decoded once


@pytest.mark.parametrize(
    "use",
    [
        lambda s: s.__setitem__("a", 1),
        lambda s: s.update(a=1),
        lambda s: s.setdefault("a", 1),
        lambda s: s.clear(),
        lambda s: s.pop("csrf_token"),
        lambda s: s.__ior__({"a": 1}),  # session |= {...}
        lambda s: s.popitem(),
        lambda s: s.__delitem__("csrf_token"),
    ],
)
def test_every_change_to_a_lazy_session_decodes_it_first_and_marks_it_modified(use):
    session = LazySession(lambda: {"csrf_token": "abc"})
    use(session)
    assert session.loaded and session.modified
    assert set(session) <= {"a", "csrf_token"}
    if "csrf_token" in session:
        assert session["csrf_token"] == "abc"  # the decoded payload was not lost


@pytest.mark.parametrize(
    "read",
    [
        lambda s: s != {},
        lambda s: (s | {"a": 1})["csrf_token"] == "abc",
        lambda s: ({"a": 1} | s)["csrf_token"] == "abc",
        lambda s: list(reversed(s)) == ["csrf_token"],
        lambda s: list(s.items()) == [("csrf_token", "abc")],
        lambda s: s.copy() == {"csrf_token": "abc"},
        lambda s: repr(s).endswith("{'csrf_token': 'abc'}>"),
    ],
)
def test_every_read_of_a_lazy_session_sees_the_decoded_payload(read):
    session = LazySession(lambda: {"csrf_token": "abc"})
    assert read(session)
    assert session.loaded and not session.modified


def test_a_lazy_session_is_unhashable_like_any_dict():
    with pytest.raises(TypeError):
        hash(LazySession(dict))
