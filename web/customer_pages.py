"""Customer pages: the list and search, one customer's page (every thread on every network
in one timeline, notes, attributes, tags, language, VIP, suggested merges, merges to split),
and the compact panel beside every thread. Forms run the same commands as REST and
Socket.IO (post, then redirect); customer_live.js refreshes the live parts on events."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.errors import DeskError, Invalid
from web.forms import error_text, field, guard, page, path_id, run_command

viewer = guard("customer.view")
LANGUAGES = ("de", "en", "fr", "it", "es", "nl", "pl", "tr")


async def customers_list(request: Request, _actor: Any) -> Response:
    q = request.query_params.get("q", "").strip()[:200]
    vip = request.query_params.get("vip") == "1"
    data: dict[str, Any] = {"limit": 100}
    if q:
        data["q"] = q
    if vip:
        data["vip"] = True
    found = await run_command(request, "customer.search", data)
    return page(request, "customers.html", customers=found["customers"], q=q, vip=vip)


async def _customer_page(request: Request, customer_id: int, status_code: int = 200,
                         **context: Any) -> Response:
    detail = await run_command(request, "customer.get", {"customer_id": customer_id})
    shown = detail["customer"]["id"]
    if shown != customer_id and status_code == 200:
        # Merged into another: that one's page is this customer's page now.
        return RedirectResponse(f"/customers/{shown}", status_code=303)
    suggested = await run_command(request, "customer.suggestions", {"customer_id": shown})
    template = ("_customer_live.html" if request.query_params.get("part") == "live"
                else "customer.html")
    return page(request, template, status_code=status_code, c=detail,
                suggestions=suggested["suggestions"], languages=LANGUAGES,
                seq=request.app.state.desk.live.stream_position(), **context)


async def customer_page(request: Request, _actor: Any) -> Response:
    return await _customer_page(request, path_id(request, "customer_id"))


def _attribute_values(form: FormData, definitions: list[dict[str, Any]]) -> dict[str, Any]:
    """The attribute form's fields as the command takes them: numbers as numbers."""
    values: dict[str, Any] = {}
    for d in definitions:
        raw = field(form, f"attr_{d['key']}").strip()
        if d["kind"] == "number" and raw:
            try:
                values[d["key"]] = float(raw) if any(c in raw for c in ".eE") else int(raw)
            except ValueError:
                raise Invalid("%(name)s must be a number.", name=d["label"]) from None
        else:
            values[d["key"]] = raw or None
    return values


async def _form_data(request: Request, action: str, customer_id: int) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {"customer_id": customer_id}
    if action == "profile":
        data |= {"display_name": field(form, "display_name"),
                 "language": field(form, "language") or None, "vip": form.get("vip") == "on",
                 "tags": [t.strip() for t in field(form, "tags").split(",") if t.strip()]}
    elif action == "attributes":
        definitions = await run_command(request, "attribute.list", {})
        data["attributes"] = _attribute_values(form, definitions["attributes"])
    elif action == "notes":
        data["text"] = field(form, "text")
    elif action == "merge":
        data["other_id"] = int(field(form, "other_id") or 0)
        if field(form, "reason"):
            data["reason"] = field(form, "reason")[:200]
    elif action == "split":
        if field(form, "merge_id"):
            data["merge_id"] = int(field(form, "merge_id"))
        else:
            data["contact_ids"] = [int(v) for v in form.getlist("contact_id")
                                   if isinstance(v, str) and v.isdigit()]
    return data


COMMAND_OF = {"profile": "customer.update", "attributes": "customer.update",
              "notes": "customer.note_add", "merge": "customer.merge",
              "split": "customer.split"}


async def customer_form(request: Request, _actor: Any) -> Response:
    customer_id = path_id(request, "customer_id")
    action = request.path_params["action"]
    if action not in COMMAND_OF:
        return page(request, "not_found.html", status_code=404)
    try:
        data = await _form_data(request, action, customer_id)
        await run_command(request, COMMAND_OF[action], data)
    except (DeskError, ValueError) as error:
        problem = error if isinstance(error, DeskError) else Invalid("That is not a number.")
        return await _customer_page(request, customer_id, status_code=problem.status,
                                    error=error_text(request, problem), failed=action)
    return RedirectResponse(f"/customers/{customer_id}#{action}", status_code=303)


async def thread_panel(request: Request, _actor: Any) -> Response:
    thread_id = path_id(request, "thread_id")
    try:
        detail = await run_command(request, "customer.for_thread", {"thread_id": thread_id})
    except DeskError as error:
        return page(request, "admin/_alert.html", status_code=error.status,
                    message=error_text(request, error))
    return page(request, "_customer_panel.html", panel=detail, thread_id=thread_id)


routes = [
    Route("/customers", viewer(customers_list)),
    Route("/customers/{customer_id:int}", viewer(customer_page)),
    Route("/customers/{customer_id:int}/{action:str}", viewer(customer_form), methods=["POST"]),
    Route("/threads/{thread_id:int}/customer-panel", viewer(thread_panel)),
]
