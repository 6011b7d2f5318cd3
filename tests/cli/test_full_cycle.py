"""Two years of the process, 2015-2016, driven entirely through the command line.

The secretariat (KOR) and the delegations run ``napci`` the way they would at
a console: meetings are convened, attended and held on four soft tracks in
both years with all six participants; recognitions of each track and then a
common vision are issued and adopted by consensus at those meetings; a
disaster-relief project of all six is launched, joined, its commitments made
and kept, and completed. ``napci status`` then shows the road-map moving from
phase 1 (end of 2014) through phase 2 (end of 2015) to phase 3 (end of 2016),
a declaration of phase 3 is adopted under the silence procedure, and
``napci ledger verify`` finds the whole record intact.

Runs on SQLite and on PostgreSQL (``db_url``): the same commands, the same
record.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from napci_console import Console

PARTICIPANTS = ("CHN", "JPN", "KOR", "MNG", "RUS", "USA")
TRACKS = ("nuclear-safety", "energy-security", "environment", "disaster-relief")
#: (year, hosts in TRACKS order, meeting days in TRACKS order)
YEARS = (
    (2015, ("JPN", "CHN", "MNG", "RUS"), ("03-10", "05-12", "07-14", "09-15")),
    (2016, ("USA", "KOR", "JPN", "CHN"), ("02-16", "04-12", "06-14", "08-16")),
)


def convene(napci: Console, meeting: str, track: str, day: str, host: str) -> None:
    """Convene a working meeting on ``track``, hosted and chaired by ``host``."""
    napci(
        "meetings",
        "convene",
        meeting,
        "--title",
        f"{track} working group, {day[:4]}",
        "--track",
        track,
        "--starts-on",
        day,
        "--host",
        host,
        "--chair",
        host,
        "--on",
        day,
    )


def attend_and_hold(napci: Console, meeting: str, day: str) -> None:
    napci(
        "meetings", "attend", meeting, "--attended", ",".join(PARTICIPANTS), "--on", day
    )
    napci("meetings", "held", meeting, "--on", day)


def adopt(
    napci: Console,
    document: str,
    kind: str,
    meeting: str,
    track: str,
    day: str,
    host: str,
) -> dict[str, Any]:
    """The host drafts a document; the meeting adopts it by consensus."""
    host_delegation = napci.delegation(host)
    host_delegation(
        "documents",
        "issue",
        document,
        "--kind",
        kind,
        "--title",
        f"Common {kind}: {track}",
        "--track",
        track,
        "--meeting",
        meeting,
        "--actor",
        host,
        "--on",
        day,
    )
    proposal = f"adopt-{document}"
    host_delegation(
        "proposals",
        "table",
        proposal,
        "--kind",
        "adopt-document",
        "--document",
        document,
        "--title",
        f"Adopt {document}",
        "--meeting",
        meeting,
        "--actor",
        host,
        "--on",
        day,
    )
    # Two delegations speak; the others' silence is no objection.
    napci.delegation("CHN")(
        "proposals",
        "position",
        proposal,
        "--actor",
        "CHN",
        "--position",
        "support",
        "--on",
        day,
    )
    napci.delegation("USA")(
        "proposals",
        "position",
        proposal,
        "--actor",
        "USA",
        "--position",
        "no-objection",
        "--statement",
        "Without prejudice to existing arrangements.",
        "--on",
        day,
    )
    attend_and_hold(napci, meeting, day)
    host_delegation("proposals", "decide", proposal, "--at", day, "--actor", host)
    shown: dict[str, Any] = napci.json("proposals", "show", proposal)
    return shown


def phase(napci: Console, as_of: str) -> dict[str, Any]:
    status: dict[str, Any] = napci.json("status", "--as-of", as_of)
    return status


def test_two_years_take_the_road_map_from_phase_1_to_phase_3(db_url: str) -> None:
    napci = Console(db_url)
    napci("init")
    start = phase(napci, "2014-12-31")
    assert start["phase"] == 1

    project = "disaster-drill"
    for year, hosts, days in YEARS:
        for track, host, month_day in zip(TRACKS, hosts, days, strict=True):
            day = f"{year}-{month_day}"
            meeting = f"{track}-{year}"
            convene(napci, meeting, track, day, host)
            if year == 2015:
                decided = adopt(
                    napci,
                    f"recognition-{track}",
                    "recognition",
                    meeting,
                    track,
                    day,
                    host,
                )
            elif track == TRACKS[-1]:
                decided = adopt(
                    napci, "vision-2016", "vision", meeting, track, day, host
                )
            else:
                attend_and_hold(napci, meeting, day)
                continue
            assert decided["outcome"] == "adopted"
            assert decided["joined"] == list(PARTICIPANTS)
            assert decided["statements"] == [
                {
                    "code": "USA",
                    "kind": "interpretative-statement",
                    "text": "Without prejudice to existing arrangements.",
                }
            ]
        if year == 2015:
            # Start with the willing: the ROK launches, naming JPN a founder,
            # who is invited and joins by its own act, as the others do.
            napci.delegation("KOR")(
                "projects",
                "launch",
                project,
                "--title",
                "Joint disaster-relief drill",
                "--founders",
                "KOR,JPN",
                "--track",
                "disaster-relief",
                "--actor",
                "KOR",
                "--on",
                "2015-04-01",
            )
            (launched,) = napci.json("projects")
            assert launched["members"] == ["KOR"]  # JPN's own act is to come
            others = [c for c in PARTICIPANTS if c not in ("KOR", "JPN")]
            joins = [("JPN", "2015-04-02")] + [(c, "2015-04-15") for c in others]
            for code, on in joins:  # the invited founder first
                napci.delegation(code)(
                    "projects", "join", project, "--actor", code, "--on", on
                )
            # Each delegation commits itself, with its own token (the ROK's
            # delegation too: the secretariat never commits for it).
            for code in PARTICIPANTS:
                napci.delegation(code)(
                    "projects",
                    "commit",
                    f"drill-{code.lower()}",
                    "--project",
                    project,
                    "--description",
                    f"{code} provides a relief team",
                    "--due",
                    "2016-03-31",
                    "--actor",
                    code,
                    "--on",
                    "2015-05-01",
                )
            second = phase(napci, "2015-12-31")
            assert second["phase"] == 2

    for code in PARTICIPANTS:
        napci.delegation(code)(
            "projects",
            "fulfil",
            f"drill-{code.lower()}",
            "--actor",
            code,
            "--on",
            "2016-03-01",
        )
    napci.delegation("KOR")(
        "projects",
        "milestone",
        project,
        "--milestone",
        "drill-held",
        "--title",
        "Joint drill held in Incheon",
        "--actor",
        "KOR",
        "--on",
        "2016-05-20",
    )
    napci.delegation("KOR")(
        "projects",
        "complete",
        project,
        "--actor",
        "KOR",
        "--summary",
        "Drill held",
        "--on",
        "2016-09-30",
    )
    (drill,) = napci.json("projects")
    assert drill["status"] == "completed"
    assert drill["members"] == ["KOR", "JPN", "CHN", "MNG", "RUS", "USA"]
    assert {c["status"] for c in drill["commitments"]} == {"kept"}

    # The road-map, year by year.
    assert phase(napci, "2014-12-31")["phase"] == 1
    assert phase(napci, "2015-12-31")["phase"] == 2
    final = phase(napci, "2016-12-31")
    assert final["phase"] == 3, json.dumps(final["phases"], indent=2)
    framework = {c["name"]: c for c in final["phases"][2]["criteria"]}
    assert framework["tracks meeting two years running"]["evidence"] == sorted(TRACKS)
    assert framework["a common vision adopted by all participants"]["met"]
    trust = napci.json("trust", "--as-of", "2016-12-31")
    assert trust["regional_trust_index"] >= 0.7
    assert final["objectives"]["foundation_for_peace"]["regional_trust_index"] == (
        pytest.approx(trust["regional_trust_index"], abs=1e-6)
    )
    assert final["declared_phase"] is None

    # Declaring the phase is itself a consensus decision, here under silence.
    napci(
        "proposals",
        "table",
        "declare-phase-3",
        "--kind",
        "declare-phase",
        "--phase",
        "3",
        "--title",
        "The framework is in place",
        "--on",
        "2016-12-01",
    )
    napci(
        "proposals",
        "silence",
        "declare-phase-3",
        "--deadline",
        "2016-12-15",
        "--on",
        "2016-12-01",
    )
    refused = napci(
        "proposals", "decide", "declare-phase-3", "--at", "2016-12-10", code=2
    )
    assert "rule silence" in " ".join(refused.stderr.split())
    napci("proposals", "decide", "declare-phase-3", "--at", "2016-12-16")
    declared = napci.json("proposals", "show", "declare-phase-3")
    assert (declared["outcome"], declared["procedure"], declared["decided_on"]) == (
        "adopted",
        "silence",
        "2016-12-15",
    )
    assert phase(napci, "2016-12-31")["declared_phase"] == 3

    proposals = napci.json("proposals", "list")
    assert [p["outcome"] for p in proposals] == ["adopted"] * 6
    report = napci.json("ledger", "verify")
    assert report["ok"] is True, report
    assert report["first_bad_seq"] is None
    assert napci.commands > 80


def test_a_declaration_without_its_phase_is_refused_not_a_crash(
    sqlite_url: str,
) -> None:
    napci = Console(sqlite_url)
    napci("init")
    message = napci.refused(
        "proposals", "table", "declare", "--kind", "declare-phase", "--title",
        "Declare", "--on", "2015-01-05",
    )  # fmt: skip
    assert message.startswith("Error: invalid value: --phase")
