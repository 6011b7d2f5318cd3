"""The envelope's bytes, its timestamps, and the chain verifier, without a database.

``envelope_text`` and ``signing_bytes`` build canonical JSON by hand for
speed; the properties here check that they always equal ``canonical_json`` of
the same mapping, whatever the strings hold (quotes, backslashes, control
characters, non-ASCII, line separators).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from napci.domain.canonical import (
    GENESIS_HASH,
    NotCanonicalError,
    canonical_json,
    parse_canonical,
)
from napci.domain.chain import ChainVerifier
from napci.domain.envelope import (
    SIGNATURE_DOMAIN,
    EventDraft,
    RecordedEvent,
    compute_hash,
    envelope_hash,
    envelope_text,
    format_timestamp,
    parse_timestamp,
    signing_bytes,
)
from napci.domain.events import ActorJoined, KeyRegistered, KeyRevoked
from napci.domain.signing import KeyPair, generate_key_pair
from napci.services.drafting import draft

# --- strategies ---------------------------------------------------------------------

AWKWARD = st.sampled_from(
    [
        '"',
        "\\",
        "/",
        "\n",
        "\r",
        "\t",
        "\x00",
        "\x1f",
        "\x7f",
        "\x85",
        "\u2028",
        "\u2029",
        "\ufeff",
        "é",
        "서울",
        "東京",
        "Москва",
        "😀",
        '\\"',
        "\\u0041",
    ]
)
TEXT = st.one_of(
    st.text(),  # any Unicode but lone surrogates
    st.lists(st.one_of(AWKWARD, st.characters(codec="utf-8")), max_size=12).map(
        "".join
    ),
)
OPTIONAL_TEXT = st.none() | TEXT
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)
PAYLOADS = st.dictionaries(TEXT, JSON, max_size=5)
INTS = st.integers(min_value=-(2**63), max_value=2**63)


@st.composite
def envelopes(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """(keyword arguments of envelope_text, the same envelope as JSON data)."""
    payload = draw(PAYLOADS)
    fields = {
        "seq": draw(INTS),
        "id": draw(TEXT),
        "type": draw(TEXT),
        "version": draw(INTS),
        "occurred_at": draw(TEXT),
        "recorded_at": draw(TEXT),
        "actor": draw(OPTIONAL_TEXT),
        "principal": draw(OPTIONAL_TEXT),
        "classification": draw(TEXT),
        "payload_json": canonical_json(payload),
        "signer": draw(OPTIONAL_TEXT),
        "signature": draw(OPTIONAL_TEXT),
        "prev_hash": draw(TEXT),
    }
    data = {k: v for k, v in fields.items() if k != "payload_json"}
    data["payload"] = payload
    return fields, data


SIGNED_FIELDS = (
    "id",
    "type",
    "version",
    "occurred_at",
    "actor",
    "classification",
    "payload_json",
    "signer",
)
POSITIONAL = (
    "seq",
    "id",
    "type",
    "version",
    "occurred_at",
    "recorded_at",
    "actor",
    "principal",
    "classification",
    "payload_json",
    "signer",
    "signature",
    "prev_hash",
)


# --- canonical JSON ----------------------------------------------------------------

#: JSON without floats, with the integers a parser of 64-bit numbers reads exactly.
FLOAT_FREE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | TEXT,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)


def reference_verdict(text: str) -> tuple[str, Any]:
    """What canonical_json alone says of ``text``: its value, or why not."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return "not json", None
    try:
        canonical = canonical_json(value) == text
    except ValueError:  # NaN or infinity
        canonical = False
    return ("canonical", value) if canonical else ("not canonical", None)


def verdict(text: str) -> tuple[str, Any]:
    try:
        return "canonical", parse_canonical(text)
    except NotCanonicalError:
        return "not canonical", None
    except json.JSONDecodeError:
        return "not json", None


def same_json(a: Any, b: Any) -> bool:
    """Equal, and of the same JSON types (1 is not 1.0, True is not 1)."""
    return a == b and canonical_json(a) == canonical_json(b)


@given(FLOAT_FREE)
def test_the_fast_encoder_is_the_reference_on_float_free_values(value) -> None:
    """The premise of parse_canonical's fast path, byte for byte."""
    fast = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    assert fast == canonical_json(value).encode("utf-8")


@given(JSON)
def test_canonical_text_parses_to_its_value(value) -> None:
    text = canonical_json(value)
    kind, parsed = verdict(text)
    assert kind == "canonical"
    assert same_json(parsed, value)


SPELLINGS = st.sampled_from(
    [
        lambda v: json.dumps(v),
        lambda v: json.dumps(v, sort_keys=True),
        lambda v: json.dumps(v, sort_keys=True, separators=(",", ":")),
        lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"), indent=1),
        lambda v: orjson.dumps(v, option=orjson.OPT_SORT_KEYS).decode(),
        lambda v: orjson.dumps(v).decode(),
    ]
)


@given(JSON, SPELLINGS)
@example({"a": 1e16}, lambda v: '{"a":1e16}')
@example({"a": 1e16}, lambda v: '{"a":1E+16}')
@example({"a": 1.0}, lambda v: '{"a":1}')
@example({"a": 1}, lambda v: '{"a":1.0}')
@example({"a": 0}, lambda v: '{"a":-0}')
@example({"a": 2**64}, lambda v: '{"a":18446744073709551616}')
@example({"a": -(2**63) - 1}, lambda v: '{"a":-9223372036854775809}')
@example({"a": 2.5}, lambda v: '{"a":2.5e0}')
@example({"a": "A"}, lambda v: '{"a":"\\u0041"}')
@example({"a": "/"}, lambda v: '{"a":"\\/"}')
@example({"a": "\x1f"}, lambda v: '{"a":"\\u001F"}')
@example({"a": 1}, lambda v: '{"a":1,"a":1}')
@example({"a": None}, lambda v: '{"a":NaN}')
@example({"a": None}, lambda v: '{"a":Infinity}')
@example({"a": None}, lambda v: '{"a":"\ud800"}')
@example({"a": None}, lambda v: '{"a":"\\ud800"}')
@example({"a": None}, lambda v: '{"a":')
@example({"a": None}, lambda v: " {}")
@example(None, lambda v: "1e400")
def test_parse_canonical_gives_the_reference_verdict(value, spell) -> None:
    """Whatever the spelling, the verdict and the value are canonical_json's."""
    try:
        text = spell(value)
    except (TypeError, ValueError, OverflowError):  # a spelling that cannot be
        return
    kind, parsed = verdict(text)
    expected_kind, expected = reference_verdict(text)
    assert kind == expected_kind
    assert same_json(parsed, expected)


def test_nan_and_infinity_are_not_canonical() -> None:
    with pytest.raises(NotCanonicalError, match="NaN and infinity"):
        parse_canonical('{"a":NaN}')


# --- envelope and signed bytes ---------------------------------------------------


@settings(deadline=None)
@given(envelopes())
@example(
    (
        {
            "seq": 1,
            "id": 'a"b\\c',
            "type": "\x00\x1f\x7f",
            "version": 1,
            "occurred_at": "\u2028\u2029",
            "recorded_at": "서울",
            "actor": None,
            "principal": "😀",
            "classification": "\n\r\t",
            "payload_json": '{"k":"\\u0000 \\" \\\\ é"}',
            "signer": None,
            "signature": None,
            "prev_hash": GENESIS_HASH,
        },
        {
            "seq": 1,
            "id": 'a"b\\c',
            "type": "\x00\x1f\x7f",
            "version": 1,
            "occurred_at": "\u2028\u2029",
            "recorded_at": "서울",
            "actor": None,
            "principal": "😀",
            "classification": "\n\r\t",
            "payload": {"k": '\x00 " \\ é'},
            "signer": None,
            "signature": None,
            "prev_hash": GENESIS_HASH,
        },
    )
)
def test_envelope_text_is_canonical_json(envelope) -> None:
    fields, data = envelope
    text = envelope_text(**fields)
    assert text == canonical_json(data)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert compute_hash(**fields) == digest
    assert envelope_hash(*(fields[name] for name in POSITIONAL)) == digest


@settings(deadline=None)
@given(envelopes())
def test_signing_bytes_are_the_domain_and_canonical_json(envelope) -> None:
    fields, data = envelope
    signed = {k: fields[k] for k in SIGNED_FIELDS}
    expected = {k: data[k] for k in SIGNED_FIELDS if k != "payload_json"}
    expected["payload"] = data["payload"]
    message = signing_bytes(**signed)
    assert message == SIGNATURE_DOMAIN + canonical_json(expected).encode("utf-8")
    assert message.startswith(b"napci-event-v1\n")

    draft_ = EventDraft(
        **signed, signature=fields["signature"]
    )  # the draft's own bytes are the same, whatever its signature
    assert draft_.signing_bytes() == message
    recorded = RecordedEvent(**fields, hash="0" * 64)
    assert recorded.signing_bytes() == message


def test_the_signature_is_hashed_but_not_signed() -> None:
    fields = {
        "seq": 1,
        "id": "6f1c7c1e-4e0b-4a57-9b1e-4e41504349aa",
        "type": "ActorJoined",
        "version": 1,
        "occurred_at": "2013-05-08T00:00:00.000000Z",
        "recorded_at": "2013-05-08T00:00:00.000000Z",
        "actor": "KOR",
        "principal": None,
        "classification": "public",
        "payload_json": '{"code":"KOR","joined_on":"2013-05-08"}',
        "signer": "ed25519:0123456789abcdef",
        "signature": "c2ln",
        "prev_hash": GENESIS_HASH,
    }
    stripped = fields | {"signature": None}
    assert compute_hash(**fields) != compute_hash(**stripped)
    message = RecordedEvent(**fields, hash="").signing_bytes()
    assert message == RecordedEvent(**stripped, hash="").signing_bytes()
    # What the ledger assigns is not signed either: a draft signs before it lands.
    moved = fields | {"seq": 9, "prev_hash": "f" * 64, "principal": "x"}
    assert RecordedEvent(**moved, hash="").signing_bytes() == message


# --- timestamps ---------------------------------------------------------------------

CANONICAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\Z")


@settings(deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1000, 1, 2),  # noqa: DTZ001 (hypothesis bounds are naive)
        max_value=datetime(9999, 12, 30),  # noqa: DTZ001
        timezones=st.sampled_from(
            [
                UTC,
                timezone(timedelta(hours=9)),
                timezone(timedelta(hours=-5, minutes=-30)),
            ]
        ),
    )
)
def test_timestamps_round_trip_through_utc(moment: datetime) -> None:
    text = format_timestamp(moment)
    assert CANONICAL.match(text), text
    assert parse_timestamp(text) == moment
    assert parse_timestamp(text).utcoffset() == timedelta(0)
    assert format_timestamp(moment.astimezone(UTC)) == text


def test_format_timestamp_examples() -> None:
    seoul = timezone(timedelta(hours=9))
    assert (
        format_timestamp(datetime(2013, 5, 8, 18, 30, tzinfo=seoul))
        == "2013-05-08T09:30:00.000000Z"
    )
    assert format_timestamp(date(2013, 5, 8)) == "2013-05-08T00:00:00.000000Z"
    assert (
        format_timestamp(datetime(2014, 1, 1, 0, 0, 0, 7, tzinfo=UTC))
        == "2014-01-01T00:00:00.000007Z"
    )


class _NoOffset(tzinfo):
    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2013, 5, 8, 9, 30),  # noqa: DTZ001
        datetime(2013, 5, 8, 9, 30, tzinfo=_NoOffset()),
    ],
    ids=["naive", "tzinfo-without-offset"],
)
def test_format_timestamp_refuses_a_moment_without_time_zone(moment) -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        format_timestamp(moment)


@pytest.mark.parametrize(
    "text",
    [
        "2013-05-08T09:30:00Z",
        "2013-05-08T09:30:00.000Z",
        "2013-05-08T09:30:00.000000",
        "2013-05-08T09:30:00.000000+00:00",
        "2013-05-08T18:30:00.000000+09:00",
        "2013-05-08 09:30:00.000000Z",
        "2013-05-08t09:30:00.000000z",
        "2013-05-08T09:30:00.000000Z\n",
        " 2013-05-08T09:30:00.000000Z",
        "2013-05-08",
        "2013-5-8T09:30:00.000000Z",
        "2013-02-30T00:00:00.000000Z",
        "2013-05-08T24:00:00.000000Z",
        "\uff12\uff10\uff11\uff13-05-08T09:30:00.000000Z",  # full-width digits match \d
        "",
    ],
)
def test_parse_timestamp_refuses_non_canonical_text(text: str) -> None:
    with pytest.raises(ValueError, match="is not canonical"):
        parse_timestamp(text)


def test_parse_timestamp_refuses_what_is_not_text() -> None:
    with pytest.raises(ValueError, match="is not canonical"):
        parse_timestamp(None)  # type: ignore[arg-type]


@st.composite
def near_timestamps(draw: st.DrawFn) -> str:
    """Canonical timestamps with a few characters replaced, deleted or added."""
    moment = draw(st.datetimes(timezones=st.just(UTC)))
    text = list(moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        char = draw(
            st.sampled_from("0123456789-:.TZtz +\n") | st.characters(codec="utf-8")
        )
        action = draw(st.sampled_from(["replace", "delete", "insert"]))
        if action == "insert" or at == len(text):
            text.insert(at, char)
        elif action == "replace":
            text[at] = char
        else:
            del text[at]
    return "".join(text)


@settings(deadline=None)
@given(near_timestamps() | TEXT)
def test_parse_timestamp_accepts_only_the_canonical_form(text: str) -> None:
    """Whatever it accepts, formatting the result gives back the same text."""
    try:
        parsed = parse_timestamp(text)
    except ValueError:
        assert not CANONICAL.match(text) or not text.isascii() or _impossible(text)
        return
    assert format_timestamp(parsed) == text


def _impossible(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return True
    return False


def test_a_timestamp_before_the_year_1000_round_trips() -> None:
    moment = datetime(999, 12, 31, tzinfo=UTC)
    assert parse_timestamp(format_timestamp(moment)) == moment


# --- the chain verifier, on hand-built chains ----------------------------------------

RECORDED_AT = "2020-01-01T00:00:00.000000Z"


def _record(drafts: list[EventDraft], start: int = 1, prev: str = GENESIS_HASH):
    chain = []
    for seq, made in enumerate(drafts, start=start):
        fields = {
            "seq": seq,
            "id": made.id,
            "type": made.type,
            "version": made.version,
            "occurred_at": made.occurred_at,
            "recorded_at": RECORDED_AT,
            "actor": made.actor,
            "principal": "test",
            "classification": made.classification,
            "payload_json": made.payload_json,
            "signer": made.signer,
            "signature": made.signature,
            "prev_hash": prev,
        }
        prev = compute_hash(**fields)
        chain.append(RecordedEvent(hash=prev, **fields))
    return chain


def _rehash(event: RecordedEvent, **changes: Any) -> RecordedEvent:
    """``event`` with ``changes`` and a hash that matches them."""
    changed = replace(event, **changes)
    return replace(changed, hash=compute_hash(**changed.envelope_fields()))


def _registration(code: str, pair: KeyPair, signed_by: KeyPair | None = None):
    return draft(
        KeyRegistered(
            code=code,
            key_id=pair.key_id,
            public_key=pair.public_key_b64,
            registered_on=date(2013, 5, 8),
        ),
        occurred_at=date(2013, 5, 8),
        actor=code,
        key=signed_by or pair,
    )


def _joined(code: str, key: KeyPair | None = None) -> EventDraft:
    return draft(
        ActorJoined(code=code, joined_on=date(2013, 5, 8)),
        occurred_at=date(2013, 5, 8),
        actor=code,
        key=key,
    )


@pytest.fixture(scope="module")
def kor() -> KeyPair:
    return generate_key_pair()


@pytest.fixture
def three(kor: KeyPair) -> list[RecordedEvent]:
    """KeyRegistered KOR (self-signed), ActorJoined KOR signed, one unsigned."""
    return _record([_registration("KOR", kor), _joined("KOR", kor), _joined("JPN")])


def _verify(events, head="from-chain", *, check_signatures=True):
    verifier = ChainVerifier(check_signatures=check_signatures)
    for event in events:
        verifier.feed(event)
    if head == "from-chain":
        head = (events[-1].seq, events[-1].hash) if events else (0, GENESIS_HASH)
    return verifier.finish(head)


def test_a_sound_chain_verifies(three) -> None:
    verifier = ChainVerifier()
    assert [verifier.feed(e) for e in three] == [True, True, True]
    report = verifier.finish((3, three[-1].hash))
    assert report.ok
    assert (report.events, report.signed, report.head) == (3, 2, three[-1].hash)
    assert report.first_bad_seq is None and report.problem is None
    assert three[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in three[1:]] == [e.hash for e in three[:-1]]


def test_an_empty_chain_verifies() -> None:
    report = _verify([])
    assert report.ok and report.events == 0 and report.head == GENESIS_HASH


def test_without_a_recorded_head_the_chain_is_judged_alone(three) -> None:
    report = _verify(three, None)
    assert report.ok and report.head == three[-1].hash


def test_feed_rows_judges_as_feed_does(three) -> None:
    rows = [tuple(getattr(e, f) for f in (*POSITIONAL, "hash")) for e in three]
    bad_rows = [rows[0], (*rows[1][:9], '{"code":"JPN"}', *rows[1][10:]), rows[2]]
    verifier = ChainVerifier()
    assert verifier.feed_rows(bad_rows) is False
    report = verifier.finish(None)
    assert (report.first_bad_seq, report.events) == (2, 3)


@pytest.mark.parametrize(
    ("damage", "seq", "problem"),
    [
        (lambda c: [c[0], replace(c[1], hash="0" * 64), c[2]], 2, "hash does not"),
        (
            lambda c: [c[0], replace(c[1], payload_json='{"code":"JPN"}'), c[2]],
            2,
            "hash does not match",
        ),
        (lambda c: [c[0], c[2]], 2, "event 2 is missing"),
        (lambda c: [c[0], c[0], c[1]], 1, "seq 1 appears out of order"),
        (lambda c: [c[0], c[2], c[1]], 2, "event 2 is missing"),
        (
            lambda c: [c[0], _rehash(c[1], prev_hash="a" * 64), c[2]],
            2,
            "prev_hash does not match",
        ),
        (
            lambda c: [c[0], c[1], _rehash(c[2], classification="secret")],
            3,
            "unknown classification 'secret'",
        ),
        (
            lambda c: [c[0], c[1], _rehash(c[2], type="ActorVanished")],
            3,
            "unknown event type ActorVanished v1",
        ),
        (
            lambda c: [c[0], c[1], _rehash(c[2], version=2)],
            3,
            "unknown event type ActorJoined v2",
        ),
        (
            lambda c: [c[0], _rehash(c[1], actor="JPN"), c[2]],
            2,
            "belongs to KOR, not to JPN",
        ),
        (
            lambda c: [
                c[0],
                _rehash(c[1], occurred_at="2014-01-01T00:00:00.000000Z"),
                c[2],
            ],
            2,
            "the signature does not verify",
        ),
        (
            lambda c: [c[0], _rehash(c[1], signature=None), c[2]],
            2,
            "needs both 'signer' and 'signature'",
        ),
    ],
    ids=[
        "hash",
        "payload",
        "missing",
        "repeated",
        "swapped",
        "prev-hash",
        "classification",
        "type",
        "version",
        "other-actor",
        "signed-content-changed",
        "half-signed",
    ],
)
def test_the_first_bad_event_is_named(three, damage, seq, problem) -> None:
    """Damage the chain, re-chaining the rest where a forger would."""
    damaged = damage(three)
    verifier = ChainVerifier()
    for event in damaged:
        verifier.feed(event)
    report = verifier.finish(None)
    assert not report.ok
    assert report.first_bad_seq == seq
    assert problem in (report.problem or "")
    assert report.events == len(damaged)  # it still counts every event


@pytest.mark.parametrize(
    ("head", "seq", "problem"),
    [
        (lambda c: (2, c[1].hash), 3, "event 3 lies beyond the recorded head"),
        (lambda c: (4, "f" * 64), 4, "event 4 is missing"),
        (lambda c: (3, "f" * 64), 3, "the recorded head hash differs"),
    ],
    ids=["head-behind", "head-ahead", "head-hash"],
)
def test_the_recorded_head_must_match_the_chain(three, head, seq, problem) -> None:
    report = _verify(three, head(three))
    assert not report.ok
    assert report.first_bad_seq == seq
    assert problem in (report.problem or "")


def _rechain(events: list[RecordedEvent]) -> list[RecordedEvent]:
    """Recompute every prev_hash and hash, as a forger would."""
    out, prev = [], GENESIS_HASH
    for event in events:
        out.append(_rehash(event, prev_hash=prev))
        prev = out[-1].hash
    return out


def test_signatures_can_be_left_unchecked(three) -> None:
    zeros = base64.b64encode(b"\x00" * 64).decode("ascii")
    chain = _rechain([three[0], replace(three[1], signature=zeros), three[2]])
    report = _verify(chain)
    assert report.first_bad_seq == 2
    assert "the signature does not verify" in (report.problem or "")
    report = _verify(chain, check_signatures=False)
    assert report.ok and report.signed == 2


def test_a_revoked_key_signs_nothing_after_its_revocation(kor) -> None:
    revocation = draft(
        KeyRevoked(code="KOR", key_id=kor.key_id, revoked_on=date(2014, 1, 1)),
        occurred_at=date(2014, 1, 1),
        actor="KOR",
        key=kor,
    )
    chain = _record(
        [
            _registration("KOR", kor),
            _joined("KOR", kor),
            revocation,
            _joined("KOR", kor),
        ]
    )
    assert _verify(chain[:3]).ok  # signed before (and by) the revocation: valid
    report = _verify(chain)
    assert (report.first_bad_seq, report.signed) == (4, 4)
    assert f"key {kor.key_id} was revoked at seq 3" in (report.problem or "")


def test_a_key_is_registered_once(kor) -> None:
    """A second registration of the same key id, for another actor, is ignored."""
    chain = _record(
        [
            _registration("KOR", kor),
            _registration("JPN", kor, signed_by=kor),
            _joined("JPN", kor),
        ]
    )
    report = _verify(chain)
    assert report.first_bad_seq == 2
    assert "belongs to KOR, not to JPN" in (report.problem or "")


def test_a_registration_must_be_signed_by_the_key_it_registers(kor) -> None:
    chain = _record([_registration("KOR", kor, signed_by=generate_key_pair())])
    report = _verify(chain)
    assert report.first_bad_seq == 1
    assert "proof of possession" in (report.problem or "")
