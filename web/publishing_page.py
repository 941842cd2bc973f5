"""The publishing page: compose a post with its network's rules, approve, and the
editorial calendar (week and month, in a chosen time zone, drag or move to reschedule)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.errors import N_
from server.i18n import gettext
from server.models import Channel
from server.routes.common import desk_of
from web.templating import render

# What the page's script says, translated here: the messages with placeholders are filled
# in by the script.
WORDS = {
    "chars": N_("%(count)d of %(limit)d characters"),
    "too_long": N_("Too long for this network"),
    "needs_media": N_("This network needs an image or video"),
    "approve": N_("Approve"), "reject": N_("Reject"),
    "earlier": N_("A day earlier"), "later": N_("A day later"),
    "draft": N_("draft"), "pending": N_("waiting for approval"), "approved": N_("scheduled"),
    "rejected": N_("rejected"), "publishing": N_("publishing"), "published": N_("published"),
    "failed": N_("failed"), "unsure": N_("unsure: check the network"), "paused": N_("paused"),
    "open": N_("Open on the network"), "submitted": N_("Submitted for approval"),
}
ZONES = ("Europe/Berlin", "UTC", "Europe/London", "America/New_York", "Asia/Tokyo")


async def publishing_page(request: Request) -> Response:
    actor = getattr(request.state, "actor", None)
    if actor is None:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    actor.require("thread.view")
    desk = desk_of(request)
    publishers = desk.adapters.publishers()
    seq = desk.live.stream_position()  # before the posts: an event may repeat, never be missed
    async with desk.db.read() as session:
        channels = (await session.scalars(
            select(Channel).where(col(Channel.active), col(Channel.adapter).in_(list(publishers)))
            .order_by(col(Channel.name)))).all()
    rules = {name: {"max_chars": p.publish_rules.max_chars,
                    "link_chars": p.publish_rules.link_chars,
                    "needs_media": p.publish_rules.needs_media}
             for name, p in publishers.items()}
    data = {"seq": seq, "me": {"id": actor.id, "permissions": sorted(actor.permissions)},
            "channels": [{"id": c.id, "name": c.name, "adapter": c.adapter} for c in channels],
            "rules": rules, "zones": list(ZONES)}
    language = getattr(request.state, "language", "en")
    words = {key: gettext(language, message) for key, message in WORDS.items()}
    return render(request, "publishing.html", publishing_data=data, publishing_words=words,
                  channels=channels, zones=ZONES)


routes = [Route("/publishing", publishing_page)]
