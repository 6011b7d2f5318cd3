"""Every text field of every command body, given hostile text, on both backends.

One NUL in a document title, posted by a delegate, was stored (201), and from
then on every figure on PostgreSQL answered 500, for good. Here every text
field the API's own description lists (every string of every command body
that is not a code, an id, a date or a choice) gets, in turn, a NUL, a lone
surrogate, a right-to-left override, the line and paragraph separators,
characters beyond the Basic Multilingual Plane and a megabyte. Each answer
is a 4xx (naming the field, and appending nothing) or the event is stored
and its payload reads back holding the text exactly; never a 5xx. Then
every read still answers: the figures, the road-map, the explanations, the
pages of the objects, the ledger, ``napci trust`` and ``napci ledger
verify``, and an export of the record imports into a fresh database of the
other backend, reaching the same head.

A field the description lists but this test has no case for fails
:func:`test_every_text_field_has_a_case`: a new text field gets a case here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from pages_helpers import sign_in
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from typer.testing import CliRunner
from webapp import WebRecord

from napci.cli import app as cli
from napci.domain.key_requests import make_key_request
from napci.domain.signing import generate_key_pair
from napci.domain.text import TEXT_PATTERN
from napci.domain.values import LANGUAGES
from napci.services.platform import Platform
from napci.settings import Settings
from napci.web.app import create_app
from napci.web.problems import PROBLEM

#: The text every field gets in turn; the control must be admitted.
CONTROL = "fuzz text"
HOSTILE = {
    "nul": "fuzz\x00text",
    "surrogate": "fuzz\ud800text",
    "rtl-override": "\u202efuzz txet",
    "separators": "fuzz\u2028text\u2029",
    "astral": "fuzz \U0001f54a\U00020bb7",
    "megabyte": "x" * 1_000_000,
}
#: What a database cannot store, or no field takes: always a 4xx.
REFUSED = {"nul", "surrogate", "megabyte"}
DAY = "2015-01-05"


def text_fields() -> list[str]:
    """``METHOD PATH FIELD`` of every free-text string in a command body,
    walked from the API's own OpenAPI description (a variant of a tagged
    union is named by its tag, a map's values by ``*``)."""
    described = create_app(
        Settings("sqlite://"), platform=Platform(create_engine("sqlite://"))
    )
    spec = described.openapi()
    schemas = spec["components"]["schemas"]
    found: set[str] = set()

    def walk(schema: dict[str, Any], path: list[str], into: set[str]) -> None:
        if "$ref" in schema:
            walk(schemas[schema["$ref"].split("/")[-1]], path, into)
            return
        if "discriminator" in schema:
            for tag, ref in schema["discriminator"]["mapping"].items():
                walk(schemas[ref.split("/")[-1]], [*path, tag], into)
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                walk(sub, path, into)
        kind = schema.get("type")
        free = not {"enum", "format", "const"} & set(schema)
        if kind == "string" and free and schema.get("pattern") in (None, TEXT_PATTERN):
            into.add(".".join(path))
        for name, sub in schema.get("properties", {}).items():
            walk(sub, [*path, name], into)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            walk(extra, [*path, "*"], into)
        if kind == "array":
            walk(schema.get("items", {}), [*path, "0"], into)

    for route, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body is None:
                continue
            fields: set[str] = set()
            walk(body["content"]["application/json"]["schema"], [], fields)
            found |= {f"{method.upper()} {route} {field}" for field in fields}
    return sorted(found)


class Fuzz:
    """Commands over one record, each with a fresh id (``n``)."""

    def __init__(self, record: WebRecord) -> None:
        self.record = record
        self.n = 0
        self.project = self.launch("fuzz-project")
        # A draft is of a position its delegation signs: the ROK's delegation
        # registers a key of its own.
        self.own_key("facilitator-delegate", "KOR")
        # Participants that withdraw, one for each text a withdrawal keeps.
        self.leaving = ["USA", "RUS", "MNG", "CHN", "JPN"]
        for code in self.leaving[:3]:
            record.tokens[code] = record.platform.users.add(
                f"fuzz-{code.lower()}", "delegate", code
            )
        record.tokens["CHN"] = record.tokens["other-delegate"]
        record.tokens["JPN"] = record.tokens["delegate"]

    def own_key(self, user: str, code: str) -> str:
        """A new key of ``code``'s, its request submitted by ``user``, a user
        of that delegation's own: the key binds it. Its id."""
        request = make_key_request(generate_key_pair(), code, date.fromisoformat(DAY))
        answer = self.ok("/keys", user, request.as_json()).json()
        assert answer["confirmed"] is True, answer
        return request.key_id

    def fresh(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.n}"

    def post(self, path: str, user: str, body: dict[str, Any]) -> Any:
        """POST the command under test (the head before it is kept)."""
        self.before = self.record.head()
        return self._post(path, user, body)

    def _post(self, path: str, user: str, body: dict[str, Any]) -> Any:
        """POST a body as JSON text that may hold lone surrogates."""
        return self.record.client.post(
            f"/api/v1{path}",
            content=json.dumps(body).encode("ascii"),
            headers={**self.record.auth(user), "content-type": "application/json"},
        )

    def ok(self, path: str, user: str, body: dict[str, Any]) -> Any:
        """POST a command a case needs first; it must be admitted."""
        response = self._post(path, user, body)
        assert response.status_code in (200, 201), (path, response.text)
        return response

    def convene(self, meeting: str, **extra: Any) -> None:
        body = {"meeting": meeting, "title": "Fuzz working group"}
        body |= {"tracks": ["environment"], "starts_on": "2015-02-02", "on": DAY}
        self.ok("/meetings", "facilitator", body | extra)

    def table(self, proposal: str, **extra: Any) -> None:
        subject = {"kind": "add-track", "track": f"t-{proposal}", "category": "soft"}
        body = {"proposal": proposal, "title": "Fuzz", "on": DAY}
        body |= {"subject": subject | {"name": {"en": "Fuzz"}}}
        self.ok("/proposals", "delegate", body | extra)

    def launch(self, project: str, **extra: Any) -> str:
        """A project under way: JPN launches it, naming CHN a founder, and
        CHN, invited, joins by its own act."""
        body = {"project": project, "title": "Fuzz project", "on": DAY}
        body |= {"tracks": ["environment"], "founders": ["JPN", "CHN"]}
        self.ok("/projects", "delegate", body | extra)
        self.ok(f"/projects/{project}/join", "other-delegate", {"on": DAY})
        return project


def _position(field: str, draft: bool = False) -> Callable[[Fuzz, str], Any]:
    def send(fuzz: Fuzz, text: str) -> Any:
        proposal = fuzz.fresh("fz-pos")
        fuzz.table(proposal)
        kind = "amendment" if field == "amendment" else "support"
        body = {"position": kind, "on": DAY, field: text}
        if draft:
            path = f"/proposals/{proposal}/positions/draft"
            return fuzz.post(path, "facilitator-delegate", body)
        return fuzz.post(f"/proposals/{proposal}/positions", "other-delegate", body)

    return send


def _subject(kind: str, lang: str = "en") -> Callable[[Fuzz, str], Any]:
    def send(fuzz: Fuzz, text: str) -> Any:
        proposal = fuzz.fresh("fz-subject")
        name = {"en": "Fuzz"} | {lang: text}
        subjects: dict[str, dict[str, Any]] = {
            "add-track": {"track": f"t-{proposal}", "name": name},
            "launch-mechanism": {
                "mechanism": f"m-{proposal}",
                "name": name,
                "tracks": ["environment"],
                "members": ["JPN", "CHN"],
            },
            "violation": {"concerned": "CHN", "finding": text},
        }
        subject = {"kind": kind, **subjects[kind]}
        if kind == "add-track":
            subject["category"] = "soft"
        body = {"proposal": proposal, "title": "Fuzz", "subject": subject, "on": DAY}
        return fuzz.post("/proposals", "delegate", body)

    return send


def _actor_code(fuzz: Fuzz) -> str:
    return f"FZ{fuzz.fresh('x').split('-')[1]}"


def _withdraw(fuzz: Fuzz, text: str) -> Any:
    # The next participant still taking part: a withdrawal is for good.
    code = fuzz.leaving[0]
    answer = fuzz.post(f"/actors/{code}/withdraw", code, {"on": DAY, "reason": text})
    if answer.status_code < 300:
        fuzz.leaving.pop(0)
    return answer


def _invite(fuzz: Fuzz, text: str) -> Any:
    body = {"note": text, "on": DAY}
    return fuzz.post("/actors/PRK/invite", "facilitator", body)


def _cancel(fuzz: Fuzz, text: str) -> Any:
    meeting = fuzz.fresh("fz-cancel")
    fuzz.convene(meeting)
    return fuzz.post(f"/meetings/{meeting}/cancel", "facilitator", {"reason": text})


def _incident(field: str) -> Callable[[Fuzz, str], Any]:
    def send(fuzz: Fuzz, text: str) -> Any:
        body = {
            "incident": fuzz.fresh("fz-incident"),
            "parties": ["CHN", "JPN"],
            "occurred_on": "2015-01-04",
            "severity": 2,
            "description": "Fuzz",
            "source_title": "Fuzz",
            "on": DAY,
            field: text,
        }
        return fuzz.post("/incidents", "facilitator", body)

    return send


def _meeting(field: str) -> Callable[[Fuzz, str], Any]:
    def send(fuzz: Fuzz, text: str) -> Any:
        body = {"meeting": fuzz.fresh("fz-meeting"), "title": "Fuzz", field: text}
        body |= {"tracks": ["environment"], "starts_on": "2015-02-02", "on": DAY}
        return fuzz.post("/meetings", "facilitator", body)

    return send


def _document(field: str) -> Callable[[Fuzz, str], Any]:
    def send(fuzz: Fuzz, text: str) -> Any:
        body = {"document": fuzz.fresh("fz-doc"), "kind": "statement"}
        body |= {"title": "Fuzz", "on": DAY, field: text}
        return fuzz.post("/documents", "delegate", body)

    return send


def _project(field: str) -> Callable[[Fuzz, str], Any]:
    def send(fuzz: Fuzz, text: str) -> Any:
        body = {"project": fuzz.fresh("fz-project"), "title": "Fuzz", "on": DAY}
        body |= {"tracks": ["environment"], "founders": ["JPN", "CHN"], field: text}
        return fuzz.post("/projects", "delegate", body)

    return send


def _commitment(fuzz: Fuzz, text: str) -> Any:
    body = {"commitment": fuzz.fresh("fz-commitment"), "description": text}
    body |= {"due_on": "2016-01-01", "on": DAY}
    return fuzz.post(f"/projects/{fuzz.project}/commitments", "delegate", body)


def _milestone(fuzz: Fuzz, text: str) -> Any:
    body = {"milestone": fuzz.fresh("fz-milestone"), "title": text, "on": DAY}
    return fuzz.post(f"/projects/{fuzz.project}/milestones", "delegate", body)


def _complete(fuzz: Fuzz, text: str) -> Any:
    project = fuzz.launch(fuzz.fresh("fz-done"))
    body = {"summary": text, "on": DAY}
    return fuzz.post(f"/projects/{project}/complete", "delegate", body)


def _revoke(fuzz: Fuzz, text: str) -> Any:
    key = fuzz.own_key("facilitator-delegate", "KOR")
    body = {"on": DAY, "reason": text}
    return fuzz.post(f"/keys/{key}/revoke", "facilitator-delegate", body)


def _register(fuzz: Fuzz, text: str) -> Any:
    body = {"code": _actor_code(fuzz), "name": text, "kind": "institute", "on": DAY}
    return fuzz.post("/actors", "facilitator", body)


def _proposal_title(fuzz: Fuzz, text: str) -> Any:
    proposal = fuzz.fresh("fz-title")
    subject = {"kind": "add-track", "track": f"t-{proposal}", "category": "soft"}
    body = {"proposal": proposal, "title": text, "on": DAY}
    body |= {"subject": subject | {"name": {"en": "Fuzz"}}}
    return fuzz.post("/proposals", "delegate", body)


V1 = "POST /api/v1"
#: Per text field: how to send a command holding the text.
CASES: dict[str, Callable[[Fuzz, str], Any]] = {
    f"{V1}/actors name": _register,
    f"{V1}/actors/{{code}}/invite note": _invite,
    f"{V1}/keys/{{key_id}}/revoke reason": _revoke,
    f"{V1}/meetings title": _meeting("title"),
    f"{V1}/meetings venue": _meeting("venue"),
    f"{V1}/meetings/{{meeting}}/cancel reason": _cancel,
    f"{V1}/documents title": _document("title"),
    f"{V1}/documents text": _document("text"),
    f"{V1}/incidents description": _incident("description"),
    f"{V1}/incidents source_title": _incident("source_title"),
    f"{V1}/incidents source_url": _incident("source_url"),
    f"{V1}/proposals title": _proposal_title,
    **{
        f"{V1}/proposals subject.{kind}.name.{lang}": _subject(kind, lang)
        for kind in ("add-track", "launch-mechanism")
        for lang in LANGUAGES
    },
    f"{V1}/proposals subject.violation.finding": _subject("violation"),
    f"{V1}/proposals/{{proposal}}/positions statement": _position("statement"),
    f"{V1}/proposals/{{proposal}}/positions reservation": _position("reservation"),
    f"{V1}/proposals/{{proposal}}/positions amendment": _position("amendment"),
    f"{V1}/proposals/{{proposal}}/positions/draft statement": _position(
        "statement", draft=True
    ),
    f"{V1}/proposals/{{proposal}}/positions/draft reservation": _position(
        "reservation", draft=True
    ),
    f"{V1}/proposals/{{proposal}}/positions/draft amendment": _position(
        "amendment", draft=True
    ),
    f"{V1}/projects title": _project("title"),
    f"{V1}/projects description": _project("description"),
    f"{V1}/projects/{{project}}/commitments description": _commitment,
    f"{V1}/projects/{{project}}/milestones title": _milestone,
    f"{V1}/projects/{{project}}/complete summary": _complete,
    # Last: each withdraws a participant of its own, for good.
    f"{V1}/actors/{{code}}/withdraw reason": _withdraw,
}


def test_every_text_field_has_a_case() -> None:
    fields = text_fields()
    assert fields, "the walk finds the text fields"
    missing = sorted(set(fields) - set(CASES))
    assert not missing, f"text fields without a fuzz case: {missing}"
    stale = sorted(set(CASES) - set(fields))
    assert not stale, f"fuzz cases of fields that are gone: {stale}"


def _holds(value: Any, text: str) -> bool:
    """Whether a JSON value holds ``text`` exactly, anywhere."""
    if isinstance(value, str):
        return value == text
    if isinstance(value, dict):
        return any(_holds(v, text) for v in value.values())
    if isinstance(value, list):
        return any(_holds(v, text) for v in value)
    return False


def _stored(record: WebRecord, answer: dict[str, Any], text: str) -> bool:
    """Whether the events the answer recorded hold ``text``, read back."""
    if "signing_bytes_b64" in answer:  # a draft: nothing appended, all shown
        return _holds(answer["payload"], text)
    seqs = [e["seq"] for e in answer["recorded"]]
    assert seqs, answer
    page = record.get(f"/ledger?after={seqs[0] - 1}&limit={len(seqs)}", "facilitator")
    assert page.status_code == 200, page.text
    return any(_holds(e["payload"], text) for e in page.json()["items"])


@contextmanager
def _other_backend(
    db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A fresh, empty database of the other backend than ``db_url``'s."""
    if make_url(db_url).get_backend_name() == "postgresql":
        yield f"sqlite:///{tmp_path / 'other.db'}"
        return
    lane = request.getfixturevalue("postgres_lane")
    if lane.server_url is None:
        pytest.skip(lane.problem)
    server = lane.server_url.set(drivername="postgresql")
    name = f"napci_fuzz_{uuid.uuid4().hex}"
    admin = server.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield lane.server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )


def _cli(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    output = result.stdout + result.stderr
    assert result.exit_code == 0, output
    assert "Traceback" not in output
    return result


def test_hostile_text_in_every_field_is_refused_or_kept_and_every_read_answers(
    db_url: str,
    make_web_record: Any,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    record: WebRecord = make_web_record(db_url)
    try:
        fuzz = Fuzz(record)
        for field, send in CASES.items():
            control = send(fuzz, CONTROL)
            assert control.status_code in (200, 201), (field, control.text)
            for kind, text in HOSTILE.items():
                answer = send(fuzz, text)
                status = answer.status_code
                assert status < 500, (field, kind, answer.text[:500])
                if status >= 400:
                    assert answer.headers["content-type"] == PROBLEM
                    assert record.head() == fuzz.before, (field, kind)  # nothing
                    assert kind in REFUSED, (field, kind, answer.text[:500])
                    leaf = field.split()[-1].split(".")
                    named = leaf[-2] if leaf[-1] == "*" else leaf[-1]
                    assert named in answer.json()["detail"], (field, answer.text)
                else:
                    assert kind not in REFUSED, (field, kind)
                    assert _stored(record, answer.json(), text), (field, kind)

        # Every read still answers, for every reader.
        anonymous = TestClient(record.app, raise_server_exceptions=False)
        secretariat = TestClient(record.app, raise_server_exceptions=False)
        sign_in(secretariat, record.tokens["facilitator"])
        auth = record.auth("facilitator")
        for path in (
            "/api/v1/trust",
            "/api/v1/status",
            "/api/v1/trust/explain?a=JPN&b=CHN",
            "/api/v1/ledger?limit=1000",
            "/api/v1/actors",
            "/api/v1/documents",
            "/api/v1/incidents",
            "/api/v1/proposals",
            "/api/v1/projects",
            "/api/v1/meetings",
        ):
            for headers in ({}, auth):
                answer = anonymous.get(path, headers=headers)
                assert answer.status_code == 200, (path, answer.text[:500])
        pages = ["/", "/trust", "/trust/explain?a=JPN&b=CHN", "/tracks", "/ledger"]
        pages += ["/meetings", "/proposals", "/projects", "/mechanisms"]
        for kind in ("meetings", "proposals"):
            listed = record.get(f"/{kind}?limit=1000", "facilitator").json()["items"]
            key = "meeting" if kind == "meetings" else "proposal"
            pages += [f"/{kind}/{o[key]}" for o in listed if o[key].startswith("fz-")]
        assert len(pages) > 20
        for path in pages:
            answer = secretariat.get(path)
            assert answer.status_code == 200, (path, answer.text[:500])
            answer = anonymous.get(path)
            assert answer.status_code in (200, 404), (path, answer.text[:500])
    finally:
        record.client.close()
        record.platform.close()

    # The command line reads it, and the record moves to the other backend.
    _cli("trust", "--db", db_url)
    verified = json.loads(_cli("ledger", "verify", "--json", "--db", db_url).stdout)
    assert verified["ok"] is True
    export = tmp_path / "record.jsonl"
    _cli("ledger", "export", str(export), "--db", db_url)
    with _other_backend(db_url, tmp_path, request) as other:
        imported = json.loads(
            _cli("ledger", "import", str(export), "--json", "--db", other).stdout
        )
        assert (imported["events"], imported["head"]) == (
            verified["events"],
            verified["head"],
        )
        _cli("trust", "--db", other)
        assert json.loads(_cli("ledger", "verify", "--json", "--db", other).stdout)[
            "ok"
        ]
