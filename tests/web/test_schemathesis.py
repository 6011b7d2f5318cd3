"""The API does what its OpenAPI description says: schemathesis, every check.

For each caller (anonymous, JPN's delegation, the secretariat) the app over a
fresh NAPCI record on SQLite is run through schemathesis's engine as
``schemathesis run --checks all`` would run it (``api_fuzz.fuzz``): the
coverage phase (each schema's boundaries and violations, methods a path
does not have, a missing ``Authorization``), property-based fuzzing with
valid and invalid data, and the stateful phase, whose sequences follow the
links schemathesis infers from the description (a meeting convened, then
read, confirmed, held; a proposal tabled, then a position on it ...). Every
check runs: no server error, every status and content type documented,
every body and header as described, valid data accepted and invalid data
refused, security enforced as declared (commands) and not (reads), ``Allow``
on every 405. A run finds nothing, or the test fails with every finding.

As the delegation and the secretariat, commands reach the rules of
procedure and the ledger: some are recorded (201), most are refused (409),
and both are checked against the description.

The coverage phase runs once, as JPN's delegation. Its cases are the
description's boundaries and violations, and a body is checked against its
schema before anyone's role is (the same code for every caller), so its
cases would be answered alike as the secretariat; without a token they meet
a 401 before any boundary. Drawing them is most of the phase's cost (over
800 cases for ``POST /proposals``, whose rule changes alone are forty bounded
numbers: about three minutes on one core), so the other callers run the
examples, fuzzing and stateful phases only.

:data:`MAX_EXAMPLES` is how many cases hypothesis draws per operation and
phase. 10 keeps the two shorter runs near forty seconds each on one core of
the CI machine, and the delegation's near four minutes (the three run in
parallel with the rest of the suite).
"""

from __future__ import annotations

import pytest
from api_fuzz import fuzz
from webapp import WebRecord

pytestmark = pytest.mark.slow

#: Cases hypothesis draws per operation and phase (see the module's docstring).
MAX_EXAMPLES = 10


@pytest.mark.parametrize("user", [None, "delegate", "facilitator"])
def test_the_api_does_what_its_description_says(
    sqlite_web_record: WebRecord, user: str | None
) -> None:
    record = sqlite_web_record
    token = None if user is None else record.tokens[user]
    coverage = user == "delegate"
    outcome = fuzz(
        record.app, token=token, max_examples=MAX_EXAMPLES, coverage=coverage
    )
    found = outcome.failures + outcome.errors
    assert found == [], "\n\n".join(found)
    assert outcome.cases > (3000 if coverage else 300)
    assert 500 not in outcome.statuses
    if user is not None:  # commands were judged by the rules, some recorded
        assert outcome.statuses.get(201, 0) > 0
        assert outcome.statuses.get(409, 0) > 0
