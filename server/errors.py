"""Errors an action raises; every transport turns them into the same code and message.

Messages are English source strings with named placeholders; they are translated into
the caller's language where they leave the desk (see server/i18n.py).
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a message for extraction (scripts/i18n) without translating it here.

    Messages are translated at the edge, in the caller's language; this marker only lets
    pybabel find messages that are not passed straight to an error class.
    """
    return message


class DeskError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def payload(self, gettext: Any = None) -> dict[str, Any]:
        text = gettext(self.message) if gettext else self.message
        message = text % self.params if self.params else text
        return {**self.params, "code": self.code, "message": message}


class Invalid(DeskError):
    status = 400
    code = "invalid"


class Unauthenticated(DeskError):
    status = 401
    code = "unauthenticated"

    def __init__(self, message: str = N_("Sign in first.")) -> None:
        super().__init__(message)


class Forbidden(DeskError):
    status = 403
    code = "forbidden"

    def __init__(self, permission: str) -> None:
        super().__init__(N_("You lack the permission %(permission)s."), permission=permission)


class NotFound(DeskError):
    status = 404
    code = "not_found"


class MethodNotAllowed(DeskError):
    status = 405
    code = "method_not_allowed"


class Conflict(DeskError):
    status = 409
    code = "conflict"


class ClaimHeld(Conflict):
    code = "claim_held"

    def __init__(self, holder_id: int, holder_name: str) -> None:
        super().__init__(
            N_("%(holder_name)s is working on this thread."), holder_id=holder_id,
            holder_name=holder_name,
        )


class NoPrivatePath(Invalid):
    """The network has no private path from this public post (or its window has closed)."""

    code = "no_private_path"


class Throttled(DeskError):
    status = 429
    code = "throttled"
