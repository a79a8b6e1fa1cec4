"""The JSON objects of the backend API, in the wire format of the hosted service's SDKs."""

from app.auth.sign_in_tokens import token_url
from app.clock import to_ms
from app.models import EmailAddress, Session, SignInToken, User

VERIFICATION_OBJECTS = {
    "email_link": "verification_email_link",
    "admin": "verification_admin",
    "ticket": "verification_ticket",
}


def email_address_json(address: EmailAddress) -> dict:
    strategy = address.verification_strategy
    verification = None
    if strategy:
        verification = {
            "object": VERIFICATION_OBJECTS[strategy],
            "status": "verified" if address.verified else "unverified",
            "strategy": strategy,
            "attempts": None,
            "expire_at": None,
        }
    return {
        "id": address.id,
        "object": "email_address",
        "email_address": address.email,
        "reserved": False,
        "verification": verification,
        "linked_to": [],
        "created_at": to_ms(address.created_at),
        "updated_at": to_ms(address.updated_at),
    }


def user_json(user: User) -> dict:
    return {
        "id": user.id,
        "object": "user",
        "external_id": user.external_id,
        "primary_email_address_id": user.primary_email_address_id,
        "primary_phone_number_id": None,
        "primary_web3_wallet_id": None,
        "username": None,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "image_url": "",
        "has_image": False,
        "public_metadata": user.public_metadata or {},
        "private_metadata": user.private_metadata or {},
        "unsafe_metadata": {},
        "email_addresses": [email_address_json(a) for a in user.email_addresses],
        "phone_numbers": [],
        "web3_wallets": [],
        "passkeys": [],
        "password_enabled": False,
        "two_factor_enabled": False,
        "totp_enabled": False,
        "backup_code_enabled": False,
        "mfa_enabled_at": None,
        "mfa_disabled_at": None,
        "external_accounts": [],
        "saml_accounts": [],
        "enterprise_accounts": [],
        "last_sign_in_at": to_ms(user.last_sign_in_at),
        "banned": user.banned,
        "locked": False,
        "lockout_expires_in_seconds": None,
        "verification_attempts_remaining": None,
        "updated_at": to_ms(user.updated_at),
        "created_at": to_ms(user.created_at),
        "delete_self_enabled": True,
        "create_organization_enabled": False,
        "last_active_at": to_ms(user.last_sign_in_at),
        "legal_accepted_at": None,
    }


def session_json(session: Session) -> dict:
    return {
        "object": "session",
        "id": session.id,
        "user_id": session.user_id,
        "client_id": session.client_id,
        "status": session.status,
        "last_active_at": to_ms(session.last_active_at),
        "expire_at": to_ms(session.expire_at),
        "abandon_at": to_ms(session.expire_at),
        "created_at": to_ms(session.created_at),
        "updated_at": to_ms(session.updated_at),
    }


def sign_in_token_json(row: SignInToken, token: str | None = None) -> dict:
    """The token and its URL exist only in the answer to the create call: we keep a hash."""
    return {
        "object": "sign_in_token",
        "id": row.id,
        "user_id": row.user_id,
        "token": token,
        "status": row.status,
        "url": token_url(token) if token else None,
        "expire_at": to_ms(row.expire_at),
        "redirect_url": row.redirect_url,
        "created_at": to_ms(row.created_at),
        "updated_at": to_ms(row.updated_at),
    }


def deleted_json(object_name: str, object_id: str) -> dict:
    return {"object": object_name, "id": object_id, "deleted": True}
