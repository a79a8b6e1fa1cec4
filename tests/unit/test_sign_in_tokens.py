"""Sign-in tokens in the domain: minting, the ways a token fails, revoking, accepting once."""

import pytest
from sqlalchemy import select

from app.auth.errors import (
    FormParamInvalid,
    NotFound,
    RedirectNotAllowed,
    SignInTokenCannotBeRevoked,
    TokenAlreadyUsed,
    TokenExpired,
    TokenInvalid,
    TokenRevoked,
    TokenUserBanned,
)
from app.auth.sign_in_tokens import (
    accept_sign_in_token,
    check_sign_in_token,
    mint_sign_in_token,
    revoke_sign_in_token,
)
from app.auth.users import create_user
from app.extensions import db
from app.models import AuditEvent, Session, SignInToken
from app.unit_of_work import unit_of_work
from tests.unit.conftest import later


@pytest.fixture
def user(ctx, now):
    user = create_user("ada@example.com", "ada@example.com", now)
    db.session.commit()
    return user


def test_a_token_lives_30_days_by_default_and_only_its_hash_is_kept(user, now):
    row, token = mint_sign_in_token(user.id, now)
    assert row.id.startswith("sit_") and row.status == "pending"
    assert (row.expire_at - now).total_seconds() == 30 * 24 * 3600
    assert len(token) >= 43 and db.session.scalar(select(SignInToken.token_hash)) != token


@pytest.mark.parametrize("seconds", [0, -1, 10 * 365 * 24 * 3600 + 1])
def test_lifetimes_out_of_range_are_refused(user, now, seconds):
    with pytest.raises(FormParamInvalid):
        mint_sign_in_token(user.id, now, expires_in_seconds=seconds)


def test_unknown_users_and_foreign_redirects_are_refused(user, now):
    with pytest.raises(NotFound):
        mint_sign_in_token("user_nope", now)
    with pytest.raises(RedirectNotAllowed):
        mint_sign_in_token(user.id, now, redirect_url="//evil.example")


def test_accepting_signs_in_once(user, laptop, now):
    _, token = mint_sign_in_token(user.id, now)
    assert check_sign_in_token(token, laptop, now).status == "pending"  # looking spends nothing
    acceptance = accept_sign_in_token(token, laptop, now)
    assert acceptance.session.user_id == user.id and acceptance.token.status == "accepted"
    with pytest.raises(TokenAlreadyUsed):
        accept_sign_in_token(token, laptop, now)
    with pytest.raises(TokenAlreadyUsed):
        check_sign_in_token(token, laptop, now)


def test_accepting_ends_the_other_session_of_this_browser(user, laptop, now):
    first = accept_sign_in_token(mint_sign_in_token(user.id, now)[1], laptop, now).session
    accept_sign_in_token(mint_sign_in_token(user.id, now)[1], laptop, now)
    assert db.session.get(Session, first.id).status == "ended"


def test_an_expired_token_fails(user, laptop, now):
    _, token = mint_sign_in_token(user.id, now, expires_in_seconds=1)
    with pytest.raises(TokenExpired):
        accept_sign_in_token(token, laptop, later(now, 1))


def test_a_revoked_token_fails_and_only_pending_tokens_can_be_revoked(user, laptop, now):
    row, token = mint_sign_in_token(user.id, now)
    assert revoke_sign_in_token(row.id, now).status == "revoked"
    with pytest.raises(TokenRevoked):
        accept_sign_in_token(token, laptop, now)
    with pytest.raises(SignInTokenCannotBeRevoked):
        revoke_sign_in_token(row.id, now)
    accepted, token = mint_sign_in_token(user.id, now)
    accept_sign_in_token(token, laptop, now)
    with pytest.raises(SignInTokenCannotBeRevoked):
        revoke_sign_in_token(accepted.id, now)


def test_a_banned_users_token_fails(user, laptop, now):
    _, token = mint_sign_in_token(user.id, now)
    user.banned = True
    db.session.commit()
    with pytest.raises(TokenUserBanned):
        accept_sign_in_token(token, laptop, now)


@pytest.mark.parametrize("token", [None, "", "garbage", "x" * 500])
def test_garbage_tokens_are_invalid(ctx, laptop, now, token):
    with pytest.raises(TokenInvalid):
        accept_sign_in_token(token, laptop, now)


def test_minted_accepted_revoked_and_rejected_are_audited(user, laptop, now):
    with unit_of_work():
        row, token = mint_sign_in_token(user.id, now)
        accept_sign_in_token(token, laptop, now)
        revoked, _ = mint_sign_in_token(user.id, now)
        revoke_sign_in_token(revoked.id, now)
    with pytest.raises(TokenAlreadyUsed), unit_of_work():
        accept_sign_in_token(token, laptop, now)  # refused: its work rolled back, its record kept
    events = db.session.scalars(select(AuditEvent.event)).all()
    for event in (
        "sign_in_token.minted",
        "sign_in_token.accepted",
        "sign_in_token.revoked",
        "sign_in_token.rejected",
    ):
        assert event in events
