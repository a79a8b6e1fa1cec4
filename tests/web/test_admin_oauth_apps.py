"""/admin/oauth-apps as pages: create, the secret shown once, edit, rotate, delete; who may."""

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, OAuthApplication
from app.oauth.applications import check_secret
from tests.conftest import csrf_token
from tests.factory import make_oauth_app, make_user

SHOP = "https://shop.example.com/callback"
LOCAL = "http://localhost:8000/callback"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def stored(app, client_id: str) -> OAuthApplication | None:
    with app.app_context():
        row = db.session.get(OAuthApplication, client_id)
        db.session.expunge_all()
        return row


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OAuthApplication))


def shown_secret(response) -> str:
    found = re.search(r'id="client-secret" type="text" readonly value="([^"]+)"', text(response))
    assert found, "no secret on the page"
    return found[1]


def new_app(post, name="Shop", uris=SHOP, **form):
    return post("/admin/oauth-apps", name=name, redirect_uris=uris, **form)


def client_id_of(app, name: str) -> str:
    with app.app_context():
        return db.session.scalar(select(OAuthApplication.id).where(OAuthApplication.name == name))


# Create


def test_a_confidential_app_is_created_and_its_secret_shown_once(app, client, admin, post, audited):
    assert "No OAuth applications yet." in text(client.get("/admin/oauth-apps"))
    created = new_app(post, uris=f"{SHOP}\r\n\r\n  {LOCAL}  \r\n")
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    assert created.headers["Referrer-Policy"] == "no-referrer"
    assert "Created “Shop”. Copy its secret now" in text(created)
    secret = shown_secret(created)
    client_id = client_id_of(app, "Shop")
    assert f'id="client-id" type="text" readonly value="{client_id}"' in text(created)
    row = stored(app, client_id)
    assert row.redirect_uris == [SHOP, LOCAL] and not row.public and not row.first_party
    assert check_secret(row, secret) and not check_secret(row, secret + "x")
    [event] = audited("oauth_application.created")
    assert event.subject_id == client_id and event.actor_id == admin

    for path in (f"/admin/oauth-apps/{client_id}", "/admin/oauth-apps"):
        page = client.get(path)
        assert page.status_code == 200 and client_id in text(page)
        assert secret not in text(page) and row.secret_hash not in text(page), path
    with client.session_transaction() as session:  # nor is it kept in the cookie session
        assert secret not in str(dict(session))
    listed = text(client.get("/admin/oauth-apps"))
    assert f'href="/admin/oauth-apps/{client_id}"' in listed and SHOP in listed


def test_a_public_first_party_app_has_no_secret(app, client, admin, post):
    created = new_app(post, "Phone app", type="public", first_party="on")
    client_id = client_id_of(app, "Phone app")
    assert created.status_code == 302
    assert created.location == f"/admin/oauth-apps/{client_id}"
    row = stored(app, client_id)
    assert row.public and row.first_party and row.secret_hash is None
    page = text(client.get(created.location))
    assert "Created “Phone app”, a public application." in page
    assert 'id="client-secret"' not in page and "Rotate secret" not in page
    assert "first-party" in page and "PKCE" in page


@pytest.mark.parametrize(
    "uris, message",
    [
        ("http://shop.example.com/cb", "Only a loopback redirect URI"),
        (f"{SHOP}#done", "no fragment"),
        ("javascript:alert(1)", "must be an absolute https:// URL"),
        ("/callback", "must be an absolute https:// URL"),
        ("", "Give at least one redirect URI."),
        (f"{SHOP}\nhttps://evil.example/cb#x", "no fragment"),
    ],
)
def test_bad_redirect_uris_are_refused_and_nothing_is_written(
    app, admin, post, audited, uris, message
):
    response = new_app(post, uris=uris)
    assert response.status_code == 422 and message in text(response)
    assert re.search(r'name="redirect_uris"[^>]*aria-invalid="true"', text(response))
    assert 'role="alert"' in text(response)
    assert 'value="Shop"' in text(response)  # what was typed stays in the form
    assert count(app) == 0 and audited("oauth_application.created") == []


def test_a_nameless_app_is_refused_at_its_name(app, admin, post):
    response = new_app(post, name="   ")
    assert response.status_code == 422 and "name of 1 to 100 characters" in text(response)
    # The name field, not the redirect URIs, is marked, and keeps what was typed.
    assert re.search(r'name="name"[^>]*value="   "\s*aria-invalid="true"', text(response))
    assert not re.search(r'name="redirect_uris"[^>]*aria-invalid', text(response))
    assert count(app) == 0


# Edit, rotate, delete


@pytest.fixture
def shop(app):
    """A confidential app: (client id, secret)."""
    return make_oauth_app(app, SHOP, name="Shop")


def test_the_name_and_redirect_uris_are_edited(app, client, admin, post, audited, shop):
    client_id, _ = shop
    page = text(client.get(f"/admin/oauth-apps/{client_id}"))
    assert f">{SHOP}</textarea>" in page and 'value="Shop"' in page
    saved = post(
        f"/admin/oauth-apps/{client_id}", True, name="Shop 2", redirect_uris=f"{LOCAL}\n{SHOP}/2"
    )
    assert saved.status_code == 200 and "Saved." in text(saved)
    row = stored(app, client_id)
    assert row.name == "Shop 2" and row.redirect_uris == [LOCAL, f"{SHOP}/2"]
    [event] = audited("oauth_application.updated")
    assert event.subject_id == client_id and event.actor_id == admin


@pytest.mark.parametrize(
    "uris", ["http://shop.example.com/cb", f"{SHOP}#x", "javascript:alert(1)", "/cb", " \n "]
)
def test_a_refused_edit_changes_nothing(app, admin, post, audited, shop, uris):
    client_id, _ = shop
    response = post(f"/admin/oauth-apps/{client_id}", name="Renamed", redirect_uris=uris)
    assert response.status_code == 422 and 'role="alert"' in text(response)
    assert 'value="Renamed"' in text(response)
    row = stored(app, client_id)
    assert row.name == "Shop" and row.redirect_uris == [SHOP]
    assert audited("oauth_application.updated") == []


def test_rotating_the_secret_shows_the_new_one_once_and_the_old_one_fails(
    app, client, admin, post, audited, shop
):
    client_id, old = shop
    rotated = post(f"/admin/oauth-apps/{client_id}/rotate-secret")
    assert rotated.status_code == 200 and rotated.headers["Cache-Control"] == "no-store"
    new = shown_secret(rotated)
    row = stored(app, client_id)
    assert new != old and check_secret(row, new) and not check_secret(row, old)
    assert new not in text(client.get(f"/admin/oauth-apps/{client_id}"))
    [event] = audited("oauth_application.secret_rotated")
    assert event.subject_id == client_id and event.actor_id == admin


def test_a_public_app_has_no_secret_to_rotate(app, admin, post, audited):
    client_id, _ = make_oauth_app(app, SHOP, name="Phone", public=True)
    response = post(f"/admin/oauth-apps/{client_id}/rotate-secret")
    assert response.status_code == 400 and "public application has no secret" in text(response)
    assert stored(app, client_id).secret_hash is None
    assert audited("oauth_application.secret_rotated") == []


def test_deleting_removes_the_app(app, client, admin, post, audited, shop):
    client_id, _ = shop
    other, _ = make_oauth_app(app, SHOP, name="Other")
    page = text(client.get(f"/admin/oauth-apps/{client_id}"))
    assert 'data-confirm="Delete “Shop”?' in page
    deleted = post(f"/admin/oauth-apps/{client_id}/delete", True)
    assert deleted.request.path == "/admin/oauth-apps" and "Deleted “Shop”" in text(deleted)
    assert stored(app, client_id) is None and stored(app, other) is not None
    [event] = audited("oauth_application.deleted")
    assert event.subject_id == client_id and event.actor_id == admin
    assert client.get(f"/admin/oauth-apps/{client_id}").status_code == 404


def test_unknown_apps_are_404(admin, post, client):
    for path in ("/admin/oauth-apps/oa_" + "x" * 27, "/admin/oauth-apps/key_abc"):
        assert client.get(path).status_code == 404
        assert post(f"{path}/delete").status_code == 404


# Who may


def oauth_routes(client_id: str):
    yield "GET", "/admin/oauth-apps"
    yield "GET", f"/admin/oauth-apps/{client_id}"
    yield "POST", "/admin/oauth-apps"
    for action in ("", "/rotate-secret", "/delete"):
        yield "POST", f"/admin/oauth-apps/{client_id}{action}"


def test_signed_out_visitors_go_to_sign_in(app, client, shop):
    client_id, _ = shop
    token = csrf_token(client)
    for method, path in oauth_routes(client_id):
        response = client.open(path, method=method, data={"csrf_token": token, "name": "x"})
        assert response.status_code == 302, path
        assert response.location.startswith("/sign-in?redirect_url="), path
    assert stored(app, client_id).name == "Shop" and count(app) == 1


def test_non_admins_get_403_and_change_nothing(app, client, auth, post, shop):
    make_user(app, "ada@example.com")
    auth.sign_in("ada@example.com")
    client_id, secret = shop
    for method, path in oauth_routes(client_id):
        if method == "GET":
            response = client.get(path)
        else:
            response = post(path, name="Evil", redirect_uris="https://evil.example/cb")
        assert response.status_code == 403, path
    assert 'href="/admin/oauth-apps"' not in text(client.get("/"))
    row = stored(app, client_id)
    assert row.name == "Shop" and check_secret(row, secret) and count(app) == 1


def test_posts_without_a_csrf_token_are_400_and_change_nothing(app, client, admin, shop):
    client_id, secret = shop
    for method, path in oauth_routes(client_id):
        if method == "POST":
            response = client.post(path, data={"name": "Evil", "redirect_uris": SHOP})
            assert response.status_code == 400, path
            assert "expired or was not sent from this site" in text(response)
    row = stored(app, client_id)
    assert row.name == "Shop" and check_secret(row, secret) and count(app) == 1
    with app.app_context():
        events = select(AuditEvent.event).where(AuditEvent.event.like("oauth_application.%"))
        assert db.session.scalars(events).all() == ["oauth_application.created"]


def test_the_admin_navigation_links_to_the_page(client, admin, shop):
    client_id, _ = shop
    users = text(client.get("/admin/users"))
    assert 'href="/admin/oauth-apps">OAuth apps</a>' in users
    for path in ("/admin/oauth-apps", f"/admin/oauth-apps/{client_id}"):
        page = text(client.get(path))
        assert 'href="/admin/oauth-apps" aria-current="page">OAuth apps' in page, path
        assert "<script>" not in page and "style=" not in page
