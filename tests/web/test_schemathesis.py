"""Property-based tests of the whole API from its own OpenAPI description.

Schemathesis reads ``/openapi.json`` from the app (ASGI, no network) and, for
every operation, sends generated requests (valid and invalid ones) with the
facilitator's token to a fresh NAPCI record on SQLite: no request may get a
server error. The facilitator can act, so generated commands reach the rules
of procedure and the ledger, not only the validation.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from sqlalchemy import create_engine
from webapp import WebRecord

from napci.services.platform import Platform
from napci.settings import Settings
from napci.web.app import create_app
from napci.web.problems import PROBLEM

pytestmark = pytest.mark.slow


def described_app() -> FastAPI:
    """An app for its OpenAPI description only: it never opens its database
    (each test sends its requests to the app of its own fresh record)."""
    engine = create_engine("sqlite://")
    return create_app(Settings("sqlite://"), platform=Platform(engine))


# The description does not depend on the record: it is read once, at
# collection, and every operation is a test of its own, with its own record.
# (Schemathesis's own parametrization gives every item the same id under
# pytest 9, which pytest-xdist then runs once; its fixture-based loader does
# not run under pytest 9 at all.)
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", described_app())
OPERATIONS: list[Any] = [
    result.ok() for result in SCHEMA.get_all_operations() if isinstance(result, Ok)
]


def cases(operation: Any) -> st.SearchStrategy[Any]:
    """Requests to ``operation``: valid ones and invalid ones."""
    return st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )


@pytest.mark.parametrize("operation", OPERATIONS, ids=[o.label for o in OPERATIONS])
def test_no_request_gets_a_server_error(
    operation: Any, sqlite_web_record: WebRecord
) -> None:
    app = sqlite_web_record.app
    token = sqlite_web_record.auth("facilitator")

    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )
    @given(case=cases(operation))
    def no_server_error(case: Any) -> None:
        response = case.call(app=app, headers=token)
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code >= 400:
            assert response.headers["content-type"] == [PROBLEM], response.text

    no_server_error()


def test_every_operation_is_tested() -> None:
    assert len(OPERATIONS) == len(
        [m for ops in SCHEMA.raw_schema["paths"].values() for m in ops]
    )
