"""The shapes commands answer with, shared by the declarations and the API documents.

Results are described here for OpenAPI and AsyncAPI, and checked by the tests; commands on
hot paths hand back plain dicts of the same shape rather than building these models.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from server.events import ReadingView, ReplyAuthor, ThreadCard, UserRef
from server.events.replies import ApprovalView, NoteView


class Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Empty(Result):
    """Done; nothing to report."""


class Me(Result):
    id: int
    email: str
    name: str
    role: str
    permissions: list[str]
    language: str | None
    team_id: int | None


class ThreadList(Result):
    seq: int  # the event stream is at least this far: resume from here and miss nothing
    threads: list[ThreadCard]


class ThreadMessage(Result):
    id: int
    direction: Literal["in", "out"]
    visibility: Literal["public", "private"]
    text: str
    created_at: str
    delivery_status: str
    contact_id: int | None
    author_user_id: int | None
    # An outgoing reply's authors: who submitted, co-wrote and corrected it.
    authors: list[ReplyAuthor]
    reading: ReadingView | None = None  # inbound messages: language and sentiment


class ThreadDetail(Result):
    thread: ThreadCard
    messages: list[ThreadMessage]


class ClaimView(Result):
    thread_id: int
    holder: UserRef
    fencing_token: int
    expires_at: str


class Claimed(Result):
    claim: ClaimView


class Released(Result):
    released: Literal[True]


class Assigned(Result):
    assigned: int | None


class Updated(Result):
    updated: list[str]  # the fields given


class HandedOver(Result):
    approval_id: int
    handed_to: UserRef


class ReplyOutcome(Result):
    status: Literal["sent", "pending", "corrected", "held", "rejected", "withdrawn",
                    "confirming"]
    approval_id: int | None
    message_id: int | None
    unseen: list[dict[str, Any]]


class Delivery(Result):
    message_id: int
    status: str
    error: str | None
    external_id: str | None
    attempts: int
    next_attempt_at: str | None


class Approver(Result):
    id: int
    name: str
    online: bool


class WhoApproves(Result):
    # Whether the caller's submit would need approval now (policy, crisis mode).
    needed: bool
    # Who may approve the open approval, or the draft if the caller submitted it now.
    people: list[Approver]


class ReplyView(Result):
    thread_id: int
    state: str
    text: str
    version: int
    authors: list[int]
    seen_message_id: int | None
    newest_message_id: int | None
    approval: ApprovalView | None
    deliveries: list[Delivery]
    approvers: WhoApproves


class ReplyPanel(Result):
    reply: ReplyView


class Queued(Result):
    message_id: int
    status: Literal["queued"]


class Approvals(Result):
    approvals: list[ApprovalView]


class NoteAdded(Result):
    note: NoteView


class Notes(Result):
    notes: list[NoteView]


class Mentionable(Result):
    id: int
    name: str
    handle: str


class People(Result):
    people: list[Mentionable]


class TemplateView(Result):
    id: int
    name: str
    language: str
    body: str
    tags: list[str]
    holding_statement: bool
    variables: list[str]
    updated_at: str | None
    updated_by: str | None


class Templates(Result):
    templates: list[TemplateView]


class TemplateAnswer(Result):
    template: TemplateView


class Deleted(Result):
    deleted: int


class Rendered(Result):
    template_id: int
    name: str
    language: str
    text: str


class CrisisView(Result):
    on: bool
    message: str
    by_id: int | None
    at: str | None


class CrisisAnswer(Result):
    crisis: CrisisView


class AfterReplyAnswer(Result):
    status: Literal["open", "waiting", "resolved"]


class PolicyAnswer(Result):
    policy: dict[str, Any]


class Escalated(Result):
    public_thread_id: int
    private_thread_id: int
    message_id: int
    path: Literal["private_reply", "direct_message"]
    holding_reply: Literal["none", "queued", "pending_approval"]
    holding_id: int | None  # the holding reply's message, or its approval


class Returned(Result):
    private_thread_id: int
    public_thread_id: int
    outcome: Literal["queued", "pending_approval"]
    message_id: int | None
    approval_id: int | None


class UserView(Result):
    id: int
    email: str
    name: str
    role: str
    active: bool
    team_id: int | None
    service_account: bool


class Users(Result):
    users: list[UserView]


class UserMade(Result):
    id: int
    email: str
    name: str
    service_account: bool


class UserChanged(Result):
    id: int
    email: str
    name: str
    active: bool


class TokenMade(Result):
    token: str


class ChannelMade(Result):
    id: int
    network: str
    name: str
    secret: str


class TeamMemberView(Result):
    user_id: int
    name: str
    supervisor: bool
    capacity: int | None
    languages: list[str]
    networks: list[str]
    topics: list[str]


class TeamView(Result):
    id: int
    name: str
    auto_assign: bool
    capacity: int
    time_zone: str
    hours: dict[str, list[list[str]]]
    holiday_country: str | None
    holiday_subdivision: str | None
    members: list[TeamMemberView]


class Teams(Result):
    teams: list[TeamView]


class TeamAnswer(Result):
    team: TeamView


class MemberAnswer(Result):
    member: TeamMemberView


class Removed(Result):
    removed: int


class RuleView(Result):
    id: int
    name: str
    position: int
    active: bool
    conditions: dict[str, Any]
    team_id: int | None
    priority: str | None
    tags: list[str]


class Rules(Result):
    rules: list[RuleView]


class RuleAnswer(Result):
    rule: RuleView


class AvailabilityView(Result):
    user: UserRef
    state: Literal["online", "away", "busy", "offline"]
    by_hand: bool
    changed_at: str | None


class Availabilities(Result):
    people: list[AvailabilityView]


class AvailabilityAnswer(Result):
    state: Literal["online", "away", "busy", "offline"]


class SlaPolicyView(Result):
    id: int
    name: str
    position: int
    active: bool
    team_id: int | None
    network: str | None
    priority: str | None
    vip: bool | None
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None


class SlaPolicies(Result):
    policies: list[SlaPolicyView]


class SlaPolicyAnswer(Result):
    policy: SlaPolicyView
