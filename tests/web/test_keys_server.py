"""``napci keys register --server``: a delegation registers its key with a
real server, ``napci serve`` running in its own process, on both backends.

The delegation makes its key on its own machine (``keys new``) and submits
the request with its own token: the key binds it. The same request replayed
by another delegation, a revocation by the secretariat, a bad token: each is
refused or recorded unconfirmed, and says so.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from api_scenario import table
from typer.testing import CliRunner

from napci.cli import app
from napci.services.platform import open_platform
from napci.settings import Settings

pytestmark = pytest.mark.slow

DAY = date(2015, 6, 1)
USERS = {
    "chn": ("delegate", "CHN"),
    "jpn": ("delegate", "JPN"),
    "secretariat": ("facilitator", "KOR"),
}


@dataclass
class Server:
    """``napci serve`` in a child process, and the tokens of its users."""

    url: str
    db: str
    tokens: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    def head(self) -> tuple[int, str]:
        with open_platform(Settings(self.db)) as platform:
            return platform.ledger.head()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[Server]:
    """A record with users and proposal p, served by ``napci serve``."""
    platform = open_platform(Settings(db_url), migrate=True)
    try:
        platform.init(principal="test")
        tokens = {
            name: platform.users.add(name, role, actor)
            for name, (role, actor) in USERS.items()
        }
        table(platform, "p", on=DAY)
    finally:
        platform.close()
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from napci.cli import main; main()", "serve",
             "--port", str(port), "--db", db_url],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "napci serve did not answer"
                time.sleep(0.2)
        yield Server(url, db_url, tokens, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def napci(*args: str, code: int = 0) -> str:
    """Run the command line; what it said, its line wrapping undone."""
    result = CliRunner().invoke(app, list(args))
    said = " ".join((result.stdout + result.stderr).split())
    assert result.exit_code == code, (args, result.exit_code, said)
    assert "Traceback" not in said
    return said


def post(server: Server, path: str, token: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{server.url}/api/v1{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_delegation_registers_its_own_key_with_a_running_server(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NAPCI_TOKEN", raising=False)
    napci("keys", "new", "CHN", "--out", str(tmp_path), "--on", DAY.isoformat())
    (request,) = tmp_path.glob("CHN-*.request.json")
    key_id = json.loads(request.read_text())["key_id"]
    tokens, url = server.tokens, server.url
    register = ("keys", "register", str(request), "--server", url, "--token")

    # Japan replays China's request: entered, unconfirmed, binds no one.
    said = napci(*register, tokens["jpn"])
    assert "KeyRegistered" in said and "Recorded unconfirmed" in said
    assert "CHN's delegation submits its key request with its own token" in said
    position = {"position": "objection", "on": DAY.isoformat()}
    status, _ = post(server, "/proposals/p/positions", tokens["chn"], position)
    assert status == 201

    # --actor names whom the token acts for, as the server says (GET /me).
    at = server.head()
    said = napci(*register, tokens["jpn"], "--actor", "CHN", code=2)
    assert "acts for JPN, not for CHN" in said and "(rule 0:" in said
    assert server.head() == at

    # China submits it with its own token (here from NAPCI_TOKEN): confirmed,
    # it binds China.
    monkeypatch.setenv("NAPCI_TOKEN", tokens["chn"])
    answer = json.loads(
        CliRunner().invoke(app, [*register[:-1], "--actor", "chn", "--json"]).stdout
    )
    monkeypatch.delenv("NAPCI_TOKEN")
    assert answer["confirmed"] is True
    assert [e["type"] for e in answer["recorded"]] == ["KeyConfirmed"]
    before = server.head()
    status, problem = post(server, "/proposals/p/positions", tokens["chn"], position)
    assert (status, problem["rule"]) == (409, "signature")
    assert "Nothing new" in napci(*register, tokens["chn"])
    assert server.head() == before

    # The secretariat may not revoke China's key; a bad token is no one's.
    revoke = ("keys", "revoke", key_id, "--server", url, "--token")
    said = napci(*revoke, tokens["secretariat"], code=2)
    assert "rule own-key" in said and "the secretariat cannot revoke it" in said
    assert "unknown or revoked" in napci(*register, "napci_nobody", code=2)
    assert server.head() == before

    # China revokes it (its token before the verb): its unsigned positions
    # are its own again.
    said = napci("--token", tokens["chn"], *revoke[:-1], "--reason", "rotated",
                 "--on", "2015-06-02")  # fmt: skip
    assert "KeyRevoked" in said
    status, _ = post(server, "/proposals/p/positions", tokens["chn"], position)
    assert status == 201
    with open_platform(Settings(server.db)) as platform:
        assert platform.verify().ok
        key = platform.registry().keys[key_id]
        assert (key.confirmed, key.revoked) == (True, True)

    # A server that does not answer is said to be so.
    server.process.terminate()
    server.process.wait(timeout=30)
    assert "cannot reach" in napci(*register, tokens["chn"], code=2)
