"""Errors: the domain's know no HTTP; the views answer each from one table; app/auth stays out
of the request, the views and the transaction."""

import ast
from pathlib import Path

import pytest

from app.auth.errors import AuthError, LinkExpired, RateLimited, TokenUserBanned
from app.config import ROOT
from app.views.errors import status_of


def subclasses(cls) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *subclasses(sub)]
    return found


DOMAIN_ERRORS = [
    AuthError,
    *(c for c in subclasses(AuthError) if c.__module__.startswith("app.auth")),
]


@pytest.mark.parametrize("error", DOMAIN_ERRORS, ids=lambda c: c.__name__)
def test_domain_errors_carry_no_http_status_or_api_code(error):
    assert not {"status", "code"} & set(vars(error)), error


def test_each_answer_comes_from_the_views_table():
    assert status_of(LinkExpired()) == 410
    assert status_of(TokenUserBanned()) == 403
    assert status_of(RateLimited(3)) == 429
    assert status_of(AuthError()) == 400


def imports_and_calls(path: Path) -> tuple[set[str], set[str]]:
    tree = ast.parse(path.read_text())
    imported, called = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Attribute) and node.attr == "commit":
            called.add("commit")
    return imported, called


@pytest.mark.parametrize("path", sorted((ROOT / "app" / "auth").glob("*.py")), ids=lambda p: p.name)
def test_the_domain_neither_reads_the_request_nor_commits(path):
    imported, called = imports_and_calls(path)
    assert not {"flask.request", "flask.g", "flask.session"} & imported
    assert not [name for name in imported if name.startswith("app.views")]
    assert "commit" not in called, "the entry point owns the transaction (app/unit_of_work.py)"


def test_the_check_sees_what_it_looks_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from flask import request\ndef f(db):\n    db.session.commit()\n")
    assert imports_and_calls(sample) == ({"flask.request"}, {"commit"})
