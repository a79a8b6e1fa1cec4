"""The JSON objects /v1 answers with, in the wire format of the hosted service's SDKs (SPEC §5).

Built from the rows, dumped as the answer and rendered into the OpenAPI document: one model each.
Fields Latchkey has no use for (phone numbers, passkeys…) are there with their empty values,
because the SDKs require every key."""

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from app.auth.sign_in_tokens import token_url
from app.clock import to_ms
from app.models import EmailAddress as EmailAddressRow
from app.models import Session as SessionRow
from app.models import SignInToken as SignInTokenRow
from app.models import User as UserRow
from app.models.sessions import ACTIVE, ENDED, EXPIRED, REVOKED
from app.models.tokens import TOKEN_ACCEPTED, TOKEN_PENDING, TOKEN_REVOKED

Ms = Annotated[int, Field(description="Unix milliseconds")]
EmptyList = list[dict[str, Any]]
Metadata = dict[str, Any]
# Every status the SDKs may ask for or parse; Latchkey never has the last four.
SessionStatus = Literal[
    ACTIVE, REVOKED, ENDED, EXPIRED, "removed", "abandoned", "replaced", "pending"
]
VERIFICATION_OBJECTS = {
    "email_link": "verification_email_link",
    "admin": "verification_admin",
    "ticket": "verification_ticket",
}


class ApiObject(BaseModel):
    # Constant fields (`"object": "user"`, `"reserved": false`) are still in every answer, so
    # the document marks them required too.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class Verification(ApiObject):
    object: Literal["verification_email_link", "verification_admin", "verification_ticket"]
    status: Literal["unverified", "verified", "failed", "expired"]
    strategy: Literal["email_link", "admin", "ticket"]
    attempts: int | None = None
    expire_at: int | None = None


class EmailAddress(ApiObject):
    id: str = Field(pattern="^idn_")
    object: Literal["email_address"] = "email_address"
    email_address: str
    reserved: bool = False
    verification: Verification | None
    linked_to: EmptyList = []
    created_at: Ms
    updated_at: Ms

    @classmethod
    def of(cls, address: EmailAddressRow) -> "EmailAddress":
        strategy = address.verification_strategy
        verification = None
        if strategy:
            verification = Verification(
                object=VERIFICATION_OBJECTS[strategy],
                status="verified" if address.verified else "unverified",
                strategy=strategy,
            )
        return cls(
            id=address.id,
            email_address=address.email,
            verification=verification,
            created_at=to_ms(address.created_at),
            updated_at=to_ms(address.updated_at),
        )


class User(ApiObject):
    id: str = Field(pattern="^user_")
    object: Literal["user"] = "user"
    external_id: str | None
    primary_email_address_id: str | None
    primary_phone_number_id: None = None
    primary_web3_wallet_id: None = None
    username: None = None
    first_name: str | None
    last_name: str | None
    image_url: str = ""
    has_image: bool = False
    public_metadata: Metadata
    private_metadata: Metadata
    unsafe_metadata: Metadata = {}
    email_addresses: list[EmailAddress]
    phone_numbers: EmptyList = []
    web3_wallets: EmptyList = []
    passkeys: EmptyList = []
    password_enabled: bool = False
    two_factor_enabled: bool = False
    totp_enabled: bool = False
    backup_code_enabled: bool = False
    mfa_enabled_at: None = None
    mfa_disabled_at: None = None
    external_accounts: EmptyList = []
    saml_accounts: EmptyList = []
    enterprise_accounts: EmptyList = []
    last_sign_in_at: Ms | None
    banned: bool
    locked: bool = False
    lockout_expires_in_seconds: None = None
    verification_attempts_remaining: None = None
    updated_at: Ms
    created_at: Ms
    delete_self_enabled: bool = True
    create_organization_enabled: bool = False
    last_active_at: Ms | None
    legal_accepted_at: None = None

    @classmethod
    def of(cls, user: UserRow) -> "User":
        return cls(
            id=user.id,
            external_id=user.external_id,
            primary_email_address_id=user.primary_email_address_id,
            first_name=user.first_name,
            last_name=user.last_name,
            public_metadata=user.public_metadata or {},
            private_metadata=user.private_metadata or {},
            email_addresses=[EmailAddress.of(address) for address in user.email_addresses],
            last_sign_in_at=to_ms(user.last_sign_in_at),
            banned=user.banned,
            updated_at=to_ms(user.updated_at),
            created_at=to_ms(user.created_at),
            last_active_at=to_ms(user.last_sign_in_at),
        )


class Session(ApiObject):
    object: Literal["session"] = "session"
    id: str = Field(pattern="^sess_")
    user_id: str
    client_id: str
    status: SessionStatus
    last_active_at: Ms
    expire_at: Ms
    abandon_at: Ms
    created_at: Ms
    updated_at: Ms

    @classmethod
    def of(cls, session: SessionRow) -> "Session":
        return cls(
            id=session.id,
            user_id=session.user_id,
            client_id=session.client_id,
            status=session.status,
            last_active_at=to_ms(session.last_active_at),
            expire_at=to_ms(session.expire_at),
            abandon_at=to_ms(session.expire_at),
            created_at=to_ms(session.created_at),
            updated_at=to_ms(session.updated_at),
        )


class SignInToken(ApiObject):
    object: Literal["sign_in_token"] = "sign_in_token"
    id: str = Field(pattern="^sit_")
    user_id: str
    token: str | None = Field(description="Only in the answer to the create call")
    status: Literal[TOKEN_PENDING, TOKEN_ACCEPTED, TOKEN_REVOKED]
    url: str | None = Field(description="Only in the answer to the create call")
    expire_at: Ms
    redirect_url: str | None
    created_at: Ms
    updated_at: Ms

    @classmethod
    def of(cls, row: SignInTokenRow, token: str | None = None) -> "SignInToken":
        """The token and its URL exist only in the answer to the create call: we keep a hash."""
        return cls(
            id=row.id,
            user_id=row.user_id,
            token=token,
            status=row.status,
            url=token_url(token) if token else None,
            expire_at=to_ms(row.expire_at),
            redirect_url=row.redirect_url,
            created_at=to_ms(row.created_at),
            updated_at=to_ms(row.updated_at),
        )


class SessionToken(ApiObject):
    object: Literal["token"] = "token"
    jwt: str


class Jwk(ApiObject):
    """A public key that signs session tokens"""

    # Only these members are ever answered: a private one (`d`, `p`, `q`…) could not reach
    # the wire even if the stored JWK held it, as the model drops what it does not name.
    use: Literal["sig"]
    kty: Literal["RSA"]
    kid: str
    alg: Literal["RS256"]
    n: str
    e: str


class Jwks(ApiObject):
    keys: list[Jwk]


class Deleted(ApiObject):
    object: str
    id: str
    deleted: Literal[True] = True


class TotalCount(ApiObject):
    object: Literal["total_count"] = "total_count"
    total_count: int


Item = TypeVar("Item", bound=ApiObject)


class Paginated(ApiObject, Generic[Item]):
    """A list answer: with ?paginated=true as it is, otherwise only its `data`, as an array."""

    data: list[Item]
    total_count: int


class UserList(Paginated[User]):
    pass


class SessionList(Paginated[Session]):
    pass


class Error(BaseModel):
    """The one error shape (app/views/errors.py writes it; SPEC §5)."""

    code: str
    message: str
    long_message: str
    meta: dict[str, Any]


class Errors(BaseModel):
    errors: list[Error] = Field(min_length=1)
