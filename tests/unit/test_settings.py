"""Settings saved by admins override the environment, and an empty value restores it."""

import pytest

from app.auth.errors import FormParamInvalid
from app.auth.settings import current_settings, save_settings, setting
from app.extensions import db
from app.unit_of_work import commit


def fresh():
    commit()  # the admin's request ends: its process drops its copy of the settings


def test_saved_values_override_the_environment_and_empty_restores_it(app, ctx):
    assert setting("EMAIL_LINK_TTL") == 600 and setting("REQUIRE_SAME_CLIENT") is False
    save_settings(
        {
            "EMAIL_LINK_TTL": "900",
            "REQUIRE_SAME_CLIENT": "yes",
            "ALLOWED_REDIRECT_ORIGINS": "https://a.example, https://b.example/",
        },
        actor_id="user_admin",
    )
    fresh()
    assert setting("EMAIL_LINK_TTL") == 900 and setting("REQUIRE_SAME_CLIENT") is True
    assert setting("ALLOWED_REDIRECT_ORIGINS") == ["https://a.example", "https://b.example"]
    assert current_settings()["EMAIL_LINK_TTL"] == (900, True)
    save_settings({"EMAIL_LINK_TTL": ""}, actor_id="user_admin")
    fresh()
    assert setting("EMAIL_LINK_TTL") == 600 and current_settings()["EMAIL_LINK_TTL"][1] is False


@pytest.mark.parametrize(
    "form", [{"EMAIL_LINK_TTL": "ten"}, {"EMAIL_LINK_TTL": "0"}, {"REQUIRE_SAME_CLIENT": "maybe"}]
)
def test_bad_values_are_refused_and_nothing_is_saved(ctx, form):
    with pytest.raises(FormParamInvalid):
        save_settings({**form, "SIGN_IN_TOKEN_TTL": "60"}, actor_id="user_admin")
    fresh()
    assert setting("SIGN_IN_TOKEN_TTL") == 2_592_000


def test_only_overridable_settings_are_read_from_the_database(ctx):
    save_settings({"SECRET_KEY": "nope"}, actor_id="user_admin")
    fresh()
    assert setting("SECRET_KEY") == "test-secret"


def test_the_pool_keeps_as_many_connections_as_the_environment_says(make_app, monkeypatch):
    # Fewer than the threads that use the database at once, and busy moments open and close a
    # connection per request.
    monkeypatch.setenv("DATABASE_POOL_SIZE", "24")
    app = make_app()
    with app.app_context():
        assert db.engine.pool.size() == 24
