"""The admin page for customer attributes: define (text, number, choice, date), relabel,
change choices and order, delete. The forms run the attribute commands."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.errors import DeskError
from web.forms import error_text, field, guard, page, path_id, run_command

attributes_admin = guard("admin.attributes")


def _choices(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _position(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0


async def _page(request: Request, status_code: int = 200, **context: Any) -> Response:
    found = await run_command(request, "attribute.list", {})
    return page(request, "admin/attributes.html", status_code=status_code,
                attributes=found["attributes"], **context)


async def attributes_page(request: Request, _actor: Any) -> Response:
    return await _page(request)


async def create(request: Request, _actor: Any) -> Response:
    form = await request.form()
    entered = {"key": field(form, "key").strip(), "label": field(form, "label"),
               "kind": field(form, "kind"), "choices": _choices(field(form, "choices")),
               "position": _position(field(form, "position"))}
    try:
        await run_command(request, "attribute.create", entered)
    except DeskError as error:
        return await _page(request, status_code=error.status, entered=entered,
                           create_error=error_text(request, error))
    return RedirectResponse("/admin/attributes", status_code=303)


async def change(request: Request, _actor: Any) -> Response:
    form = await request.form()
    attribute_id = path_id(request, "attribute_id")
    try:
        if field(form, "delete"):
            await run_command(request, "attribute.delete", {"attribute_id": attribute_id})
        else:
            await run_command(request, "attribute.update", {
                "attribute_id": attribute_id, "label": field(form, "label"),
                "choices": _choices(field(form, "choices")),
                "position": _position(field(form, "position"))})
    except DeskError as error:
        return await _page(request, status_code=error.status, failed=attribute_id,
                           change_error=error_text(request, error))
    return RedirectResponse("/admin/attributes", status_code=303)


routes = [
    Route("/admin/attributes", attributes_admin(attributes_page)),
    Route("/admin/attributes", attributes_admin(create), methods=["POST"]),
    Route("/admin/attributes/{attribute_id:int}", attributes_admin(change), methods=["POST"]),
]
