"""The OpenAPI 3 document of /v1, written next to the code it describes and tested against it."""

from functools import cache

from app.auth.sign_in_tokens import MAX_LIFETIME
from app.views.openapi_links import EMAIL_ADDRESS_LINKS, SIGN_IN_TOKEN_LINKS, USER_LINKS

NULLABLE_STRING = {"type": "string", "nullable": True}
NULLABLE_INT = {"type": "integer", "nullable": True}
TIME = {"type": "integer", "description": "Unix milliseconds"}
EMPTY_LIST = {"type": "array", "items": {"type": "object"}}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: dict, optional: dict | None = None) -> dict:
    return {
        "type": "object",
        "required": sorted(required),
        "properties": {**required, **(optional or {})},
    }


SCHEMAS = {
    "Error": obj(
        {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "long_message": {"type": "string"},
            "meta": {"type": "object"},
        }
    ),
    "Errors": obj({"errors": {"type": "array", "items": ref("Error"), "minItems": 1}}),
    "Verification": {
        "type": "object",
        "nullable": True,
        "required": ["object", "status", "strategy", "attempts", "expire_at"],
        "properties": {
            "object": {
                "type": "string",
                "enum": ["verification_email_link", "verification_admin", "verification_ticket"],
            },
            "status": {"type": "string", "enum": ["unverified", "verified", "failed", "expired"]},
            "strategy": {"type": "string", "enum": ["email_link", "admin", "ticket"]},
            "attempts": NULLABLE_INT,
            "expire_at": NULLABLE_INT,
        },
    },
    "EmailAddress": obj(
        {
            "id": {"type": "string", "pattern": "^idn_"},
            "object": {"type": "string", "enum": ["email_address"]},
            "email_address": {"type": "string"},
            "reserved": {"type": "boolean"},
            "verification": ref("Verification"),
            "linked_to": EMPTY_LIST,
            "created_at": TIME,
            "updated_at": TIME,
        }
    ),
    "User": obj(
        {
            "id": {"type": "string", "pattern": "^user_"},
            "object": {"type": "string", "enum": ["user"]},
            "external_id": NULLABLE_STRING,
            "primary_email_address_id": NULLABLE_STRING,
            "primary_phone_number_id": NULLABLE_STRING,
            "primary_web3_wallet_id": NULLABLE_STRING,
            "username": NULLABLE_STRING,
            "first_name": NULLABLE_STRING,
            "last_name": NULLABLE_STRING,
            "image_url": {"type": "string"},
            "has_image": {"type": "boolean"},
            "public_metadata": {"type": "object"},
            "private_metadata": {"type": "object"},
            "unsafe_metadata": {"type": "object"},
            "email_addresses": {"type": "array", "items": ref("EmailAddress")},
            "phone_numbers": EMPTY_LIST,
            "web3_wallets": EMPTY_LIST,
            "passkeys": EMPTY_LIST,
            "password_enabled": {"type": "boolean"},
            "two_factor_enabled": {"type": "boolean"},
            "totp_enabled": {"type": "boolean"},
            "backup_code_enabled": {"type": "boolean"},
            "mfa_enabled_at": NULLABLE_INT,
            "mfa_disabled_at": NULLABLE_INT,
            "external_accounts": EMPTY_LIST,
            "saml_accounts": EMPTY_LIST,
            "enterprise_accounts": EMPTY_LIST,
            "last_sign_in_at": NULLABLE_INT,
            "banned": {"type": "boolean"},
            "locked": {"type": "boolean"},
            "lockout_expires_in_seconds": NULLABLE_INT,
            "verification_attempts_remaining": NULLABLE_INT,
            "updated_at": TIME,
            "created_at": TIME,
            "delete_self_enabled": {"type": "boolean"},
            "create_organization_enabled": {"type": "boolean"},
            "last_active_at": NULLABLE_INT,
            "legal_accepted_at": NULLABLE_INT,
        }
    ),
    "Session": obj(
        {
            "object": {"type": "string", "enum": ["session"]},
            "id": {"type": "string", "pattern": "^sess_"},
            "user_id": {"type": "string"},
            "client_id": {"type": "string"},
            "status": {
                "type": "string",
                "enum": ["active", "revoked", "ended", "expired", "removed", "abandoned"],
            },
            "last_active_at": TIME,
            "expire_at": TIME,
            "abandon_at": TIME,
            "created_at": TIME,
            "updated_at": TIME,
        }
    ),
    "SignInToken": obj(
        {
            "object": {"type": "string", "enum": ["sign_in_token"]},
            "id": {"type": "string", "pattern": "^sit_"},
            "user_id": {"type": "string"},
            "token": {**NULLABLE_STRING, "description": "Only in the answer to the create call"},
            "status": {"type": "string", "enum": ["pending", "accepted", "revoked"]},
            "url": {**NULLABLE_STRING, "description": "Only in the answer to the create call"},
            "expire_at": TIME,
            "redirect_url": NULLABLE_STRING,
            "created_at": TIME,
            "updated_at": TIME,
        }
    ),
    "Deleted": obj(
        {"object": {"type": "string"}, "id": {"type": "string"}, "deleted": {"type": "boolean"}}
    ),
    "TotalCount": obj(
        {"object": {"type": "string", "enum": ["total_count"]}, "total_count": {"type": "integer"}}
    ),
}

ERROR_STATUSES = {
    "400": "Malformed request, or an action the resource's state does not allow",
    "401": "Missing, malformed, unknown or revoked secret key",
    "404": "No such resource",
    "413": "Request body too large",
    "422": "A parameter is missing or invalid, or an address is taken",
    "429": "Too many requests for this key; see Retry-After",
}


def answer(schema: dict, description="Success", links: dict | None = None) -> dict:
    responses = {
        "200": {"description": description, "content": {"application/json": {"schema": schema}}}
    }
    if links:
        responses["200"]["links"] = links
    for status, text in ERROR_STATUSES.items():
        responses[status] = {
            "description": text,
            "content": {"application/json": {"schema": ref("Errors")}},
        }
    return responses


def listed(name: str) -> dict:
    return {
        "oneOf": [
            {"type": "array", "items": ref(name)},
            obj(
                {"data": {"type": "array", "items": ref(name)}, "total_count": {"type": "integer"}}
            ),
        ]
    }


def path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def query(name: str, schema: dict, description: str = "") -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def operation(summary: str, response: dict, *, params=(), body=None, links=None) -> dict:
    spec = {
        "summary": summary,
        "parameters": list(params),
        "responses": answer(response, links=links),
    }
    if body is not None:
        spec["requestBody"] = json_body(body)
    return spec


ORDER_FIELDS = (
    "created_at",
    "updated_at",
    "last_sign_in_at",
    "last_active_at",
    "first_name",
    "last_name",
    "email_address",
    "username",
    "phone_number",
    "web3wallet",
)
PAGINATED = query("paginated", {"type": "boolean"}, "Answer {data, total_count}")
USER_FILTERS = [
    query("email_address", {"type": "array", "items": {"type": "string"}}),
    query("user_id", {"type": "array", "items": {"type": "string"}}),
    query("query", {"type": "string"}),
]
USER_CHANGES = {
    "first_name": NULLABLE_STRING,
    "last_name": NULLABLE_STRING,
    "external_id": NULLABLE_STRING,
    "public_metadata": {"type": "object"},
    "private_metadata": {"type": "object"},
    "primary_email_address_id": {"type": "string"},
}


@cache
def openapi_document() -> dict:
    user_id = path_id("user_id")
    return {
        "openapi": "3.0.3",
        "info": {"title": "Latchkey backend API", "version": "1"},
        "servers": [{"url": "/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/sign_in_tokens": {
                "post": operation(
                    "Mint a one-time sign-in token",
                    ref("SignInToken"),
                    body=obj(
                        {"user_id": {"type": "string"}},
                        {
                            "expires_in_seconds": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_LIFETIME,
                            },
                            "redirect_url": {"type": "string"},
                        },
                    ),
                    links=SIGN_IN_TOKEN_LINKS,
                )
            },
            "/sign_in_tokens/{sign_in_token_id}": {
                "get": operation(
                    "Get a sign-in token", ref("SignInToken"), params=[path_id("sign_in_token_id")]
                )
            },
            "/sign_in_tokens/{sign_in_token_id}/revoke": {
                "post": operation(
                    "Revoke a pending sign-in token",
                    ref("SignInToken"),
                    params=[path_id("sign_in_token_id")],
                    links=SIGN_IN_TOKEN_LINKS,
                )
            },
            "/users": {
                "get": operation(
                    "List users",
                    listed("User"),
                    params=[
                        *USER_FILTERS,
                        query("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
                        query("offset", {"type": "integer", "minimum": 0}),
                        query(
                            "order_by",
                            {
                                "type": "string",
                                "enum": [
                                    f"{sign}{field}"
                                    for sign in ("", "+", "-")
                                    for field in ("created_at", "updated_at", "last_sign_in_at")
                                ],
                            },
                        ),
                        PAGINATED,
                    ],
                ),
                "post": operation(
                    "Create a user with verified email addresses",
                    ref("User"),
                    body=obj(
                        {
                            "email_address": {
                                "type": "array",
                                "items": {"type": "string"},
                                "minItems": 1,
                            }
                        },
                        {
                            "first_name": {"type": "string"},
                            "last_name": {"type": "string"},
                            "public_metadata": {"type": "object"},
                        },
                    ),
                    links=USER_LINKS,
                ),
            },
            "/users/count": {
                "get": operation("Count users", ref("TotalCount"), params=USER_FILTERS)
            },
            "/users/{user_id}": {
                "get": operation("Get a user", ref("User"), params=[user_id], links=USER_LINKS),
                "patch": operation(
                    "Update a user", ref("User"), params=[user_id], body=obj({}, USER_CHANGES)
                ),
                "delete": operation("Delete a user", ref("Deleted"), params=[user_id]),
            },
            "/users/{user_id}/metadata": {
                "patch": operation(
                    "Merge into a user's metadata (a null value removes a key)",
                    ref("User"),
                    params=[user_id],
                    body=obj(
                        {},
                        {
                            "public_metadata": {"type": "object"},
                            "private_metadata": {"type": "object"},
                            "unsafe_metadata": {"type": "object"},
                        },
                    ),
                )
            },
            "/users/{user_id}/ban": {
                "post": operation(
                    "Ban a user and end their sessions",
                    ref("User"),
                    params=[user_id],
                    links=USER_LINKS,
                )
            },
            "/users/{user_id}/unban": {
                "post": operation("Lift a ban", ref("User"), params=[user_id])
            },
            "/email_addresses": {
                "post": operation(
                    "Add an email address to a user",
                    ref("EmailAddress"),
                    body=obj(
                        {"user_id": {"type": "string"}, "email_address": {"type": "string"}},
                        {"verified": {"type": "boolean"}, "primary": {"type": "boolean"}},
                    ),
                    links=EMAIL_ADDRESS_LINKS,
                )
            },
            "/email_addresses/{email_address_id}": {
                "get": operation(
                    "Get an email address",
                    ref("EmailAddress"),
                    params=[path_id("email_address_id")],
                ),
                "patch": operation(
                    "Verify an address or make it primary",
                    ref("EmailAddress"),
                    params=[path_id("email_address_id")],
                    body=obj({}, {"verified": {"type": "boolean"}, "primary": {"type": "boolean"}}),
                ),
                "delete": operation(
                    "Remove an email address", ref("Deleted"), params=[path_id("email_address_id")]
                ),
            },
            "/sessions": {
                "get": operation(
                    "List sessions",
                    listed("Session"),
                    params=[
                        query("user_id", {"type": "string"}),
                        query(
                            "status",
                            {
                                "type": "string",
                                "enum": [
                                    "active",
                                    "revoked",
                                    "ended",
                                    "expired",
                                    "removed",
                                    "abandoned",
                                ],
                            },
                        ),
                        PAGINATED,
                    ],
                )
            },
            "/sessions/{session_id}": {
                "get": operation("Get a session", ref("Session"), params=[path_id("session_id")])
            },
            "/sessions/{session_id}/revoke": {
                "post": operation(
                    "Revoke a session", ref("Session"), params=[path_id("session_id")]
                )
            },
        },
    }
