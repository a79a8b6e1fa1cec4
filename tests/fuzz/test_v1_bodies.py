"""Hypothesis on /v1 request bodies, past what the OpenAPI document lets schemathesis generate:
any JSON (lone surrogates escaped as \\ud800, NUL, deep nesting, wrong types) in every field
of every write, for a real user, address, token and session. No 5xx; errors in SPEC §5's shape."""

import json

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from app.views.backend_api import routes
from tests.api.conftest import session_id, user_id  # noqa: F401  (fixtures: a user, a session)
from tests.fuzz.strategies import ADDRESSES, JSON_VALUES, TEXT, assert_answered, fuzzing

# Every write -> the fields its body model reads: the route table says, so a new field is fuzzed
# as soon as a view reads it.
WRITES = {
    (operation.method.upper(), operation.path): list(operation.body.model_fields)
    if operation.body
    else []
    for operation in routes.operations
    if operation.method in ("post", "patch")
}


@pytest.fixture
def ids(app, api, user_id, session_id):  # noqa: F811
    """Real ids to aim at: the user, their address, a sign-in token of theirs, a session."""
    user = api.get(f"/users/{user_id}").get_json()
    token = api.post("/sign_in_tokens", json={"user_id": user_id}).get_json()
    return {
        "user_id": user_id,
        "email_address_id": user["primary_email_address_id"],
        "sign_in_token_id": token["id"],
        "session_id": session_id,
    }


def test_any_json_to_any_write_answers_without_a_5xx(api, ids):
    values = st.one_of(
        JSON_VALUES, ADDRESSES, st.lists(ADDRESSES, max_size=2), st.sampled_from(list(ids.values()))
    )

    @fuzzing(80)
    @given(
        operation=st.sampled_from(sorted(WRITES)),
        fields=st.data(),
        extra=st.dictionaries(TEXT, JSON_VALUES, max_size=2),
    )
    def write(operation, fields, extra):
        method, path = operation
        chosen = fields.draw(
            st.fixed_dictionaries({}, optional=dict.fromkeys(WRITES[operation], values))
        )
        body = json.dumps({**extra, **chosen})  # lone surrogates go as \ud800 escapes
        note(f"{method} {path} {body}")
        response = getattr(api, method.lower())(
            path.format(**ids), data=body, headers={"Content-Type": "application/json"}
        )
        assert_answered(response)

    write()
