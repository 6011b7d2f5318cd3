"""The pages' sessions and CSRF, on SQLite and PostgreSQL.

A session is opened by signing in with a token and lives on the server: its
cookie holds a random identifier (never the token), it ends at sign-out, on
the user's revocation, after an idle time and after an absolute lifetime,
and a form's CSRF token is bound to it. Every refused form appends nothing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pages_helpers import csrf_of, sign_in, submit
from typer.testing import CliRunner
from webapp import WebRecord

from napci.cli import app as cli
from napci.settings import Settings
from napci.web.app import create_app
from napci.web.deps import SESSION_COOKIE
from napci.web.pages.common import CSRF_COOKIE, CSRF_FIELD

#: A statement JPN's delegation may issue: a form any delegate can post.
STATEMENT = {"document": "jpn-stmt", "kind": "statement", "title": "A statement"}


class Clock:
    """A clock the test sets."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _plant(client: TestClient, name: str, value: str) -> None:
    """Put a cookie in ``client``'s jar as the site would have set it."""
    client.cookies.set(name, value, domain="testserver.local")


def _user(client: TestClient) -> str | None:
    """Who the pages take ``client`` for (``None``: anonymous)."""
    data = client.get("/login.json").json()
    return None if data["user"] is None else data["user"]["name"]


def _clock(record: WebRecord) -> Clock:
    clock = Clock()
    record.app.state.sessions.store.clock = clock
    return clock


def _sessions(record: WebRecord, name: str) -> int:
    count: int = record.app.state.sessions.store.count(name)
    return count


# -- the attack of the issue --------------------------------------------------


def test_an_attacker_chosen_csrf_pair_with_a_victims_session_is_refused(
    web_record: WebRecord,
) -> None:
    record = web_record
    with TestClient(record.app) as victim, TestClient(record.app) as attacker:
        sign_in(victim, record.tokens["delegate"])
        session = victim.cookies[SESSION_COOKIE]
        # The attacker gets a valid pair of its own from the sign-in form.
        pair_field = csrf_of(attacker)
        pair_cookie = attacker.cookies[CSRF_COOKIE]
        before = record.head()
        for cookie, field in (
            (pair_cookie, pair_field),  # a pair the site itself issued
            ("a" * 43, "a" * 43),  # a double-submit pair of its own choosing
        ):
            with TestClient(record.app) as forged:
                _plant(forged, SESSION_COOKIE, session)
                _plant(forged, CSRF_COOKIE, cookie)
                refused = forged.post(
                    "/documents",
                    data={**STATEMENT, CSRF_FIELD: field},
                    follow_redirects=False,
                )
                assert refused.status_code == 403, refused.text
                assert "security token" in refused.text
        assert record.head() == before
        # The victim's own form, with its session's token, is recorded.
        assert submit(victim, "/documents", STATEMENT).status_code == 303
        assert record.head()[0] == before[0] + 1


def test_a_token_is_bound_to_its_session(web_record: WebRecord) -> None:
    record = web_record
    with TestClient(record.app) as first, TestClient(record.app) as second:
        sign_in(first, record.tokens["delegate"])
        sign_in(second, record.tokens["delegate"])
        assert first.cookies[SESSION_COOKIE] != second.cookies[SESSION_COOKIE]
        token = csrf_of(first)
        assert token != csrf_of(second)
        before = record.head()
        crossed = second.post(
            "/documents",
            data={**STATEMENT, CSRF_FIELD: token},
            follow_redirects=False,
        )
        assert crossed.status_code == 403
        assert record.head() == before


def test_a_post_another_site_sent_is_refused(web_record: WebRecord) -> None:
    record = web_record
    with TestClient(record.app) as client:
        sign_in(client, record.tokens["delegate"])
        before = record.head()
        for site in ("cross-site", "same-site"):
            refused = client.post(
                "/documents",
                data={**STATEMENT, CSRF_FIELD: csrf_of(client)},
                headers={"Sec-Fetch-Site": site},
                follow_redirects=False,
            )
            assert refused.status_code == 403
        assert record.head() == before
        same = client.post(
            "/documents",
            data={**STATEMENT, CSRF_FIELD: csrf_of(client)},
            headers={"Sec-Fetch-Site": "same-origin"},
            follow_redirects=False,
        )
        assert same.status_code == 303


# -- signing out, revoking, expiring ----------------------------------------


def test_after_sign_out_the_old_cookie_signs_no_one_in(web_record: WebRecord) -> None:
    record = web_record
    with TestClient(record.app) as client:
        sign_in(client, record.tokens["delegate"])
        session = client.cookies[SESSION_COOKIE]
        token = csrf_of(client)
        assert _user(client) == "delegate"
        assert submit(client, "/logout", {}).status_code == 303
        assert _user(client) is None
        assert _sessions(record, "delegate") == 0
    before = record.head()
    with TestClient(record.app) as replay:  # the cookie, copied before
        _plant(replay, SESSION_COOKIE, session)
        assert _user(replay) is None
        refused = replay.post(
            "/documents",
            data={**STATEMENT, CSRF_FIELD: token},
            follow_redirects=False,
        )
        assert refused.status_code == 401
        assert "Your session has ended" in refused.text
    assert record.head() == before


def test_signing_out_of_an_ended_session_just_forgets_it(
    web_record: WebRecord,
) -> None:
    with TestClient(web_record.app) as client:
        _plant(client, SESSION_COOKIE, "x" * 43)
        out = client.post("/logout", data={}, follow_redirects=False)
        assert out.status_code == 303
        assert SESSION_COOKIE not in client.cookies


def test_a_sign_out_another_site_asks_for_is_refused(web_record: WebRecord) -> None:
    record = web_record
    with TestClient(record.app) as client:
        sign_in(client, record.tokens["delegate"])
        forced = client.post("/logout", data={}, follow_redirects=False)
        assert forced.status_code == 403
        assert _user(client) == "delegate"


def test_revoking_a_user_ends_its_sessions(web_record: WebRecord) -> None:
    record = web_record
    with TestClient(record.app) as one, TestClient(record.app) as two:
        sign_in(one, record.tokens["delegate"])
        sign_in(two, record.tokens["delegate"])
        token = csrf_of(one)
        assert _sessions(record, "delegate") == 2
        record.platform.users.revoke("delegate")
        assert _sessions(record, "delegate") == 0
        assert _user(one) is None and _user(two) is None
        before = record.head()
        refused = one.post(
            "/documents",
            data={**STATEMENT, CSRF_FIELD: token},
            follow_redirects=False,
        )
        assert refused.status_code == 401
        assert record.head() == before


def test_napci_users_revoke_ends_the_sessions(
    web_record: WebRecord, db_url: str
) -> None:
    record = web_record
    with TestClient(record.app) as client:
        sign_in(client, record.tokens["other-delegate"])
        sign_in_too = TestClient(record.app)
        sign_in(sign_in_too, record.tokens["delegate"])
        done = CliRunner().invoke(
            cli, ["users", "revoke", "other-delegate", "--db", db_url]
        )
        assert done.exit_code == 0, done.output
        assert "sessions are ended" in done.output
        assert _user(client) is None
        assert _user(sign_in_too) == "delegate"  # another user's stays
        sign_in_too.close()


def test_a_session_ends_when_idle(web_record: WebRecord) -> None:
    record = web_record
    clock = _clock(record)
    idle = record.app.state.sessions.idle
    with TestClient(record.app) as client:
        sign_in(client, record.tokens["delegate"])
        token = csrf_of(client)
        for _ in range(3):  # each request keeps it alive for another idle spell
            clock.advance(seconds=idle.total_seconds() - 1)
            assert _user(client) == "delegate"
        clock.advance(seconds=idle.total_seconds())
        assert _user(client) is None
        assert _sessions(record, "delegate") == 0
        before = record.head()
        refused = client.post(
            "/documents",
            data={**STATEMENT, CSRF_FIELD: token},
            follow_redirects=False,
        )
        assert refused.status_code == 401
        assert record.head() == before


def test_a_session_ends_at_its_lifetime_however_busy(web_record: WebRecord) -> None:
    record = web_record
    clock = _clock(record)
    sessions = record.app.state.sessions
    step = sessions.idle / 2
    with TestClient(record.app) as client:
        sign_in(client, record.tokens["delegate"])
        started = clock.now
        while clock.now + step < started + sessions.lifetime:
            clock.advance(seconds=step.total_seconds())
            assert _user(client) == "delegate"
        clock.now = started + sessions.lifetime
        assert _user(client) is None
        assert _sessions(record, "delegate") == 0
        sign_in(client, record.tokens["delegate"])  # a new session starts afresh
        assert _user(client) == "delegate"


def test_a_planted_session_cookie_does_not_survive_sign_in(
    web_record: WebRecord,
) -> None:
    record = web_record
    with TestClient(record.app) as attacker:
        sign_in(attacker, record.tokens["other-delegate"])
        planted = attacker.cookies[SESSION_COOKIE]
    for value in (planted, "p" * 43):
        with TestClient(record.app) as victim:
            _plant(victim, SESSION_COOKIE, value)
            done = victim.post(
                "/login",
                data={"token": record.tokens["delegate"], CSRF_FIELD: csrf_of(victim)},
                follow_redirects=False,
            )
            assert done.status_code == 303
            assert victim.cookies[SESSION_COOKIE] != value
            assert _user(victim) == "delegate"
        with TestClient(record.app) as holder:  # whoever knows the planted value
            _plant(holder, SESSION_COOKIE, value)
            assert _user(holder) is None


# -- the cookie ---------------------------------------------------------------


def test_the_session_cookie_is_secure_over_https_or_when_set(
    sqlite_web_record: WebRecord,
) -> None:
    record = sqlite_web_record

    def session_cookie(app: Any, base_url: str) -> str:
        with TestClient(app, base_url=base_url) as client:
            form = client.get("/login")
            visitor = next(
                c.split(";")[0].split("=", 1)[1]
                for c in form.headers.get_list("set-cookie")
                if c.startswith(f"{CSRF_COOKIE}=")
            )
            field = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert field is not None
            # (sent by hand: a Secure cookie does not go back over plain HTTP)
            done = client.post(
                "/login",
                data={"token": record.tokens["delegate"], CSRF_FIELD: field[1]},
                headers={"Cookie": f"{CSRF_COOKIE}={visitor}"},
                follow_redirects=False,
            )
            assert done.status_code == 303
            return next(
                c.lower()
                for c in done.headers.get_list("set-cookie")
                if c.startswith(f"{SESSION_COOKIE}=")
            )

    plain = session_cookie(record.app, "http://testserver")
    assert "secure" not in plain
    assert "secure" in session_cookie(record.app, "https://testserver")
    url = record.platform.engine.url.render_as_string(hide_password=False)
    behind_proxy = create_app(
        Settings(url, secure_cookies=True), platform=record.platform
    )
    assert "secure" in session_cookie(behind_proxy, "http://testserver")


def test_session_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    defaults = Settings.load("sqlite://")
    assert defaults.session_idle == timedelta(minutes=30)
    assert defaults.session_lifetime == timedelta(hours=12)
    assert defaults.secure_cookies is False
    monkeypatch.setenv("NAPCI_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("NAPCI_SESSION_HOURS", "2")
    monkeypatch.setenv("NAPCI_SECURE_COOKIES", "1")
    loaded = Settings.load("sqlite://")
    assert loaded.session_idle == timedelta(minutes=5)
    assert loaded.session_lifetime == timedelta(hours=2)
    assert loaded.secure_cookies is True
    monkeypatch.setenv("NAPCI_SESSION_HOURS", "0")
    with pytest.raises(ValueError, match="NAPCI_SESSION_HOURS"):
        Settings.load("sqlite://")


@pytest.mark.parametrize(
    ("asked", "landed"),
    [("/proposals", "/proposals"), ("//elsewhere.example/", "/"), ("x", "/")],
)
def test_signing_in_returns_to_the_page_asked_for(
    sqlite_web_record: WebRecord, asked: str, landed: str
) -> None:
    record = sqlite_web_record
    with TestClient(record.app) as client:
        form = client.get("/login", params={"next": asked})
        assert f'name="next" value="{landed}"' in form.text
        done = client.post(
            "/login",
            data={
                "token": record.tokens["delegate"],
                "next": asked,
                CSRF_FIELD: csrf_of(client),
            },
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert done.headers["location"] == landed
