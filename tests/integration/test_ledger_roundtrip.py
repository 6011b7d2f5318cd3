"""Export and import: a record travels whole, or not at all.

An export imported into an empty database reproduces the record exactly
(same events, same head, signatures intact), on the same backend and across
backends. Importing is idempotent and extends a database that holds a prefix
of the export. A file that is malformed, truncated or tampered with anywhere,
or a database whose record diverges from the file, is refused with a message
naming the line, and nothing at all is appended.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import napci.adapters.db.ledger as ledger_module
from napci.adapters.db import IdConflictError, LedgerError, SqlLedger
from napci.domain.canonical import GENESIS_HASH, canonical_json
from napci.domain.envelope import compute_hash
from napci.services.ledger_io import ImportError_, export_ledger, import_ledger

# --- helpers ----------------------------------------------------------------------


def _export(source: SqlLedger, path: Path) -> tuple[int, str]:
    with path.open("w", encoding="utf-8") as out:
        return export_ledger(source, out)


def _lines(path: Path) -> list[str]:
    """The file's lines, each with its newline.

    Split on line feeds only: payloads hold characters such as U+2028 that
    ``str.splitlines`` would also treat as line ends.
    """
    with path.open(encoding="utf-8", newline="") as file:
        parts = file.read().split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _dump(data: dict[str, Any]) -> str:
    return canonical_json(data) + "\n"


def _rechain(lines: list[str]) -> list[str]:
    """Recompute every hash and the header, as a forger would after an edit."""
    header, events = json.loads(lines[0]), [json.loads(x) for x in lines[1:]]
    prev = GENESIS_HASH
    for event in events:
        event["prev_hash"] = prev
        fields = {k: v for k, v in event.items() if k not in ("payload", "hash")}
        fields["payload_json"] = canonical_json(event["payload"])
        event["hash"] = prev = compute_hash(**fields)
    header |= {"events": len(events), "head": prev}
    return [_dump(header)] + [_dump(e) for e in events]


def _prefix(lines: list[str], count: int) -> list[str]:
    """A valid export of the first ``count`` events of ``lines``."""
    header = json.loads(lines[0])
    last = json.loads(lines[count])
    header |= {"events": count, "head": last["hash"]}
    return [_dump(header), *lines[1 : count + 1]]


def _edit_line(lines: list[str], number: int, edit: Callable[[dict], Any]) -> list[str]:
    """``lines`` with line ``number`` (1-based) parsed, edited and rewritten."""
    data = json.loads(lines[number - 1])
    edit(data)
    out = list(lines)
    out[number - 1] = _dump(data)
    return out


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _assert_refused(
    target: SqlLedger,
    path: Path,
    message: str,
    error: type[Exception] = ImportError_,
) -> None:
    head, count = target.head(), target.count()
    with pytest.raises(error, match=message):
        import_ledger(target, path)
    assert target.head() == head, "a refused import moved the head"
    assert target.count() == count, "a refused import appended events"
    assert target.verify().ok


def _events(ledger: SqlLedger) -> list:
    return list(ledger.iter_events())


@pytest.fixture(params=[None, 3], ids=["one-chunk", "chunks-of-3"])
def chunk(request, monkeypatch) -> int | None:
    """Restore in its usual chunks, or in chunks of 3 events (several per import)."""
    if request.param is not None:
        monkeypatch.setattr(ledger_module, "_INSERT_CHUNK", request.param)
    return request.param


# --- round trips ------------------------------------------------------------------


def test_export_then_import_reproduces_the_record(
    ledger, sample, second_db_url, open_ledger, tmp_path
) -> None:
    path = tmp_path / "record.jsonl"
    assert _export(ledger, path) == ledger.head()
    header = json.loads(_lines(path)[0])
    assert header["format"] == "napci-ledger"
    assert (header["events"], header["head"]) == ledger.head()
    assert len(_lines(path)) == 1 + sample.events

    target = open_ledger(second_db_url)
    result = import_ledger(target, path)
    assert (result.events_in_file, result.already_held, result.appended) == (
        sample.events,
        0,
        sample.events,
    )
    assert (result.head_seq, result.head_hash) == ledger.head()
    assert target.head() == ledger.head()
    assert _events(target) == _events(ledger)  # every field, signatures too
    report = target.verify()
    assert report.ok, report
    assert report.signed == sample.signed

    # Exporting the copy gives the same event lines, byte for byte.
    again = tmp_path / "again.jsonl"
    _export(target, again)
    assert _lines(again)[1:] == _lines(path)[1:]


def test_importing_the_same_file_twice_appends_nothing(ledger, sample_export) -> None:
    first = import_ledger(ledger, sample_export)
    assert first.appended == 10
    head = ledger.head()
    second = import_ledger(ledger, sample_export)
    assert (second.already_held, second.appended) == (10, 0)
    assert (second.head_seq, second.head_hash) == head
    assert ledger.head() == head
    assert ledger.count() == 10
    assert ledger.verify().ok


def test_import_extends_a_database_holding_a_prefix(
    ledger, sample, drafts, second_db_url, open_ledger, tmp_path
) -> None:
    early = tmp_path / "early.jsonl"
    _export(ledger, early)
    ledger.append([drafts.joined("JPN", key=sample.jpn)], principal="cli:jpn")
    ledger.append(drafts.series(4, "CHN"), principal=None)
    late = tmp_path / "late.jsonl"
    _export(ledger, late)

    target = open_ledger(second_db_url)
    assert import_ledger(target, early).appended == sample.events
    result = import_ledger(target, late)
    assert (result.already_held, result.appended) == (sample.events, 5)
    assert target.head() == ledger.head()
    assert _events(target) == _events(ledger)
    report = target.verify()
    assert report.ok and report.signed == sample.signed + 1, report


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_round_trips_across_backends(
    db_url, sqlite_url, open_ledger, drafts, make_sample, tmp_path
) -> None:
    """SQLite to PostgreSQL and back: the same head, the same events."""
    on_sqlite = open_ledger(sqlite_url)
    sample = make_sample(on_sqlite, drafts)
    path = tmp_path / "from-sqlite.jsonl"
    _export(on_sqlite, path)

    on_postgres = open_ledger(db_url)
    assert on_postgres.engine.dialect.name == "postgresql"
    assert import_ledger(on_postgres, path).appended == sample.events
    assert on_postgres.head() == on_sqlite.head()
    assert _events(on_postgres) == _events(on_sqlite)
    report = on_postgres.verify()
    assert report.ok and report.signed == sample.signed, report

    # ... and the PostgreSQL record, grown there, back into a new SQLite file.
    on_postgres.append([drafts.joined("KOR", key=sample.kor)], principal="pg")
    back_path = tmp_path / "from-postgres.jsonl"
    _export(on_postgres, back_path)
    back = open_ledger(f"sqlite:///{tmp_path / 'back.db'}")
    assert import_ledger(back, back_path).appended == sample.events + 1
    assert back.head() == on_postgres.head()
    assert _events(back) == _events(on_postgres)
    assert back.verify().ok
    # The original SQLite database takes the grown record as an extension.
    assert import_ledger(on_sqlite, back_path).appended == 1
    assert on_sqlite.head() == on_postgres.head()


def test_a_round_trip_in_many_chunks_reproduces_the_head(
    ledger, sample, second_db_url, open_ledger, tmp_path, chunk
) -> None:
    """The rows go in chunk by chunk (COPY on PostgreSQL): the same record."""
    path = tmp_path / "record.jsonl"
    _export(ledger, path)
    target = open_ledger(second_db_url)
    prefix = _write(tmp_path / "prefix.jsonl", _prefix(_lines(path), 2))
    assert import_ledger(target, prefix).appended == 2
    result = import_ledger(target, path)
    assert (result.already_held, result.appended) == (2, sample.events - 2)
    assert target.head() == ledger.head()
    assert _events(target) == _events(ledger)
    report = target.verify()
    assert report.ok and report.signed == sample.signed, report


# --- refusals ---------------------------------------------------------------------
#
# The sample export has a header on line 1 and the events with seq 1..10 on
# lines 2..11: the event with seq N is on line N + 1.


def _title(data: dict) -> None:
    data["payload"]["sources"][0]["title"] += " (amended)"


def _flip_signature(data: dict) -> None:
    raw = bytearray(base64.b64decode(data["signature"]))
    raw[5] ^= 0x01
    data["signature"] = base64.b64encode(bytes(raw)).decode("ascii")


def _set(**values: Any) -> Callable[[dict], None]:
    return lambda data: data.update(values)


def _pop(name: str) -> Callable[[dict], None]:
    return lambda data: data.pop(name)


def _payload(**values: Any) -> Callable[[dict], None]:
    return lambda data: data["payload"].update(values)


CORRUPTIONS = [
    pytest.param(
        lambda ls: "".join([*ls[:4], "{not json\n", *ls[5:]]),
        r"line 5: not valid JSON",
        id="malformed-line",
    ),
    pytest.param(
        lambda ls: "".join([*ls[:4], "[1, 2]\n", *ls[5:]]),
        r"line 5: an event must be a JSON object",
        id="not-an-object",
    ),
    pytest.param(
        lambda ls: "".join(ls)[:-30],
        r"line 11: the last line is cut short \(truncated file\)",
        id="cut-mid-line",
    ),
    pytest.param(
        lambda ls: "".join(ls[:-2]),
        r"line 10: the export ends after 8 events .* promises 10 events",
        id="cut-at-line-boundary",
    ),
    pytest.param(
        lambda ls: "".join(ls[:3] + ls[4:]),
        r"line 4: seq 3: event 3 is missing",
        id="line-dropped",
    ),
    pytest.param(
        lambda ls: "".join(ls[:5] + ls[4:]),
        r"line 6: seq 4: seq 4 appears out of order",
        id="line-repeated",
    ),
    pytest.param(
        lambda ls: "".join(_edit_line(ls, 8, _title)),
        r"line 8: seq 7: hash does not match",
        id="tampered-payload",
    ),
    pytest.param(
        lambda ls: "".join(_rechain(_edit_line(ls, 7, _flip_signature))),
        r"line 7: seq 6: the signature does not verify",
        id="tampered-signature-rechained",
    ),
    pytest.param(
        lambda ls: "".join(_edit_line(ls, 6, _pop("principal"))),
        r"line 6: missing principal",
        id="missing-field",
    ),
    pytest.param(
        lambda ls: "".join(_edit_line(ls, 6, _set(note="hi"))),
        r"line 6: unexpected note",
        id="unexpected-field",
    ),
    pytest.param(
        lambda ls: "".join(_edit_line(ls, 4, _set(seq="3"))),
        r"line 4: field 'seq' has the wrong type",
        id="wrong-field-type",
    ),
    pytest.param(
        lambda ls: "".join(_edit_line(ls, 4, _set(version=True))),
        r"line 4: field 'version' has the wrong type",
        id="bool-for-int",
    ),
    pytest.param(
        lambda ls: "".join(_edit_line(ls, 9, _payload(code="chn"))),
        r"line 9: invalid ActorJoined v1 payload: code",
        id="invalid-payload-schema",
    ),
    pytest.param(
        lambda ls: "".join(_edit_line(ls, 9, _set(type="ActorVanished"))),
        r"line 9: unknown event type ActorVanished v1",
        id="unknown-event-type",
    ),
    pytest.param(
        lambda ls: "".join(_edit_line(ls, 1, _set(format="other-ledger"))),
        r"line 1: not a napci ledger export",
        id="wrong-header",
    ),
    pytest.param(
        lambda ls: "".join(_edit_line(ls, 1, _set(version=2))),
        r"line 1: export format version 2 is not supported",
        id="wrong-header-version",
    ),
    pytest.param(
        lambda ls: "".join(_edit_line(ls, 1, _set(head="f" * 64))),
        r"line 12: the export ends after 10 events .* promises 10 events",
        id="wrong-header-head",
    ),
    pytest.param(
        lambda ls: "".join(ls[1:]),
        r"line 1: not a napci ledger export",
        id="no-header",
    ),
    pytest.param(lambda ls: "", r"line 1: .* is empty", id="empty-file"),
]


@pytest.mark.parametrize(("corrupt", "message"), CORRUPTIONS)
def test_a_damaged_export_is_refused_whole(
    ledger, sample_export, tmp_path, corrupt, message
) -> None:
    lines = _lines(sample_export)
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text(corrupt(lines), encoding="utf-8")
    # Into an empty database, then into one that holds a prefix of the record.
    _assert_refused(ledger, damaged, message)
    assert ledger.count() == 0
    prefix = _write(tmp_path / "prefix.jsonl", _prefix(lines, 4))
    assert import_ledger(ledger, prefix).appended == 4
    _assert_refused(ledger, damaged, message)
    assert ledger.count() == 4
    # The undamaged file still goes in: the refusals left nothing half-done.
    assert import_ledger(ledger, sample_export).appended == 6
    assert ledger.verify().ok


def test_a_file_that_is_not_utf8_is_refused(ledger, sample_export, tmp_path) -> None:
    data = bytearray(sample_export.read_bytes())
    data[len(data) // 2] = 0xFF
    damaged = tmp_path / "binary.jsonl"
    damaged.write_bytes(bytes(data))
    _assert_refused(ledger, damaged, r"UTF-8|utf-8")


def test_a_missing_file_is_refused(ledger, tmp_path) -> None:
    _assert_refused(ledger, tmp_path / "nowhere.jsonl", r"cannot read")


def test_a_database_whose_record_diverges_is_refused(
    ledger, drafts, sample_export
) -> None:
    ledger.append(drafts.series(3, "KOR"), principal="elsewhere")
    _assert_refused(
        ledger,
        sample_export,
        r"line 4: this database's event 3 differs from the export",
    )


def test_a_database_as_long_as_the_export_but_different_is_refused(
    ledger, drafts, sample_export
) -> None:
    ledger.append(drafts.series(10, "KOR"), principal="elsewhere")
    _assert_refused(ledger, sample_export, r"line 11: this database's event 10 differs")


def test_a_database_ahead_of_the_export_is_refused(
    ledger, sample_export, tmp_path
) -> None:
    import_ledger(ledger, sample_export)
    older = _write(tmp_path / "older.jsonl", _prefix(_lines(sample_export), 6))
    _assert_refused(
        ledger, older, r"holds 6 events, fewer than the 10 this database already has"
    )


# --- found while writing these tests ------------------------------------------------


def test_a_file_changed_during_import_never_lands_unchecked(
    ledger, sample_export, tmp_path, monkeypatch
) -> None:
    """The file is altered between the import's check and its write.

    As when another process rewrites the file, e.g. ``napci ledger export``
    renaming a new export onto the same path. The import may refuse, or
    append what it checked; it must never append what it did not check.
    """
    lines = _lines(sample_export)
    path = _write(tmp_path / "in.jsonl", lines)
    tampered = _edit_line(lines, 8, _title)  # its hash left as it was

    restore = ledger.restore

    def restore_after_the_file_changed(events):
        _write(path, tampered)
        return restore(events)

    monkeypatch.setattr(ledger, "restore", restore_after_the_file_changed)
    try:
        import_ledger(ledger, path)
    except LedgerError:
        assert ledger.head() == (0, GENESIS_HASH), "a refused import appended"
    else:
        assert ledger.head() == tuple(
            json.loads(lines[0])[k] for k in ("events", "head")
        )
    report = ledger.verify()
    assert report.ok, f"the import left a broken ledger: {report}"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("occurred_at", "2013-05-08"),
        ("recorded_at", "yesterday"),
        ("id", "not-a-uuid"),
    ],
)
def test_an_export_with_a_malformed_envelope_is_refused(
    ledger, sample_export, tmp_path, field, value
) -> None:
    lines = _rechain(_edit_line(_lines(sample_export), 9, _set(**{field: value})))
    _assert_refused(ledger, _write(tmp_path / "odd.jsonl", lines), r"line 9")


def test_a_line_with_a_lone_surrogate_is_refused_naming_it(
    ledger, sample_export, tmp_path
) -> None:
    lines = _lines(sample_export)
    data = json.loads(lines[5])
    data["principal"] = "\ud800"
    lines[5] = json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"
    _assert_refused(ledger, _write(tmp_path / "odd.jsonl", lines), r"line 6")


# --- ids that clash -----------------------------------------------------------------
#
# A forger rewrites an unsigned event of the sample (seq 9, on line 10) to carry
# the id of another (seq 2, on line 3) and recomputes every hash: a file that
# verifies, but whose ids are not unique.


def _id_of(lines: list[str], seq: int) -> str:
    return str(json.loads(lines[seq])["id"])


def _reusing_an_id(sample_export: Path, tmp_path: Path) -> tuple[Path, str]:
    lines = _lines(sample_export)
    taken = _id_of(lines, 2)
    forged = _rechain(_edit_line(lines, 10, _set(id=taken)))
    return _write(tmp_path / "forged.jsonl", forged), taken


def test_an_export_reusing_a_recorded_id_is_refused_whole(
    ledger, sample_export, tmp_path, chunk
) -> None:
    """The database holds events 1-4; the file's event 9 has event 2's id."""
    forged, taken = _reusing_an_id(sample_export, tmp_path)
    prefix = _write(tmp_path / "prefix.jsonl", _prefix(_lines(sample_export), 4))
    assert import_ledger(ledger, prefix).appended == 4
    head = ledger.head()
    _assert_refused(
        ledger,
        forged,
        rf"event id {taken} is already recorded here at seq 2 \(the import's seq 9\)",
        IdConflictError,
    )
    assert ledger.head() == head and ledger.count() == 4
    # Nothing half-done: the genuine record still goes in, to the same head.
    assert import_ledger(ledger, sample_export).appended == 6
    assert ledger.head() == tuple(
        json.loads(_lines(sample_export)[0])[k] for k in ("events", "head")
    )
    assert ledger.verify().ok


def test_an_export_repeating_an_id_is_refused_whole(
    ledger, sample_export, tmp_path, chunk
) -> None:
    """Both events with the id are in the import (in one chunk, or two)."""
    forged, taken = _reusing_an_id(sample_export, tmp_path)
    # PostgreSQL names the id of a clash between two chunks but not the seq
    # of its first use: that chunk was rolled back with the failed COPY.
    _assert_refused(
        ledger,
        forged,
        rf"event id {taken} appears twice in the import "
        r"\((at seq 2 and seq 9|the second time at seq 9)\)",
        IdConflictError,
    )
    assert ledger.head() == (0, GENESIS_HASH)
    assert ledger.count() == 0
    assert import_ledger(ledger, sample_export).appended == 10


def test_an_import_into_a_database_with_events_beyond_its_head_is_refused(
    ledger, sample_export, drafts, raw, tmp_path
) -> None:
    """An event smuggled in after the head, the head not moved: refused."""
    prefix = _write(tmp_path / "prefix.jsonl", _prefix(_lines(sample_export), 4))
    assert import_ledger(ledger, prefix).appended == 4
    head = ledger.head()
    raw(ledger).smuggle(drafts.joined("KOR"), move_head=False)
    with pytest.raises(LedgerError, match=r"events beyond its recorded head \(seq 5,"):
        import_ledger(ledger, sample_export)
    assert ledger.head() == head
    assert raw(ledger).seqs() == [1, 2, 3, 4, 5]
