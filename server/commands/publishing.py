"""Commands of publishing: compose, change (and move in the calendar), submit, approve or
reject, the calendar, the networks' rules, pause all scheduled posts and resume them."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import Field

from server.actions import publishing as actions
from server.actions.replies import FourEyes, ServiceAccount
from server.commands.inputs import Chars, CommandInput, Id, NoInput
from server.commands.registry import Call, Command, Rest
from server.commands.results import Result
from server.errors import Conflict, NotFound
from server.events.publishing import PostView
from server.models import utcnow
from server.queries.publishing import calendar

Moment = Annotated[str, Chars(40, min_length=1)]
Zone = Annotated[str, Chars(64, min_length=1)]
Campaign = Annotated[str, Chars(64)]
Text = Annotated[str, Chars(actions.MAX_TEXT)]


class ComposeInput(CommandInput):
    channel_id: Id
    text: Text = ""
    publish_at: Moment = Field(description="ISO 8601 with an offset")
    time_zone: Zone = Field("UTC", description="the IANA zone the calendar shows it in")
    campaign: Campaign = Field("", description="the tag its comments' threads get")


class PostRef(CommandInput):
    post_id: Id


class ChangeInput(PostRef):
    text: Text | None = None
    publish_at: Moment | None = None
    time_zone: Zone | None = None
    campaign: Campaign | None = None


class RejectInput(PostRef):
    comment: Annotated[str, Chars(500)] = ""


class CalendarInput(CommandInput):
    since: Moment = Field(description="ISO 8601 with an offset")
    days: int = Field(31, ge=1, le=62)


class PauseInput(CommandInput):
    reason: Annotated[str, Chars(500)] = ""


class ResumeInput(CommandInput):
    confirm: bool = Field(False, description="without it, 409 says what would go out")


class PostAnswer(Result):
    post: PostView


class Calendar(Result):
    posts: list[PostView]


class NetworkRules(Result):
    network: str
    max_chars: int
    link_chars: int | None
    links_clickable: bool
    needs_media: bool
    max_media: int


class Networks(Result):
    networks: list[NetworkRules]


class Paused(Result):
    paused: int


class Resumed(Result):
    resumed: int
    overdue: list[int]


async def compose(call: Call, data: ComposeInput) -> dict[str, object]:
    post = await actions.do_compose(
        call.desk.db, call.actor, call.desk.adapters.publishers(), channel_id=data.channel_id,
        text=data.text, publish_at=data.publish_at, time_zone=data.time_zone,
        campaign=data.campaign)
    return {"post": post}


async def change(call: Call, data: ChangeInput) -> dict[str, object]:
    post = await actions.do_change(call.desk.db, call.actor, data.post_id, text=data.text,
                                   publish_at=data.publish_at, time_zone=data.time_zone,
                                   campaign=data.campaign)
    return {"post": post}


async def submit(call: Call, data: PostRef) -> dict[str, object]:
    post = await actions.do_submit(call.desk.db, call.actor, call.desk.adapters.publishers(),
                                   data.post_id)
    return {"post": post}


async def approve(call: Call, data: PostRef) -> dict[str, object]:
    return {"post": await actions.do_decide(call.desk.db, call.actor, data.post_id,
                                            approve=True)}


async def reject(call: Call, data: RejectInput) -> dict[str, object]:
    return {"post": await actions.do_decide(call.desk.db, call.actor, data.post_id,
                                            approve=False, comment=data.comment)}


async def planned(call: Call, data: CalendarInput) -> dict[str, object]:
    since = actions.moment(data.since)
    async with call.desk.db.read() as session:
        posts = await calendar(session, since, since + timedelta(days=data.days))
    return {"posts": [p.model_dump(mode="json") for p in posts]}


async def networks(call: Call, _: NoInput) -> dict[str, object]:
    return {"networks": [
        {"network": name, "max_chars": p.publish_rules.max_chars,
         "link_chars": p.publish_rules.link_chars,
         "links_clickable": p.publish_rules.links_clickable,
         "needs_media": p.publish_rules.needs_media, "max_media": p.publish_rules.max_media}
        for name, p in sorted(call.desk.adapters.publishers().items())]}


async def pause_all(call: Call, data: PauseInput) -> dict[str, object]:
    return {"paused": await actions.do_pause_all(call.desk.db, call.actor, data.reason)}


async def resume_all(call: Call, data: ResumeInput) -> dict[str, object]:
    return await actions.do_resume_all(call.desk.db, call.actor, confirm=data.confirm,
                                       now=utcnow())


POSTS = "/api/posts"
TAGS = ("publishing",)
COMMANDS = [
    Command("post.compose", ComposeInput, compose,
            "A post for one network account, at its time (a draft until submitted).",
            permission="publish.post", result=PostAnswer, rest=Rest("POST", POSTS, status=201),
            errors=(NotFound,), tags=TAGS),
    Command("post.change", ChangeInput, change,
            "Change a post that has not gone out: new text needs approval again, a new time "
            "(the calendar's drag) keeps it.", permission="publish.post", result=PostAnswer,
            rest=Rest("PATCH", POSTS + "/{post_id}"), errors=(NotFound, Conflict), tags=TAGS),
    Command("post.submit", PostRef, submit,
            "Submit a draft for approval, checked against its network's rules.",
            permission="publish.post", result=PostAnswer,
            rest=Rest("POST", POSTS + "/{post_id}/submit"), errors=(NotFound, Conflict),
            tags=TAGS),
    Command("post.approve", PostRef, approve,
            "Approve a submitted post (four eyes: not your own).", permission="reply.approve",
            result=PostAnswer, rest=Rest("POST", POSTS + "/{post_id}/approve"),
            errors=(NotFound, Conflict, FourEyes, ServiceAccount), tags=TAGS),
    Command("post.reject", RejectInput, reject, "Send a submitted post back, with why.",
            permission="reply.approve", result=PostAnswer,
            rest=Rest("POST", POSTS + "/{post_id}/reject"),
            errors=(NotFound, Conflict, FourEyes, ServiceAccount), tags=TAGS),
    Command("post.calendar", CalendarInput, planned,
            "The posts planned or published in a range of days, in time order.",
            permission="thread.view", result=Calendar, rest=Rest("GET", POSTS), tags=TAGS),
    Command("post.networks", NoInput, networks,
            "What each network takes in a post (length, links, media).",
            permission="thread.view", result=Networks, rest=Rest("GET", POSTS + "/networks"),
            tags=TAGS),
    Command("publishing.pause", PauseInput, pause_all,
            "Pause every scheduled post (crisis mode calls this); nothing paused goes out.",
            permission="crisis.toggle", result=Paused,
            rest=Rest("POST", "/api/publishing/pause"), tags=TAGS),
    Command("publishing.resume", ResumeInput, resume_all,
            "Resume the paused posts; asks first (409 without confirm).",
            permission="crisis.toggle", result=Resumed,
            rest=Rest("POST", "/api/publishing/resume"), errors=(Conflict,), tags=TAGS),
]
