"""Translation of the pages: ``_()``, ``ngettext()`` and the message catalogues.

Every user-visible string of the pages goes through a :class:`Translator`:
templates call ``{{ _("Proposals") }}``, page code calls ``page.tr("...")``.
A message id is the English text itself (gettext style); placeholders are
``str.format`` fields filled from keyword arguments::

    _("{n} days left", n=3)

The catalogue is a dict per language, ``CATALOGUES[lang][msgid] -> text``
(a tuple of plural forms for plural messages, keyed by the singular). The
request's language is ``?lang=`` if it names a catalogue, else the best match
of its ``Accept-Language`` header, else English. A message missing from a
catalogue falls back to the English text, so a partial translation works.

To add a language: copy ``MESSAGES_EN`` into a new dict, translate every
value, add it to ``CATALOGUES`` with its plural rule in ``PLURAL_RULES`` and
its own name in ``LANGUAGE_NAMES``. ``tests/web/test_pages.py`` checks that
every message the templates and page code use is in the English catalogue,
and that no other catalogue has keys English lacks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

__all__ = [
    "CATALOGUES",
    "DEFAULT_LANGUAGE",
    "LANGUAGE_NAMES",
    "MESSAGES_EN",
    "N_",
    "PLURAL_RULES",
    "Translator",
    "gettext",
    "negotiate",
    "ngettext",
]

DEFAULT_LANGUAGE: Final = "en"

Message = str | tuple[str, ...]

# The English catalogue: every message of the pages, by message id. Labels
# of the record's vocabulary (ranks, statuses, positions...) are here too, so
# a translation can render them; free text from the record (titles,
# evidence, refusals) is shown as recorded.
# -- begin catalogue (the tests list what is missing) --
#: The pages' messages (each its own English text).
_PAGE_MESSAGES: Final[tuple[str, ...]] = (
    "(optional)",
    "(until the end of {date}, UTC)",
    "0 to 1; the base rate without evidence is {base}",
    "1 minus the index",
    "1. A habit of cooperation",
    "2. A foundation for peace",
    "3. The DPRK's engagement",
    (
        "A key binds a delegation only when the delegation registered it "
        "itself, with its own user's token. A key entered by anyone else is "
        "recorded unconfirmed and binds no one."
    ),
    "A line from {first} to {last}; the latest value is {value}.",
    (
        "A new track is proposed on the proposals page (an add-track proposal) "
        "and added when the proposal is adopted by consensus."
    ),
    (
        "A recognition or a vision binds no one until a consensus adopts it (an "
        "adopt-document proposal)."
    ),
    "A user with the role {role} cannot act.",
    "Absent",
    "Actor",
    "Add a track",
    "Admit an observer",
    "Adopt a document",
    "Adopt by consensus",
    (
        "Adopt when no participant objects; the rules refuse it otherwise. "
        "Closing it as not adopted records that there was no consensus."
    ),
    "Adopted on {date} by {procedure}.",
    (
        "Adopted when the deadline passes with no objection and no amendment "
        "from a participant."
    ),
    "Advise",
    "Age",
    "Agenda",
    "All tracks",
    "All tracks (fused)",
    "Already recorded: nothing new was appended.",
    "Amended text (with an amendment)",
    "Amendment",
    "Another meeting or mechanism it is held at.",
    "As of",
    "At the meeting",
    "Attendance",
    "Attended",
    "Back to the dashboard",
    "Base rate",
    (
        "Before a new forum or project is created on an issue: which mechanisms "
        "already cover it, with how many of the intended members, and whether "
        "to revitalise one, widen one, or create a new process."
    ),
    "Being verified.",
    "Broken at seq {seq}.",
    "Category",
    "Chair",
    "Change over 12 months",
    "Choose the date and the track",
    "Choose the pair",
    "Classification",
    "Close as not adopted",
    "Code",
    "Commit as {actor}",
    "Commitment",
    "Commitment id",
    "Commitments",
    "Commitments from the day made to the day due",
    "Completed",
    (
        "Concrete projects start with any two or more willing participants; no "
        "one is added without their own act. Members make commitments, and "
        "keeping them builds trust."
    ),
    "Confirmed",
    "Confirmed by the delegation",
    "Convene",
    "Convene a meeting",
    "Dashboard",
    "Database unavailable",
    "Date",
    "Deadline",
    "Decay",
    "Decide",
    (
        "Decisions are taken by consensus: the absence of any objection "
        "expressed by a participant. No votes are counted; abstention is "
        "silence; observers speak but never block."
    ),
    (
        "Dialogue is where trust starts: every meeting per issue track, at its "
        "rank and layer, with who attended."
    ),
    "Direction",
    "Document",
    "Document id",
    "Due on",
    (
        "Each actor is a point on the circle; each line is a pair, wider and "
        "greener the more the pair trusts each other."
    ),
    (
        "Each circle is a meeting: larger for a higher rank, filled when held, "
        "hollow when convened. Years without a meeting are left out."
    ),
    (
        "Each participant's latest position. A participant that says nothing "
        "does not object."
    ),
    "Effective",
    (
        "EigenTrust over the participants: how much the region as a whole "
        "trusts each one. The shares add up to 1."
    ),
    "Error {status}.",
    "Events, newest first",
    (
        "Every item of evidence behind a pair's figures: which events, with "
        "which weights, how much they have decayed."
    ),
    "Everything shown is folded from the signed, hash-chained record.",
    "Evidence",
    "Existing mechanisms for cooperation",
    "Explain",
    "Explain the trust between two actors",
    "Explain trust",
    "Forbidden",
    "Format",
    "Founders",
    "Founders: two or more willing participants",
    "Grace period in days",
    (
        "Harder issues come on the agenda only by consensus, once phase 3 is "
        "reached and trust is high enough."
    ),
    "Hash",
    "Head: seq {seq}",
    "Heat map per track",
    "Held",
    "Held on",
    "Host",
    "Id",
    "In the record since",
    "In total: positive {pos}, negative {neg}, after decay.",
    "Intended members",
    "Interpretative statement",
    "Invalid request",
    "Invited",
    "Invited on",
    "Issue",
    "Issue a draft recognition or vision",
    "Issue tracks",
    "Issue tracks it concerns",
    "Join a project",
    "Join as {actor}",
    "Joined",
    "Joined the consensus: {codes}.",
    "Kebab case, e.g. maritime-safety.",
    "Kept on",
    "Key",
    "Key figures",
    "Kind",
    "Ladder",
    "Last 12 months",
    "Last meeting",
    "Last verified in full at {time} (UTC).",
    "Launch",
    "Launch a project",
    "Launched",
    "Layer",
    "Ledger",
    "Lower case letters, digits, dots and dashes, e.g. add-maritime-safety.",
    "Lower case letters, digits, dots and dashes, e.g. env-wg-2026-1.",
    "Made on",
    "Main",
    "Make a commitment",
    "Mark as held",
    "Mark every participant present",
    "Mechanism",
    "Mechanisms",
    "Meeting",
    "Meeting id",
    "Meetings",
    "Meetings attended",
    "Meetings on a time line, one lane per track",
    (
        "Meetings per track and year, their regularity over the last twelve "
        "months (quarters with a meeting) and the attendance rate."
    ),
    "Meetings per year",
    "Member",
    "Method Not Allowed",
    "Milestones",
    "Missing: {what}",
    "NAPCI",
    "Negative evidence {a}→{b}",
    "Newer",
    "No commitment yet.",
    ("No consensus yet: blocking positions (objection or amendment) from {codes}."),
    "No evidence: the pair's trust is its base rate.",
    "No key binds {code}: its positions need no signature.",
    "No key is registered in {code}'s name.",
    "No meeting yet.",
    "No pair has reached the first step on this date.",
    "No project has been launched yet.",
    "No proposal has been tabled yet.",
    ("No recognition or vision is waiting for adoption: issue one first (below)."),
    "Non-traditional security issues",
    "None.",
    "Northeast Asia Peace and Cooperation Initiative",
    "Northeast Asian countries",
    "Not Found",
    "Not adopted on {date}: {reason} by {codes}.",
    "Not found",
    "Not recorded",
    "Not signed in",
    "Nothing was recorded.",
    "Observer",
    "Observers (never block)",
    "Occurred",
    "Older",
    "On",
    "On the agenda since",
    "On the occasion of",
    "Only changes are recorded.",
    "Open proposals",
    "Opens on",
    "Organisation, institute or state",
    "Other actor",
    "Outcome",
    "Pages of the log",
    "Pair",
    "Participants",
    "Participation",
    "Partners",
    "Partners (observers, institutes)",
    "Paste your token",
    "Per track",
    "Phase {n}",
    "Phase {n} was declared by consensus.",
    "Position",
    "Positions",
    "Positions as recorded",
    "Positive evidence {a}→{b}",
    "Previous",
    "Project",
    "Project id",
    "Projects",
    "Projects joined",
    "Proposal",
    "Proposal id",
    "Proposals",
    "Proposals tabled at it",
    "Provisional for {codes} until {date}.",
    "Put it under the silence procedure",
    "Rank",
    (
        "Rank rises one step at a time per track: two meetings held at a rank "
        "before the next one."
    ),
    "Recommendation",
    "Record a commitment kept",
    "Record as kept",
    "Record attendance",
    "Record the meeting as held",
    "Record the position",
    "Record the position of {actor}",
    "Recorded by",
    "Recorded on",
    "Refused by the rules of procedure",
    "Regional standing",
    "Regional trust index",
    "Regional trust index by quarter",
    "Regional trust over time",
    "Registered",
    "Regularity",
    "Relations with existing mechanisms",
    "Reservation",
    "Revoked",
    "Road-map phase",
    "Rule",
    "Seq",
    "Settled on",
    "Share of the intended members each mechanism already has",
    "Show",
    "Sign in",
    "Sign in to act.",
    "Sign out",
    "Signatures",
    "Signed",
    "Signed in as {name}",
    "Signed in as {name}.",
    "Signed out.",
    "Signing keys",
    "Silence",
    "Skip to the content",
    "Start the silence",
    "Statement",
    "Statements attached to the decision",
    "Status",
    (
        "Step 1, dialogue: two or more meetings attended together within two "
        "years. Step 2, common recognition: a recognition document adopted "
        "together. Step 3, common vision: a vision document adopted together."
    ),
    (
        "Symmetric trust per pair, from the evidence in the record: meetings "
        "attended together, documents adopted together, commitments kept or "
        "broken, incidents. Choose a cell to see every item of evidence behind "
        "it."
    ),
    "Table a proposal",
    "Table the proposal",
    "Tabled by",
    "Tabled on",
    "Text",
    "The DPRK can take part at any stage, by its own notification.",
    (
        "The agenda: non-traditional, soft security issues first. A traditional "
        "security (hard) track comes on the agenda only by consensus, and only "
        "through the gradual gate."
    ),
    "The chain is being verified.",
    "The chain is broken at seq {seq}.",
    (
        "The chain is broken at seq {seq}: the figures on this page may be "
        "wrong, and no change is accepted until the record is repaired."
    ),
    "The chain verifies.",
    "The delegation",
    "The first pairs are shown.",
    "The form's values do not make a valid command",
    (
        "The gradual gate: a hard track needs road-map phase {phase} and "
        "regional trust of at least {trust}. The record shows phase {now_phase} "
        "and trust {now_trust}."
    ),
    (
        "The initiative complements existing mechanisms: it revitalises and "
        "widens them where they exist, and creates new processes where there "
        "are none."
    ),
    "The ledger",
    (
        "The mean symmetric trust over pairs of participants at the end of each "
        "quarter, and today. Evidence decays with a half-life of two years; "
        "without evidence trust falls back to the base rate."
    ),
    "The meeting",
    "The network of pairs",
    "The overlap adviser",
    "The proposal",
    "The record does not verify",
    "The record of who attended is incomplete.",
    "The request failed",
    "The road-map",
    (
        "The secretariat creates users and gives each a token (napci users "
        "add). Signing in checks the token and opens a session; the browser "
        "keeps only the session's own identifier, in a cookie that scripts "
        "cannot read. The session ends when you sign out, after {minutes} "
        "minutes without use, {hours} hours after signing in, or when your user "
        "is revoked."
    ),
    "The silence ended on {date}",
    "The silence has ended",
    (
        "The single source of truth: an append-only log of events, each chained "
        "to the one before by its SHA-256 hash and optionally signed by the "
        "acting delegation. Anyone can recompute the chain."
    ),
    (
        "The states of Northeast Asia in each mechanism: only NAPCI is meant to "
        "bring all of them together."
    ),
    "The three objectives",
    "The token is unknown or has been revoked.",
    "The trust ladder",
    "The values",
    "There is no page at {path}.",
    "This page as JSON",
    "Timeline by track",
    "Title",
    "Token",
    "Track",
    "Track code",
    "Track name",
    "Tracks",
    "Trust",
    "Trust (symmetric)",
    "Trust between participants",
    "Trust between {a} and {b}",
    "Trust deficit",
    "Trust on {track}",
    "Trust over all tracks (fused)",
    "Type",
    "Unauthorized",
    "Uncertainty",
    "Undefined: fewer than two participants.",
    "Venue",
    "Verified up to seq {seq}.",
    "Verify the record",
    "Weight",
    "What",
    "What is promised",
    "What it does",
    "What would make it admissible",
    (
        "Where the process stands on the road-map, how much trust the record "
        "shows, and the three objectives, as of {date}."
    ),
    "Who takes part where",
    "Withdrawn on {date}.",
    "Withdrew",
    "You are not signed in.",
    "You are signed in as {name} ({role}).",
    "You see events classified {classes}.",
    "Your position now: {position}. Recording another one replaces it.",
    "Your session has ended (signed out, expired or revoked): sign in again.",
    "a hard track needs {v}",
    "as of {date}",
    "base rate {v}",
    "circle size: working, senior officials, ministerial, summit",
    "dashed outline: Track 1.5 or Track 2",
    "dashed vertical line: years left out",
    "distrust",
    "entered by someone other than the delegation: binds no one",
    "filled: held; hollow: convened",
    "invited, not yet a participant",
    "invited, not yet members: {codes}",
    "line width: trust above the base rate",
    "member",
    "membership open",
    "needs {required}",
    "no",
    "no particular track",
    "none yet",
    "none: decided under silence",
    "not a member",
    "not recorded present",
    "not yet",
    "observers",
    "phase 3 needs {v}",
    "present",
    "signed",
    "silent",
    "their joint act recorded by the secretariat",
    (
        "the form's security token is missing or does not match: reload the "
        "page and submit the form again"
    ),
    "today",
    "trust",
    "trust deficit {value}",
    "trust without evidence",
    "until {date}",
    "widens {acronym}",
    "yellow line: today",
    "{a} trusts {b}",
    "{a}\u2013{b}: trust {value}",
    "{code} attended",
    "{code} registered its own signing key: its positions must be signed.",
    "{code} was absent",
    "{code}: not recorded",
    "{date} by {actor}",
    "{date} · {meeting} · {rank} · {status}",
    "{date}: {value}",
    "{d} d {h} h {m} min {s} s of silence left",
    "{events} events verified, {signed} of them signed; head {head}.",
    "{n} d",
    "{year}: {n}",
    # rule 0: attendance as reported and as acknowledged
    (
        "A host or chair reported your delegation's attendance at these "
        "meetings. It counts for consensus, trust and the road-map once you "
        "acknowledge it."
    ),
    "Acknowledge as reported",
    "Acknowledge your attendance at {meeting} as reported",
    "Acknowledged",
    "Attendance per delegation: as reported, and as acknowledged",
    "Attendance to acknowledge",
    "Delegation",
    (
        "Only acknowledged attendance counts for consensus, trust and the "
        "road-map: a host's or chair's report of another delegation counts once "
        "that delegation acknowledges it."
    ),
    "Reported",
    "Reported: {code} attended.",
    "Reported: {code} was absent.",
    "To acknowledge",
    "Your attendance to acknowledge",
    "absent",
    "attended",
)
#: The pages' plural messages: (singular, plural).
_PLURAL_MESSAGES: Final[tuple[tuple[str, str], ...]] = (
    ("Recorded {n} event: {events}.", "Recorded {n} events: {events}."),
    ("{n} active project", "{n} active projects"),
    ("{n} day of silence left", "{n} days of silence left"),
    ("{n} item of evidence", "{n} items of evidence"),
    (
        (
            "{n} key in {code}'s name was entered by someone other than the "
            "delegation: it binds no one."
        ),
        (
            "{n} keys in {code}'s name were entered by someone other than the "
            "delegation: they bind no one."
        ),
    ),
    ("{n} meeting", "{n} meetings"),
    ("{n} meeting held", "{n} meetings held"),
    ("{n} member", "{n} members"),
    ("{n} observer", "{n} observers"),
    ("{n} participant", "{n} participants"),
    ("{n} proposal", "{n} proposals"),
    ("{n} track", "{n} tracks"),
)

#: The record's vocabulary: shown through ``label()`` (``|label`` in templates).
_VOCABULARY: Final[dict[str, Message]] = {
    "working": "working level",
    "senior-official": "senior officials",
    "ministerial": "ministerial",
    "summit": "summit",
    "track-1": "Track 1",
    "track-1.5": "Track 1.5",
    "track-2": "Track 2",
    "registered": "registered",
    "invited": "invited",
    "participant": "participant",
    "withdrawn": "withdrawn",
    "convened": "convened",
    "held": "held",
    "cancelled": "cancelled",
    "open": "open",
    "adopted": "adopted",
    "provisional": "provisional",
    "not-adopted": "not adopted",
    "support": "support",
    "no-objection": "no objection",
    "objection": "objection",
    "amendment": "amendment",
    "add-track": "add a track",
    "admit-observer": "admit an observer",
    "adopt-document": "adopt a document",
    "launch-mechanism": "launch a mechanism",
    "widen-project": "widen a project",
    "amend-rules": "amend the rules",
    "declare-phase": "declare a phase",
    "violation": "a violation (consensus minus one)",
    "process": "Process for dialogue and cooperation",
    "security": "Security cooperation mechanism",
    "comprehensive": "Comprehensive cooperation mechanism",
    "economic": "Economic cooperation mechanism",
    "functional": "Functional cooperation mechanism",
    "soft": "soft",
    "hard": "hard",
    "kept": "kept",
    "broken": "broken",
    "active": "active",
    "completed": "completed",
    "state": "state",
    "organisation": "organisation",
    "institute": "institute",
    "facilitator": "facilitator",
    "delegate": "delegate",
    "observer": "observer",
    "analyst": "analyst",
    "none": "none",
    "dialogue": "dialogue",
    "common recognition": "common recognition",
    "common vision": "common vision",
    "gain support": "gain support",
    "accumulate practice": "accumulate practice",
    "solid framework": "solid framework",
    "beyond: a multilateral security consultation body": (
        "beyond: a multilateral security consultation body"
    ),
    "not yet at phase 1": "not yet at phase 1",
    "support from partner states": "support from partner states",
    "support from regional organisations": "support from regional organisations",
    "soft tracks meeting regularly": "soft tracks meeting regularly",
    "tracks meeting two years running": "tracks meeting two years running",
    "a common vision adopted by all participants": (
        "a common vision adopted by all participants"
    ),
    "regional trust": "regional trust",
    "a hard track added by consensus": "a hard track added by consensus",
    "revitalise": "revitalise",
    "widen": "widen",
    "create-new": "create new",
    "meeting": "consensus at a meeting",
    "silence": "the silence procedure",
    "silence-broken": "the silence was broken",
    "public": "public",
    "participants": "participants",
    "restricted": "restricted",
    "multilateral": "multilateral",
    "bilateral": "bilateral",
    "forum": "forum",
    "speech": "speech",
    "statement": "statement",
    "chair-statement": "chair's statement",
    "concept-paper": "concept paper",
    "report": "report",
    "recognition": "recognition",
    "vision": "vision",
    "interpretative-statement": "interpretative statement",
    "reservation": "reservation",
    "met": "met",
    "closed": "closed",
    "binds": "binds",
    "unconfirmed": "unconfirmed",
    "revoked": "revoked",
}

MESSAGES_EN: Final[dict[str, Message]] = {
    **{message: message for message in _PAGE_MESSAGES},
    **{singular: (singular, plural) for singular, plural in _PLURAL_MESSAGES},
    **_VOCABULARY,
}
# -- end catalogue --

CATALOGUES: Final[dict[str, Mapping[str, Message]]] = {"en": MESSAGES_EN}

LANGUAGE_NAMES: Final[dict[str, str]] = {"en": "English"}

#: Which plural form (an index into a plural message's tuple) ``n`` takes.
PLURAL_RULES: Final[dict[str, Callable[[int], int]]] = {
    "en": lambda n: 0 if n == 1 else 1,
}


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue; it is translated where it is shown."""
    return message


def _fill(text: str, values: Mapping[str, Any]) -> str:
    return text.format_map(values) if values else text


class Translator:
    """The messages of one language."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self.lang = lang if lang in CATALOGUES else DEFAULT_LANGUAGE
        self._messages = CATALOGUES[self.lang]
        self._english = CATALOGUES[DEFAULT_LANGUAGE]
        self._plural = PLURAL_RULES.get(self.lang, PLURAL_RULES[DEFAULT_LANGUAGE])

    def gettext(self, message: str, /, **values: Any) -> str:
        """``message`` in this language, with ``values`` filled in."""
        found = self._messages.get(message)
        if found is None:
            found = self._english.get(message, message)
        text = found if isinstance(found, str) else found[0]
        return _fill(text, values)

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        """The form of ``singular``/``plural`` that ``n`` takes; ``{n}`` is filled."""
        values = {"n": n, **values}
        found = self._messages.get(singular)
        if isinstance(found, tuple) and found:
            index = min(self._plural(n), len(found) - 1)
            return _fill(found[index], values)
        return _fill(singular if n == 1 else plural, values)

    def label(self, value: object) -> str:
        """A term of the record's vocabulary (``summit``, ``objection``...)."""
        if value is None:
            return ""
        text = str(value)
        found = self._messages.get(text)
        if isinstance(found, str):
            return found
        return text


def gettext(message: str, /, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """``message`` translated into ``lang``."""
    return Translator(lang).gettext(message, **values)


def ngettext(
    singular: str, plural: str, n: int, /, lang: str = DEFAULT_LANGUAGE, **values: Any
) -> str:
    """The plural form for ``n`` in ``lang``."""
    return Translator(lang).ngettext(singular, plural, n, **values)


def _accepted(header: str) -> list[str]:
    """Language tags of an ``Accept-Language`` header, best first."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(query: str | None, accept_language: str | None) -> str:
    """The language of a request: ``?lang=``, else ``Accept-Language``, else en."""
    if query:
        wanted = query.strip().lower()
        if wanted in CATALOGUES:
            return wanted
        base = wanted.split("-")[0]
        if base in CATALOGUES:
            return base
    for tag in _accepted(accept_language or ""):
        if tag in CATALOGUES:
            return tag
        base = tag.split("-")[0]
        if base in CATALOGUES:
            return base
    return DEFAULT_LANGUAGE
