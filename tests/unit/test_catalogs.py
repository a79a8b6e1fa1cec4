"""Every message of the app is translated, and not fuzzy, in every language (SPEC §11): the
words are extracted afresh from the code and templates, as `make messages` does."""

import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "app" / "translations"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    pot = tmp_path_factory.mktemp("catalog") / "messages.pot"
    subprocess.run(["make", "-s", "pot", f"POT={pot}"], cwd=ROOT, check=True)
    with pot.open("rb") as file:
        return read_po(file)


def catalog(language):
    with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=language)


def test_extraction_finds_the_words_of_code_and_templates(template):
    ids = {message.id if isinstance(message.id, str) else message.id[0] for message in template}
    assert "Enter a valid email address." in ids  # app/auth/errors.py, via _l
    assert "Change language" in ids  # templates/base.html


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {"en"}))
def test_every_message_is_translated_and_none_is_fuzzy(template, language):
    translations = catalog(language)
    problems = []
    for message in template:
        if not message.id:
            continue
        found = translations.get(message.id)
        if found is None:
            problems.append(f"missing: {message.id!r}")
        elif found.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(found.string if isinstance(found.string, tuple) else [found.string]):
            problems.append(f"untranslated: {message.id!r}")
    for message, errors in translations.check():
        problems += [f"{error}: {message.id!r}" for error in errors]
    assert not problems, f"{language}: {len(problems)} problems\n" + "\n".join(problems[:40])
