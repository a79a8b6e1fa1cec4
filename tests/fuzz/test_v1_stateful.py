"""Schemathesis, stateful: chains of /v1 calls along the OpenAPI document's links (a user is
created, gets a sign-in token, which is read, revoked, revoked again; the user is banned,
deleted…). No 5xx, every answer as documented, and schemathesis' stateful checks (a created
resource can be read; a deleted one is gone; the key is enforced)."""

import pytest
import schemathesis
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle
from schemathesis.generation.meta import TestPhase
from schemathesis.generation.stateful.state_machine import StepInput
from schemathesis.specs.openapi.checks import (
    ensure_resource_availability,
    negative_data_rejection,
    positive_data_acceptance,
)
from schemathesis.specs.openapi.stateful import transition

from app.models import SecretKey
from tests.conftest import empty_tables
from tests.fuzz.strategies import GOOD_ADDRESSES

USERS = "POST /users"
# As in tests/api/test_openapi.py: schema-valid data may still get a documented 422 (a malformed
# or taken address), and unknown fields are ignored, as the SDKs expect.
EXCLUDED_CHECKS = [positive_data_acceptance, negative_data_rejection, ensure_resource_availability]


def created_resource_is_found(ctx, response, case):
    """schemathesis' ensure_resource_availability, except for calls whose body names another
    object by id: SPEC §5 answers an unknown `…_id` in a body with 404, which is about that id,
    not about the created resource in the path."""
    if isinstance(case.body, dict) and any(str(name).endswith("_id") for name in case.body):
        return None
    if a_user_was_deleted(ctx):
        return None
    return ensure_resource_availability(ctx, response, case)


def a_user_was_deleted(ctx) -> bool:
    """Whether the scenario deleted a user: the user's sign-in tokens, addresses and sessions go
    with it, under paths of their own that schemathesis does not see as below /users/{id}."""
    recorder = ctx.internals.recorder
    if recorder is None:
        return False
    for prior in recorder.find_all_cases():
        if prior.operation.method.upper() == "DELETE" and prior.path == "/users/{user_id}":
            answer = recorder.find_response(case_id=prior.id)
            if answer is not None and 200 <= answer.status_code < 300:
                return True
    return False


@pytest.fixture
def api_workflow(app, secret_key):
    """The state machine over the operations whose paths match `path_regex` (all by default)."""
    return lambda path_regex=".": workflow(app, secret_key, path_regex)


def workflow(app, secret_key, path_regex):
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", app).include(path_regex=path_regex)
    # The document's own links (app/v1/links.py), not schemathesis' guesses: the
    # scenarios stay on the chains that matter instead of thinning out over 188 inferred ones.
    schema.config.phases.stateful.inference.algorithms = []

    @schema.auth()
    class SecretKeyAuth:
        def get(self, case, context):
            return secret_key

        def set(self, case, key, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {key}"}

    users = schema["/users"]["POST"]

    class ApiWorkflow(schema.as_state_machine()):
        # Schemathesis reads POST /users' `email_address` as a reference to some other resource,
        # so it never starts a chain there: this rule does, with addresses the API accepts (IDN
        # domains among them; two alike are refused as taken), and the links go on from there.
        create_user = transition(
            name="create_user",
            target=Bundle("catch_all"),
            precondition=lambda machine: machine.control.allow_root_transition(
                USERS, machine.bundles
            ),
            input=st.lists(GOOD_ADDRESSES, min_size=1, max_size=2)
            .flatmap(
                lambda emails: users.as_strategy(
                    body={"email_address": emails}, phase=TestPhase.STATEFUL
                )
            )
            .map(StepInput.initial),
        )

        def setup(self):
            # Every scenario starts from an empty database but for the key: its outcome must not
            # hang on the scenarios before it, or Hypothesis cannot replay it.
            empty_tables(app, keep=[SecretKey])

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                excluded_checks=EXCLUDED_CHECKS,
                additional_checks=[created_resource_is_found],
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    # Chains start from a created user: POST /users is the one root. Schemathesis' own roots,
    # single calls with made-up ids, are tests/api/test_openapi.py's work; here they would crowd
    # the chains out.
    for name in ApiWorkflow.root_rules:
        setattr(ApiWorkflow, name, None)
    ApiWorkflow.root_rules = frozenset({"create_user"})
    ApiWorkflow._root_labels = frozenset({USERS})
    return ApiWorkflow


def run(machine, scenarios: int, steps: int) -> None:
    # Which link a step follows is drawn by schemathesis outside Hypothesis, so the chains vary a
    # little between runs; the properties hold for every chain.
    machine.run(
        settings=settings(
            machine.TestCase.settings,
            max_examples=scenarios,
            stateful_step_count=steps,
            derandomize=True,
            database=None,
        )
    )


def test_chains_of_calls_answer_as_documented(api_workflow):
    run(api_workflow(), scenarios=30, steps=10)


def test_sign_in_token_lifecycle_answers_as_documented(api_workflow):
    """Users and their tokens only: minted, read, revoked, revoked again, in any order."""
    run(api_workflow(r"^/users$|^/sign_in_tokens"), scenarios=20, steps=6)
