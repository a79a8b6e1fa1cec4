"""What /v1 reads: JSON bodies (strict: `true` is no number, `"60"` no integer) and query strings
(text by nature, so converted). Unknown fields are ignored, as the SDKs send more than we read."""

from dataclasses import replace
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from app.auth.accounts import ORDERINGS, UserQuery
from app.auth.settings import MAX_LIFETIME
from app.auth.signing_keys import MAX_SESSION_TOKEN_TTL
from app.v1.objects import Metadata, SessionStatus

Text = Annotated[str, Field(max_length=2048)]
Name = Annotated[str, Field(max_length=255)]  # the columns' width
Required = Annotated[str, Field(min_length=1, max_length=2048)]


class Body(BaseModel):
    model_config = ConfigDict(strict=True)


class NewSignInToken(Body):
    user_id: Required
    # Documented here, enforced by the domain for every way of minting (CLI, admin page, /v1).
    expires_in_seconds: int | None = Field(
        None, json_schema_extra={"minimum": 1, "maximum": MAX_LIFETIME}
    )
    redirect_url: Text | None = None


class NewSessionToken(Body):
    expires_in_seconds: int | None = Field(
        None,
        description="The token's life; SESSION_TOKEN_TTL (60) when left out",
        json_schema_extra={"minimum": 1, "maximum": MAX_SESSION_TOKEN_TTL},
    )


def _as_list(value):
    return [value] if isinstance(value, str) else value


class NewUser(Body):
    # One address may come bare; the SDKs send a list.
    email_address: Annotated[
        list[Text],
        BeforeValidator(_as_list, json_schema_input_type=list[str] | str),
        Field(min_length=1),
    ]
    first_name: Name | None = None
    last_name: Name | None = None
    public_metadata: Metadata | None = None


class UserChanges(Body):
    """Only the fields sent are changed; null clears a name or the external id."""

    first_name: Name | None = None
    last_name: Name | None = None
    external_id: Name | None = None
    public_metadata: Metadata | None = None
    private_metadata: Metadata | None = None
    primary_email_address_id: Name | None = None


class MetadataChanges(Body):
    public_metadata: Metadata | None = None
    private_metadata: Metadata | None = None
    unsafe_metadata: Metadata | None = Field(None, description="Accepted and ignored: none kept")


class NewEmailAddress(Body):
    user_id: Required
    email_address: Required
    verified: bool | None = None
    primary: bool | None = None


class EmailAddressChanges(Body):
    verified: bool | None = None
    primary: bool | None = None


MAX_LIMIT = 500
MAX_OFFSET = 10**9  # within a database integer, however a hand-typed URL tries
ORDER_BY = tuple(f"{sign}{field}" for sign in ("", "+", "-") for field in ORDERINGS)


class Listing(BaseModel):
    """Paging of a list query. Query models convert text ("10" is 10): a query string has no
    other types."""

    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    paginated: bool = Field(False, description="Answer {data, total_count}")


class UserFilters(BaseModel):
    email_address: list[str] = []
    user_id: list[str] = []
    query: str = ""

    def to_query(self) -> UserQuery:
        return UserQuery(
            email_addresses=tuple(self.email_address),
            user_ids=tuple(self.user_id),
            query=self.query,
        )


class UserListing(UserFilters, Listing):
    limit: int = Field(10, ge=1, le=MAX_LIMIT)
    order_by: Literal[ORDER_BY] = "-created_at"

    def to_query(self) -> UserQuery:
        filters = super().to_query()
        return replace(filters, limit=self.limit, offset=self.offset, order_by=self.order_by)


class SessionListing(Listing):
    user_id: str = ""
    client_id: str = ""
    status: SessionStatus | SkipJsonSchema[None] = None
    limit: int = Field(MAX_LIMIT, ge=1, le=MAX_LIMIT)
