"""The ledger's checks of a key's confirmation, on both backends.

A KeyConfirmed is accepted only signed by the very key it confirms, on
behalf of the key's own actor, once the key is registered and while it is
not revoked. Anything else refuses the whole batch, and nothing is appended.
"""

from __future__ import annotations

from datetime import date

import pytest

from napci.adapters.db import LedgerError
from napci.domain.events import KeyConfirmed
from napci.domain.key_requests import make_key_request
from napci.domain.signing import generate_key_pair
from napci.services.drafting import draft

ON = date(2013, 5, 8)


def test_a_key_request_lands_and_verifies(ledger, drafts) -> None:
    pair = generate_key_pair()
    request = make_key_request(pair, "KOR", ON)
    ledger.append([*request.drafts, drafts.joined("KOR", key=pair)], principal="u")
    report = ledger.verify()
    assert report.ok and report.signed == 3


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("unsigned", "signed with that very key"),
        ("another-actor", "belongs to KOR"),
        ("revoked", "was revoked"),
        ("unregistered", "is not registered"),
    ],
)
def test_a_confirmation_without_proof_appends_nothing(
    ledger, drafts, case: str, words: str
) -> None:
    pair = generate_key_pair()
    ledger.append([drafts.key_registered("KOR", pair)], principal="u")
    if case == "revoked":
        ledger.append([drafts.key_revoked("KOR", pair)], principal="u")
    if case == "unregistered":
        pair = generate_key_pair()
    before = ledger.head()
    confirmation = draft(
        KeyConfirmed(code="KOR", key_id=pair.key_id, confirmed_on=ON),
        occurred_at=ON,
        actor="JPN" if case == "another-actor" else "KOR",
        key=None if case == "unsigned" else pair,
    )
    batch = [drafts.joined("KOR"), confirmation]
    with pytest.raises(LedgerError, match=words):
        ledger.append(batch, principal="u")
    assert ledger.head() == before
    assert all(ledger.get(d.id) is None for d in batch)
