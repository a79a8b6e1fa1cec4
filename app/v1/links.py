"""OpenAPI links of /v1: which later call an answer's ids feed (create a user, then mint it a
sign-in token, then revoke it…). Integrators read them as documentation; schemathesis' stateful
tests follow them to chain calls (tests/fuzz/test_v1_stateful.py)."""

ANSWER_ID = "$response.body#/id"
ADDRESS_PATH = "/email_addresses/{email_address_id}"
TOKEN_PATH = "/sign_in_tokens/{sign_in_token_id}"


def link(path: str, method: str, parameters: dict | None = None, body: dict | None = None) -> dict:
    """A link to the operation at `path` and `method`; `parameters` and `body` hold runtime
    expressions on this answer (in `body` they are filled in and merged into the request body)."""
    spec = {"operationRef": f"#/paths/{path.replace('/', '~1')}/{method}"}
    if parameters:
        spec["parameters"] = parameters
    if body:
        spec["requestBody"] = body
    return spec


def address_links(address_id: str, prefix: str = "") -> dict:
    """Read, change and remove the email address whose id the expression `address_id` gives."""
    address = {"email_address_id": address_id}
    return {
        f"Get{prefix}EmailAddress": link(ADDRESS_PATH, "get", address),
        f"Update{prefix}EmailAddress": link(ADDRESS_PATH, "patch", address),
        f"Delete{prefix}EmailAddress": link(ADDRESS_PATH, "delete", address),
    }


USER = {"user_id": ANSWER_ID}
USER_LINKS = {
    "GetUser": link("/users/{user_id}", "get", USER),
    "UpdateUser": link("/users/{user_id}", "patch", USER),
    "UpdateUserMetadata": link("/users/{user_id}/metadata", "patch", USER),
    "DeleteUser": link("/users/{user_id}", "delete", USER),
    "BanUser": link("/users/{user_id}/ban", "post", USER),
    "UnbanUser": link("/users/{user_id}/unban", "post", USER),
    "ListSessions": link("/sessions", "get", USER),
    "CreateSignInToken": link("/sign_in_tokens", "post", body=USER),
    "CreateEmailAddress": link("/email_addresses", "post", body=USER),
    **address_links("$response.body#/primary_email_address_id", prefix="Primary"),
}
TOKEN = {"sign_in_token_id": ANSWER_ID}
SIGN_IN_TOKEN_LINKS = {
    "GetSignInToken": link(TOKEN_PATH, "get", TOKEN),
    "RevokeSignInToken": link(f"{TOKEN_PATH}/revoke", "post", TOKEN),
}
EMAIL_ADDRESS_LINKS = address_links(ANSWER_ID)
