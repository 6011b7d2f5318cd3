"""The shipped NAPCI record 2013-2014, checked as a file: no database needed.

Every fact must rest on words its source really contains. The brochure is
shipped beside the tests (``tests/fixtures/napci-brochure.txt``, a public
document of the ROK Ministry of Foreign Affairs), so every quote attributed to
it is checked word for word, white space aside.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from napci.services.seed import RECORD_FILE, load_record, record_drafts

BROCHURE = Path(__file__).resolve().parent.parent / "fixtures" / "napci-brochure.txt"
FIRST_DAY = date(2013, 1, 1)
LAST_DAY = date(2014, 12, 31)
# Payload fields that may lie before the record's period (a mechanism's founding).
FOUNDING_FIELDS = {"established_on"}
DATE_FIELDS = {
    "added_on",
    "admitted_on",
    "assigned_on",
    "ends_on",
    "established_on",
    "expressed_on",
    "held_on",
    "invited_on",
    "issued_on",
    "joined_on",
    "starts_on",
    "widened_on",
}
SEVEN_STATES = {"KOR", "JPN", "CHN", "RUS", "PRK", "MNG", "USA"}


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return load_record()


@pytest.fixture(scope="module")
def events(data: dict[str, Any]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = data["events"]
    return entries


@pytest.fixture(scope="module")
def brochure() -> str:
    return _normalise(BROCHURE.read_text(encoding="utf-8"))


def test_the_record_loads_as_drafts() -> None:
    drafts = record_drafts()
    assert len(drafts) > 50
    assert all(d.classification == "public" for d in drafts)
    assert all(d.signature is None for d in drafts)


def test_drafts_are_deterministic() -> None:
    assert record_drafts() == record_drafts()


def test_the_file_is_plain_json_with_title_and_sources(data: dict[str, Any]) -> None:
    assert RECORD_FILE == "napci-record-2013-2014.json"
    assert data["title"]
    assert data["description"]
    assert "brochure" in data["sources"]
    brochure = data["sources"]["brochure"]
    assert brochure["publisher"] == "Ministry of Foreign Affairs, Republic of Korea"


def test_keys_are_unique(events: list[dict[str, Any]]) -> None:
    keys = [e["key"] for e in events]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert duplicates == []


def test_every_fact_quotes_its_source(events: list[dict[str, Any]]) -> None:
    for entry in events:
        sources = entry["sources"]
        assert sources, f"{entry['key']}: no source"
        for source in sources:
            assert source.get("quote", "").strip(), f"{entry['key']}: empty quote"
            assert source.get("locator", "").strip(), f"{entry['key']}: no locator"


def test_no_payload_carries_its_own_sources(events: list[dict[str, Any]]) -> None:
    assert [e["key"] for e in events if "sources" in e["payload"]] == []


def test_every_named_source_is_used_and_findable(
    data: dict[str, Any], events: list[dict[str, Any]]
) -> None:
    used = {s["ref"] for e in events for s in e["sources"]}
    assert used == set(data["sources"])
    for name, source in data["sources"].items():
        assert source["title"], name
        assert source.get("url", "").startswith("http"), name


def test_brochure_quotes_are_verbatim(
    events: list[dict[str, Any]], brochure: str
) -> None:
    missing = [
        (entry["key"], source["quote"])
        for entry in events
        for source in entry["sources"]
        if source["ref"] == "brochure" and _normalise(source["quote"]) not in brochure
    ]
    assert missing == []


def test_only_the_neaspec_meeting_rests_on_another_source_alone(
    events: list[dict[str, Any]],
) -> None:
    without_brochure = [
        e["key"]
        for e in events
        if not any(s["ref"] == "brochure" for s in e["sources"])
    ]
    assert without_brochure == [
        "meeting/neaspec-som-18/convened",
        "meeting/neaspec-som-18/held",
    ]


def _dates(payload: dict[str, Any]) -> list[tuple[str, date]]:
    return [
        (name, date.fromisoformat(value))
        for name, value in payload.items()
        if name in DATE_FIELDS and isinstance(value, str)
    ]


def test_dates_lie_within_2013_and_2014(events: list[dict[str, Any]]) -> None:
    for entry in events:
        occurred = date.fromisoformat(entry["occurred"])
        assert FIRST_DAY <= occurred <= LAST_DAY, entry["key"]
        for name, value in _dates(entry["payload"]):
            if name in FOUNDING_FIELDS:
                assert value <= LAST_DAY, entry["key"]
            else:
                assert FIRST_DAY <= value <= LAST_DAY, (entry["key"], name)


def test_imprecise_dates_fall_on_the_first(events: list[dict[str, Any]]) -> None:
    for entry in events:
        payload = entry["payload"]
        precision = payload.get("date_precision", "day")
        starts = [v for n, v in _dates(payload) if n != "ends_on"]
        for value in starts:
            if precision == "month":
                assert value.day == 1, entry["key"]
            elif precision == "year":
                assert (value.month, value.day) == (1, 1), entry["key"]


def test_the_record_is_in_chronological_order(events: list[dict[str, Any]]) -> None:
    occurred = [date.fromisoformat(e["occurred"]) for e in events]
    assert occurred == sorted(occurred)


def _referenced_actors(payload: dict[str, Any]) -> set[str]:
    codes: set[str] = set()
    for name in ("code", "host", "chair", "issued_by", "invited_by"):
        if isinstance(payload.get(name), str):
            codes.add(payload[name])
    for name in ("members", "invitees", "added_members"):
        codes.update(payload.get(name, ()))
    return codes


def test_everything_is_registered_before_it_is_referenced(
    events: list[dict[str, Any]],
) -> None:
    actors: set[str] = set()
    tracks: set[str] = set()
    meetings: set[str] = set()
    mechanisms: set[str] = set()
    for entry in events:
        type_, p, key = entry["type"], entry["payload"], entry["key"]
        if type_ == "ActorRegistered":
            actors.add(p["code"])
            continue
        if type_ == "TrackAdded":
            tracks.add(p["code"])
            continue
        assert _referenced_actors(p) <= actors, key
        if entry["actor"] is not None:
            assert entry["actor"] in actors, key
        track_refs = set(p.get("tracks", ())) | set(p.get("added_tracks", ()))
        assert track_refs <= tracks, key
        if type_ == "MeetingConvened":
            occasion = p.get("occasion")
            assert occasion is None or occasion in meetings | mechanisms, key
            meetings.add(p["meeting"])
        elif type_ in {"MeetingHeld", "AttendanceRecorded"}:
            assert p["meeting"] in meetings, key
        elif type_ == "SupportExpressed":
            assert p.get("occasion") is None or p["occasion"] in meetings, key
        elif type_ == "MechanismRegistered":
            assert p.get("widens") is None or p["widens"] in mechanisms, key
            mechanisms.add(p["mechanism"])
        elif type_ == "MechanismWidened":
            assert p["mechanism"] in mechanisms, key


def test_six_states_take_part_and_the_dprk_is_invited(
    events: list[dict[str, Any]],
) -> None:
    joined = {e["payload"]["code"] for e in events if e["type"] == "ActorJoined"}
    assert joined == SEVEN_STATES - {"PRK"}
    invited = {e["payload"]["code"] for e in events if e["type"] == "ActorInvited"}
    assert invited == SEVEN_STATES - {"KOR"}


def test_announced_plans_are_convened_never_held(
    events: list[dict[str, Any]],
) -> None:
    held = {e["payload"]["meeting"] for e in events if e["type"] == "MeetingHeld"}
    convened = {
        e["payload"]["meeting"] for e in events if e["type"] == "MeetingConvened"
    }
    assert convened - held == {"trm-plus-1"}


def test_meetings_held_without_full_attendance_say_so(
    events: list[dict[str, Any]],
) -> None:
    for entry in events:
        if entry["type"] != "MeetingHeld":
            continue
        complete = entry["payload"]["attendance_complete"]
        bilateral_summit = entry["payload"]["meeting"].startswith("summit-")
        assert complete is bilateral_summit, entry["key"]


def test_support_at_track_1_5_forums_is_not_attributed(
    events: list[dict[str, Any]],
) -> None:
    supporters = {
        e["payload"]["code"] for e in events if e["type"] == "SupportExpressed"
    }
    assert supporters == {"USA", "CHN", "JPN", "RUS", "ASEAN", "EU"}
