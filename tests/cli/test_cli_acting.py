"""Acting through the command line under rule 0: no one acts for another.

The command line, the operator's tool, acted as any actor named with
``--actor``: whoever ran it could record a position, a join or an
acknowledgement as China. It now signs in as the API does: ``--token`` (or
``NAPCI_TOKEN``) makes it the napci user holding the token, acting for that
user's actor only, in that user's capacity, recorded as that user; without a
token the operator acts as the facilitator's secretariat and as nothing
else. ``--actor`` must name the actor the caller acts for.
"""

from __future__ import annotations

import pytest
from cli_verbs import ACTING, ADMIN, FILES, READING, acting_args, params_of, verbs
from napci_console import Console


def test_every_verb_that_acts_signs_in() -> None:
    found = verbs()
    assert set(found) == set(READING) | set(ADMIN) | set(ACTING) | set(FILES), (
        "a verb is missing from cli_verbs.py: say whether it reads, administers, "
        "acts, or works on files alone"
    )
    for verb in ACTING:
        assert "token" in params_of(verb), f"napci {verb} takes no --token"
    for verb in READING:
        assert "token" not in params_of(verb), f"napci {verb} only reads"
    for verb in FILES:
        assert not {"token", "db"} & params_of(verb), f"napci {verb} opens a record"


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Console:
    """A record the hostile attempts run against (none appends anything)."""
    console = Console(f"sqlite:///{tmp_path_factory.mktemp('acting') / 'napci.db'}")
    console("init")
    return console


@pytest.mark.parametrize("verb", sorted(ACTING))
def test_without_its_token_no_verb_acts_for_a_delegation(
    record: Console, verb: str
) -> None:
    before = record.head()
    message = record.refused(*verb.split(), *acting_args(verb, "JPN"))
    assert message.startswith("Error: acting for JPN needs its delegation's token")
    assert "--token" in message
    assert "napci users add NAME --role delegate --actor JPN" in message
    assert record.head() == before


@pytest.mark.parametrize("verb", sorted(ACTING))
def test_with_one_delegations_token_no_verb_acts_for_another(
    record: Console, verb: str
) -> None:
    before = record.head()
    jpn = record.delegation("JPN")
    message = jpn.refused(*verb.split(), *acting_args(verb, "CHN"))
    assert "acts for JPN, not for CHN" in message
    assert "(rule 0: no one acts for another)" in message
    assert record.head() == before


def test_a_token_acts_for_its_delegation_and_is_recorded_as_its_user(
    napci: Console,
) -> None:
    napci(
        "meetings", "convene", "m1", "--title", "Environment WG",
        "--track", "environment", "--starts-on", "2015-03-10", "--on", "2015-03-01",
    )  # fmt: skip
    napci(
        "proposals", "table", "p1", "--kind", "add-track", "--track",
        "marine-litter", "--title", "Marine litter", "--meeting", "m1",
        "--on", "2015-03-10",
    )  # fmt: skip
    jpn = napci.delegation("JPN")
    position = ["proposals", "position", "p1", "--position", "support"]
    jpn(*position, "--actor", "JPN", "--on", "2015-03-10")
    jpn(*position, "--actor", "jpn", "--on", "2015-03-11")  # any case
    [event] = napci.json("ledger", "log", "--last", "--limit", "1")
    assert (event["type"], event["actor"]) == ("PositionRecorded", "JPN")
    assert event["principal"] == "user:jpn-delegation"

    # Before the verb, or from the environment: after the verb wins.
    assert jpn.token is not None
    napci("--token", jpn.token, *position, "--actor", "JPN", "--on", "2015-03-12")
    napci(*position, "--actor", "JPN", "--on", "2015-03-13",
          env={"NAPCI_TOKEN": jpn.token})  # fmt: skip
    chn = napci.delegation("CHN")
    assert chn.token is not None
    chn(*position, "--actor", "CHN", "--on", "2015-03-13",
        env={"NAPCI_TOKEN": jpn.token})  # fmt: skip
    actors = [e["actor"] for e in napci.json("ledger", "log", "--last", "--limit", "4")]
    assert actors == ["JPN", "JPN", "JPN", "CHN"]

    # Without a token: the secretariat, as the operator, and recorded so.
    napci("meetings", "held", "m1", "--actor", "KOR", "--on", "2015-03-10")
    [held] = napci.json("ledger", "log", "--last", "--limit", "1")
    assert held["actor"] == "KOR"
    assert held["principal"].startswith("cli:")


def test_tokens_that_may_not_act_are_refused(napci: Console) -> None:
    before = napci.head()
    convene = ["meetings", "convene", "m1", "--title", "T", "--starts-on",
               "2015-03-10", "--on", "2015-03-01"]  # fmt: skip
    message = napci.refused(*convene, "--token", "napci_no-such-token")
    assert "the token is unknown or revoked" in message

    analyst = napci("users", "add", "analyst", "--role", "analyst")
    token = analyst.stdout.strip().splitlines()[-1]
    message = napci.refused(*convene, "--token", token)
    assert (
        message == "Error: user analyst (role analyst) reads the record but cannot act"
    )

    napci("users", "revoke", "jpn-delegation", code=2)  # not added yet
    jpn = napci.delegation("JPN")
    napci("users", "revoke", "jpn-delegation")
    message = jpn.refused("projects", "join", "p", "--actor", "JPN")
    assert "the token is unknown or revoked" in message
    assert napci.head() == before


def test_a_delegate_of_the_rok_is_not_the_secretariat(napci: Console) -> None:
    """The facilitator's authority goes with the role, not with the actor."""
    added = napci("users", "add", "rok", "--role", "delegate", "--actor", "KOR")
    rok = Console(napci.db, token=added.stdout.strip().splitlines()[-1])
    added = napci("users", "add", "sec", "--role", "facilitator", "--actor", "KOR")
    secretariat = Console(napci.db, token=added.stdout.strip().splitlines()[-1])
    invite = ["actors", "invite", "PRK", "--on", "2015-03-01"]
    assert "rule" in rok.refused(*invite)
    secretariat(*invite)
    [event] = napci.json("ledger", "log", "--last", "--limit", "1")
    assert (event["type"], event["principal"]) == ("ActorInvited", "user:sec")
