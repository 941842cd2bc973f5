"""The desk's tables. Importing this package registers every table on `SQLModel.metadata`."""

from server.models.accounts import (
    ApiToken,
    Invitation,
    LoginFailure,
    Role,
    Team,
    User,
    UserSession,
)
from server.models.board import BoardView
from server.models.customers import (
    AttributeDefinition,
    ContactIdentity,
    CustomerMerge,
    CustomerNote,
)
from server.models.desk import Channel, Contact, Customer, Message, Thread
from server.models.hooks import HookAttempt, HookCursor, HookDelivery, HookSubscription
from server.models.incidents import Incident, IncidentPost
from server.models.listening import ListeningHit, ListeningMatch, ListeningRule, ListeningWatch
from server.models.log import AuditEntry, DeskSetting, Event, NewEvent
from server.models.publishing import PostThread, ScheduledPost
from server.models.quota import ChannelQuota
from server.models.replies import Approval, Draft, Note, OutboxItem, Template
from server.models.routing import Availability, RoutingRule, TeamMember
from server.models.service_levels import SlaClock, SlaPolicy
from server.models.sign_on import LogoutTokenSeen, SignOnState
from server.models.time import utcnow
from server.models.watch import ChannelWatch

__all__ = [
    "ApiToken",
    "Approval",
    "AttributeDefinition",
    "AuditEntry",
    "Availability",
    "BoardView",
    "Channel",
    "ChannelQuota",
    "ChannelWatch",
    "Contact",
    "ContactIdentity",
    "Customer",
    "CustomerMerge",
    "CustomerNote",
    "DeskSetting",
    "Draft",
    "Event",
    "HookAttempt",
    "HookCursor",
    "HookDelivery",
    "HookSubscription",
    "Incident",
    "IncidentPost",
    "Invitation",
    "ListeningHit",
    "ListeningMatch",
    "ListeningRule",
    "ListeningWatch",
    "LoginFailure",
    "LogoutTokenSeen",
    "Message",
    "NewEvent",
    "Note",
    "OutboxItem",
    "PostThread",
    "Role",
    "RoutingRule",
    "ScheduledPost",
    "SignOnState",
    "SlaClock",
    "SlaPolicy",
    "Team",
    "TeamMember",
    "Template",
    "Thread",
    "User",
    "UserSession",
    "utcnow",
]
