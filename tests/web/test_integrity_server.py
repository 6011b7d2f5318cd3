"""Tampering behind a running server's back, on SQLite and PostgreSQL.

A real ``napci serve`` process verifies its record in the background every
few seconds here (``--verify-interval``). An event's payload is edited in
place with plain SQL, its head left as it was: the next background
verification reports it on ``/healthz``, the figures say the record is
broken, and writes are refused naming the first bad seq. Restarted, the
server never reports the record sound: it verifies again and finds it
broken again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from integrity_helpers import TAMPERED, document, tamper
from server_process import children, running, wait_for

from napci.services.platform import Platform, open_platform
from napci.settings import Settings

pytestmark = pytest.mark.slow

#: Minutes between the server's verifications: as often as it can.
INTERVAL = 0.01


def _record(url: str) -> tuple[Platform, str]:
    platform = open_platform(Settings(url), migrate=True)
    platform.init(principal="test")
    token = platform.users.add("jpn", "delegate", "JPN")
    return platform, token


def _health(base: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(base + "/healthz", timeout=10).json()
    return body


def _status_is(base: str, status: str) -> dict[str, Any] | None:
    health = _health(base)
    return health if health["status"] == status else None


def _post_document(base: str, token: str, n: int) -> httpx.Response:
    return httpx.post(
        base + "/api/v1/documents",
        json=document(n),
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


def _assert_broken_and_read_only(base: str, token: str, platform: Platform) -> None:
    health = httpx.get(base + "/healthz", timeout=10)
    assert health.status_code == 503
    assert health.json()["first_bad_seq"] == TAMPERED
    figures = httpx.get(base + "/api/v1/trust", timeout=300).json()
    assert figures["record_status"]["status"] == "broken"
    assert figures["record_status"]["first_bad_seq"] == TAMPERED
    head = platform.ledger.head()
    refused = _post_document(base, token, 99)
    assert refused.status_code == 503, refused.text
    assert refused.json()["first_bad_seq"] == TAMPERED
    assert f"seq {TAMPERED}" in refused.json()["detail"]
    assert platform.ledger.head() == head


def test_tampering_is_found_in_the_background_and_again_after_a_restart(
    db_url: str, tmp_path: Path
) -> None:
    platform, token = _record(db_url)
    log = tmp_path / "server.log"
    try:
        with running(db_url, log, verify_interval=INTERVAL) as (base, server):
            wait_for(lambda: _status_is(base, "ok"), "the first verification")
            figures = httpx.get(base + "/api/v1/trust", timeout=300).json()
            assert figures["record_status"]["status"] == "ok"
            assert _post_document(base, token, 1).status_code == 201

            tamper(platform, TAMPERED)  # the head is left as it was
            found = wait_for(lambda: _status_is(base, "broken"), "the break")
            assert found["first_bad_seq"] == TAMPERED
            assert found["problem"] == "hash does not match the event's content"
            _assert_broken_and_read_only(base, token, platform)
            verifiers = children(server.pid)
        # Stopped, the server leaves no verifying process behind.
        for pid in verifiers:
            assert not Path(f"/proc/{pid}").exists() or _zombie(pid), pid

        with running(db_url, log, verify_interval=INTERVAL) as (base, _):
            seen = {_health(base)["status"]}
            found = wait_for(
                lambda: seen.add(_health(base)["status"]) or _status_is(base, "broken"),
                "the break, after the restart",
            )
            assert "ok" not in seen  # a restart never shows the record sound
            assert found["first_bad_seq"] == TAMPERED
            _assert_broken_and_read_only(base, token, platform)
    finally:
        platform.close()
    text = log.read_text(errors="replace")
    assert "Traceback" not in text
    assert f"the record does not verify from seq {TAMPERED} on" in text


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True
