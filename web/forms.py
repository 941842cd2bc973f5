"""What the account and admin pages share: guards, fields, translated errors, htmx answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.actions.accounts import MIN_PASSWORD
from server.commands.registry import Call
from server.errors import DeskError, Forbidden, Unauthenticated
from server.i18n import gettext
from server.permissions import DEFAULT_ROLES, Actor
from web.templating import render

Handler = Callable[[Request, Actor], Awaitable[Response]]
Guarded = Callable[[Request], Awaitable[Response]]


def error_text(request: Request, error: DeskError) -> str:
    text = gettext(request.state.language, error.message)
    return text % error.params if error.params else text


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def path_id(request: Request, name: str) -> int:
    return int(request.path_params[name])


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _role_label(lang: str) -> Callable[[str], str]:
    # Built-in role names are translated for display; roles an admin created show as named.
    return lambda name: gettext(lang, name) if name in DEFAULT_ROLES else name


async def run_command(request: Request, name: str, data: dict[str, Any]) -> dict[str, Any]:
    """Run a desk command for a page's form, with the same checks as REST and Socket.IO."""
    actor = getattr(request.state, "actor", None)
    if actor is None:
        raise Unauthenticated()
    desk = request.app.state.desk
    call = Call(desk=desk, actor=actor, language=request.state.language, transport="page")
    return await desk.commands.invoke(call, name, data)


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    return render(request, template, status_code=status_code,
                  role_label=_role_label(request.state.language), min_password=MIN_PASSWORD,
                  **context)


def alert(request: Request, error: DeskError) -> Response:
    """A bare message for htmx to put where the form was."""
    return page(request, "admin/_alert.html", status_code=error.status,
                message=error_text(request, error))


def guard(permission: str | None) -> Callable[[Handler], Guarded]:
    """Refuse before the handler runs, so a refused form never renders what it protects."""

    def wrap(handler: Handler) -> Guarded:
        async def guarded(request: Request) -> Response:
            actor: Actor | None = getattr(request.state, "actor", None)
            if actor is None and request.method == "GET":
                return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
            error: DeskError
            if actor is None:
                error = Unauthenticated()
            elif permission is not None and not actor.can(permission):
                error = Forbidden(permission)
            else:
                return await handler(request, actor)
            if is_htmx(request):
                return alert(request, error)
            raise error  # the desk's error page, in the caller's language

        return guarded

    return wrap


signed_in = guard(None)
