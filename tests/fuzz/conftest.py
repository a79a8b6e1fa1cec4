"""Fuzzing fixtures: the app with its rate limits off, so that every example reaches the code it
aims at rather than a 429, and a count of the rows a request left behind."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from tests.api.conftest import api  # noqa: F401  (fixtures shared with the API tests)
from tests.oauth.conftest import rp, signed_in  # noqa: F401  (an OAuth app, a signed-in client)
from tests.web.conftest import ada, admin  # noqa: F401  (fixtures shared with the admin tests)


@pytest.fixture
def app(make_app):
    return make_app(RATELIMIT_ENABLED=False)


@pytest.fixture
def row_counts(app):
    """{table: rows} of every table: what a refused request must leave as it found it."""

    def count() -> dict[str, int]:
        with app.app_context():
            return {
                table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables
            }

    return count
