"""One unit of work per request: a failure part-way through a flow leaves nothing of it behind,
queued email included; what the flow did is audited with who did it."""

import pytest
from sqlalchemy import select

from app import clock
from app.auth import accounts, email_verification
from app.auth.email_addresses import add_email_address
from app.auth.secret_keys import create_secret_key
from app.extensions import db
from app.models import Attempt, AuditEvent, EmailAddress, OutboxMessage, SecretKey, Session, User
from tests.api.conftest import Api
from tests.conftest import work


@pytest.fixture
def failing_record(monkeypatch):
    """Make the audit write of one event fail in `module`: the last step of a flow breaks."""

    def install(module, event: str):
        record = module.record

        def fail_on(name, *args, **kwargs):
            if name == event:
                raise RuntimeError(f"the database went away writing {event}")
            return record(name, *args, **kwargs)

        monkeypatch.setattr(module, "record", fail_on)

    return install


def rows(app, model, *where):
    with app.app_context():
        return db.session.scalars(select(model).where(*where)).all()


def test_an_admin_add_failing_after_the_link_was_queued_leaves_no_address_and_no_email(
    app, admin, ada, post, failing_record
):
    failing_record(accounts, "email_address.verification_sent")
    url = f"/admin/users/{ada}/email-addresses"
    response = post(url, email_address="home@example.com", verification="link")
    assert response.status_code == 500
    assert rows(app, EmailAddress, EmailAddress.normalized == "home@example.com") == []
    assert rows(app, Attempt, Attempt.normalized == "home@example.com") == []
    assert rows(app, OutboxMessage, OutboxMessage.to_normalized == "home@example.com") == []


def test_a_cancel_failing_after_the_attempt_closed_leaves_it_pending(
    app, client, auth, post, failing_record
):
    auth.sign_up("grace@example.com")
    added = post("/user/email-addresses", email_address="home@example.com")
    assert added.status_code == 302
    failing_record(email_verification, "email_address.removed")
    assert post(f"{added.headers['Location']}/cancel").status_code == 500
    [attempt] = rows(app, Attempt, Attempt.normalized == "home@example.com")
    assert attempt.status == "pending" and attempt.cancelled_at is None
    assert rows(app, EmailAddress, EmailAddress.normalized == "home@example.com")


@pytest.fixture
def api(app, client):
    with work(app):
        return Api(client, create_secret_key("tests", clock.now())[1])


@pytest.fixture
def two_addresses(app, ada):
    """Ada's primary address and a second verified one."""
    with work(app):
        user = db.session.get(User, ada)
        second = add_email_address(user, "work@example.com", clock.now(), verified=True)
        return user.primary_email_address_id, second.id


def test_a_primary_change_failing_after_the_switch_leaves_the_primary(
    app, api, ada, two_addresses, failing_record
):
    primary, second = two_addresses
    failing_record(accounts, "user.updated")
    changes = {"primary_email_address_id": second, "first_name": "Augusta"}
    assert api.patch(f"/users/{ada}", json=changes).status_code == 500
    [user] = rows(app, User, User.id == ada)
    assert (user.primary_email_address_id, user.first_name) == (primary, None)
    assert rows(app, AuditEvent, AuditEvent.event == "email_address.made_primary") == []


def test_a_primary_change_through_v1_is_audited_with_the_key_and_the_field(
    app, api, ada, two_addresses
):
    _, second = two_addresses
    response = api.patch(f"/users/{ada}", json={"primary_email_address_id": second})
    assert response.get_json()["primary_email_address_id"] == second
    [made_primary] = rows(app, AuditEvent, AuditEvent.event == "email_address.made_primary")
    [updated] = rows(app, AuditEvent, AuditEvent.event == "user.updated")
    assert made_primary.actor_id and made_primary.actor_id.startswith("key_")
    assert made_primary.subject_id == second and updated.actor_id == made_primary.actor_id
    assert updated.details["fields"] == ["primary_email_address_id"]


def test_users_create_admin_is_audited_as_the_cli(app, runner):
    result = runner.invoke(args=["users", "create", "root@example.com", "--admin"])
    assert result.exit_code == 0, result.output
    [row] = rows(app, AuditEvent, AuditEvent.event == "user.updated")
    assert (row.user_id, row.actor_id) == (result.output.strip(), "cli")
    assert row.details["fields"] == ["is_admin"]


def test_a_key_used_only_for_refused_calls_shows_as_used(app, client):
    with work(app):
        key, secret = create_secret_key("tests", clock.now())
        key_id = key.id
    refused = Api(client, secret).post("/sign_in_tokens", json={})
    assert refused.status_code == 422  # the work rolled back; the key's use stands
    [key] = rows(app, SecretKey, SecretKey.id == key_id)
    assert key.last_used_at is not None


def test_a_long_poll_keeps_its_sessions_touch(app, client, auth, post):
    auth.sign_up("grace@example.com")
    address = post("/user/email-addresses", email_address="home@example.com").headers["Location"]
    status_url = "/api/email-addresses/" + address.rsplit("/", 1)[1]
    version = client.get(status_url).get_json()["version"]
    clock.travel(120)  # past the minute between touches
    polled_after = clock.now()
    assert client.get(f"{status_url}?wait=0.2&seen={version}").status_code == 200
    [session] = rows(app, Session, Session.status == "active")
    assert session.last_active_at >= polled_after
