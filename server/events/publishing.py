"""Events of publishing: a post composed, changed, approved, published; pausing all."""

from __future__ import annotations

from typing import ClassVar

from server.events.base import DeskEvent, Strict
from server.events.board import UserRef


class PostView(Strict):
    id: int
    channel_id: int
    network: str
    channel_name: str
    campaign: str
    text: str
    publish_at: str
    time_zone: str
    status: str  # draft pending approved rejected publishing published failed unsure
    paused: bool
    author: UserRef
    approved_by: UserRef | None
    comment: str | None
    external_id: str | None
    url: str | None
    error: str | None
    published_at: str | None


class PostChanged(DeskEvent):
    type: ClassVar[str] = "post.changed"
    post: PostView


class PublishingPaused(DeskEvent):
    type: ClassVar[str] = "publishing.paused"
    on: bool  # paused (true) or resumed
    posts: int  # how many scheduled posts it paused or resumed
    reason: str
    by: UserRef
