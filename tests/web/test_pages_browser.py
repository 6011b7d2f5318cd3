"""The pages in a real browser: Debian's Chromium, offline, driven by Playwright.

The app is served by uvicorn on 127.0.0.1 (a free port) over a fresh SQLite
record with users of every role. The browser loads every page (no console
error), then the secretariat and two delegations take a proposal through the
forms: tabled at a meeting, objected to by China, a refused attempt to adopt
it, the objection withdrawn, adopted. Every request the pages make is
recorded: all go to 127.0.0.1 (anything else would be aborted, and fails the
test). Screenshots of every page and step go to ``artifacts/screenshots/``.

Without Chromium at /usr/bin/chromium the test is skipped, unless
``NAPCI_REQUIRE_BROWSER=1`` (set in CI), which makes it fail instead.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from api_scenario import enter_key
from pages_helpers import PAGES, ROOT

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = ROOT / "artifacts" / "screenshots"
TODAY = datetime.now(UTC).date().isoformat()
PARTICIPANTS = ("CHN", "JPN", "KOR", "MNG", "RUS", "USA")
MEETING = "maritime-wg-1"
PROPOSAL = "add-maritime-safety"


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = (
        f"Chromium is not installed at {CHROMIUM} "
        "(apt-get install --no-install-recommends chromium)"
    )
    if os.environ.get("NAPCI_REQUIRE_BROWSER", "").strip().lower() in ("1", "true"):
        pytest.fail(f"{reason}; NAPCI_REQUIRE_BROWSER=1 requires the browser test")
    pytest.skip(reason)


@dataclass
class Site:
    """The app served on 127.0.0.1, and the record under it."""

    base: str
    record: Any


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, make_web_record: Any
) -> Iterator[Site]:
    """uvicorn in a background thread, on a free port of 127.0.0.1."""
    _require_chromium()
    path = tmp_path_factory.mktemp("browser") / "napci.db"
    record = make_web_record(f"sqlite:///{path}")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        record.app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start in 30 s"
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", record)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        record.client.close()
        record.platform.close()


@dataclass
class Watch:
    """What the browser did: every request, every console error."""

    requests: list[str] = field(default_factory=list)
    aborted: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def watched(browser: Any, site: Site) -> Iterator[tuple[Any, Watch]]:
    """A page in a fresh context, its requests and errors recorded; a request
    to any host but 127.0.0.1 is aborted (and recorded)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        service_workers="block",
    )
    watch = Watch()

    def route(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            watch.aborted.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    context.on("request", lambda request: watch.requests.append(request.url))
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            watch.errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    page.set_default_timeout(20_000)
    try:
        yield page, watch
    finally:
        context.close()


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _name(path: str) -> str:
    cleaned = path.strip("/").split("?")[0].replace("/", "-") or "dashboard"
    return cleaned + ("-query" if "?" in path else "")


def _visit(page: Any, site: Site, path: str) -> Any:
    response = page.goto(site.base + path)
    assert response is not None and response.status == 200, (path, response)
    page.wait_for_load_state("load")
    return response


def _submit(page: Any, button: str, status: int = 200) -> Any:
    """Click a form's button; the page it leads to (after the redirect)."""
    with page.expect_navigation() as navigation:
        page.locator(button).first.click()
    response = navigation.value
    assert response is not None and response.status == status, (button, response)
    page.wait_for_load_state("load")
    return response


def _flash(page: Any) -> str:
    return str(page.locator("div.flash[role=status]").inner_text())


def _sign_in(page: Any, site: Site, user: str) -> None:
    _visit(page, site, "/login")
    page.fill("#f-token", site.record.tokens[user])
    _submit(page, "form[action='/login'] button[type=submit]")
    assert page.url == site.base + "/"
    assert _flash(page) == f"Signed in as {user}."


def _sign_out(page: Any) -> None:
    _submit(page, "form[action='/logout'] button[type=submit]")
    assert "Signed out." in _flash(page)


def _tour(page: Any, site: Site, who: str, only_records: bool = False) -> None:
    for path in PAGES:
        if only_records and "{" not in path:
            continue
        path = path.format(meeting=MEETING, proposal=PROPOSAL)
        _visit(page, site, path)
        assert page.locator("main h1").count() == 1, path
        _shot(page, f"{who}-{_name(path)}")


def _check_offline(watch: Watch, refusals: int = 0) -> None:
    """Every request went to 127.0.0.1; no error but the refusals' 409s."""
    hosts = {urlsplit(url).hostname for url in watch.requests}
    assert hosts == {"127.0.0.1"}, sorted(watch.requests)
    assert watch.aborted == []
    refused = [e for e in watch.errors if "status of 409 (Conflict)" in e]
    assert len(refused) == refusals
    assert [e for e in watch.errors if e not in refused] == []


def test_every_page_loads_offline_for_anonymous_readers(
    watched: tuple[Any, Watch], site: Site
) -> None:
    page, watch = watched
    for path in PAGES:
        if "{" in path:
            continue  # pages of a meeting or a proposal: in the scenario
        _visit(page, site, path)
        assert page.locator("main h1").count() == 1, path
        _shot(page, f"anonymous-{_name(path)}")
    # Scripts, styles and the icon come from the app itself.
    assert any(url.endswith("/static/napci.css") for url in watch.requests)
    assert any(url.endswith("/static/napci.js") for url in watch.requests)
    _check_offline(watch)


def test_a_proposal_is_tabled_objected_to_withdrawn_and_adopted(
    watched: tuple[Any, Watch], site: Site
) -> None:
    page, watch = watched
    record = site.record

    # The secretariat convenes a meeting, records attendance, holds it.
    _sign_in(page, site, "facilitator")
    _visit(page, site, "/meetings")
    page.locator("#convene > summary").click()
    page.fill("#f-meeting", MEETING)
    page.fill("#f-title", "Maritime safety working group")
    assert page.input_value("#f-starts_on") == TODAY
    page.check("input[name=tracks][value=environment]")
    page.select_option("#f-host", "KOR")
    page.select_option("#f-chair", "KOR")
    _shot(page, "step-01-convene-form")
    _submit(page, "form[action='/meetings'] button[type=submit]")
    assert page.url == f"{site.base}/meetings/{MEETING}"
    assert "MeetingConvened" in _flash(page)
    page.locator("button[data-mark=attended]").click()  # the small script
    for code in PARTICIPANTS:
        assert page.is_checked(f"input[name=att-{code}][value=attended]")
    _shot(page, "step-02-attendance-form")
    _submit(page, f"form[action='/meetings/{MEETING}/attendance'] button[type=submit]")
    assert "AttendanceRecorded" in _flash(page)
    _submit(page, f"form[action='/meetings/{MEETING}/held'] button[type=submit]")
    assert "MeetingHeld" in _flash(page)
    _shot(page, "step-03-meeting-held")
    meeting = record.platform.registry().meetings[MEETING]
    assert (meeting.status, sorted(meeting.attended)) == ("held", list(PARTICIPANTS))

    # ... and tables a proposal at it.
    _visit(page, site, "/proposals")
    page.fill("#f-proposal", PROPOSAL)
    page.fill("#f-title", "Add maritime safety to the agenda")
    page.select_option("#f-kind", "add-track")
    assert page.locator("fieldset[data-kind=admit-observer]").is_hidden()
    page.select_option("#f-meeting", MEETING)
    page.fill("#f-track", "maritime-safety")
    page.fill("#f-track_name", "Maritime safety")
    _shot(page, "step-04-table-form")
    _submit(page, "form[action='/proposals'] button[type=submit]")
    assert page.url == f"{site.base}/proposals/{PROPOSAL}"
    assert "ProposalTabled" in _flash(page)
    _shot(page, "step-05-tabled")
    _sign_out(page)

    # Japan supports it; China objects.
    _sign_in(page, site, "delegate")
    _visit(page, site, f"/proposals/{PROPOSAL}")
    page.check("input[name=position][value=support]")
    _submit(page, f"form[action='/proposals/{PROPOSAL}/position'] button")
    _sign_out(page)
    _sign_in(page, site, "other-delegate")
    _visit(page, site, f"/proposals/{PROPOSAL}")
    page.check("input[name=position][value=objection]")
    page.fill(
        "#f-statement", "Maritime questions need consultations in capitals first."
    )
    _submit(page, f"form[action='/proposals/{PROPOSAL}/position'] button")
    assert "PositionRecorded" in _flash(page)
    assert page.locator(".strip .pos-objection .code").inner_text() == "CHN"
    _shot(page, "step-06-objection")
    _sign_out(page)

    # The secretariat tries to adopt it: refused, the page says why.
    _sign_in(page, site, "facilitator")
    _visit(page, site, f"/proposals/{PROPOSAL}")
    before = record.platform.ledger.head()
    _submit(
        page, f"form[action='/proposals/{PROPOSAL}/decide'] button[value=adopt]", 409
    )
    problem = page.locator("#problem").inner_text()
    assert "Refused by the rules of procedure" in problem
    assert "consensus" in problem and "CHN" in problem
    assert "Nothing was recorded." in problem
    assert record.platform.ledger.head() == before
    _shot(page, "step-07-adoption-refused")
    _sign_out(page)

    # China withdraws its objection.
    _sign_in(page, site, "other-delegate")
    _visit(page, site, f"/proposals/{PROPOSAL}")
    page.check("input[name=position][value=no-objection]")
    _submit(page, f"form[action='/proposals/{PROPOSAL}/position'] button")
    assert page.locator(".strip .pos-objection").count() == 0
    _shot(page, "step-08-objection-withdrawn")
    _sign_out(page)

    # Adopted: the page says so, and who joined the consensus.
    _sign_in(page, site, "facilitator")
    _visit(page, site, f"/proposals/{PROPOSAL}")
    _submit(page, f"form[action='/proposals/{PROPOSAL}/decide'] button[value=adopt]")
    assert "DecisionAdopted" in _flash(page)
    outcome = page.locator("#outcome").inner_text()
    assert "Adopted on" in outcome
    assert "Joined the consensus: CHN, JPN, KOR, MNG, RUS, USA." in outcome
    assert page.locator(".lead .badge").inner_text() == "adopted"
    _shot(page, "step-09-adopted")
    decision = record.platform.registry().decisions[PROPOSAL]
    assert (decision.outcome, decision.joined) == ("adopted", PARTICIPANTS)

    # Every page, as the secretariat and as an anonymous reader.
    _tour(page, site, "facilitator")
    assert "Maritime safety" in page.goto(site.base + "/tracks").text()
    _sign_out(page)
    # (the other pages were seen anonymously in the first test)
    _tour(page, site, "anonymous", only_records=True)
    _check_offline(watch, refusals=1)
    assert record.platform.verify().ok


def test_a_delegation_acknowledges_the_attendance_its_host_reported(
    watched: tuple[Any, Watch], site: Site
) -> None:
    """Rule 0 on the pages: the host's report of others is only reported; each
    delegation sees it on its dashboard and on the meeting's page, and
    acknowledges it with a button; then it counts."""
    page, watch = watched
    record = site.record
    meeting = "haze-wg-1"

    # The secretariat convenes a meeting hosted and chaired by Japan.
    _sign_in(page, site, "facilitator")
    _visit(page, site, "/meetings")
    page.locator("#convene > summary").click()
    page.fill("#f-meeting", meeting)
    page.fill("#f-title", "Haze working group")
    page.check("input[name=tracks][value=environment]")
    page.select_option("#f-host", "JPN")
    page.select_option("#f-chair", "JPN")
    _submit(page, "form[action='/meetings'] button[type=submit]")
    assert "MeetingConvened" in _flash(page)
    _sign_out(page)

    # Japan, the host, reports who attended: it counts for Japan alone.
    _sign_in(page, site, "delegate")
    _visit(page, site, f"/meetings/{meeting}")
    for code in ("JPN", "CHN", "KOR"):
        page.check(f"input[name=att-{code}][value=attended]")
    page.check("input[name=att-MNG][value=absent]")
    _submit(page, f"form[action='/meetings/{meeting}/attendance'] button[type=submit]")
    assert "AttendanceRecorded" in _flash(page)
    assert (
        page.locator(
            f"form[action='/meetings/{meeting}/attendance/acknowledge']"
        ).count()
        == 0
    )
    rows = page.locator("table.attendance tbody tr")
    assert rows.count() == 4
    assert page.locator("#att-CHN").inner_text().split() == [
        "CHN",
        "attended",
        "not",
        "yet",
    ]
    assert page.locator("#att-JPN").inner_text().split() == [
        "JPN",
        "attended",
        "attended",
    ]
    _shot(page, "ack-01-reported-by-the-host")
    view = record.platform.registry().meetings[meeting]
    assert (view.attended, view.absent, view.pending()) == (
        {"JPN"},
        set(),
        ["CHN", "KOR", "MNG"],
    )
    _sign_out(page)

    # China sees it on its dashboard and acknowledges it from there.
    _sign_in(page, site, "other-delegate")
    listed = page.locator("#to-acknowledge tbody tr")
    assert listed.count() == 1
    assert meeting in listed.first.inner_html()
    _shot(page, "ack-02-dashboard")
    _submit(page, "#to-acknowledge form button[type=submit]")
    assert page.url == site.base + "/"
    assert "AttendanceAcknowledged" in _flash(page)
    assert page.locator("#to-acknowledge").count() == 0
    _visit(page, site, f"/meetings/{meeting}")
    assert page.locator("#att-CHN").inner_text().split() == [
        "CHN",
        "attended",
        "attended",
    ]
    _sign_out(page)

    # The secretariat is not the ROK's delegation: no button for it...
    _sign_in(page, site, "facilitator")
    _visit(page, site, f"/meetings/{meeting}")
    assert (
        page.locator(
            f"form[action='/meetings/{meeting}/attendance/acknowledge']"
        ).count()
        == 0
    )
    assert page.locator("#to-acknowledge").count() == 0
    _sign_out(page)

    # ... the ROK's delegation acknowledges on the meeting's page.
    _sign_in(page, site, "facilitator-delegate")
    _visit(page, site, f"/meetings/{meeting}")
    _shot(page, "ack-03-meeting-page")
    _submit(page, f"form[action='/meetings/{meeting}/attendance/acknowledge'] button")
    assert page.url == f"{site.base}/meetings/{meeting}"
    assert "AttendanceAcknowledged" in _flash(page)
    assert page.locator("#att-KOR").inner_text().split() == [
        "KOR",
        "attended",
        "attended",
    ]
    _sign_out(page)

    view = record.platform.registry().meetings[meeting]
    assert (view.attended, view.absent, view.pending()) == (
        {"CHN", "JPN", "KOR"},
        set(),
        ["MNG"],
    )
    _check_offline(watch)


def test_a_delegations_page_flags_a_key_someone_else_entered(
    watched: tuple[Any, Watch], site: Site
) -> None:
    """Japan enters a key in China's name: from the ledger, China's code leads
    to its page, where the key is flagged as binding no one."""
    page, watch = watched
    pair = enter_key(site.record.platform, "CHN", by="JPN")
    _visit(page, site, "/ledger")
    with page.expect_navigation():
        page.locator("table a[href='/participants/CHN']").first.click()
    assert page.url == f"{site.base}/participants/CHN"
    row = page.locator(f"#key-{pair.key_id.replace(':', '-')}")
    assert row.locator(".badge").inner_text() == "unconfirmed"
    assert row.locator(".flag").is_visible()
    assert row.locator(".flag").inner_text() == (
        "entered by someone other than the delegation: binds no one"
    )
    assert "binds no one" in page.locator("#flagged").inner_text()
    _shot(page, "participant-flagged-key")
    _check_offline(watch)


def test_a_session_signs_in_acts_and_ends_in_the_browser(
    watched: tuple[Any, Watch], site: Site
) -> None:
    page, watch = watched
    record = site.record
    _sign_in(page, site, "delegate")
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["napci_session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    assert session["path"] == "/"
    assert session["value"] != record.tokens["delegate"]  # never the token
    assert "napci_session" not in page.evaluate("document.cookie")

    # JPN's delegation issues a statement through the form.
    _visit(page, site, "/proposals")
    page.locator("#issue > summary").click()
    form = "form[action='/documents']"
    page.fill(f"{form} input[name=document]", "jpn-browser-statement")
    page.fill(f"{form} input[name=title]", "A statement made in the browser")
    page.select_option(f"{form} select[name=kind]", "statement")
    _submit(page, f"{form} button[type=submit]")
    assert "DocumentIssued" in _flash(page)
    assert "jpn-browser-statement" in record.platform.registry().documents

    # Signed out, the session is over: its cookie, put back, is nobody's.
    _sign_out(page)
    page.context.add_cookies(
        [{"name": "napci_session", "value": session["value"], "url": site.base}]
    )
    _visit(page, site, "/proposals")
    assert page.locator("header .user a[href='/login']").count() == 1
    assert page.locator("form[action='/documents']").count() == 0
    _shot(page, "session-ended")
    _check_offline(watch)
