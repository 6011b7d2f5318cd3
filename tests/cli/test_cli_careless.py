"""The command line used carelessly: one clear line, a documented exit code,
and no side effect, never a traceback.

Each test here is a defect seen on the command line: a 52-line SQLAlchemy
traceback and exit 1 for ``--db garbage``; ``MarkupError`` for
``proposals show '[/x]'``; ``/tmp.partial`` left by ``ledger export /tmp``;
"unable to open database file" with no hint; a database file created by a
refused import; "serving" printed before a busy port ended ``napci serve``;
validation errors that named the event's fields instead of the options.
Exit codes (docs/cli.md): 0 done, 1 the ledger is broken, 2 refused, 3 the
record or a file, port or setting cannot be used, 4 an unexpected failure.
"""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from napci_console import Console, flat

URL_OF = {
    "garbage": "garbage",
    "memory-bare": ":memory:",
    "memory": "sqlite://",
    "memory-file": "sqlite:///:memory:",
    "mysql": "mysql://nobody@localhost/napci",
}


@pytest.mark.parametrize("verb", [["init"], ["actors"], ["ledger", "verify"]])
@pytest.mark.parametrize("kind", list(URL_OF))
def test_a_database_url_napci_cannot_use_is_one_line_exit_3(
    verb: list[str], kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = URL_OF[kind]
    after = Console(url).refused(*verb, code=3)
    before = Console(None).refused("--db", url, *verb, code=3)
    monkeypatch.setenv("NAPCI_DATABASE_URL", url)
    environment = Console(None).refused(*verb, code=3)
    assert after == before
    assert repr(url) in after
    assert "NAPCI_DATABASE_URL" in environment
    assert list(tmp_path.iterdir()) == []  # nothing created


def test_db_goes_before_the_verb_and_after_it_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = f"sqlite:///{tmp_path / 'first.db'}"
    second = f"sqlite:///{tmp_path / 'second.db'}"
    napci = Console(None)
    napci("--db", first, "init")
    assert napci.json("--db", first, "ledger", "verify")["ok"]
    # Before the verb, in a group, on a verb that acts:
    napci(
        "--db", first, "meetings", "convene", "m1", "--title", "Environment WG",
        "--track", "environment", "--starts-on", "2015-03-10", "--on", "2015-03-01",
    )  # fmt: skip
    assert [m["meeting"] for m in napci.json("--db", first, "meetings")][-1] == "m1"
    # After the verb wins over before it, which wins over the environment.
    monkeypatch.setenv("NAPCI_DATABASE_URL", "garbage")
    napci("--db", first, "init", "--db", second)
    assert (tmp_path / "second.db").exists()
    assert napci.json("--db", "garbage", "ledger", "verify", "--db", second)["ok"]
    assert (
        napci.json("--db", second, "ledger", "verify")["events"]
        < (napci.json("ledger", "verify", "--db", first)["events"])
    )


def test_a_missing_folder_says_so_and_creates_nothing(tmp_path: Path) -> None:
    napci = Console(f"sqlite:///{tmp_path / 'nowhere' / 'napci.db'}")
    message = napci.refused("init", code=3)
    assert f"the folder {tmp_path / 'nowhere'} does not exist" in message
    assert not (tmp_path / "nowhere").exists()
    (tmp_path / "file").write_text("not a folder")
    message = Console(f"sqlite:///{tmp_path / 'file' / 'napci.db'}").refused(
        "init", code=3
    )
    assert "is not a folder" in message


def test_a_read_only_database_says_what_must_be_writable(napci: Console) -> None:
    # Root may write anywhere: SQLite's own read-only mode stands in for a
    # read-only folder or file, with the same "readonly" error.
    assert napci.db is not None
    path = napci.db.removeprefix("sqlite:///")
    readonly = napci.on(f"sqlite:///file:{path}?mode=ro&uri=true")
    result = readonly.invoke(
        "meetings", "convene", "m1", "--title", "T", "--starts-on", "2015-03-10",
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ")


def test_user_text_is_never_read_as_markup(napci: Console) -> None:
    message = napci.refused("proposals", "show", "[/x]")
    assert message == "Error: proposal [/x] has not been tabled"
    message = napci.refused("trust", "--track", "[red]x[/]")
    assert "unknown track '[red]x[/]'" in message

    title = "[bold]Statement[/] :warning: [/x]"
    napci("documents", "issue", "d1", "--kind", "statement", "--title", title,
          "--on", "2015-03-01")  # fmt: skip
    shown = napci("documents").stdout
    for word in title.split():  # the table may wrap the title between words
        assert word in shown
    assert "⚠" not in shown
    napci("meetings", "convene", "m1", "--title", title, "--track", "environment",
          "--starts-on", "2015-03-10", "--on", "2015-03-01")  # fmt: skip
    assert "[bold]Statement[/]" in napci("meetings").stdout


def test_control_characters_are_shown_not_obeyed(napci: Console) -> None:
    napci("documents", "issue", "d1", "--kind", "statement", "--title",
          "\x1b[2Jcleared", "--on", "2015-03-01")  # fmt: skip
    out = napci("documents").stdout
    assert "\x1b" not in out
    assert "\\x1b[2Jcleared" in out


def test_text_a_database_cannot_store_is_refused_naming_the_option(
    napci: Console,
) -> None:
    before = napci.head()
    for text, named in (("a\x00b", "NUL"), ("a\udcffb", "lone surrogate")):
        message = napci.refused(
            "documents", "issue", "d1", "--kind", "statement", "--title", text
        )
        assert message.startswith(f"Error: --title holds a {named}")
    assert napci.head() == before


def test_an_invalid_value_names_the_option_not_the_field(napci: Console) -> None:
    message = napci.refused(
        "proposals", "table", "p1", "--kind", "add-track", "--track", "BAD",
        "--title", "Bad", "--on", "2015-03-01",
    )  # fmt: skip
    assert message.startswith("Error: invalid value: --track 'BAD': expected a track")
    assert "subject" not in message
    message = napci.refused(
        "meetings", "convene", "Bad Id", "--title", "x", "--starts-on",
        "2015-03-10", "--on", "2015-03-01",
    )  # fmt: skip
    assert message.startswith("Error: invalid value: MEETING 'Bad Id': expected an id")


def test_export_to_a_folder_is_refused_and_leaves_nothing(
    napci: Console, tmp_path: Path
) -> None:
    message = napci.refused("ledger", "export", str(tmp_path))
    assert "is a folder" in message
    assert list(tmp_path.parent.glob(f"{tmp_path.name}.partial")) == []
    assert list(tmp_path.glob("*.partial")) == []
    message = napci.refused("ledger", "export", str(tmp_path / "no" / "x.jsonl"))
    assert "does not exist" in message
    assert not (tmp_path / "no").exists()


def test_a_refused_import_creates_no_database(tmp_path: Path) -> None:
    export = tmp_path / "record.jsonl"
    export.write_text('{"format":"napci-ledger","version":1,"events":1,"head":"x"}\n')
    napci = Console(f"sqlite:///{tmp_path / 'new.db'}")
    assert "the export ends after 0 events" in napci.refused(
        "ledger", "import", str(export)
    )
    assert not (tmp_path / "new.db").exists()


def test_serve_on_a_busy_port_says_so_first(napci: Console) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = napci.invoke("serve", "--port", str(port))
    assert result.exit_code == 3, result.output
    assert result.stdout == ""  # not "serving" first
    assert flat(result.stderr).startswith(f"Error: cannot listen on 127.0.0.1:{port}")


def test_an_unexpected_failure_is_one_line_and_exit_4(napci: Console) -> None:
    # A record changed behind napci's back into a shape the fold cannot read.
    assert napci.db is not None
    with sqlite3.connect(napci.db.removeprefix("sqlite:///")) as raw:
        raw.execute(
            "UPDATE events SET payload = '{}' WHERE seq = "
            "(SELECT min(seq) FROM events WHERE type = 'MeetingConvened')"
        )
    message = napci.refused("meetings", code=4)
    assert message.startswith("Error: napci failed unexpectedly (KeyError")
    assert "'napci ledger verify' says where" in message
    napci("ledger", "verify", code=1)


def test_a_broken_ledger_is_exit_1(napci: Console) -> None:
    assert napci.db is not None
    with sqlite3.connect(napci.db.removeprefix("sqlite:///")) as raw:
        raw.execute("UPDATE events SET actor = 'JPN' WHERE seq = 3")
    result = napci("ledger", "verify", code=1)
    assert flat(result.stdout).startswith("BROKEN at seq 3")


def test_a_file_name_that_is_not_utf8_is_the_systems_business(
    napci: Console, tmp_path: Path
) -> None:
    # Bytes that are not UTF-8 in a file name are a file name, not text.
    export = tmp_path / "caf\udce9.jsonl"
    napci("ledger", "export", str(export))
    names = {p.name.encode("utf-8", "surrogateescape") for p in tmp_path.iterdir()}
    assert b"caf\xe9.jsonl" in names


def test_a_password_in_a_refused_url_is_not_printed() -> None:
    message = Console("mysql://napci:s3cret@db.example/napci").refused("actors", code=3)
    assert "s3cret" not in message
    assert "mysql://napci:***@db.example/napci" in message
