"""The rules of procedure: pure functions of (command, context) -> events.

Each rule either returns the events a command brings about or raises a
:class:`Refusal` naming the rule and what would make the command admissible.
Nothing here touches a database; :mod:`napci.services.procedure` runs them.
"""

from collections.abc import Callable
from typing import Any

from napci.domain.procedure.advice import Advice, advise, next_host, ownership
from napci.domain.procedure.attendance import (
    AcknowledgeAttendance,
    ConfirmAttendance,
    RecordAttendance,
    acknowledge_attendance,
    confirm_attendance,
    record_attendance,
)
from napci.domain.procedure.base import Context, Emit, Gate, Refusal
from napci.domain.procedure.cooperation import (
    AssessCommitments,
    CompleteProject,
    FulfilCommitment,
    JoinProject,
    LaunchProject,
    LeaveProject,
    MakeCommitment,
    ReachMilestone,
    RecordIncident,
    assess_commitments,
    complete_project,
    fulfil_commitment,
    join_project,
    launch_project,
    leave_project,
    make_commitment,
    reach_milestone,
    record_incident,
)
from napci.domain.procedure.decisions import Decide, decide
from napci.domain.procedure.participation import (
    CancelMeeting,
    ConveneMeeting,
    HoldMeeting,
    InviteActor,
    IssueDocument,
    JoinActor,
    RegisterActor,
    WithdrawActor,
    cancel_meeting,
    convene_meeting,
    hold_meeting,
    invite_actor,
    issue_document,
    join_actor,
    register_actor,
    withdraw_actor,
)
from napci.domain.procedure.positions import RecordPosition, record_position
from napci.domain.procedure.proposals import (
    StartSilence,
    TableProposal,
    WithdrawProposal,
    start_silence,
    table_proposal,
    withdraw_proposal,
)
from napci.domain.procedure.standing import judged_all

#: Every command and the rule that judges it, with the checks every command
#: shares (:mod:`napci.domain.procedure.standing`: dating, classification).
RULES: dict[type[Any], Callable[[Any, Context], list[Emit]]] = {
    RegisterActor: register_actor,
    JoinActor: join_actor,
    WithdrawActor: withdraw_actor,
    InviteActor: invite_actor,
    IssueDocument: issue_document,
    ConveneMeeting: convene_meeting,
    ConfirmAttendance: confirm_attendance,
    RecordAttendance: record_attendance,
    AcknowledgeAttendance: acknowledge_attendance,
    HoldMeeting: hold_meeting,
    CancelMeeting: cancel_meeting,
    TableProposal: table_proposal,
    StartSilence: start_silence,
    RecordPosition: record_position,
    Decide: decide,
    WithdrawProposal: withdraw_proposal,
    LaunchProject: launch_project,
    JoinProject: join_project,
    LeaveProject: leave_project,
    MakeCommitment: make_commitment,
    FulfilCommitment: fulfil_commitment,
    AssessCommitments: assess_commitments,
    ReachMilestone: reach_milestone,
    CompleteProject: complete_project,
    RecordIncident: record_incident,
}
RULES = judged_all(RULES)

__all__ = [
    "RULES",
    "AcknowledgeAttendance",
    "Advice",
    "AssessCommitments",
    "CancelMeeting",
    "CompleteProject",
    "ConfirmAttendance",
    "Context",
    "ConveneMeeting",
    "Decide",
    "Emit",
    "FulfilCommitment",
    "Gate",
    "HoldMeeting",
    "InviteActor",
    "IssueDocument",
    "JoinActor",
    "JoinProject",
    "LaunchProject",
    "LeaveProject",
    "MakeCommitment",
    "ReachMilestone",
    "RecordAttendance",
    "RecordIncident",
    "RecordPosition",
    "Refusal",
    "RegisterActor",
    "StartSilence",
    "TableProposal",
    "WithdrawActor",
    "WithdrawProposal",
    "advise",
    "next_host",
    "ownership",
]
