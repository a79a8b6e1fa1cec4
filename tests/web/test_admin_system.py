"""/admin secret keys, settings and audit log as pages; settings really change the flows."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from app import clock
from app.auth.audit import record
from app.extensions import db
from app.models import EmailLink, SecretKey, Setting, SignInToken
from tests.conftest import Auth, Mailbox
from tests.factory import make_user


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


# Secret keys


def test_a_new_key_is_shown_once_and_works_until_revoked(app, client, admin, post, audited):
    assert "No secret keys yet." in text(client.get("/admin/secret-keys"))
    created = post("/admin/secret-keys", name="shop backend")
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="secret-key" type="text" readonly value="(sk_[^"]+)"', text(created))[1]
    assert 'data-copy="secret-key"' in text(created) and "only time it is shown" in text(created)
    assert "Created the secret key “shop backend”." in text(created)
    listed = text(client.get("/admin/secret-keys"))
    assert secret not in listed and "shop backend" in listed and f"{secret[:7]}…" in listed
    [row] = audited("secret_key.created")
    assert row.actor_id == admin

    backend = app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert backend.get("/v1/users", headers=bearer).status_code == 200
    revoked = post(f"/admin/secret-keys/{row.subject_id}/revoke", True)
    assert "Revoked the secret key “shop backend”" in text(revoked)
    assert 'class="badge bad">revoked' in text(revoked)
    assert backend.get("/v1/users", headers=bearer).status_code == 401
    [revoke_row] = audited("secret_key.revoked")
    assert revoke_row.actor_id == admin and revoke_row.subject_id == row.subject_id


def test_revoking_an_unknown_key_is_404(admin, post):
    response = post("/admin/secret-keys/key_nothing/revoke")
    assert response.status_code == 404 and "No such secret key." in text(response)


def test_a_key_without_a_name_is_unnamed(app, admin, post):
    post("/admin/secret-keys", name="   ")
    with app.app_context():
        assert db.session.scalar(select(SecretKey.name)) == "unnamed"


# Settings


def test_settings_page_shows_the_environment_defaults(make_app):
    app = make_app(ALLOWED_REDIRECT_ORIGINS=["https://shop.example.com"])
    client = app.test_client()
    make_user(app, "admin@example.com", admin=True)
    Auth(client, Mailbox(app)).sign_in("admin@example.com")
    page = text(client.get("/admin/settings"))
    for name in ("REQUIRE_SAME_CLIENT", "ENUMERATION_PROTECTION", "EMAIL_LINK_TTL"):
        assert f'data-setting="{name}"' in page and f'<label for="{name}">' in page
    assert "Environment default: <strong>600</strong>" in page
    assert "Environment default: <strong>https://shop.example.com</strong>" in page
    assert "changed here" not in page


def test_saved_settings_are_audited_shown_and_can_be_reset(app, client, admin, post, audited):
    page = post("/admin/settings", True, EMAIL_LINK_TTL="120", REQUIRE_SAME_CLIENT="true")
    assert "Settings saved." in text(page)
    assert 'value="120"' in text(page) and text(page).count("changed here") == 2
    [row] = audited("settings.changed")
    assert row.actor_id == admin and row.details["changes"]["EMAIL_LINK_TTL"] == 120
    post("/admin/settings", EMAIL_LINK_TTL="", REQUIRE_SAME_CLIENT="")
    with app.app_context():
        assert db.session.scalars(select(Setting)).all() == []


@pytest.mark.parametrize(
    "form, message",
    [
        ({"EMAIL_LINK_TTL": "ten"}, "“ten” is not a whole number of seconds, like 600."),
        ({"EMAIL_LINK_TTL": "0"}, "A lifetime is at least 1 second."),
        ({"SIGN_IN_TOKEN_TTL": "-5"}, "“-5” is not a whole number of seconds"),
        ({"SIGN_IN_TOKEN_TTL": "9" * 12}, "is longer than ten years"),
        ({"REQUIRE_SAME_CLIENT": "maybe"}, "Choose on, off or the default."),
        ({"ALLOWED_REDIRECT_ORIGINS": "shop.example.com"}, "is not an origin like"),
        ({"ALLOWED_REDIRECT_ORIGINS": "https://a.example/path"}, "is not an origin like"),
        ({"ALLOWED_REDIRECT_ORIGINS": "https://a.example; script-src *"}, "is not an origin"),
        ({"ALLOWED_REDIRECT_ORIGINS": "https://a.example\x00"}, "is not an origin"),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_nothing_is_saved(
    app, admin, post, form, message
):
    response = post("/admin/settings", **{"EMAIL_LINK_TTL": "300", **form})
    assert response.status_code == 422 and message in text(response)
    assert 'aria-invalid="true"' in text(response) and 'role="alert"' in text(response)
    name, typed = next(iter(form.items()))
    if name != "REQUIRE_SAME_CLIENT":  # a select cannot show what it does not offer
        assert f'value="{typed}"' in text(response)  # what was typed stays in the form
    with app.app_context():
        assert db.session.scalars(select(Setting)).all() == []


def test_email_link_ttl_saved_here_changes_the_next_link(app, admin, ada, post, mailbox):
    post("/admin/settings", EMAIL_LINK_TTL="120")
    assert Auth(app.test_client(), mailbox).start("sign-in", "ada@example.com").status_code == 302
    assert "expires in 2 minutes" in mailbox.last("ada@example.com").text_body
    with app.app_context():
        link = db.session.scalar(select(EmailLink).order_by(EmailLink.created_at.desc()))
        assert (link.expire_at - link.created_at).total_seconds() == pytest.approx(120, abs=1)


def test_sign_in_token_ttl_saved_here_is_the_default_lifetime(app, admin, ada, post):
    post("/admin/settings", SIGN_IN_TOKEN_TTL="3600")
    post(f"/admin/users/{ada}/sign-in-tokens")
    with app.app_context():
        token = db.session.scalar(select(SignInToken))
        assert (token.expire_at - token.created_at).total_seconds() == 3600


def test_enumeration_protection_and_redirect_origins_saved_here_apply(app, admin, post, mailbox):
    stranger = Auth(app.test_client(), mailbox)
    assert stranger.start("sign-in", "nobody@example.com").status_code == 422
    shop = {"redirect_url": "https://shop.example.com/welcome"}
    assert stranger.start("sign-in", "admin@example.com", **shop).status_code == 422
    post(
        "/admin/settings",
        ENUMERATION_PROTECTION="true",
        ALLOWED_REDIRECT_ORIGINS="https://shop.example.com",
    )
    assert stranger.start("sign-in", "nobody@example.com").status_code == 302
    assert stranger.start("sign-in", "admin@example.com", **shop).status_code == 302


# Audit log


def test_admin_changes_are_listed_naming_the_admin(client, admin, ada, post):
    post(f"/admin/users/{ada}/ban")
    page = text(client.get("/admin/audit"))
    row = re.search(r'<tr data-event="user\.banned">.*?</tr>', page, re.S)[0]
    assert ada in row and admin in row  # by id, shown as their addresses:
    assert ">ada@example.com</a>" in row and ">admin@example.com</a>" in row
    assert '<option value="user.banned"' in page


def test_a_repeated_rejection_shows_its_count_and_last_time(client, admin, mid_hour):
    for _ in range(57):
        client.get("/verify?token=bogus")
    page = text(client.get("/admin/audit?event=link.rejected"))
    row = re.search(r'<tr data-event="link\.rejected">.*?</tr>', page, re.S)[0]
    assert page.count("<tr data-event=") == 1
    assert "×57, last" in row
    assert "Not a link that was sent: mistyped, cut short or made up." in row
    assert "LinkInvalid" not in page  # a reason in words, never an exception's name


def test_reasons_are_words_and_an_unknown_one_is_made_of_its_name(app, client, admin):
    with app.app_context():
        for reason in ("ClientMismatch", "too_many_codes", "SomethingNew", "gone_elsewhere"):
            record("test.event", user_id="user_reasons", reason=reason)
        db.session.commit()
    page = text(client.get("/admin/audit?event=test.event"))
    reasons = re.findall(r'<span class="detail reason">([^<]*)</span>', page)
    assert sorted(reasons) == [
        "Gone elsewhere",
        "Opened in another browser than the one that asked for the link.",
        "Something new",
        "Too many wrong codes were typed.",
    ]


def test_audit_is_filtered_by_user_id_email_and_event(client, admin, ada, post):
    post(f"/admin/users/{ada}/ban")
    post(f"/admin/users/{ada}/unban")
    by_id = text(client.get(f"/admin/audit?user={ada}"))
    assert 'data-event="user.banned"' in by_id and 'data-event="session.created"' not in by_id
    by_email = text(client.get("/admin/audit?user=ADA@example.com"))
    assert by_email.count("<tr data-event=") == 3  # created by the CLI, banned, unbanned
    as_actor = text(client.get("/admin/audit?user=admin@example.com"))
    assert 'data-event="user.banned"' in as_actor and 'data-event="session.created"' in as_actor
    only = text(client.get("/admin/audit?event=user.unbanned"))
    assert only.count("<tr data-event=") == 1 and 'value="user.unbanned" selected' in only
    assert "No events match" in text(client.get("/admin/audit?event=no.such.event"))
    assert "No events match" in text(client.get("/admin/audit?user=user_nobody"))


def test_audit_is_paged_newest_first(app, client, admin):
    with app.app_context():
        for n in range(60):
            record("test.event", user_id="user_paged", n=n)
            db.session.commit()
            clock.travel(1)
    first = text(client.get("/admin/audit?event=test.event"))
    assert first.count("<tr data-event=") == 50 and "Page 1 of 2 · 60 in all" in first
    assert first.index("n: 59<") < first.index("n: 58<") < first.index("n: 10<")
    assert 'href="/admin/audit?page=2&event=test.event"' in first
    second = client.get("/admin/audit?event=test.event&page=2")
    assert text(second).count("<tr data-event=") == 10 and "n: 0<" in text(second)
    assert "past the end of the log" in text(client.get("/admin/audit?page=99"))
    assert client.get("/admin/audit?page=x&user=" + "u" * 1000).status_code == 200
