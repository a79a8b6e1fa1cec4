"""/admin as pages: who may enter, the user list, and every change on a user's page."""

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import EmailAddress, SignInToken, User
from tests.conftest import Auth, Mailbox, csrf_token, path_of
from tests.factory import make_user


def admin_routes(app, method: str):
    """Every /admin route taking `method`, with placeholder ids: a new route cannot be missed."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin") and method in rule.methods:
            yield rule.build({name: "x_id" for name in rule.arguments})[1]


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def add(post, user_id: str, email_address: str, follow=False, **form):
    """Add an address on the user's page: verified unless the form says otherwise."""
    form = {"verification": "verified", **form}
    url = f"/admin/users/{user_id}/email-addresses"
    return post(url, follow, email_address=email_address, **form)


def address_id(app, email: str) -> str:
    with app.app_context():
        return db.session.scalar(select(EmailAddress.id).where(EmailAddress.normalized == email))


def signed_in_elsewhere(app, mailbox, email: str):
    """Another browser, signed in as `email` through the real loop."""
    browser = app.test_client()
    Auth(browser, mailbox).sign_in(email)
    assert browser.get("/user").status_code == 200
    return browser


# Who may enter


def test_every_admin_route_sends_signed_out_visitors_to_sign_in_and_back(app, client):
    for path in admin_routes(app, "GET"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.location == f"/sign-in?redirect_url={path}", path
    token = csrf_token(client)
    for path in admin_routes(app, "POST"):
        response = client.post(path, data={"csrf_token": token})
        assert response.status_code == 302 and response.location.startswith("/sign-in"), path


def test_sign_in_returns_the_admin_to_the_page_they_asked_for(app, client, auth):
    make_user(app, "admin@example.com", admin=True)
    assert client.get("/admin/settings").location == "/sign-in?redirect_url=/admin/settings"
    auth.start("sign-in", "admin@example.com", redirect_url="/admin/settings")
    assert auth.open_and_confirm("admin@example.com").location == "/admin/settings"


def test_signed_in_non_admins_get_a_403_page_for_every_route(app, client, auth, ada, post):
    auth.sign_in("ada@example.com")
    for path in admin_routes(app, "GET"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "You do not have access to this page." in text(response)
    for path in [*admin_routes(app, "POST"), f"/admin/users/{ada}/delete"]:
        assert post(path).status_code == 403, path
    with app.app_context():
        assert db.session.get(User, ada) is not None
    assert 'href="/admin/"' not in text(client.get("/"))


def test_every_admin_post_without_a_csrf_token_is_400(app, client, admin, ada):
    routes = list(admin_routes(app, "POST"))
    assert len(routes) >= 14
    for path in [*routes, f"/admin/users/{ada}/delete", f"/admin/users/{ada}/ban"]:
        response = client.post(path, data={"email_address": "x@example.com", "name": "x"})
        assert response.status_code == 400, path
        assert "expired or was not sent from this site" in text(response)
    with app.app_context():
        assert not db.session.get(User, ada).banned


def test_admin_pages_use_the_stylesheet_and_no_inline_script_or_style(client, admin, ada):
    for path in [
        "/admin/users",
        f"/admin/users/{ada}",
        "/admin/secret-keys",
        "/admin/settings",
        "/admin/audit",
    ]:
        page = text(client.get(path))
        assert page.count('rel="stylesheet"') == 1 and "/static/css/app.css" in page
        assert "<script>" not in page and "style=" not in page and "<style" not in page
        assert 'name="viewport"' in page and 'aria-current="page"' in page
    assert client.get("/admin/").location == "/admin/users"


# Users: list, search, paging


@pytest.fixture
def thirty(app):
    for n in range(30):
        make_user(app, f"user{n}@example.com")


def rows(response, kind="user") -> int:
    return len(re.findall(f'data-{kind}="', response.get_data(as_text=True)))


def test_users_are_listed_with_created_and_last_sign_in(client, admin, ada):
    page = text(client.get("/admin/users"))
    assert "ada@example.com" in page and f'href="/admin/users/{ada}"' in page
    assert "Created" in page and "Last sign-in" in page and "never" in page
    # In the reader's words and time zone, UTC named when the browser gave none.
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">[^<]+ UTC</time>', page)
    assert '<span class="badge">admin</span>' in page


def test_users_are_paged(client, admin, thirty):
    first = client.get("/admin/users")
    assert rows(first) == 25 and "Page 1 of 2 · 31 in all" in text(first)
    assert 'href="/admin/users?page=2"' in text(first) and "Previous" not in text(first)
    second = client.get("/admin/users?page=2")
    assert rows(second) == 6 and "Previous" in text(second) and "Next" not in text(second)
    past = client.get("/admin/users?page=9")
    assert past.status_code == 200 and "past the end of the list" in text(past)
    for nonsense in ("0", "-3", "abc", "9" * 40):
        response = client.get(f"/admin/users?page={nonsense}")
        assert response.status_code == 200, nonsense


def test_users_are_searched_by_email_or_id(client, admin, ada, thirty):
    found = client.get("/admin/users?q=USER2")
    assert rows(found) == 11 and "Page" not in text(found)  # user2, user20…user29
    assert rows(client.get(f"/admin/users?q={ada}")) == 1
    paged = client.get("/admin/users?q=example.com&page=2")
    assert 'href="/admin/users?page=1&amp;q=example.com"' in paged.get_data(as_text=True)
    empty = client.get("/admin/users?q=nobody")
    assert empty.status_code == 200
    assert "No user has an email address or id matching “nobody”." in text(empty)


def test_unknown_users_are_404(client, admin):
    for path in ("/admin/users/user_nobody", "/admin/users/not-an-id"):
        assert client.get(path).status_code == 404
    assert "No user with that id." in text(client.get("/admin/users/user_nobody"))


# Users: create


def test_create_a_user_with_a_verified_address(app, client, admin, post, audited):
    page = post("/admin/users", True, email_address=" Grace@Example.com ")
    assert "Created Grace@Example.com: the address is verified." in text(page)
    with app.app_context():
        user = db.session.scalar(
            select(User)
            .join(User.primary_email_address)
            .where(EmailAddress.normalized == "grace@example.com")
        )
        assert not user.is_admin and user.primary_email_address.verified
        assert user.primary_email_address.verification_strategy == "admin"
        user_id = user.id
    assert page.request.path == f"/admin/users/{user_id}"
    [row] = audited("user.created_by_admin")
    assert row.actor_id == admin and row.user_id == user_id
    assert audited("user.admin_granted") == []
    # Its owner signs in with it at once: no email needed to verify it.
    assert Auth(app.test_client(), Mailbox(app)).sign_in("grace@example.com").status_code == 302


def test_create_an_administrator(app, admin, post, audited):
    post("/admin/users", email_address="root2@example.com", is_admin="on")
    [row] = audited("user.admin_granted")
    assert row.actor_id == admin
    with app.app_context():
        assert db.session.get(User, row.user_id).is_admin


@pytest.mark.parametrize(
    "email, message",
    [
        ("", "Enter your email address."),
        ("not an email", "Enter a valid email address."),
        ("ADA@example.com", "That email address is taken."),
    ],
)
def test_a_user_that_cannot_be_created_is_a_message_in_the_form(
    app, admin, ada, post, email, message
):
    response = post("/admin/users", email_address=email, is_admin="on")
    assert response.status_code == 422
    page = text(response)
    assert message in page and 'aria-invalid="true"' in page and 'role="alert"' in page
    assert f'value="{email}"' in page and 'name="is_admin" checked' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 2


# Admin rights


def test_grant_and_remove_admin_rights(app, client, mailbox, admin, ada, post, audited):
    page = text(client.get(f"/admin/users/{ada}"))
    assert f'action="/admin/users/{ada}/make-admin"' in page and "/remove-admin" not in page
    page = post(f"/admin/users/{ada}/make-admin", True)
    assert "This user is now an administrator." in text(page)
    assert f'action="/admin/users/{ada}/remove-admin"' in text(page)
    browser = signed_in_elsewhere(app, mailbox, "ada@example.com")
    assert browser.get("/admin/users").status_code == 200
    page = post(f"/admin/users/{ada}/remove-admin", True)
    assert "This user is no longer an administrator." in text(page)
    assert browser.get("/admin/users").status_code == 403
    [granted], [revoked] = audited("user.admin_granted"), audited("user.admin_revoked")
    assert granted.actor_id == revoked.actor_id == admin
    assert granted.user_id == revoked.user_id == ada


# A user's addresses


def test_add_a_verified_address(app, client, admin, ada, post, audited):
    page = add(post, ada, " Work@Example.com ", follow=True)
    assert "Added Work@Example.com, verified." in text(page)
    with app.app_context():
        address = db.session.get(EmailAddress, address_id(app, "work@example.com"))
        assert address.user_id == ada and address.verified
        assert address.verification_strategy == "admin"
    [row] = audited("email_address.added")
    assert row.actor_id == admin and row.user_id == ada


def test_add_unverified_then_mark_verified_then_make_primary(app, admin, ada, post, audited):
    url = f"/admin/users/{ada}/email-addresses"
    page = post(url, True, email_address="new@example.com", verification="unverified")
    assert "Added new@example.com, not yet verified." in text(page)
    assert 'class="badge warn">unverified' in text(page)
    new = address_id(app, "new@example.com")
    page = post(f"{url}/{new}/verify", True)
    assert "Marked new@example.com as verified." in text(page)
    page = post(f"{url}/{new}/make-primary", True)
    assert "new@example.com is now the primary address." in text(page)
    with app.app_context():
        assert db.session.get(User, ada).primary_email == "new@example.com"
    for event in ("email_address.verified", "email_address.made_primary"):
        [row] = audited(event)
        assert row.actor_id == admin and row.subject_id == new


@pytest.mark.parametrize("same_client_only", [False, True])
def test_add_by_sending_a_verification_link_the_owner_opens(
    app, admin, ada, post, mailbox, audited, same_client_only
):
    # REQUIRE_SAME_CLIENT keeps a link in the browser that asked, but an admin's link is for the
    # address's owner: the admin, not a stranger, chose the account it joins.
    app.config["REQUIRE_SAME_CLIENT"] = same_client_only
    page = add(post, ada, "home@example.com", verification="link", follow=True)
    assert "Sent a verification link to home@example.com" in text(page)
    assert 'class="badge warn">unverified' in text(page)
    [row] = audited("email_address.verification_sent")
    assert row.actor_id == admin and row.user_id == ada
    assert row.subject_id == address_id(app, "home@example.com")

    phone = app.test_client()  # the owner of the address, on any device, signed in or not
    link = path_of(mailbox.link("home@example.com"))
    assert "Approve this email verification?" in text(phone.get(link))
    done = phone.post(
        "/verify", data={"csrf_token": csrf_token(phone), "token": link.split("=", 1)[1]}
    )
    assert "Email address verified" in text(done)
    with app.app_context():
        assert db.session.get(EmailAddress, row.subject_id).verified


@pytest.mark.parametrize(
    "email, form, message",
    [
        ("admin@example.com", {}, "That email address is taken."),
        ("ada@example.com", {}, "already verified on your account"),
        ("new@example.com", {"primary": "on"}, "Only a verified address can be primary."),
        ("nope", {}, "Enter a valid email address."),
    ],
)
def test_a_link_that_cannot_be_sent_is_a_message(admin, ada, post, mailbox, email, form, message):
    response = add(post, ada, email, verification="link", **form)
    assert response.status_code == 422 and message in text(response)
    assert 'value="link" checked' in text(response)
    assert all("verification code" not in m.subject for m in mailbox.messages())


def test_add_as_primary(app, admin, ada, post):
    add(post, ada, "main@example.com", primary="on")
    with app.app_context():
        assert db.session.get(User, ada).primary_email == "main@example.com"


@pytest.mark.parametrize(
    "form, status, message",
    [
        ({"email_address": ""}, 422, "Enter your email address."),
        ({"email_address": "not an email"}, 422, "Enter a valid email address."),
        ({"email_address": "x" * 400 + "@example.com"}, 422, "too long"),
        ({"email_address": "admin@example.com"}, 422, "That email address is taken."),
        ({"email_address": "ADA@example.com"}, 422, "already on the account"),
        (
            {"email_address": "n@example.com", "verification": "unverified", "primary": "on"},
            422,
            "Only a verified address can be primary.",
        ),
    ],
)
def test_bad_addresses_are_refused_with_a_message_in_the_form(
    app, admin, ada, post, form, status, message
):
    response = add(post, ada, **form)
    assert response.status_code == status
    page = text(response)
    assert message in page and 'aria-invalid="true"' in page and 'role="alert"' in page
    assert f'value="{form["email_address"]}"' in page  # what was typed stays in the form
    with app.app_context():
        assert len(db.session.get(User, ada).email_addresses) == 1


def test_remove_an_address_but_never_the_primary(app, admin, ada, post, audited):
    url = f"/admin/users/{ada}/email-addresses"
    add(post, ada, "old@example.com")
    old = address_id(app, "old@example.com")
    page = post(f"{url}/{old}/remove", True)
    assert "Removed old@example.com." in text(page) and "old@example.com</td>" not in text(page)
    [row] = audited("email_address.removed")
    assert row.actor_id == admin and row.subject_id == old
    primary = address_id(app, "ada@example.com")
    refused = post(f"{url}/{primary}/remove")
    assert refused.status_code == 400
    assert "Make another address primary before removing this one." in text(refused)


def test_primary_must_be_verified(app, admin, ada, post):
    url = f"/admin/users/{ada}/email-addresses"
    post(url, email_address="maybe@example.com", verification="unverified")
    refused = post(f"{url}/{address_id(app, 'maybe@example.com')}/make-primary")
    assert refused.status_code == 422 and "Verify this address before" in text(refused)


def test_marking_verified_an_address_another_user_owns_is_refused(app, admin, ada, post):
    url = f"/admin/users/{ada}/email-addresses"
    post(url, email_address="admin@example.com", verification="unverified")
    with app.app_context():
        unverified = db.session.scalar(
            select(EmailAddress.id).where(
                EmailAddress.user_id == ada, EmailAddress.normalized == "admin@example.com"
            )
        )
    refused = post(f"{url}/{unverified}/verify")
    assert refused.status_code == 422 and "That email address is taken." in text(refused)


def test_unknown_or_foreign_address_ids_are_404(app, admin, ada, post):
    admins_address = address_id(app, "admin@example.com")
    for action in ("verify", "make-primary", "remove"):
        base = f"/admin/users/{ada}/email-addresses"
        assert post(f"{base}/idn_nothing/{action}").status_code == 404
        assert post(f"{base}/{admins_address}/{action}").status_code == 404
    assert post("/admin/users/user_nobody/email-addresses", email_address="a@b.co").status_code == (
        404
    )


# Sign-in tokens


def minted_url(response) -> str:
    return re.search(r'id="token-url" type="text" readonly value="([^"]+)"', text(response))[1]


def test_mint_shows_the_url_once_with_a_copy_button_and_it_signs_the_user_in(
    app, client, admin, ada, post, audited
):
    response = post(f"/admin/users/{ada}/sign-in-tokens")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    url = minted_url(response)
    assert url.startswith("http://localhost/accept-token?token=")
    page = text(response)
    assert 'data-copy="token-url"' in page and "/static/js/copy.js" in page
    assert "only time the link is shown" in page
    [row] = audited("sign_in_token.minted")
    assert row.actor_id == admin and row.user_id == ada
    with app.app_context():
        token = db.session.get(SignInToken, row.subject_id)
        assert token.created_by == admin and token.status == "pending"
    assert url.split("token=")[1] not in text(client.get(f"/admin/users/{ada}"))  # only once

    browser = app.test_client()
    assert browser.get(path_of(url)).status_code == 200
    token = url.split("token=")[1]
    accepted = browser.post(
        "/accept-token", data={"csrf_token": csrf_token(browser), "token": token}
    )
    assert accepted.status_code == 302
    profile = text(browser.get("/user"))
    assert f'data-user-id="{ada}"' in profile and "Signed in as ada@example.com." in profile


def test_mint_with_a_lifetime_and_a_redirect(app, admin, ada, post):
    post(f"/admin/users/{ada}/sign-in-tokens", expires_in_seconds="60", redirect_url="/user")
    with app.app_context():
        token = db.session.scalar(select(SignInToken))
        assert (token.expire_at - token.created_at).total_seconds() == 60
        assert token.redirect_url == "/user"


@pytest.mark.parametrize(
    "form, message",
    [
        ({"expires_in_seconds": "soon"}, "whole number of seconds"),
        ({"expires_in_seconds": "²"}, "whole number of seconds"),
        ({"expires_in_seconds": "-5"}, "expires_in_seconds must be between 1 and"),
        ({"expires_in_seconds": "0"}, "expires_in_seconds must be between 1 and"),
        ({"expires_in_seconds": "9" * 30}, "expires_in_seconds must be between 1 and"),
        ({"redirect_url": "https://evil.example/"}, "That redirect URL is not allowed."),
    ],
)
def test_bad_mint_input_is_a_message_not_a_token(app, admin, ada, post, form, message):
    response = post(f"/admin/users/{ada}/sign-in-tokens", **form)
    assert response.status_code == 422 and message in text(response)
    assert 'aria-invalid="true"' in text(response) and 'id="token-url"' not in text(response)
    with app.app_context():
        assert db.session.scalar(select(SignInToken)) is None


def test_revoke_a_pending_token(app, admin, ada, post, audited):
    url = minted_url(post(f"/admin/users/{ada}/sign-in-tokens"))
    [minted] = audited("sign_in_token.minted")
    revoke = f"/admin/users/{ada}/sign-in-tokens/{minted.subject_id}/revoke"
    page = post(revoke, True)
    assert "Revoked the sign-in token" in text(page) and 'class="badge">revoked' in text(page)
    [row] = audited("sign_in_token.revoked")
    assert row.actor_id == admin and row.subject_id == minted.subject_id
    again = post(revoke)
    assert again.status_code == 400
    assert "Only a pending sign-in token can be revoked." in text(again)
    browser = app.test_client()
    assert "has been revoked" in text(browser.get(path_of(url)))


def test_unknown_or_foreign_token_ids_are_404(admin, ada, post, audited):
    post(f"/admin/users/{ada}/sign-in-tokens")
    [minted] = audited("sign_in_token.minted")
    assert post(f"/admin/users/{ada}/sign-in-tokens/sit_nothing/revoke").status_code == 404
    assert post(f"/admin/users/{admin}/sign-in-tokens/{minted.subject_id}/revoke").status_code == (
        404
    )
    assert post("/admin/users/user_nobody/sign-in-tokens").status_code == 404


# Sessions, ban, delete


def test_revoke_one_session_signs_that_browser_out(app, client, mailbox, admin, ada, post, audited):
    browser = signed_in_elsewhere(app, mailbox, "ada@example.com")
    page = text(client.get(f"/admin/users/{ada}"))
    session_id = re.search(r'data-session="([^"]+)"', page)[1]
    done = post(f"/admin/users/{ada}/sessions/{session_id}/revoke", True)
    assert "Revoked the session" in text(done) and "No browser is signed in" in text(done)
    assert browser.get("/user").status_code == 302
    [row] = audited("session.revoked")
    assert row.actor_id == admin and row.subject_id == session_id
    assert post(f"/admin/users/{ada}/sessions/sess_nothing/revoke").status_code == 404
    admins_session = re.search(r'data-session="([^"]+)"', text(client.get(f"/admin/users/{admin}")))
    assert post(f"/admin/users/{ada}/sessions/{admins_session[1]}/revoke").status_code == 404


def test_revoke_all_sessions(app, client, mailbox, admin, ada, post, audited):
    browsers = [signed_in_elsewhere(app, mailbox, "ada@example.com") for _ in range(2)]
    done = post(f"/admin/users/{ada}/sessions/revoke-all", True)
    assert "Revoked every session" in text(done)
    assert all(browser.get("/user").status_code == 302 for browser in browsers)
    [row] = audited("user.sessions_revoked")
    assert row.actor_id == admin and row.details["count"] == 2


def test_revoke_all_on_your_own_page_keeps_you_signed_in(app, client, mailbox, admin, post):
    other = signed_in_elsewhere(app, mailbox, "admin@example.com")
    assert "Revoke all other sessions" in text(client.get(f"/admin/users/{admin}"))
    post(f"/admin/users/{admin}/sessions/revoke-all")
    assert other.get("/user").status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_ban_ends_sessions_and_every_way_in_then_unban(
    app, client, auth, mailbox, admin, ada, post, audited
):
    browser = signed_in_elsewhere(app, mailbox, "ada@example.com")
    token_url = minted_url(post(f"/admin/users/{ada}/sign-in-tokens"))
    page = post(f"/admin/users/{ada}/ban", True)
    assert "Banned: this user cannot sign in" in text(page) and "badge bad" in text(page)
    assert browser.get("/user").status_code == 302
    refused = Auth(app.test_client(), mailbox).start("sign-in", "ada@example.com")
    assert refused.status_code == 403 and "This account has been banned." in text(refused)
    assert "banned" in text(app.test_client().get(path_of(token_url)))
    [row] = audited("user.banned")
    assert row.actor_id == admin and row.user_id == ada

    page = post(f"/admin/users/{ada}/unban", True)
    assert "Unbanned" in text(page)
    assert audited("user.unbanned")[0].actor_id == admin
    assert Auth(app.test_client(), mailbox).start("sign-in", "ada@example.com").status_code == 302


def test_delete_a_user(app, client, admin, ada, post, audited):
    page = post(f"/admin/users/{ada}/delete", True)
    assert "Deleted ada@example.com." in text(page)
    assert f'href="/admin/users/{ada}"' not in text(page)
    with app.app_context():
        assert db.session.get(User, ada) is None
    [row] = audited("user.deleted")
    assert row.actor_id == admin and row.user_id == ada
    assert post(f"/admin/users/{ada}/delete").status_code == 404
    assert client.get(f"/admin/users/{ada}").status_code == 404


def test_admins_cannot_ban_or_delete_themselves(app, client, admin, post):
    page = text(client.get(f"/admin/users/{admin}"))
    assert "another administrator must change your admin rights, ban or delete it" in page
    assert "/ban" not in page and "/remove-admin" not in page
    for action in ("ban", "delete", "remove-admin", "make-admin"):
        refused = post(f"/admin/users/{admin}/{action}")
        assert refused.status_code == 409 and "your own account" in text(refused)
    with app.app_context():
        assert not db.session.get(User, admin).banned and db.session.get(User, admin).is_admin
    assert client.get("/admin/users").status_code == 200


def test_destructive_actions_ask_first(client, admin, ada, post):
    post(f"/admin/users/{ada}/email-addresses", email_address="b@example.com")
    page = text(client.get(f"/admin/users/{ada}"))
    for action in ("ban", "delete", "remove"):
        assert re.search(rf'action="[^"]*/{action}" class="inline" data-confirm="[^"]+"', page)
    assert "/static/js/confirm.js" in page


@pytest.mark.parametrize(
    "path, form",
    [
        ("email-addresses", {}),
        ("email-addresses", {"email_address": "ü@exämple.com", "verification": "verified"}),
        ("email-addresses", {"email_address": "a@b.co", "verification": "neither", "primary": 1}),
        ("sign-in-tokens", {"expires_in_seconds": "１２", "redirect_url": "/" + "x" * 5000}),
        ("sign-in-tokens", {"redirect_url": "javascript:alert(1)"}),
        ("sessions/revoke-all", {"unexpected": "field"}),
        ("unban", {}),
    ],
)
def test_odd_input_never_gets_a_500(client, admin, ada, post, path, form):
    response = post(f"/admin/users/{ada}/{path}", **form)
    assert response.status_code in (200, 302, 400, 404, 409, 422), text(response)
    for query in ("q=%25_%25", "q=" + "é" * 400, "page=1e3"):
        assert client.get(f"/admin/users?{query}").status_code == 200


def test_buttons_name_what_they_act_on(client, admin, ada, post):
    add(post, ada, "b@example.com", verification="unverified")
    page = text(client.get(f"/admin/users/{ada}"))
    hidden = '<span class="visually-hidden">{}</span>'
    for name in (
        f"Mark {hidden.format('b@example.com')} verified",
        f"Remove {hidden.format('b@example.com')}",
        f"Make {hidden.format('ada@example.com')} an administrator",
        f"Ban {hidden.format('ada@example.com')}",
        f"Delete user {hidden.format('ada@example.com')}",
    ):
        assert f"{name}</button>" in page, name
