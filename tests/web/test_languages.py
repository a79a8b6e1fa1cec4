"""Which language a page speaks (SPEC §11): the switcher's cookie, else the signed-in user's
saved choice, else Accept-Language, else DEFAULT_LANGUAGE; the JSON APIs' errors stay English."""

import re

import pytest

from app.extensions import db
from app.models import User
from tests.conftest import Auth, csrf_token

# A word of the switcher in each language: the page speaks it once its catalog is compiled.
LANGUAGE_WORD = {"en": "Language", "de": "Sprache", "fr": "Langue", "es": "Idioma"}


def speaks(response) -> str:
    page = response.get_data(as_text=True)
    language = re.search(r'<html lang="([a-z]+)">', page).group(1)
    label = re.search(r'<label for="language-choice">([^<]+)</label>', page).group(1)
    assert label == LANGUAGE_WORD[language], f"a {language} page labels its switcher {label!r}"
    return language


def saved_language(app):
    with app.app_context():
        return db.session.scalar(db.select(User.language))


def choose(client, language, next_path="/"):
    return client.post(
        "/language",
        data={"csrf_token": csrf_token(client), "language": language, "next": next_path},
    )


@pytest.mark.parametrize("language", ["en", "de", "fr", "es"])
def test_the_browser_s_language_is_spoken(client, language):
    headers = {"Accept-Language": f"{language}-XX,{language};q=0.9,en;q=0.5"}
    assert speaks(client.get("/sign-in", headers=headers)) == language


def test_a_page_in_the_reader_s_words_varies_by_their_language(client):
    vary = client.get("/sign-in").headers["Vary"]
    assert "Accept-Language" in vary and "Cookie" in vary


def test_a_language_we_do_not_have_falls_back_to_the_default(make_app):
    client = make_app(DEFAULT_LANGUAGE="fr").test_client()
    assert speaks(client.get("/", headers={"Accept-Language": "ja,ko;q=0.5"})) == "fr"
    assert speaks(client.get("/")) == "fr"


def test_the_default_language_must_be_one_we_have(make_app):
    with pytest.raises(ValueError, match="DEFAULT_LANGUAGE"):
        make_app(DEFAULT_LANGUAGE="xx")


def test_the_switcher_wins_over_the_browser_and_goes_back_to_the_page(client):
    response = choose(client, "es", "/sign-up?redirect_url=x")
    assert response.status_code == 303 and response.location == "/sign-up?redirect_url=x"
    assert "lang=es" in response.headers["Set-Cookie"]
    assert speaks(client.get("/sign-in", headers={"Accept-Language": "de"})) == "es"


def test_an_unknown_language_changes_nothing(client):
    response = choose(client, "xx")
    assert response.status_code == 303 and "Set-Cookie" not in response.headers
    assert speaks(client.get("/", headers={"Accept-Language": "de"})) == "de"


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "https://evil.example/",
        "",
        "javascript:x",
    ],
)
def test_the_switcher_never_leaves_the_site(client, next_path):
    assert choose(client, "de", next_path).location == "/"


def test_a_page_s_own_odd_path_cannot_become_a_way_off_the_site(client):
    # A path with a tab sent back as it came ("/\t/evil.example") would leave for evil.example.
    page = client.get("/user/%09/evil.example").get_data(as_text=True)
    assert "/user/%09/evil.example" not in page  # a 404: nothing to go back to
    page = client.get("/sign-in?x=%09/evil").get_data(as_text=True)
    assert 'name="next" value="/sign-in?x=%09/evil"' in page
    assert choose(client, "de", "/%09/evil.example").location == "/%09/evil.example"


def test_an_answer_to_a_post_switches_back_to_the_home_page(client):
    page = client.post("/sign-out").get_data(as_text=True)  # no CSRF token: the error page
    assert 'name="language"' in page and 'name="next"' not in page
    assert choose(client, "de").location == "/"


def test_the_switcher_needs_the_csrf_token(client):
    response = client.post("/language", data={"language": "de", "next": "/"})
    assert response.status_code == 400
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_a_signed_in_user_s_choice_follows_them_to_another_browser(app, auth, mailbox):
    auth.sign_up("ada@example.com")
    choose(auth.client, "fr")
    assert saved_language(app) == "fr"
    other = app.test_client()
    assert speaks(other.get("/", headers={"Accept-Language": "de"})) == "de"
    Auth(other, mailbox).sign_in("ada@example.com")
    assert speaks(other.get("/", headers={"Accept-Language": "de"})) == "fr"


def test_a_visitor_s_choice_is_not_saved_on_anyone(app, client, user_email):
    choose(client, "fr")
    assert saved_language(app) is None


def test_the_json_apis_answer_errors_in_english_whatever_the_browser_speaks(client):
    client.set_cookie("lang", "de")
    headers = {"Accept-Language": "de"}
    body = client.get("/api/sign-ups/sua_nope", headers=headers).get_json()
    assert body["errors"][0]["message"] == "No such request."
    page = client.get("/sign-up/sua_nope", headers=headers)
    assert page.status_code == 404
    assert speaks(page) == "de" and "No such request." not in page.text
