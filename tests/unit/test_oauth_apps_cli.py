"""The command line of the OpenID provider: `oauth-apps create|list|delete|rotate-secret` and
`signing-keys rotate`."""

import re

import pytest
from sqlalchemy import func, select

from app import clock
from app.auth import signing_keys
from app.extensions import db
from app.models import AuditEvent, OAuthApplication, SigningKey
from app.oauth.applications import check_secret

SHOP = "https://shop.example.com/callback"


def lines(result) -> list[str]:
    return result.stdout.splitlines()


def create(runner, *args):
    return runner.invoke(args=["oauth-apps", "create", *args])


def created(result) -> tuple[str, str | None]:
    """(client id, secret or None) from `oauth-apps create`'s own lines."""
    assert result.exit_code == 0, result.output
    found = dict(line.split("=", 1) for line in lines(result))
    assert set(found) <= {"client_id", "client_secret"}
    return found["client_id"], found.get("client_secret")


def application(app, client_id: str) -> OAuthApplication | None:
    with app.app_context():
        row = db.session.get(OAuthApplication, client_id)
        db.session.expunge_all()
        return row


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def audit(app, event: str) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.event == event)).all()
        db.session.expunge_all()
        return rows


def test_create_a_confidential_app_prints_its_id_and_a_secret_that_works(app, runner):
    result = create(
        runner, "Shop", "--redirect-uri", SHOP, "--redirect-uri", "http://localhost:8000/cb"
    )
    client_id, secret = created(result)
    assert re.fullmatch(r"client_id=oa_[0-9A-Za-z]{27}", lines(result)[0])
    assert lines(result)[1] == f"client_secret={secret}" and len(secret) >= 40
    row = application(app, client_id)
    assert row.name == "Shop" and row.redirect_uris == [SHOP, "http://localhost:8000/cb"]
    assert not row.public and not row.first_party
    assert check_secret(row, secret) and not check_secret(row, secret[:-1] + "x")
    assert secret not in row.secret_hash
    [event] = audit(app, "oauth_application.created")
    assert event.subject_id == client_id and event.actor_id == "cli"


def test_create_a_public_first_party_app_prints_no_secret(app, runner):
    result = create(runner, "Phone app", "--redirect-uri", SHOP, "--public", "--first-party")
    client_id, secret = created(result)
    assert secret is None and lines(result) == [f"client_id={client_id}"]
    row = application(app, client_id)
    assert row.public and row.first_party and row.secret_hash is None


@pytest.mark.parametrize(
    "args, message",
    [
        (["--redirect-uri", "http://shop.example.com/cb"], "loopback"),
        (["--redirect-uri", f"{SHOP}#done"], "fragment"),
        (["--redirect-uri", "javascript:alert(1)"], "absolute https://"),
        (["--redirect-uri", "/callback"], "absolute https://"),
        (["--redirect-uri", ""], "Not a redirect URI"),
        (["--redirect-uri", SHOP, "--redirect-uri", "https://a:99999/cb"], "Not a redirect URI"),
        ([], "Missing option '--redirect-uri'"),
    ],
)
def test_create_refuses_bad_redirect_uris_and_writes_nothing(app, runner, args, message):
    result = create(runner, "Shop", *args)
    assert result.exit_code != 0 and message in result.output
    assert "client_id=" not in result.output
    assert count(app, OAuthApplication) == 0 and count(app, AuditEvent) == 0


def test_create_refuses_an_empty_name(app, runner):
    result = create(runner, "  ", "--redirect-uri", SHOP)
    assert result.exit_code != 0 and "name of 1 to 100 characters" in result.output
    assert count(app, OAuthApplication) == 0


def test_list_shows_every_app_and_never_a_secret(app, runner):
    assert runner.invoke(args=["oauth-apps", "list"]).stdout == ""
    shop, secret = created(create(runner, "Shop", "--redirect-uri", SHOP))
    phone, _ = created(
        create(runner, "Phone app", "--redirect-uri", SHOP, "--public", "--first-party")
    )
    result = runner.invoke(args=["oauth-apps", "list"])
    assert result.exit_code == 0
    assert lines(result) == [
        f"{shop}\tconfidential\tthird-party\tShop\t{SHOP}",
        f"{phone}\tpublic\tfirst-party\tPhone app\t{SHOP}",
    ]
    hash_ = application(app, shop).secret_hash
    assert secret not in result.output and hash_ not in result.output


def test_rotate_secret_prints_a_new_one_and_the_old_one_stops_working(app, runner):
    client_id, old = created(create(runner, "Shop", "--redirect-uri", SHOP))
    result = runner.invoke(args=["oauth-apps", "rotate-secret", client_id])
    assert result.exit_code == 0, result.output
    [line] = lines(result)
    new = line.removeprefix("client_secret=")
    assert line.startswith("client_secret=") and new != old
    row = application(app, client_id)
    assert check_secret(row, new) and not check_secret(row, old)
    [event] = audit(app, "oauth_application.secret_rotated")
    assert event.subject_id == client_id and event.actor_id == "cli"


def test_rotate_secret_refuses_a_public_app_and_an_unknown_id(app, runner):
    client_id, _ = created(create(runner, "Phone", "--redirect-uri", SHOP, "--public"))
    public = runner.invoke(args=["oauth-apps", "rotate-secret", client_id])
    assert public.exit_code != 0 and "public application has no secret" in public.output
    assert application(app, client_id).secret_hash is None
    for unknown in ("oa_" + "x" * 27, "nonsense"):
        result = runner.invoke(args=["oauth-apps", "rotate-secret", unknown])
        assert result.exit_code != 0 and "No OAuth application" in result.output
    assert audit(app, "oauth_application.secret_rotated") == []


def test_delete_removes_the_app(app, runner):
    client_id, _ = created(create(runner, "Shop", "--redirect-uri", SHOP))
    kept, _ = created(create(runner, "Other", "--redirect-uri", SHOP))
    result = runner.invoke(args=["oauth-apps", "delete", client_id])
    assert result.exit_code == 0 and client_id in result.output
    assert application(app, client_id) is None and application(app, kept) is not None
    [event] = audit(app, "oauth_application.deleted")
    assert event.subject_id == client_id and event.actor_id == "cli"
    again = runner.invoke(args=["oauth-apps", "delete", client_id])
    assert again.exit_code != 0 and "No OAuth application" in again.output


def test_signing_keys_rotate_prints_the_new_current_kids(app, runner):
    first = runner.invoke(args=["signing-keys", "rotate"])
    second = runner.invoke(args=["signing-keys", "rotate"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    old, new = (dict(line.split("=", 1) for line in lines(result)) for result in (first, second))
    assert set(new) == {"oidc_kid", "session_kid"}
    for kid in (*old.values(), *new.values()):
        assert re.fullmatch(r"kid_[0-9A-Za-z]{27}", kid)
    with app.app_context():
        now = clock.now()
        for purpose in (signing_keys.OIDC, signing_keys.SESSIONS):
            name = f"{purpose}_kid"
            assert signing_keys.current_key(now, purpose).id == new[name] != old[name]
            published = [key["kid"] for key in signing_keys.published_keys(now, purpose)]
            assert published == [new[name], old[name]]
        assert db.session.scalar(select(func.count()).select_from(SigningKey)) == 4
