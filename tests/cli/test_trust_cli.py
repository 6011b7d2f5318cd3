"""``napci trust``, ``napci trust explain`` and ``napci status`` on the NAPCI record.

Driven through Typer's runner on a temporary SQLite file after ``napci init``.
"""

from __future__ import annotations

import pytest
from napci_console import Console, flat

SOFT_TRACKS = [
    "nuclear-safety",
    "energy-security",
    "environment",
    "disaster-relief",
    "cyberspace",
]


@pytest.fixture(scope="module")
def napci(tmp_path_factory: pytest.TempPathFactory) -> Console:
    """``napci`` on a database ``napci init`` has set up (read-only for the
    tests here)."""
    console = Console(f"sqlite:///{tmp_path_factory.mktemp('trust-cli') / 'napci.db'}")
    console("init")
    return console


# -- napci trust -------------------------------------------------------------------


def test_trust_json_as_of_the_end_of_2014(napci: Console) -> None:
    data = napci.json("trust", "--as-of", "2014-12-31")
    assert set(data) == {
        "as_of",
        "actors",
        "participants",
        "tracks",
        "regional_trust_index",
        "trust_deficit",
        "standing",
        "pairs",
    }
    assert data["as_of"] == "2014-12-31"
    assert {"KOR", "USA", "CHN", "JPN", "RUS", "MNG", "PRK", "ASEAN", "EU"} <= set(
        data["actors"]
    )
    assert data["participants"] == ["CHN", "JPN", "KOR", "MNG", "RUS", "USA"]
    assert data["tracks"] == SOFT_TRACKS
    index = data["regional_trust_index"]
    assert 0.3 <= index < 1
    assert data["trust_deficit"] == pytest.approx(1 - index, abs=2e-6)
    assert set(data["standing"]) == set(data["participants"])
    assert sum(data["standing"].values()) == pytest.approx(1, abs=1e-5)
    n = len(data["actors"])
    assert len(data["pairs"]) == n * (n - 1) // 2
    pairs = {tuple(p["pair"]): p for p in data["pairs"]}
    kor_chn = pairs[("KOR", "CHN")]
    assert set(kor_chn["tracks"]) == set(SOFT_TRACKS)
    assert kor_chn["trust"] > kor_chn["base_rate"] == 0.3
    environment = kor_chn["tracks"]["environment"]
    assert set(environment) == {
        "trust",
        "ladder",
        "ladder_step",
        "KOR->CHN",
        "CHN->KOR",
    }
    assert set(environment["KOR->CHN"]) == {"r", "s", "b", "d", "u", "projected"}
    # the summit of June 2013, on the five tracks then in force: 0.25 x 2 / 5
    assert environment["KOR->CHN"]["r"] == pytest.approx(
        0.25 * 2.0 / 5 * 2 ** (-578 / 730), abs=1e-6
    )
    # no evidence between the DPRK and Japan: the base rate
    assert pairs[("JPN", "PRK")]["trust"] == 0.3


def test_trust_json_on_one_track(napci: Console) -> None:
    data = napci.json("trust", "--track", "environment")
    assert data["tracks"] == ["environment"]
    assert data["pairs"]
    for pair in data["pairs"]:
        assert list(pair["tracks"]) == ["environment"]
    dated = napci.json("trust", "--track", "environment", "--as-of", "2014-12-31")
    assert dated["as_of"] == "2014-12-31"
    assert dated["tracks"] == ["environment"]


def test_trust_table(napci: Console) -> None:
    out = flat(napci("trust", "--as-of", "2014-12-31").stdout)
    assert "Trust (symmetric, fused over tracks), as of 2014-12-31" in out
    assert "Regional trust index:" in out
    assert "over 6 participants" in out
    assert "Regional standing (EigenTrust)" in out
    for code in ("KOR", "CHN", "PRK", "ASEAN"):
        assert code in out
    track = flat(
        napci(
            "trust",
            "--track",
            "environment",
            "--as-of",
            "2014-12-31",
        ).stdout
    )
    assert "Trust on environment (symmetric), as of 2014-12-31" in track


# -- napci trust explain ------------------------------------------------------------


def test_explain_json(napci: Console) -> None:
    data = napci.json("trust", "explain", "KOR", "CHN", "--as-of", "2014-12-31")
    assert data["as_of"] == "2014-12-31"
    assert data["pair"] == ["KOR", "CHN"]
    evidence = data["evidence"]
    assert evidence
    for item in evidence:
        assert item["seqs"] and all(isinstance(s, int) for s in item["seqs"])
        assert item["weight"] > 0
        assert 0 < item["decay"] <= 1
        assert item["effective"] == pytest.approx(
            item["weight"] * item["decay"], abs=2e-6
        )
        assert item["direction"] in ("KOR->CHN", "CHN->KOR")
        assert item["track"] in SOFT_TRACKS
    summit = [e for e in evidence if "summit-kor-chn-2013-06" in e["label"]]
    assert len(summit) == 10  # five tracks, both directions
    assert {e["date"] for e in summit} == {"2013-06-01"}
    assert {e["age_days"] for e in summit} == {578}
    assert {e["weight"] for e in summit} == {0.1}
    # the sum of the items is the pair's evidence
    environment = data["tracks"]["environment"]
    for direction in ("KOR->CHN", "CHN->KOR"):
        total = sum(
            e["effective"]
            for e in evidence
            if e["direction"] == direction and e["track"] == "environment"
        )
        assert total == pytest.approx(environment[direction]["r"], abs=1e-5)
    # lower case codes are accepted
    again = napci.json("trust", "explain", "kor", "chn", "--as-of", "2014-12-31")
    assert again["evidence"] == evidence


def test_explain_one_track_and_its_table(napci: Console) -> None:
    data = napci.json(
        "trust",
        "explain",
        "KOR",
        "CHN",
        "--track",
        "cyberspace",
        "--as-of",
        "2014-12-31",
    )
    assert data["evidence"]
    assert {e["track"] for e in data["evidence"]} == {"cyberspace"}

    out = flat(
        napci(
            "trust",
            "explain",
            "KOR",
            "CHN",
            "--as-of",
            "2014-12-31",
        ).stdout
    )
    assert "Trust KOR-CHN as of 2014-12-31" in out
    assert "Evidence" in out
    assert "578d" in out
    nothing = flat(
        napci(
            "trust",
            "explain",
            "JPN",
            "PRK",
            "--as-of",
            "2014-12-31",
        ).stdout
    )
    assert "No evidence: the pair's trust is its base rate." in nothing


# -- napci status ------------------------------------------------------------------


def test_status_json_as_of_the_end_of_2014(napci: Console) -> None:
    data = napci.json("status", "--as-of", "2014-12-31")
    assert data["as_of"] == "2014-12-31"
    assert data["phase"] == 1
    assert data["phase_name"] == "gain support"
    assert [p["met"] for p in data["phases"]] == [True, False, False, False]
    support = data["phases"][0]["criteria"][0]
    assert support["observed"] == "4: CHN, JPN, RUS, USA"
    assert set(data["objectives"]) == {
        "habit_of_cooperation",
        "foundation_for_peace",
        "dprk_engagement",
    }
    trust = napci.json("trust", "--as-of", "2014-12-31")
    assert (
        data["objectives"]["foundation_for_peace"]["regional_trust_index"]
        == trust["regional_trust_index"]
    )


def test_status_table(napci: Console) -> None:
    out = flat(napci("status", "--as-of", "2014-12-31").stdout)
    assert "Road-map as of 2014-12-31: phase 1 (gain support)" in out
    assert "Phase 2: accumulate practice" in out
    assert "missing:" in out
    assert "Objective 1: a habit of cooperation" in out
    assert "Objective 3: DPRK engagement: invited" in out


# -- refusals ----------------------------------------------------------------------


def test_an_unknown_actor_is_refused(napci: Console) -> None:
    message = napci.refused("trust", "explain", "KOR", "XYZ", "--as-of", "2014-12-31")
    assert "unknown actor 'XYZ'" in message
    assert "known: KOR, USA, CHN, JPN, RUS" in message


def test_the_same_actor_twice_is_refused(napci: Console) -> None:
    message = napci.refused("trust", "explain", "KOR", "KOR")
    assert "trust is between two different actors" in message


@pytest.mark.parametrize(
    "verb",
    [
        ["trust", "--track", "warfare"],
        ["trust", "explain", "KOR", "CHN", "--track", "warfare"],
    ],
    ids=["trust", "explain"],
)
def test_an_unknown_track_is_refused(napci: Console, verb: list[str]) -> None:
    message = napci.refused(*verb, "--as-of", "2014-12-31")
    assert (
        "unknown track 'warfare'; on the agenda: " + ", ".join(SOFT_TRACKS) in message
    )


@pytest.mark.parametrize(
    "verb",
    [["trust"], ["trust", "explain", "KOR", "CHN"], ["status"]],
    ids=["trust", "explain", "status"],
)
def test_a_date_before_the_record_is_refused(napci: Console, verb: list[str]) -> None:
    message = napci.refused(*verb, "--as-of", "2012-01-01")
    assert "the record has no event on or before 2012-01-01" in message


@pytest.mark.parametrize(
    "verb",
    [["trust"], ["trust", "explain", "KOR", "CHN"], ["status"]],
    ids=["trust", "explain", "status"],
)
def test_a_malformed_date_is_refused(napci: Console, verb: list[str]) -> None:
    message = napci.refused(*verb, "--as-of", "notadate")
    assert "--as-of 'notadate' is not a date (YYYY-MM-DD)" in message
