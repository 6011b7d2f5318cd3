"""What the trust fold reads of the record: fields per event type, and which
attendance counts (DESIGN §4 rule 0, §5.1).

The database hands the fold, per event type, columns of the payload fields
named in :data:`EXTRACT` (``napci.adapters.db.extract``). Attendance counts
for trust only when it is the delegation's own word:

* an ``AttendanceRecorded`` counts when its payload says ``acknowledged:
  true`` (recorded by the delegation itself, or by the secretariat as
  secretariat); ``acknowledged: false`` (a host or chair reporting another
  delegation) does not count; an entry without the field (written before
  acknowledgement existed) counts when it carries sources, as the shipped
  NAPCI record 2013-2014 does (:func:`attendance_counts`);
* an ``AttendanceAcknowledged`` (a delegation's word on the attendance
  reported for it) counts, with its ``attended`` value.

Per meeting and actor, the last counted row in record order gives the
attendance the fold uses; a report that does not count changes nothing, so
it overrides nothing. The extraction leaves out the ``AttendanceRecorded``
rows that do not count (the database tests the same condition, see
migration 0006); :func:`counted_attendance` then merges the
acknowledgements into the attendance rows, in record order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, Final

__all__ = [
    "ACKNOWLEDGED",
    "EXTRACT",
    "RECORDED",
    "Rows",
    "attendance_counts",
    "counted_attendance",
]

#: The attendance events: recorded (counted ones only), and acknowledged.
RECORDED: Final[str] = "AttendanceRecorded"
ACKNOWLEDGED: Final[str] = "AttendanceAcknowledged"

#: Rows of extracted fields per event type: ``(seq, occurred_at, field...)``
#: in seq order.
Rows = Mapping[str, Sequence[tuple[Any, ...]]]
_SEQ = itemgetter(0)

#: The payload fields the fold reads, per event type, in processing order.
EXTRACT: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "ActorRegistered": (("code", "str"), ("kind", "str")),
    "ActorJoined": (("code", "str"), ("joined_on", "str")),
    "ActorWithdrew": (("code", "str"), ("withdrew_on", "str")),
    "ObserverAdmitted": (("code", "str"),),
    "TrackAdded": (("code", "str"), ("category", "str"), ("added_on", "str")),
    "TrackClosed": (("code", "str"), ("closed_on", "str")),
    "RulesAmended": (("changes", "json"), ("effective_on", "str")),
    "MeetingConvened": (
        ("meeting", "str"),
        ("rank", "str"),
        ("layer", "str"),
        ("tracks", "json"),
        ("starts_on", "str"),
    ),
    "MeetingHeld": (("meeting", "str"), ("held_on", "str")),
    "MeetingCancelled": (("meeting", "str"),),
    "AttendanceConfirmed": (("meeting", "str"), ("code", "str")),
    RECORDED: (("meeting", "str"), ("code", "str"), ("attended", "bool")),
    ACKNOWLEDGED: (("meeting", "str"), ("code", "str"), ("attended", "bool")),
    "DocumentIssued": (("document", "str"), ("kind", "str"), ("tracks", "json")),
    "ProposalTabled": (
        ("proposal", "str"),
        ("subject.kind", "str"),
        ("subject.document", "str"),
    ),
    "DecisionAdopted": (("proposal", "str"), ("adopted_on", "str"), ("joined", "json")),
    "ProvisionalAdoptionUndone": (("proposal", "str"),),
    "ProjectLaunched": (
        ("project", "str"),
        ("tracks", "json"),
        ("founders", "json"),
        ("invited", "json"),
    ),
    "ProjectJoined": (("project", "str"), ("code", "str")),
    "ProjectLeft": (("project", "str"), ("code", "str")),
    "ProjectScopeWidened": (("project", "str"), ("tracks", "json")),
    "ProjectCompleted": (("project", "str"), ("completed_on", "str")),
    "CommitmentMade": (("commitment", "str"), ("project", "str"), ("code", "str")),
    "CommitmentKept": (("commitment", "str"), ("kept_on", "str")),
    "CommitmentBroken": (("commitment", "str"), ("assessed_on", "str")),
    "IncidentRecorded": (
        ("incident", "str"),
        ("parties", "json"),
        ("occurred_on", "str"),
        ("severity", "int"),
        ("tracks", "json"),
    ),
}


def attendance_counts(payload: Mapping[str, Any]) -> bool:
    """Whether an ``AttendanceRecorded`` payload counts as the delegation's
    own word.

    >>> attendance_counts({"attended": True, "acknowledged": True})
    True
    >>> attendance_counts({"attended": True, "acknowledged": False})
    False
    >>> attendance_counts({"attended": True, "sources": [{"ref": "brochure"}]})
    True
    >>> attendance_counts({"attended": True})
    False
    """
    acknowledged = payload.get("acknowledged")
    if acknowledged is not None:
        return acknowledged is True
    sources = payload.get("sources")
    return isinstance(sources, list) and len(sources) > 0


def counted_attendance(rows: Rows) -> Rows:
    """``rows`` with the acknowledgements taken as attendance rows.

    The ``AttendanceRecorded`` rows given are the counted ones (the
    extraction keeps no other); the ``AttendanceAcknowledged`` rows join
    them in seq order, so that the last of either, per meeting and actor,
    gives the attendance. Without acknowledgements, ``rows`` itself.
    """
    acknowledged = rows.get(ACKNOWLEDGED)
    if acknowledged is None:
        return rows
    out = {type_: found for type_, found in rows.items() if type_ != ACKNOWLEDGED}
    recorded = rows.get(RECORDED)
    if acknowledged and recorded:
        # two runs in seq order, merged by the sort (seqs are distinct)
        merged = list(recorded)
        merged += acknowledged
        merged.sort(key=_SEQ)
        out[RECORDED] = merged
    elif acknowledged:
        out[RECORDED] = acknowledged
    return out
