"""The web pages: every page and its JSON twin, the forms, CSRF, i18n.

Pages are driven through the test client the way a browser would: sign in
through the login form (a session cookie), submit forms with the session's
CSRF token. The browser itself (Chromium, offline) is in
``test_pages_browser.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html import unescape
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from api_scenario import act, convene, enter_key, register_key, revoke_key
from fastapi.testclient import TestClient
from pages_helpers import (
    PAGES,
    STATIC,
    TEMPLATES,
    all_messages,
    csrf_of,
    external_urls,
    sign_in,
    site_files,
    submit,
    twin,
    untranslated_text,
)

from napci.domain.procedure import (
    HoldMeeting,
    JoinProject,
    LaunchProject,
    MakeCommitment,
    RecordAttendance,
    RecordPosition,
    TableProposal,
)
from napci.web import i18n
from napci.web.deps import SESSION_COOKIE
from napci.web.pages import charts
from napci.web.pages.common import CSRF_COOKIE, CSRF_FIELD
from napci.web.pages.data import countdown, regional_trend

TODAY = datetime.now(UTC).date()
PARTICIPANTS = ("CHN", "JPN", "KOR", "MNG", "RUS", "USA")
MEETING = "env-wg-today"
PROPOSAL = "add-maritime-safety"


def _prepare(platform: Any) -> None:
    """A meeting held today, a proposal tabled at it, a project."""

    def run(*commands: Any) -> None:
        act(platform, *commands)

    convene(platform, MEETING, host="KOR", chair="KOR", on=TODAY)
    run(*(RecordAttendance(MEETING, c, True, TODAY, "KOR") for c in PARTICIPANTS))
    run(HoldMeeting(MEETING, TODAY, "KOR"))
    run(
        TableProposal(
            proposal=PROPOSAL,
            title="Add maritime safety to the agenda",
            subject={
                "kind": "add-track",
                "track": "maritime-safety",
                "name": {"en": "Maritime safety"},
                "category": "soft",
            },
            on=TODAY,
            by="KOR",
            meeting=MEETING,
        )
    )
    run(RecordPosition(PROPOSAL, "JPN", "support", TODAY, "JPN"))
    run(
        LaunchProject(
            project="dust-monitoring",
            title="Dust monitoring",
            tracks=("environment",),
            founders=("KOR", "CHN"),
            on=TODAY,
            by="KOR",
        )
    )
    run(
        MakeCommitment(
            "share-data",
            "dust-monitoring",
            "CHN",
            "share station data",
            TODAY + timedelta(days=90),
            TODAY,
            "CHN",
        )
    )


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, make_web_record: Any
) -> Iterator[Any]:
    """One prepared record for the module's read-only tests."""
    path = tmp_path_factory.mktemp("pages") / "napci.db"
    record = make_web_record(f"sqlite:///{path}")
    _prepare(record.platform)
    yield record
    record.client.close()
    record.platform.close()


@pytest.fixture(scope="module")
def browsers(site: Any) -> Iterator[dict[str | None, TestClient]]:
    """A client per user, signed in through the login form."""
    clients: dict[str | None, TestClient] = {None: TestClient(site.app)}
    for user in ("facilitator", "analyst"):
        client = TestClient(site.app)
        sign_in(client, site.tokens[user])
        clients[user] = client
    yield clients
    for client in clients.values():
        client.close()


def _path(template: str) -> str:
    return template.format(meeting=MEETING, proposal=PROPOSAL)


def _json_native(data: Any) -> Any:
    return json.loads(json.dumps(data))


# -- every page and its twin ------------------------------------------------------


@pytest.mark.parametrize(
    "user", [None, "facilitator"], ids=["anonymous", "facilitator"]
)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_and_its_json_twin_load(
    browsers: dict[str | None, TestClient], user: str | None, page: str
) -> None:
    client = browsers[user]
    path = _path(page)
    html = client.get(path)
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in html.headers["content-security-policy"]
    assert '<main id="main"' in html.text
    data = client.get(twin(path))
    assert data.status_code == 200, data.text
    assert data.headers["content-type"] == "application/json"
    # The twin is the very data the template rendered.
    assert _json_native(html.context["data"]) == data.json()
    assert html.context["data"] == data.json()
    query = client.get(path + ("&" if "?" in path else "?") + "format=json")
    assert query.json() == data.json()


def test_the_pages_show_what_the_user_may_do(
    browsers: dict[str | None, TestClient],
) -> None:
    anonymous = browsers[None].get(f"/proposals/{PROPOSAL}")
    facilitator = browsers["facilitator"].get(f"/proposals/{PROPOSAL}")
    analyst = browsers["analyst"].get(f"/proposals/{PROPOSAL}")
    assert anonymous.context["data"]["forms"] == []
    assert analyst.context["data"]["forms"] == []
    assert facilitator.context["data"]["forms"] == ["position", "silence", "decide"]
    assert 'action="/proposals/add-maritime-safety/decide"' in facilitator.text
    assert "/decide" not in anonymous.text and "/decide" not in analyst.text
    assert "Signed in as facilitator" in facilitator.text
    assert "Sign in" in anonymous.text


def test_the_dashboard_shows_the_road_map_trust_over_time_and_objectives(
    site: Any, browsers: dict[str | None, TestClient]
) -> None:
    page = browsers[None].get("/")
    data = page.context["data"]
    assert [p["phase"] for p in data["phases"]] == [1, 2, 3, 4]
    assert data["phase"] == 1
    assert set(data["objectives"]) == {
        "habit_of_cooperation",
        "foundation_for_peace",
        "dprk_engagement",
    }
    trend = data["trend"]
    assert trend[-1]["date"] == TODAY.isoformat()
    assert all(
        date.fromisoformat(p["date"]) < date.fromisoformat(q["date"])
        for p, q in pairwise(trend)
    )
    # Each point is the trust service's own figure on that day.
    service = site.app.state.web.trust(("public",))
    for point in trend[1::9]:
        expected = service.figures(date.fromisoformat(point["date"])).regional_index
        assert point["value"] == pytest.approx(expected, abs=1e-6)
    assert page.text.count('class="line"') >= 1
    assert "Regional trust over time" in page.text
    assert "The three objectives" in page.text


def test_the_trust_page_draws_heat_maps_the_network_and_the_ladder(
    browsers: dict[str | None, TestClient],
) -> None:
    page = browsers[None].get("/trust?track=environment")
    data = page.context["data"]
    assert data["track"] == "environment"
    codes = data["codes"]
    assert set(PARTICIPANTS) <= set(codes)
    assert len(data["matrix"]) == len(codes)
    assert all(data["matrix"][i][i] is None for i in range(len(codes)))
    assert data["heatmaps"][0]["track"] is None
    assert page.text.count('<table class="heat') == len(data["heatmaps"])
    assert page.text.count("<line x1=") == len(codes) * (len(codes) - 1) // 2
    assert "The trust ladder" in page.text
    unknown = browsers[None].get("/trust?track=piracy")
    assert unknown.status_code == 422
    assert browsers[None].get("/trust.json?track=piracy").status_code == 422


def test_explain_lists_the_evidence(browsers: dict[str | None, TestClient]) -> None:
    data = browsers[None].get("/trust/explain.json?a=KOR&b=JPN").json()
    assert data["a"] == "KOR" and data["b"] == "JPN"
    labels = [e["label"] for e in data["evidence"]]
    assert any(MEETING in label for label in labels)
    assert data["figures"]["trust"] > data["figures"]["base_rate"]


def test_the_meetings_timeline_has_a_mark_per_meeting_and_track(
    site: Any, browsers: dict[str | None, TestClient]
) -> None:
    page = browsers[None].get("/meetings")
    meetings = page.context["data"]["meetings"]
    assert meetings[0]["meeting"] == MEETING  # newest first
    marks = sum(max(1, len(m["tracks"])) for m in meetings)
    assert page.text.count('<circle class="m-') == marks


def test_the_proposal_page_shows_positions_and_the_silence_countdown(
    browsers: dict[str | None, TestClient],
) -> None:
    data = browsers[None].get(f"/proposals/{PROPOSAL}.json").json()
    strip = {d["code"]: d for d in data["deciders"]}
    assert strip["JPN"]["position"] == "support"
    assert strip["CHN"]["position"] is None
    assert all(strip[c]["attended"] for c in PARTICIPANTS)
    assert data["proposal"]["countdown"] is None
    deadline = date(2030, 1, 10)
    assert countdown(deadline, date(2030, 1, 1)) == {
        "deadline": "2030-01-10",
        "ends_at": "2030-01-11T00:00:00Z",
        "days_left": 9,
        "passed": False,
    }
    assert countdown(deadline, date(2030, 1, 11)) == {
        "deadline": "2030-01-10",
        "ends_at": "2030-01-11T00:00:00Z",
        "days_left": 0,
        "passed": True,
    }


def test_projects_show_members_and_commitments(
    browsers: dict[str | None, TestClient],
) -> None:
    page = browsers[None].get("/projects")
    (project,) = page.context["data"]["projects"]
    assert project["members"] == ["KOR", "CHN"]
    assert [c["commitment"] for c in project["commitments"]] == ["share-data"]
    assert "share station data" in page.text
    assert 'class="g-open"' in page.text


def test_mechanisms_compare_and_advise(browsers: dict[str | None, TestClient]) -> None:
    data = browsers[None].get("/mechanisms.json").json()
    acronyms = [m["acronym"] for m in data["mechanisms"]]
    assert acronyms[:5] == ["ARF", "TCS", "ASEAN+3", "EAS", "APEC"]
    arf = data["mechanisms"][0]
    assert (arf["member_count"], arf["kind"]) == (27, "security")
    assert data["napci"]["members"] == list(PARTICIPANTS)
    assert data["advice"] is None
    advised = (
        browsers[None]
        .get("/mechanisms.json?track=nuclear-safety&members=KOR,JPN,CHN,USA,RUS")
        .json()
    )
    assert advised["advice"]["recommendation"] == "widen"
    assert advised["advice"]["mechanism"] == "trm"
    page = browsers[None].get("/mechanisms?track=cyberspace&members=KOR&members=JPN")
    assert page.context["data"]["advice"]["recommendation"] == "create-new"
    assert "create new" in page.text


def test_the_ledger_pages_through_the_log_and_verifies_it(
    site: Any, browsers: dict[str | None, TestClient]
) -> None:
    head, _ = site.platform.ledger.head()
    # The server verifies in the background; here, on the secretariat's request.
    assert site.post("/ledger/verify", "facilitator").status_code == 200
    first = browsers[None].get("/ledger.json?limit=10").json()
    assert first["verification"]["ok"] is True
    assert [e["seq"] for e in first["events"]] == list(range(head, head - 10, -1))
    assert first["newer"] is None
    older = browsers[None].get(f"/ledger.json?limit=10&before={first['older']}").json()
    assert older["events"][0]["seq"] == head - 10
    newer = browsers[None].get(f"/ledger.json?limit=10&after={older['newer']}").json()
    assert [e["seq"] for e in newer["events"]] == [e["seq"] for e in first["events"]]
    page = browsers[None].get("/ledger?limit=10")
    assert "The chain verifies." in page.text
    assert 'href="/ledger.json?limit=10"' in page.text


# -- errors -----------------------------------------------------------------------


def test_errors_are_pages_and_twins_get_problems(
    browsers: dict[str | None, TestClient],
) -> None:
    page = browsers[None].get("/proposals/no-such-proposal")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert "no-such-proposal" in page.text
    problem = browsers[None].get("/proposals/no-such-proposal.json")
    assert problem.status_code == 404
    assert problem.headers["content-type"] == "application/problem+json"
    assert browsers[None].get("/nowhere").status_code == 404
    bad = browsers[None].get("/trust?as_of=yesterday")
    assert bad.status_code == 422
    assert "as_of" in bad.text


def test_a_delegations_page_lists_its_keys_and_flags_those_it_did_not_register(
    sqlite_web_record: Any,
) -> None:
    record = sqlite_web_record
    own = register_key(record.platform, "CHN")
    entered = enter_key(record.platform, "CHN", by="JPN")
    revoked = register_key(record.platform, "CHN")
    revoke_key(record.platform, revoked, "CHN", TODAY)
    client = record.client
    html = client.get("/participants/CHN")
    assert html.status_code == 200, html.text
    data = client.get("/participants/CHN.json").json()
    assert html.context["data"] == data
    assert data["actor"]["code"] == "CHN"
    assert (data["actor"]["status"], data["actor"]["registered_on"]) == (
        "participant",
        "2013-02-25",
    )
    statuses = {k["key_id"]: (k["status"], k["flagged"]) for k in data["signing_keys"]}
    assert statuses == {
        own.key_id: ("binds", False),
        entered.key_id: ("unconfirmed", True),
        revoked.key_id: ("revoked", False),
    }
    assert (data["signatures_required"], data["flagged"]) == (True, 1)
    text = " ".join(unescape(html.text).split())
    assert (
        "1 key in CHN's name was entered by someone other than the delegation" in text
    )
    assert text.count("entered by someone other than the delegation: binds no one") == 1
    assert "CHN registered its own signing key: its positions must be signed." in text
    assert f'id="key-{entered.key_id.replace(":", "-")}" class="flagged"' in html.text
    # Where actors are listed, they link to their page.
    ledger = client.get("/ledger").text
    assert '<a href="/participants/CHN">CHN</a>' in ledger
    # An actor not in the record has no page.
    assert client.get("/participants/XXX").status_code == 404
    missing = client.get("/participants/XXX.json")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_a_delegation_without_keys_signs_nothing(
    browsers: dict[str | None, TestClient],
) -> None:
    data = browsers[None].get("/participants/JPN.json").json()
    assert (data["signing_keys"], data["signatures_required"]) == ([], False)
    html = browsers[None].get(f"/proposals/{PROPOSAL}").text
    assert '<a href="/participants/JPN">JPN</a>' in html


# -- sessions, CSRF, who may act ---------------------------------------------------


def test_login_opens_a_session_in_an_http_only_lax_cookie(site: Any) -> None:
    with TestClient(site.app) as client:
        form = client.get("/login")
        visitor = form.cookies[CSRF_COOKIE]
        assert "httponly" in form.headers["set-cookie"].lower()
        assert "samesite=strict" in form.headers["set-cookie"].lower()
        token = site.tokens["delegate"]
        done = client.post(
            "/login",
            data={"token": token, CSRF_FIELD: csrf_of(client)},
            follow_redirects=False,
        )
        assert done.status_code == 303
        cookies = done.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith(f"{SESSION_COOKIE}="))
        assert "httponly" in session.lower()
        assert "samesite=lax" in session.lower()
        assert "path=/" in session.lower()
        # The cookie holds the session's own identifier, never the token.
        assert token not in " ".join(cookies)
        assert client.cookies[SESSION_COOKIE] not in (token, visitor)
        assert CSRF_COOKIE not in client.cookies  # the session keys the forms now
        page = client.get("/")
        assert "Signed in as delegate." in page.text  # the flash message
        assert "Signed in as delegate." not in client.get("/").text
        out = submit(client, "/logout", {})
        assert out.status_code == 303
        assert SESSION_COOKIE not in client.cookies
        assert "Sign in" in client.get("/").text


def test_a_wrong_token_does_not_sign_in(site: Any) -> None:
    with TestClient(site.app) as client:
        client.get("/login")
        page = submit(client, "/login", {"token": "napci_wrong"})
        assert page.status_code == 401
        assert "The token is unknown or has been revoked." in page.text
        assert SESSION_COOKIE not in client.cookies


def test_a_post_without_the_csrf_token_is_refused_and_appends_nothing(
    sqlite_web_record: Any,
) -> None:
    record = sqlite_web_record
    with TestClient(record.app) as client:
        sign_in(client, record.tokens["facilitator"])
        before = record.head()
        form = {"proposal": "p-1", "title": "A proposal", "kind": "add-track"}
        form |= {"track": "maritime-safety"}
        missing = client.post("/proposals", data=form, follow_redirects=False)
        assert missing.status_code == 403
        assert "security token" in missing.text
        wrong = client.post(
            "/proposals",
            data={**form, CSRF_FIELD: "x" * 43},
            follow_redirects=False,
        )
        assert wrong.status_code == 403
        assert record.head() == before
        # The same form with the session's token is recorded.
        assert submit(client, "/proposals", form).status_code == 303
        assert record.head()[0] == before[0] + 1


def test_an_analyst_cannot_act_and_nothing_is_appended(sqlite_web_record: Any) -> None:
    record = sqlite_web_record
    before = record.head()
    form = {"proposal": "p-1", "title": "A proposal", "kind": "admit-observer"}
    form |= {"code": "SEJONG"}
    with TestClient(record.app) as client:
        sign_in(client, record.tokens["analyst"])
        refused = submit(client, "/proposals", form)
        assert refused.status_code == 403
        assert "cannot act" in refused.text
    with TestClient(record.app) as anonymous:
        assert submit(anonymous, "/proposals", form).status_code == 401
    assert record.head() == before


# -- the forms, end to end ---------------------------------------------------------


def _flash(response: Any) -> None:
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/")


def test_a_proposal_is_tabled_objected_to_withdrawn_and_adopted(
    sqlite_web_record: Any,
) -> None:
    record = sqlite_web_record
    today = TODAY.isoformat()
    kor, chn, jpn = (TestClient(record.app) for _ in range(3))
    sign_in(kor, record.tokens["facilitator"])
    sign_in(chn, record.tokens["other-delegate"])
    sign_in(jpn, record.tokens["delegate"])

    _flash(
        submit(
            kor,
            "/meetings",
            {
                "meeting": "mar-wg-1",
                "title": "Maritime working group",
                "tracks": ["environment"],
                "rank": "working",
                "layer": "track-1",
                "starts_on": today,
                "host": "KOR",
                "chair": "KOR",
            },
        )
    )
    attendance = {f"att-{c}": "attended" for c in PARTICIPANTS} | {"on": today}
    _flash(submit(kor, "/meetings/mar-wg-1/attendance", attendance))
    again = submit(kor, "/meetings/mar-wg-1/attendance", attendance)
    assert again.status_code == 422  # only changes are recorded
    assert "nothing to record" in again.text
    _flash(submit(kor, "/meetings/mar-wg-1/held", {"held_on": today}))
    meeting = kor.get("/meetings/mar-wg-1.json").json()["meeting"]
    assert meeting["status"] == "held"
    assert meeting["attended"] == list(PARTICIPANTS)

    tabled = submit(
        kor,
        "/proposals",
        {
            "proposal": "add-maritime",
            "title": "Add maritime safety",
            "kind": "add-track",
            "meeting": "mar-wg-1",
            "track": "maritime-safety",
            "track_name": "Maritime safety",
            "category": "soft",
        },
    )
    _flash(tabled)
    assert tabled.headers["location"] == "/proposals/add-maritime"
    shown = kor.get("/proposals/add-maritime")
    assert "Recorded 1 event: ProposalTabled" in shown.text

    _flash(submit(jpn, "/proposals/add-maritime/position", {"position": "support"}))
    objection = {"position": "objection", "statement": "Not before consultations."}
    _flash(submit(chn, "/proposals/add-maritime/position", objection))
    assert chn.get("/proposals/add-maritime.json").json()["blocking"] == ["CHN"]

    # Adopting while CHN objects is refused by the consensus rule: nothing is
    # recorded, and the objection can still be withdrawn.
    before = record.head()
    refused = submit(kor, "/proposals/add-maritime/decide", {"action": "adopt"})
    assert refused.status_code == 409
    assert "Refused by the rules of procedure" in refused.text
    assert "<code>consensus</code>" in refused.text
    assert "CHN" in refused.text and "withdraw" in refused.text
    assert "Nothing was recorded." in refused.text
    assert record.head() == before
    assert refused.context["data"]["proposal"]["outcome"] == "open"

    # The forms name no actor: CHN's session records CHN's position only.
    _flash(
        submit(
            chn,
            "/proposals/add-maritime/position",
            {"position": "no-objection", "code": "JPN"},
        )
    )
    _flash(submit(kor, "/proposals/add-maritime/decide", {"action": "adopt"}))
    data = kor.get("/proposals/add-maritime.json").json()
    assert data["proposal"]["outcome"] == "adopted"
    assert data["proposal"]["joined"] == list(PARTICIPANTS)
    positions = {p["code"]: p["position"] for p in data["proposal"]["positions"]}
    assert positions == {"JPN": "support", "CHN": "no-objection"}
    page = kor.get("/proposals/add-maritime")
    assert "Joined the consensus: CHN, JPN, KOR, MNG, RUS, USA." in page.text
    assert "maritime-safety" in [
        t["code"] for t in kor.get("/tracks.json").json()["tracks"]
    ]
    for client in (kor, chn, jpn):
        client.close()


def test_a_refusal_is_shown_on_the_page_with_its_rule_and_remedy(
    sqlite_web_record: Any,
) -> None:
    record = sqlite_web_record
    with TestClient(record.app) as jpn:
        sign_in(jpn, record.tokens["delegate"])
        before = record.head()
        refused = submit(
            jpn,
            "/meetings",
            {"meeting": "jp-1", "title": "A meeting", "tracks": ["environment"]},
        )
        assert refused.status_code == 409
        assert "<code>facilitator</code>" in refused.text
        assert "Act as KOR" in refused.text
        assert refused.context["problem"]["rule"] == "facilitator"
        invalid = submit(jpn, "/proposals", {"proposal": "p-2", "kind": "add-track"})
        assert invalid.status_code == 422
        assert "title: a value is required" in invalid.text
        untitled = submit(jpn, "/documents", {"document": "d", "kind": "recognition"})
        assert untitled.status_code == 422
        assert record.head() == before


def test_silence_and_projects_through_the_forms(sqlite_web_record: Any) -> None:
    record = sqlite_web_record
    kor, chn = TestClient(record.app), TestClient(record.app)
    sign_in(kor, record.tokens["facilitator"])
    sign_in(chn, record.tokens["other-delegate"])
    _flash(
        submit(
            kor,
            "/documents",
            {"document": "rec-env", "kind": "recognition", "title": "Dust"},
        )
    )
    _flash(
        submit(
            kor,
            "/proposals",
            {
                "proposal": "adopt-rec-env",
                "title": "Adopt the recognition",
                "kind": "adopt-document",
                "document": "rec-env",
            },
        )
    )
    deadline = (TODAY + timedelta(days=14)).isoformat()
    _flash(submit(kor, "/proposals/adopt-rec-env/silence", {"deadline": deadline}))
    page = kor.get("/proposals/adopt-rec-env")
    countdown = page.context["data"]["proposal"]["countdown"]
    assert countdown["days_left"] == 14
    assert "14 days of silence left" in page.text
    assert f'data-countdown-end="{countdown["ends_at"]}"' in page.text
    early = submit(kor, "/proposals/adopt-rec-env/decide", {"action": "adopt"})
    assert early.status_code == 409
    assert "<code>silence</code>" in early.text

    launch = {
        "project": "dust",
        "title": "Dust monitoring",
        "tracks": ["environment"],
        "founders": ["KOR", "JPN"],
    }
    _flash(submit(kor, "/projects", launch))
    assert "join" in chn.get("/projects.json").json()["forms"]
    _flash(submit(chn, "/projects/join", {"project": "dust"}))
    due = (TODAY + timedelta(days=30)).isoformat()
    commitment = {
        "project": "dust",
        "commitment": "c-1",
        "description": "station data",
        "due_on": due,
    }
    _flash(submit(chn, "/projects/commitments", commitment))
    _flash(submit(chn, "/projects/fulfil", {"commitment": "c-1"}))
    (project,) = kor.get("/projects.json").json()["projects"]
    assert project["members"] == ["KOR", "JPN", "CHN"]
    assert project["commitments"][0]["status"] == "kept"
    kor.close()
    chn.close()


def test_the_delegate_of_the_facilitating_actor_uses_the_delegations_forms_only(
    sqlite_web_record: Any,
) -> None:
    """A delegate of KOR is the ROK's delegation, not the secretariat: the
    secretariat's forms are not shown to it, and posting them anyway is
    refused (409, naming the rule, the capacity and who can do it), appending
    nothing. The delegation's own forms work as for any participant."""
    record = sqlite_web_record

    def run(*commands: Any) -> None:
        act(record.platform, *commands)

    convene(record.platform, "jp-wg", host="JPN", chair="JPN", on=TODAY)
    admit = {"kind": "admit-observer", "code": "SEJONG"}
    run(TableProposal("p-jpn", "Sejong", admit, TODAY, "JPN", meeting="jp-wg"))
    run(LaunchProject("haze", "Haze", ("environment",), ("JPN", "CHN"), TODAY, "JPN"))
    run(JoinProject("haze", "CHN", TODAY, "CHN"))  # the founder JPN named
    due = TODAY + timedelta(days=30)
    run(MakeCommitment("c-chn", "haze", "CHN", "station data", due, TODAY, "CHN"))
    secretariat, delegation = TestClient(record.app), TestClient(record.app)
    sign_in(secretariat, record.tokens["facilitator"])
    sign_in(delegation, record.tokens["facilitator-delegate"])

    def forms(client: TestClient, path: str) -> list[str]:
        data: list[str] = client.get(path).json()["forms"]
        return data

    assert forms(secretariat, "/meetings.json") == ["convene"]
    assert forms(delegation, "/meetings.json") == []
    assert forms(secretariat, "/meetings/jp-wg.json") == ["attendance", "held"]
    assert forms(delegation, "/meetings/jp-wg.json") == []
    assert forms(secretariat, "/proposals/p-jpn.json") == [
        "position",
        "silence",
        "decide",
    ]
    assert forms(delegation, "/proposals/p-jpn.json") == ["position"]
    assert "fulfil" in forms(secretariat, "/projects.json")
    assert "fulfil" not in forms(delegation, "/projects.json")

    deadline = (TODAY + timedelta(days=14)).isoformat()
    launch = {"project": "dust", "title": "Dust", "tracks": ["environment"]}
    secretariat_forms = [
        ("/meetings", {"meeting": "kr-1", "title": "A meeting"}, "facilitator"),
        ("/meetings/jp-wg/attendance", {"att-JPN": "attended"}, "facilitator"),
        ("/meetings/jp-wg/held", {}, "facilitator"),
        ("/proposals/p-jpn/silence", {"deadline": deadline}, "silence"),
        ("/proposals/p-jpn/decide", {"action": "adopt"}, "facilitator"),
        ("/projects", {**launch, "founders": ["JPN", "CHN"]}, "willing"),
        ("/projects/fulfil", {"commitment": "c-chn"}, "own-act"),
    ]
    before = record.head()
    for path, form, rule in secretariat_forms:
        refused = submit(delegation, path, form)
        assert refused.status_code == 409, (path, refused.text)
        problem = refused.context["problem"]
        assert problem["rule"] == rule, (path, problem)
        assert "KOR acts here as its delegation" in refused.text, path
        assert "a user with the role facilitator" in problem["remedy"], path
        assert record.head() == before, f"a refused form appended: {path}"
    # The same form is the secretariat's.
    _flash(submit(secretariat, "/meetings/jp-wg/held", {}))

    # The ROK's delegation acts for the ROK, as any participant does.
    before = record.head()
    _flash(submit(delegation, "/proposals/p-jpn/position", {"position": "support"}))
    _flash(submit(delegation, "/projects/join", {"project": "haze"}))
    _flash(submit(delegation, "/projects", {**launch, "founders": ["KOR", "MNG"]}))
    recorded = list(record.platform.ledger.iter_events(after=before[0]))
    assert [e.type for e in recorded] == [
        "PositionRecorded",
        "ProjectJoined",
        "ProjectLaunched",
    ]
    assert {(e.actor, e.principal) for e in recorded} == {
        ("KOR", "user:facilitator-delegate")
    }
    secretariat.close()
    delegation.close()


# -- i18n ----------------------------------------------------------------------------


def test_every_template_string_goes_through_the_translation_function() -> None:
    problems = {
        path.name: found
        for path in sorted(TEMPLATES.rglob("*.html"))
        if (found := untranslated_text(path))
    }
    assert problems == {}


def test_every_message_is_in_the_english_catalogue() -> None:
    english = i18n.CATALOGUES["en"]
    missing = sorted(
        str(m)
        for m in all_messages()
        if (m[0] if isinstance(m, tuple) else m) not in english
    )
    assert missing == [], "add to napci.web.i18n: " + "\n".join(missing)
    plurals = [m for m in all_messages() if isinstance(m, tuple)]
    for singular, plural in plurals:
        assert english[singular] == (singular, plural)
    for lang, catalogue in i18n.CATALOGUES.items():
        assert set(catalogue) <= set(english), lang
        assert lang in i18n.LANGUAGE_NAMES and lang in i18n.PLURAL_RULES


def test_the_language_comes_from_the_query_or_accept_language() -> None:
    assert i18n.negotiate(None, None) == "en"
    assert i18n.negotiate("xx", "ko-KR,ko;q=0.9") == "en"
    assert i18n.negotiate(None, "de-CH, en;q=0.5") == "en"
    tr = i18n.Translator("en")
    assert tr("{n} d", n=3) == "3 d"
    assert tr.ngettext("{n} meeting", "{n} meetings", 1) == "1 meeting"
    assert tr.ngettext("{n} meeting", "{n} meetings", 2) == "2 meetings"
    assert tr.label("no-objection") == "no objection"
    assert tr.label("something-unknown") == "something-unknown"


def test_a_new_language_translates_the_pages(
    monkeypatch: pytest.MonkeyPatch, browsers: dict[str | None, TestClient]
) -> None:
    korean = {"Proposals": "제안", "Dashboard": "대시보드", "adopted": "채택"}
    monkeypatch.setitem(i18n.CATALOGUES, "ko", korean)
    monkeypatch.setitem(i18n.PLURAL_RULES, "ko", lambda n: 0)
    monkeypatch.setitem(i18n.LANGUAGE_NAMES, "ko", "한국어")
    client = browsers[None]
    by_header = client.get("/proposals", headers={"Accept-Language": "ko-KR,ko"})
    assert '<html lang="ko">' in by_header.text
    assert ">제안</a>" in by_header.text
    by_query = client.get("/?lang=ko")
    assert ">대시보드</a>" in by_query.text
    assert "Trust" in by_query.text  # untranslated messages fall back to English
    assert '<html lang="en">' in client.get("/?lang=fr").text


# -- offline: nothing from elsewhere ------------------------------------------------


def test_no_template_stylesheet_or_script_names_another_host() -> None:
    files = list(site_files())
    assert {p.suffix for p in files} >= {".html", ".css", ".js"}
    found = {
        str(p.relative_to(STATIC.parent)): u for p in files if (u := external_urls(p))
    }
    assert found == {}


def test_the_static_files_are_served_by_the_app(
    browsers: dict[str | None, TestClient],
) -> None:
    page = browsers[None].get("/").text
    for asset in ("/static/napci.css", "/static/napci.js", "/static/favicon.svg"):
        assert f'"{asset}"' in page
        assert browsers[None].get(asset).status_code == 200
    css = browsers[None].get("/static/napci.css").text
    assert charts.heat_css() in css  # the heat classes match the SVG colours


# -- the pictures' geometry -----------------------------------------------------------


def test_the_heat_scale_and_the_chart_geometry() -> None:
    assert charts.heat_class(None) == "heat-none"
    assert charts.heat_class(-1) == "heat-0" and charts.heat_class(2) == "heat-20"
    assert charts.heat_class(0.31) == "heat-6"
    points: list[dict[str, Any]] = [
        {"date": "2013-03-31", "value": None},
        {"date": "2013-06-30", "value": 0.3},
        {"date": "2013-09-30", "value": 0.5},
        {"date": "2013-12-31", "value": None},
        {"date": "2014-03-31", "value": 0.4},
    ]
    chart = charts.line_chart(points, [{"value": 0.7, "kind": "framework"}])
    assert len(chart["paths"]) == 2  # a missing value breaks the line
    assert len(chart["dots"]) == 3
    assert chart["references"][0]["y"] < chart["dots"][1]["y"]
    meetings = [
        {"meeting": "a", "starts_on": "2013-05-01", "tracks": [], "rank": "summit",
         "status": "held", "layer": "track-1"},
        {"meeting": "b", "starts_on": "2026-05-01", "tracks": ["env"],
         "rank": "working", "status": "convened", "layer": "track-1"},
    ]  # fmt: skip
    line = charts.timeline(meetings, ["env", ""])
    assert [y["year"] for y in line["years"]] == [2013, 2026]
    assert len(line["gaps"]) == 1  # the years between are left out
    assert {m["meeting"] for m in line["marks"]} == {"a", "b"}
    net = charts.network(["A", "B", "C"], [[None, 0.3, 0.9], [0.3, None, 0.3],
                                           [0.9, 0.3, None]], 0.3, {})  # fmt: skip
    widths = {(e["a"], e["b"]): e["width"] for e in net["edges"]}
    assert widths[("A", "C")] > widths[("A", "B")] == 1.0


def test_the_trend_agrees_with_the_trust_service(site: Any) -> None:
    state = site.app.state.web
    points = regional_trend(state, ("public",), date(2014, 12, 31))
    assert points[0]["date"] == "2013-03-31"
    assert points[-1]["date"] == "2014-12-31"
    service = state.trust(("public",))
    for point in points:
        if point["value"] is not None:
            figures = service.figures(date.fromisoformat(point["date"]))
            assert point["value"] == pytest.approx(figures.regional_index, abs=1e-6)


def test_docs_describe_the_pages() -> None:
    text = (Path(__file__).parents[2] / "docs" / "web.md").read_text(encoding="utf-8")
    for path in ("/trust", "/meetings", "/proposals", "/mechanisms", "/ledger"):
        assert f"`{path}" in text
    for word in ("CSRF", "JSON twin", "Accept-Language", "napci_session"):
        assert word in text


def test_without_chromium_the_browser_test_skips_unless_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import test_pages_browser as browser_test

    monkeypatch.setattr(browser_test, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setenv("NAPCI_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="NAPCI_REQUIRE_BROWSER=1"):
        browser_test._require_chromium()
    monkeypatch.delenv("NAPCI_REQUIRE_BROWSER")
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        browser_test._require_chromium()
