"""Two commands sent at the same instant: one is admitted, the other refused.

A command is judged and appended as one step, under the ledger's write lock
(DESIGN §1), so two commands that a rule admits only one of can never both
pass it, whether they reach one server or two server processes sharing the
database. Each try sends two commands from two threads released by one
barrier, over connections opened beforehand, to real ``napci serve``
processes: the same command (two delegations issuing one document id), and
two conflicting ones (the secretariat and MNG convening one meeting id).
Exactly one is admitted (201); the other is refused by rule ``registry``
(409); the ledger holds one event for the id, and verifies.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from served import serving
from webapp import WebRecord

TRIES = 20


@dataclass
class Servers:
    """Two server processes over one record, and a client per user and server."""

    record: WebRecord
    bases: list[str]
    tokens: dict[str, str]

    def client(self, server: int, user: str) -> httpx.Client:
        """A keep-alive client of ``server`` acting as ``user``, connected."""
        client = httpx.Client(
            base_url=self.bases[server],
            headers={"Authorization": f"Bearer {self.tokens[user]}"},
            timeout=60.0,
        )
        client.get("/healthz")  # open the connection before the race
        return client


@pytest.fixture
def servers(web_record: WebRecord, db_url: str, tmp_path: Path) -> Iterator[Servers]:
    tokens = dict(web_record.tokens)
    tokens["mng"] = web_record.platform.users.add("mng", "delegate", "MNG")
    with serving(db_url, tmp_path, count=2) as bases:
        yield Servers(web_record, bases, tokens)


def _at_once(
    sends: list[tuple[httpx.Client, str, dict[str, Any]]],
) -> list[httpx.Response]:
    """POST each body from its own thread, all released at one instant."""
    barrier = threading.Barrier(len(sends))
    answers: list[httpx.Response | BaseException | None] = [None] * len(sends)

    def send(i: int) -> None:
        client, path, body = sends[i]
        try:
            barrier.wait(timeout=30)
            answers[i] = client.post(path, json=body)
        except BaseException as exc:  # reported below, in the test's thread
            answers[i] = exc

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(sends))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out: list[httpx.Response] = []
    for answer in answers:
        if not isinstance(answer, httpx.Response):
            raise AssertionError(f"a request failed: {answer!r}")
        out.append(answer)
    return out


def _one_admitted(answers: list[httpx.Response], rule: str, message: str) -> None:
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 409], [(a.status_code, a.text) for a in answers]
    refused = next(a for a in answers if a.status_code == 409).json()
    assert refused["rule"] == rule, refused
    assert message in refused["detail"], refused


def _count(record: WebRecord, type_: str, field: str) -> Counter[str]:
    """How many events of ``type_`` the ledger holds per value of ``field``."""
    return Counter(
        json.loads(e.payload_json)[field]
        for e in record.platform.ledger.iter_events(types=[type_])
    )


def _pairs(servers: Servers, users: tuple[str, str]) -> Iterator[tuple[Any, Any]]:
    """Clients for the two users: both on one server, then one on each."""
    for second in (0, 1):
        yield servers.client(0, users[0]), servers.client(second, users[1])


@pytest.mark.slow
def test_the_same_document_issued_at_once_is_recorded_once(servers: Servers) -> None:
    record = servers.record
    ids: list[str] = []
    for where, (jpn, chn) in enumerate(_pairs(servers, ("delegate", "other-delegate"))):
        with closing(jpn), closing(chn):
            for n in range(TRIES):
                document = f"race-doc-{where}-{n}"
                ids.append(document)
                body = {"document": document, "kind": "statement", "title": "Race"}
                before = record.head()[0]
                answers = _at_once(
                    [(jpn, "/api/v1/documents", body), (chn, "/api/v1/documents", body)]
                )
                _one_admitted(
                    answers, "registry", f"the document id {document} is taken"
                )
                assert record.head()[0] == before + 1
    issued = _count(record, "DocumentIssued", "document")
    assert {d: issued[d] for d in ids} == dict.fromkeys(ids, 1)
    assert record.platform.verify().ok


@pytest.mark.slow
def test_conflicting_convenings_at_once_admit_one(servers: Servers) -> None:
    record = servers.record
    ids: list[str] = []
    for where, (kor, mng) in enumerate(_pairs(servers, ("facilitator", "mng"))):
        with closing(kor), closing(mng):
            for n in range(TRIES):
                meeting = f"race-m{where}-{n}"
                ids.append(meeting)
                convene: dict[str, Any] = {
                    "meeting": meeting,
                    "title": "Race",
                    "starts_on": "2030-01-01",
                }
                answers = _at_once(
                    [
                        (kor, "/api/v1/meetings", {**convene, "host": "KOR"}),
                        (mng, "/api/v1/meetings", {**convene, "host": "MNG"}),
                    ]
                )
                _one_admitted(answers, "registry", f"the meeting id {meeting} is taken")
                admitted = next(a for a in answers if a.status_code == 201).json()
                shown = record.get(f"/meetings/{meeting}", "facilitator").json()
                host = "KOR" if admitted["recorded"][0]["actor"] == "KOR" else "MNG"
                assert shown["host"] == host, shown
    convened = _count(record, "MeetingConvened", "meeting")
    assert {m: convened[m] for m in ids} == dict.fromkeys(ids, 1)
    assert record.platform.verify().ok
