"""Permissions, the default roles, and the signed-in actor every action is called with."""

from __future__ import annotations

from dataclasses import dataclass

from server.errors import Forbidden

PERMISSIONS: dict[str, str] = {
    "thread.view": "See the board and threads",
    "thread.claim": "Claim and release threads",
    "thread.takeover": "Take over a thread someone else holds",
    "thread.assign": "Assign threads to people",
    "thread.update": "Change status, priority, tags and reason",
    "thread.escalate": "Take a public thread private and back",
    "draft.edit": "Write reply drafts",
    "reply.submit": "Submit replies",
    "reply.approve": "Approve or reject replies of others",
    "note.write": "Write internal notes",
    "customer.view": "See customers and their history",
    "customer.edit": "Change customers' attributes, tags, VIP, language and notes",
    "customer.merge": "Merge and split customers",
    "template.manage": "Manage reply templates",
    "crisis.toggle": "Switch crisis mode",
    "publish.post": "Publish marketing posts",
    "report.view": "See reports and statistics",
    "admin.users": "Manage users and roles",
    "admin.channels": "Connect and manage channels",
    "admin.attributes": "Define customer attributes",
    "incident.manage": "Rename, merge, split and close incidents",
    "listening.manage": "Manage listening rules",
    "admin.hooks": "Subscribe outgoing webhooks and read their deliveries",
    "customer.privacy": "Export and erase a customer's data (data protection requests)",
    "admin.routing": "Manage teams, their members and skills, and routing rules",
    "audit.view": "Read the audit trail: who did what, when, on which thread",
}

_AGENT = [
    "thread.view", "thread.claim", "thread.update", "thread.escalate",
    "draft.edit", "reply.submit", "note.write", "customer.view", "customer.edit",
]
DEFAULT_ROLES: dict[str, list[str]] = {
    "admin": list(PERMISSIONS),
    "supervisor": [
        *_AGENT, "customer.merge", "thread.takeover", "thread.assign", "reply.approve",
        "template.manage", "crisis.toggle", "report.view", "incident.manage",
        "listening.manage", "audit.view",
    ],
    "service agent": [*_AGENT, "customer.merge"],
    "marketing agent": [*_AGENT, "publish.post", "template.manage", "listening.manage"],
    "viewer": ["thread.view", "customer.view", "report.view"],
}


@dataclass(frozen=True)
class Actor:
    """Who is acting, with the permissions of their role at sign-in time."""

    id: int
    name: str
    email: str
    role: str
    permissions: frozenset[str]
    language: str | None = None
    team_id: int | None = None
    service_account: bool = False

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise Forbidden(permission)
