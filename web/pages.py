"""Page routes: sign-in, the board, a thread."""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_, select
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from channels.reply_length import reply_limit
from server.actions.accounts import sign_in, sign_out
from server.auth import SESSION_COOKIE
from server.auth.middleware import clear_session_cookies, set_session_cookies
from server.desk import Desk
from server.errors import N_, DeskError, Forbidden, Unauthenticated
from server.models import Contact, Team, Thread, User
from server.permissions import Actor
from server.queries.board_views import views_for
from server.queries.cards import BoardFilter, board_cards, cards_by_id
from server.queries.incidents import list_incidents
from server.queries.threads import thread_messages
from server.routes.common import desk_of
from web.forms import error_text
from web.sso import end_session_url
from web.templating import render


def _signed_in(request: Request) -> bool:
    return getattr(request.state, "actor", None) is not None


def _to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


def _safe_next(value: str | None) -> str:
    # Only local paths, so the sign-in form cannot be used to redirect elsewhere.
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return "/"


async def login_page(request: Request) -> Response:
    if _signed_in(request):
        return RedirectResponse("/", status_code=303)
    return render(request, "login.html", next=_safe_next(request.query_params.get("next")))


LOCAL_OFF = N_("Sign in with single sign-on: passwords are switched off on this desk.")


async def login_submit(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email", ""))
    next_url = _safe_next(str(form.get("next", "")))
    desk = desk_of(request)
    if not desk.settings.local_accounts:
        return render(request, "login.html", status_code=403,
                      error=error_text(request, Forbidden(LOCAL_OFF)), next=next_url)
    ip = request.client.host if request.client else ""
    try:
        token, _session = await sign_in(
            desk.db, desk.settings, email, str(form.get("password", "")), ip
        )
    except DeskError as error:
        return render(request, "login.html", status_code=error.status,
                      error=error_text(request, error),
                      email=email, next=next_url)
    response = RedirectResponse(next_url, status_code=303)
    set_session_cookies(response, desk.settings, token)
    return response


async def logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    # Signed in through the provider: sign out there too (RP-initiated logout).
    provider_logout = await end_session_url(
        request, getattr(getattr(request.state, "session", None), "id_token", None))
    if token:
        await sign_out(desk_of(request).db, token)
    response = RedirectResponse(provider_logout or "/login", status_code=303)
    clear_session_cookies(response)
    return response


# The board's orders (web/static/js/board_sort.js sorts by them), with their labels.
BOARD_ORDERS = {"due": N_("SLA due first"), "waiting": N_("Waiting longest first"),
                "priority": N_("Highest priority first"), "newest": N_("Newest thread first"),
                "activity": N_("Latest activity first")}


def board_order(actor: Actor, asked: str | None) -> str:
    """The order asked for, else the default: people who answer customers see first what
    breaches first (the SLA due time); those who only watch, the latest activity."""
    if asked in BOARD_ORDERS:
        return asked
    return "due" if actor.can("reply.submit") else "activity"


# The cards embedded in the board page: more than a tall screen shows, so the page paints
# at once whatever the desk holds; board.js loads the rest through /api/threads.
FIRST_SCREENFUL = 200
INCIDENTS_LISTED = 50  # open incidents in the board's filter


async def board(request: Request) -> Response:
    if not _signed_in(request):
        return _to_login(request)
    desk = desk_of(request)
    actor = request.state.actor
    # The board's seq is read before its cards: replay from there can repeat an event the
    # cards already show (applying it again is harmless) but can never miss one.
    actor.require("thread.view")
    seq = desk.live.stream_position()
    order = board_order(actor, request.query_params.get("sort"))
    async with desk.db.read() as session:
        cards = await board_cards(session, actor, BoardFilter(limit=FIRST_SCREENFUL),
                                  by_activity=order != "due", by_due=order == "due")
        users = (await session.execute(
            select(col(User.id), col(User.name)).where(col(User.active))
        )).all()
        teams = (await session.scalars(select(Team).order_by(col(Team.name)))).all()
        incidents = await list_incidents(session, "open", INCIDENTS_LISTED)
    data = {
        "seq": seq,
        "threads": [c.model_dump(mode="json") for c in cards],
        # The first screenful, in the board's order; when it is not every open thread,
        # board.js pages through the rest (newest thread first) in the background.
        "complete": len(cards) < FIRST_SCREENFUL,
        "me": {"id": actor.id, "name": actor.name, "permissions": sorted(actor.permissions)},
        "users": [{"id": u.id, "name": u.name} for u in users],
        "views": await views_for(desk.db, actor),  # board_views.js counts them live
    }
    return render(request, "board.html", board_data=data, teams=teams, incidents=incidents,
                  order=order, default_order=board_order(actor, None), orders=BOARD_ORDERS)


async def thread_page(request: Request) -> Response:
    if not _signed_in(request):
        return _to_login(request)
    desk = desk_of(request)
    actor = request.state.actor
    thread_id = int(request.path_params["thread_id"])
    seq = desk.live.stream_position()
    try:
        actor.require("thread.view")
        async with desk.db.read() as session:
            found = await cards_by_id(session, [thread_id])
            if thread_id not in found:
                return render(request, "not_found.html", status_code=404)
            thread = await session.get(Thread, thread_id)
            assert thread is not None  # its card was found above
            contact = await session.get(Contact, thread.contact_id)
            assert contact is not None  # a thread's contact is a foreign key
            related = select(col(Thread.id)).where(col(Thread.id) != thread_id).where(
                or_(col(Thread.contact_id) == contact.id,
                    col(Thread.customer_id) == contact.customer_id if contact.customer_id
                    else false())
            ).order_by(col(Thread.id).desc()).limit(20)
            # The ids are primary keys, never None; the check only tells the type checker so.
            other_ids = [i for i in (await session.scalars(related)).all() if i is not None]
            others = await cards_by_id(session, other_ids)
            people = (await session.execute(
                select(col(User.id), col(User.name)).where(col(User.active))
                .order_by(col(User.name))
            )).all() if actor.can("thread.assign") else []
        messages = await thread_messages(desk.db, thread_id)
        await _name_authors(desk, messages)
    except Unauthenticated:
        return _to_login(request)
    card = found[thread_id].model_dump(mode="json")
    # thread.js draws the card, the messages and the other threads from this, as the board
    # draws its rows from board_data.
    data = {"seq": seq, "thread": card, "messages": messages,
            "others": [others[i].model_dump(mode="json") for i in other_ids if i in others],
            "me": {"id": actor.id, "name": actor.name, "permissions": sorted(actor.permissions)},
            "users": [{"id": u.id, "name": u.name} for u in people]}
    limit = reply_limit(card["network"], card["visibility"])
    data["reply_limit"] = limit.as_json() if limit else None  # reply_length.js counts live
    return render(request, "thread.html", thread=card, thread_data=data,
                  previous_thread_id=thread.previous_thread_id)


async def _name_authors(desk: Desk, messages: list[dict[str, Any]]) -> None:
    """Give each message the author_name its live events carry: the person or the contact."""
    contact_ids = {m["contact_id"] for m in messages if m.get("contact_id")}
    user_ids = {m["author_user_id"] for m in messages if m.get("author_user_id")}
    names: dict[tuple[str, int | None], str] = {}
    async with desk.db.read() as session:
        if contact_ids:
            contacts = select(Contact).where(col(Contact.id).in_(contact_ids))
            names.update((("contact", c.id), c.name) for c in await session.scalars(contacts))
        if user_ids:
            users = select(User).where(col(User.id).in_(user_ids))
            names.update((("user", u.id), u.name) for u in await session.scalars(users))
    for m in messages:
        m["author_name"] = (names.get(("user", m.get("author_user_id")))
                            or names.get(("contact", m.get("contact_id"))) or "")


async def war_room(request: Request) -> Response:
    """The wall for a big screen: the war room's figures, large, kept live."""
    if not _signed_in(request):
        return _to_login(request)
    desk = desk_of(request)
    request.state.actor.require("thread.view")
    return render(request, "war_room.html", wall_data={"seq": desk.live.stream_position()})


routes = [
    Route("/login", login_page),
    Route("/login", login_submit, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/", board),
    Route("/war-room", war_room),
    Route("/threads/{thread_id:int}", thread_page),
]
