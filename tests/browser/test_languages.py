"""Sign-in in each language, in Chromium (SPEC §11): a browser that speaks German gets German
pages and a German email, its dates in its own time zone; the switcher changes all of it.

The expected words are read from the compiled catalogs, so the test follows the translators'
wording; it fails when a page or the email is still English where a translation exists."""

import re
from pathlib import Path

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from tests.factory import make_user

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"
CATALOGS = Path(__file__).resolve().parents[2] / "app" / "translations"
# language -> (the browser's locale, its time zone)
BROWSERS = {
    "en": ("en-GB", "America/Chicago"),
    "de": ("de-DE", "Europe/Berlin"),
    "fr": ("fr-FR", "Europe/Paris"),
    "es": ("es-ES", "Atlantic/Canary"),
}


def words(language: str):
    """The catalog's gettext for `language`; English is the messages themselves."""
    if language == "en":
        return lambda message: message
    catalog = Translations.load(str(CATALOGS), [language])
    assert catalog.files, f"no compiled catalog for {language}: run make translations"
    return catalog.gettext


@pytest.mark.parametrize("language", BROWSERS)
def test_sign_in_email_and_profile_speak_the_browser_s_language(
    live_app, new_device, mailbox, language
):
    make_user(live_app, EMAIL)
    _ = words(language)
    locale, zone = BROWSERS[language]
    page = new_device(locale=locale, timezone_id=zone)

    page.goto("/sign-in")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.fill("#email_address", EMAIL)
    page.get_by_role("button", name=_("Email me a sign-in link"), exact=True).click()
    expect(page.locator("#waiting")).to_have_attribute("data-state", "waiting")
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Check your email"))

    email = mailbox.last(EMAIL)
    code = mailbox.code(EMAIL)
    subject = _("%(code)s is your %(site)s sign-in code") % {"code": code, "site": "Latchkey"}
    assert email.subject == subject
    assert f'<html lang="{language}">' in email.html_body
    # When it was asked and when it expires: in the asker's time zone, never UTC.
    assert f" {zone}." in email.text_body and " UTC" not in email.text_body

    page.goto(mailbox.link(EMAIL))
    expect(page).to_have_url(re.compile(r"/user$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("button", name=_("Sign out"), exact=True)).to_be_visible()


def test_the_switcher_changes_the_language_and_keeps_the_page(new_device):
    page = new_device(locale="en-US")
    page.goto("/sign-up?email_address=ada%40example.com")
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Change language").click()
    expect(page).to_have_url(re.compile(r"/sign-up\?email_address=ada%40example.com$"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#email_address")).to_have_value("ada@example.com")
    page.goto("/")
    expect(page.get_by_label(words("de")("Language"))).to_have_value("de")
