"""The official Python SDK (`clerk-backend-api`) pointed at a live Latchkey (SPEC §5).

Every call goes through the SDK's own request building and response parsing: a field the SDK
requires and we leave out, or a status it does not expect, fails here as it would for an
integrator. Errors are the SDK's `ClerkErrors`, checked by code and HTTP status.
"""

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from clerk_backend_api import Clerk
from clerk_backend_api.models import ClerkErrors, SDKError
from clerk_backend_api.utils import RetryConfig

from app import clock
from tests.factory import make_secret_key, make_user

# The SDK's query-parameter code warns about its own deprecated fields on every list call.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:clerk_backend_api")

NO_RETRIES = RetryConfig("none", None, False)  # the SDK's default retries a 5xx for an hour
ADA = "ada@example.com"
ADA_WORK = "ada@work.example.com"
DAY_MS = 24 * 3600 * 1000


@pytest.fixture
def secret(live_app):
    return make_secret_key(live_app, "sdk")


def sdk(live_server: str, secret: str) -> Clerk:
    return Clerk(bearer_auth=secret, server_url=live_server + "/v1", retry_config=NO_RETRIES)


@pytest.fixture
def clerk(live_server, secret):
    with sdk(live_server, secret) as client:
        yield client


@pytest.fixture
def ada(clerk):
    """A user made through the SDK, with two verified addresses (the first primary)."""
    return clerk.users.create(
        email_address=[ADA, ADA_WORK],
        first_name="Ada",
        last_name="Lovelace",
        public_metadata={"plan": "pro"},
    )


def clerk_error(info: pytest.ExceptionInfo, status: int, code: str):
    """The SDK's parsed error: one error with the code, message and long_message."""
    error = info.value
    assert error.raw_response.status_code == status, error.raw_response.text
    assert error.raw_response.headers["content-type"] == "application/json"
    [first] = error.data.errors
    assert first.code == code
    assert first.message and first.long_message
    return first


def assert_recent(moment_ms: int) -> None:
    """A Unix-milliseconds time from the last minute (not seconds, not an ISO string)."""
    assert isinstance(moment_ms, int)
    assert abs(clock.to_ms(clock.now()) - moment_ms) < 60_000, moment_ms


def raw(live_server: str, secret: str, method: str, path: str, body: dict | None = None) -> dict:
    """What the SDK cannot send or drops (our extra fields), as plain JSON over HTTP."""
    request = urllib.request.Request(
        f"{live_server}/v1{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        return json.loads(response.read())


class LoopbackPolicy(http.cookiejar.DefaultCookiePolicy):
    """Send Secure cookies to http://127.0.0.1, as browsers do for loopback."""

    def return_ok_secure(self, cookie, request):
        return True


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def accept_in_new_browser(url: str) -> None:
    """Open a sign-in token's URL and post its form, as the page's JS does: one new session."""
    jar = http.cookiejar.CookieJar(LoopbackPolicy())
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(url).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["token"][0]
    form = urllib.parse.urlencode({"csrf_token": csrf, "token": token}).encode()
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(url.split("?", 1)[0], form)
    assert redirect.value.code == 302


# -- users -------------------------------------------------------------------------------------


def test_create_user_makes_every_address_verified_and_the_first_primary(ada):
    assert ada.object.value == "user"
    assert ada.id.startswith("user_")
    assert (ada.first_name, ada.last_name) == ("Ada", "Lovelace")
    assert ada.public_metadata == {"plan": "pro"}
    assert ada.banned is False
    assert_recent(ada.created_at)
    assert_recent(ada.updated_at)
    assert [a.email_address for a in ada.email_addresses] == [ADA, ADA_WORK]
    primary = ada.email_addresses[0]
    assert ada.primary_email_address_id == primary.id
    assert primary.id.startswith("idn_")
    for address in ada.email_addresses:
        assert address.object.value == "email_address"
        assert address.linked_to == []
        assert address.reserved is False
        assert address.verification.object.value == "verification_admin"
        assert address.verification.status.value == "verified"
        assert address.verification.strategy == "admin"


def test_user_who_signed_up_with_an_email_link(clerk, live_app):
    """Addresses verified by the email-link flow parse as the SDK's email-link verification."""
    user_id = make_user(live_app, "Grace@Example.com")
    [address] = clerk.users.get(user_id=user_id).email_addresses
    assert address.email_address == "Grace@Example.com"  # the typed form is kept
    assert address.verification.object.value == "verification_email_link"
    assert address.verification.strategy.value == "email_link"
    assert address.verification.status.value == "verified"
    assert [u.id for u in clerk.users.list(request={"email_address": ["grace@example.com"]})] == [
        user_id
    ]


def test_create_user_with_a_taken_address_is_refused(clerk, ada):
    with pytest.raises(ClerkErrors) as info:
        clerk.users.create(email_address=[ADA.upper()])
    error = clerk_error(info, 422, "form_identifier_exists")
    assert error.meta["param_name"] == "email_address"
    assert clerk.users.count().total_count == 1


def test_get_user_and_unknown_user(clerk, ada):
    fetched = clerk.users.get(user_id=ada.id)
    assert fetched.id == ada.id
    assert fetched.public_metadata == {"plan": "pro"}
    assert fetched.email_addresses[0].id == ada.primary_email_address_id

    with pytest.raises(ClerkErrors) as info:
        clerk.users.get(user_id="user_" + "0" * 27)
    clerk_error(info, 404, "resource_not_found")


@pytest.fixture
def three_users(clerk):
    """Three users made a second apart, oldest first."""
    users = []
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        users.append(clerk.users.create(email_address=[email]))
        clock.travel(1)
    return [user.id for user in users]


def test_list_users_filters_pages_and_orders(clerk, three_users):
    oldest, middle, newest = three_users
    assert [u.id for u in clerk.users.list()] == [newest, middle, oldest]  # newest first
    assert [u.id for u in clerk.users.list(request={"order_by": "created_at"})] == three_users
    assert [u.id for u in clerk.users.list(request={"order_by": "+created_at"})] == three_users

    by_email = clerk.users.list(request={"email_address": ["B@example.com", "c@example.com"]})
    assert sorted(u.id for u in by_email) == sorted([middle, newest])
    assert clerk.users.list(request={"email_address": ["nobody@example.com"]}) == []

    page = clerk.users.list(request={"limit": 2, "offset": 0, "order_by": "-created_at"})
    assert [u.id for u in page] == [newest, middle]
    page = clerk.users.list(request={"limit": 2, "offset": 2, "order_by": "-created_at"})
    assert [u.id for u in page] == [oldest]


def test_list_users_with_a_bad_limit_is_refused(clerk, three_users):
    with pytest.raises(ClerkErrors) as info:
        clerk.users.list(request={"limit": 0})
    clerk_error(info, 422, "form_param_value_invalid")


def test_count_users(clerk, three_users):
    count = clerk.users.count()
    assert count.object.value == "total_count"
    assert count.total_count == 3
    filtered = clerk.users.count(request={"email_address": ["a@example.com", "c@example.com"]})
    assert filtered.total_count == 2
    assert clerk.users.count(request={"email_address": ["x@example.com"]}).total_count == 0


def test_update_user(clerk, ada):
    clock.travel(2)
    updated = clerk.users.update(user_id=ada.id, first_name="Augusta", external_id="ext-1")
    assert updated.first_name == "Augusta"
    assert updated.created_at == ada.created_at
    assert updated.updated_at >= ada.updated_at + 2000
    assert updated.last_name == "Lovelace"  # untouched
    assert updated.external_id == "ext-1"
    fetched = clerk.users.get(user_id=ada.id)
    assert (fetched.first_name, fetched.external_id) == ("Augusta", "ext-1")

    with pytest.raises(ClerkErrors) as info:
        clerk.users.update(user_id="user_" + "0" * 27, first_name="Nobody")
    clerk_error(info, 404, "resource_not_found")


def test_update_user_public_metadata(clerk, ada, live_server, secret):
    """SDK 7 cannot send metadata with users.update (its UpdateUserRequestBody has no such
    field; it has users.update_metadata, PATCH /v1/users/{id}/metadata, which §5 does not
    list). Older SDKs and the Node SDK send it with PATCH /v1/users/{id}, as §5 specifies:
    send it that way, and read it back through the SDK."""
    raw(live_server, secret, "PATCH", f"/users/{ada.id}", {"public_metadata": {"plan": "team"}})
    fetched = clerk.users.get(user_id=ada.id)
    assert fetched.public_metadata == {"plan": "team"}
    assert fetched.first_name == "Ada"


def test_update_user_primary_email_address(clerk, ada):
    work = ada.email_addresses[1]
    updated = clerk.users.update(user_id=ada.id, primary_email_address_id=work.id)
    assert updated.primary_email_address_id == work.id


def test_ban_and_unban(clerk, ada):
    banned = clerk.users.ban(user_id=ada.id)
    assert banned.id == ada.id
    assert banned.banned is True
    assert clerk.users.get(user_id=ada.id).banned is True
    assert clerk.users.list(request={"email_address": [ADA]})[0].banned is True

    unbanned = clerk.users.unban(user_id=ada.id)
    assert unbanned.banned is False
    assert clerk.users.get(user_id=ada.id).banned is False


def test_delete_user(clerk, ada):
    deleted = clerk.users.delete(user_id=ada.id)
    assert (deleted.object, deleted.id, deleted.deleted) == ("user", ada.id, True)
    with pytest.raises(ClerkErrors) as info:
        clerk.users.get(user_id=ada.id)
    clerk_error(info, 404, "resource_not_found")
    with pytest.raises(ClerkErrors) as info:
        clerk.users.delete(user_id=ada.id)
    clerk_error(info, 404, "resource_not_found")
    assert clerk.users.count().total_count == 0
    # Its addresses went with it: another user may take them.
    assert clerk.users.create(email_address=[ADA]).email_addresses[0].email_address == ADA


# -- email addresses ---------------------------------------------------------------------------


def test_create_verified_primary_email_address(clerk, ada):
    address = clerk.email_addresses.create(
        request={
            "user_id": ada.id,
            "email_address": "lovelace@example.com",
            "verified": True,
            "primary": True,
        }
    )
    assert address.object.value == "email_address"
    assert address.id.startswith("idn_")
    assert address.email_address == "lovelace@example.com"
    assert address.verification.object.value == "verification_admin"
    assert address.verification.status.value == "verified"
    assert_recent(address.created_at)
    user = clerk.users.get(user_id=ada.id)
    assert user.primary_email_address_id == address.id
    assert len(user.email_addresses) == 3


def test_create_unverified_email_address_then_verify_and_make_primary(clerk, ada):
    address = clerk.email_addresses.create(
        request={"user_id": ada.id, "email_address": "new@example.com", "verified": False}
    )
    assert address.verification is None
    assert clerk.users.get(user_id=ada.id).primary_email_address_id != address.id

    fetched = clerk.email_addresses.get(email_address_id=address.id)
    assert (fetched.id, fetched.email_address) == (address.id, "new@example.com")
    assert fetched.verification is None

    # 422 is not among the statuses the SDK parses for this operation (400/401/403/404/409,
    # emailaddresses.py `update`), so it raises its generic SDKError; the body is still ours.
    with pytest.raises(SDKError) as info:
        clerk.email_addresses.update(email_address_id=address.id, primary=True)
    assert info.value.status_code == 422
    assert json.loads(info.value.body)["errors"][0]["code"] == "form_param_value_invalid"

    clock.travel(2)
    verified = clerk.email_addresses.update(email_address_id=address.id, verified=True)
    assert verified.updated_at >= address.updated_at + 2000
    assert verified.verification.object.value == "verification_admin"
    assert verified.verification.status.value == "verified"

    clerk.email_addresses.update(email_address_id=address.id, primary=True)
    assert clerk.users.get(user_id=ada.id).primary_email_address_id == address.id


def test_create_email_address_errors(clerk, ada):
    with pytest.raises(ClerkErrors) as info:
        clerk.email_addresses.create(
            request={"user_id": "user_" + "0" * 27, "email_address": "x@example.com"}
        )
    clerk_error(info, 404, "resource_not_found")

    other = clerk.users.create(email_address=["grace@example.com"])
    with pytest.raises(ClerkErrors) as info:
        clerk.email_addresses.create(
            request={"user_id": other.id, "email_address": ADA_WORK, "verified": True}
        )
    clerk_error(info, 422, "form_identifier_exists")

    with pytest.raises(ClerkErrors) as info:
        clerk.email_addresses.create(request={"user_id": ada.id, "email_address": "not-an-email"})
    clerk_error(info, 422, "form_param_format_invalid")


def test_delete_email_address(clerk, ada):
    work = ada.email_addresses[1]
    deleted = clerk.email_addresses.delete(email_address_id=work.id)
    assert (deleted.object, deleted.id, deleted.deleted) == ("email_address", work.id, True)
    with pytest.raises(ClerkErrors) as info:
        clerk.email_addresses.get(email_address_id=work.id)
    clerk_error(info, 404, "resource_not_found")
    assert [a.email_address for a in clerk.users.get(user_id=ada.id).email_addresses] == [ADA]

    with pytest.raises(ClerkErrors) as info:  # the primary, and now the last verified one
        clerk.email_addresses.delete(email_address_id=ada.primary_email_address_id)
    clerk_error(info, 400, "form_param_value_invalid")


# -- sign-in tokens ----------------------------------------------------------------------------


def test_create_sign_in_token(clerk, ada, live_server, secret):
    # Left out, expires_in_seconds is sent anyway: the SDK's model defaults it to 2592000.
    token = clerk.sign_in_tokens.create(request={"user_id": ada.id})
    assert token.object.value == "sign_in_token"
    assert token.id.startswith("sit_")
    assert token.user_id == ada.id
    assert token.status.value == "pending"
    assert len(token.token) >= 43  # 256 bits, base64url
    assert token.url == f"{live_server}/accept-token?token={token.token}"
    assert token.url.startswith(live_server + "/accept-token?token=")
    assert_recent(token.created_at)
    assert token.updated_at == token.created_at
    stored = raw(live_server, secret, "GET", f"/sign_in_tokens/{token.id}")
    assert stored["expire_at"] - stored["created_at"] == 30 * DAY_MS
    assert stored["token"] is None and stored["url"] is None  # shown once, never again
    assert stored["status"] == "pending"


def test_sign_in_token_default_life_is_sign_in_token_ttl(live_app, ada, live_server, secret):
    """A body without expires_in_seconds (not the SDK's: it always sends one) gets the TTL."""
    live_app.config["SIGN_IN_TOKEN_TTL"] = 3600
    token = raw(live_server, secret, "POST", "/sign_in_tokens", {"user_id": ada.id})
    assert token["expire_at"] - token["created_at"] == 3600 * 1000


def test_create_sign_in_token_with_expires_in_seconds(clerk, ada, live_server, secret):
    token = clerk.sign_in_tokens.create(request={"user_id": ada.id, "expires_in_seconds": 90})
    assert token.status.value == "pending"
    assert token.url.startswith(live_server + "/accept-token?token=")
    stored = raw(live_server, secret, "GET", f"/sign_in_tokens/{token.id}")
    assert stored["expire_at"] - stored["created_at"] == 90_000


def test_create_sign_in_token_errors(clerk, ada):
    with pytest.raises(ClerkErrors) as info:
        clerk.sign_in_tokens.create(request={"user_id": ada.id, "expires_in_seconds": 0})
    error = clerk_error(info, 422, "form_param_value_invalid")
    assert error.meta["param_name"] == "expires_in_seconds"

    with pytest.raises(ClerkErrors) as info:
        clerk.sign_in_tokens.create(request={"user_id": "user_" + "0" * 27})
    clerk_error(info, 404, "resource_not_found")


def test_revoke_sign_in_token(clerk, ada, live_server):
    token = clerk.sign_in_tokens.create(request={"user_id": ada.id})
    revoked = clerk.sign_in_tokens.revoke(sign_in_token_id=token.id)
    assert (revoked.id, revoked.user_id) == (token.id, ada.id)
    assert revoked.status.value == "revoked"

    with pytest.raises(ClerkErrors) as info:
        clerk.sign_in_tokens.revoke(sign_in_token_id=token.id)
    clerk_error(info, 400, "sign_in_token_cannot_be_revoked")

    with pytest.raises(ClerkErrors) as info:
        clerk.sign_in_tokens.revoke(sign_in_token_id="sit_" + "0" * 27)
    clerk_error(info, 404, "resource_not_found")

    with pytest.raises(urllib.error.HTTPError) as page:  # and the link no longer works
        urllib.request.urlopen(token.url)
    assert page.value.code == 410


def test_an_accepted_sign_in_token_cannot_be_revoked(clerk, ada):
    token = clerk.sign_in_tokens.create(request={"user_id": ada.id})
    accept_in_new_browser(token.url)
    with pytest.raises(ClerkErrors) as info:
        clerk.sign_in_tokens.revoke(sign_in_token_id=token.id)
    clerk_error(info, 400, "sign_in_token_cannot_be_revoked")


# -- sessions ----------------------------------------------------------------------------------


@pytest.fixture
def ada_session(clerk, ada):
    """Ada signed in once, in a browser of her own, with a sign-in token."""
    accept_in_new_browser(clerk.sign_in_tokens.create(request={"user_id": ada.id}).url)
    [session] = clerk.sessions.list(user_id=ada.id)
    return session


def test_list_and_get_sessions(clerk, ada, ada_session):
    assert ada_session.object.value == "session"
    assert ada_session.id.startswith("sess_")
    assert ada_session.user_id == ada.id
    assert ada_session.client_id.startswith("client_")
    assert ada_session.status.value == "active"
    assert_recent(ada_session.created_at)
    assert_recent(ada_session.last_active_at)
    assert ada_session.expire_at - ada_session.created_at == 7 * DAY_MS  # SESSION_LIFETIME

    fetched = clerk.sessions.get(session_id=ada_session.id)
    assert (fetched.id, fetched.user_id, fetched.status.value) == (
        ada_session.id,
        ada.id,
        "active",
    )
    assert clerk.sessions.list(user_id=ada.id, status="active")[0].id == ada_session.id
    assert clerk.sessions.list(user_id=ada.id, status="revoked") == []
    other = clerk.users.create(email_address=["grace@example.com"])
    assert clerk.sessions.list(user_id=other.id) == []
    assert clerk.users.get(user_id=ada.id).last_sign_in_at == ada_session.created_at

    with pytest.raises(ClerkErrors) as info:
        clerk.sessions.get(session_id="sess_" + "0" * 27)
    clerk_error(info, 404, "resource_not_found")


def test_revoke_session(clerk, ada, ada_session):
    revoked = clerk.sessions.revoke(session_id=ada_session.id)
    assert revoked.id == ada_session.id
    assert revoked.status.value == "revoked"
    assert clerk.sessions.get(session_id=ada_session.id).status.value == "revoked"
    assert [s.id for s in clerk.sessions.list(user_id=ada.id, status="revoked")] == [ada_session.id]
    assert clerk.sessions.list(user_id=ada.id, status="active") == []

    with pytest.raises(ClerkErrors) as info:
        clerk.sessions.revoke(session_id="sess_" + "0" * 27)
    clerk_error(info, 404, "resource_not_found")


def test_ban_revokes_sessions(clerk, ada, ada_session):
    clerk.users.ban(user_id=ada.id)
    assert clerk.sessions.get(session_id=ada_session.id).status.value == "revoked"


# -- keys --------------------------------------------------------------------------------------


def test_wrong_secret_key_is_refused(live_server, secret):
    with sdk(live_server, "sk_" + "x" * 43) as impostor:
        with pytest.raises(ClerkErrors) as info:
            impostor.users.list()
        clerk_error(info, 401, "secret_key_invalid")
        with pytest.raises(ClerkErrors) as info:
            impostor.users.get(user_id="user_" + "0" * 27)
        clerk_error(info, 401, "secret_key_invalid")
    with sdk(live_server, secret) as genuine:
        assert genuine.users.list() == []


# -- known incompatibilities -------------------------------------------------------------------
# Calls the SDK makes beyond SPEC §5's list, answered as the hosted service does.


def test_list_sessions_by_client_id(clerk, ada, ada_session):
    other = clerk.users.create(email_address=["grace@example.com"])
    accept_in_new_browser(clerk.sign_in_tokens.create(request={"user_id": other.id}).url)
    listed = clerk.sessions.list(client_id=ada_session.client_id)
    assert [s.id for s in listed] == [ada_session.id]


def test_list_sessions_with_every_status_the_sdk_can_send(clerk, ada, ada_session):
    assert clerk.sessions.list(user_id=ada.id, status="replaced") == []


def test_update_user_metadata(clerk, ada):
    updated = clerk.users.update_metadata(user_id=ada.id, public_metadata={"seats": 3})
    assert updated.public_metadata == {"plan": "pro", "seats": 3}


def test_list_users_ordered_by_first_name(clerk):
    for name in ("Grace", "Ada"):
        clerk.users.create(email_address=[f"{name.lower()}@example.com"], first_name=name)
    listed = clerk.users.list(request={"order_by": "first_name"})
    assert [u.first_name for u in listed] == ["Ada", "Grace"]
