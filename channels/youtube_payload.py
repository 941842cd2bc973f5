"""YouTube Data API payloads in the desk's words: comment threads, the polling cursor, and
the documented error answers.

A comment thread (commentThreads.list) carries its top-level comment and some of its replies
(snippet.totalReplyCount says how many there are; comments.list?parentId= lists them all).
The thread's id is the top-level comment's id, and replies are "<parent id>.<suffix>".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from channels.base import InboundItem, PermanentError, SendError, TemporaryError
from channels.http import answer_json
from channels.json_values import iso_moment

# Comments may show up in the list a little after their publishedAt (and several share one
# second): every poll looks back this far and skips the ids it already handed in.
OVERLAP = timedelta(minutes=10)
# A channel connected for the first time is read back this far.
FIRST_LOOK_BACK = timedelta(days=7)
# Threads whose reply counts the cursor remembers (to notice replies beyond those listed).
REMEMBERED_THREADS = 500
RATE_LIMITED = {"rateLimitExceeded", "userRateLimitExceeded"}
DEFAULT_BACKOFF = 60.0
# reason -> what the desk tells people; all of these are permanent.
REFUSALS = {
    "authError": "YouTube refused the access token (401): it is invalid or expired. "
                 "Reconnect the channel with a new token.",
    "insufficientPermissions": "YouTube refused: the access token lacks the "
                               "youtube.force-ssl scope. Reconnect the channel with a token "
                               "that may manage comments.",
    "forbidden": "YouTube refused (403 forbidden): the token may not act for this channel.",
    "keyInvalid": "YouTube refused the API key (keyInvalid). Check the key in the Google "
                  "Cloud console.",
    "accessNotConfigured": "The YouTube Data API is not enabled for this Google Cloud "
                           "project (accessNotConfigured). Enable it in the Google Cloud "
                           "console.",
    "ipRefererBlocked": "YouTube refused the API key from this address (ipRefererBlocked).",
    "commentsDisabled": "Comments are turned off for this video or channel.",
    "ineligibleAccount": "YouTube refused: the account behind the token cannot comment "
                         "(ineligibleAccount).",
    "parentCommentNotFound": "YouTube refused: the comment being answered no longer exists.",
    "parentCommentIsPrivate": "YouTube refused: the comment being answered is private.",
    "operationNotSupported": "YouTube does not allow replies to this comment.",
    "commentTextTooLong": "YouTube refused: the reply is too long.",
    "commentTextRequired": "YouTube refused: the reply is empty.",
    "channelNotFound": "YouTube does not know this channel id.",
}


def snippet_of(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    snippet = resource.get("snippet")
    return snippet if isinstance(snippet, Mapping) else {}


def published(comment: Mapping[str, Any]) -> datetime | None:
    return iso_moment(snippet_of(comment).get("publishedAt"))


def author_channel(comment: Mapping[str, Any]) -> str:
    author = snippet_of(comment).get("authorChannelId")
    value = author.get("value") if isinstance(author, Mapping) else None
    return value if isinstance(value, str) else ""


def comment_text(comment: Mapping[str, Any]) -> str:
    """The comment as plain text (the desk asks for textFormat=plainText)."""
    snippet = snippet_of(comment)
    text = snippet.get("textDisplay") or snippet.get("textOriginal") or ""
    return text if isinstance(text, str) else ""


@dataclass
class ThreadParts:
    id: str
    top: Mapping[str, Any]
    replies: list[Mapping[str, Any]]
    total_replies: int

    def activity(self) -> datetime | None:
        """The newest publishedAt among the comments listed with the thread."""
        times = [t for t in map(published, [self.top, *self.replies]) if t is not None]
        return max(times, default=None)


def thread_parts(thread: Mapping[str, Any]) -> ThreadParts | None:
    snippet = snippet_of(thread)
    top = snippet.get("topLevelComment")
    thread_id = thread.get("id")
    if not isinstance(top, Mapping) or not isinstance(thread_id, str) or not thread_id:
        return None
    listed = thread.get("replies")
    replies = listed.get("comments") if isinstance(listed, Mapping) else None
    total = snippet.get("totalReplyCount")
    return ThreadParts(
        id=thread_id, top=top,
        replies=[r for r in replies or [] if isinstance(r, Mapping)],
        total_replies=total if isinstance(total, int) else 0,
    )


def comment_item(comment: Mapping[str, Any], thread_id: str, video_id: str | None
                 ) -> InboundItem | None:
    """One comment as an inbound item of its thread (None if it is not usable)."""
    comment_id = comment.get("id")
    snippet = snippet_of(comment)
    if not isinstance(comment_id, str) or not comment_id:
        return None
    name = str(snippet.get("authorDisplayName") or "YouTube user")
    parent = snippet.get("parentId")
    return InboundItem(
        external_id=comment_id,
        author_id=author_channel(comment) or name,
        author_name=name.removeprefix("@") or name,
        author_handle=name if name.startswith("@") else None,
        text=comment_text(comment),
        visibility="public",
        thread_key=thread_id,
        created_at=published(comment),
        reply_to=parent if isinstance(parent, str) else None,
        raw={"videoId": video_id or snippet.get("videoId"), "network": "youtube"},
    )


@dataclass
class Cursor:
    """Where polling resumes: the newest publishedAt handed in, the ids handed in since
    OVERLAP before it, and the reply counts of recently seen threads."""

    since: datetime
    seen: dict[str, float] = field(default_factory=dict)  # comment id -> publishedAt (epoch)
    replies: dict[str, int] = field(default_factory=dict)  # thread id -> totalReplyCount

    @classmethod
    def load(cls, saved: Mapping[str, Any], now: datetime) -> Cursor:
        since = iso_moment(saved.get("since")) or now - FIRST_LOOK_BACK
        seen = saved.get("seen")
        replies = saved.get("replies")
        return cls(
            since=since,
            seen={str(k): float(v) for k, v in (seen or {}).items()
                  if isinstance(v, int | float)} if isinstance(seen, Mapping) else {},
            replies={str(k): v for k, v in (replies or {}).items()
                     if isinstance(v, int)} if isinstance(replies, Mapping) else {},
        )

    def copy(self) -> Cursor:
        return Cursor(self.since, dict(self.seen), dict(self.replies))

    @property
    def floor(self) -> datetime:
        return self.since - OVERLAP

    def is_new(self, comment_id: str, at: datetime) -> bool:
        return at >= self.floor and comment_id not in self.seen

    def mark(self, comment_id: str, at: datetime) -> None:
        """Remember a comment handed in; `advance` moves the cursor past it (after a poll:
        the floor stays put while the poll reads)."""
        self.seen[comment_id] = at.timestamp()

    def advance(self) -> None:
        """Move `since` to the newest comment handed in; forget ids below the new floor."""
        newest = max(self.seen.values(), default=None)
        if newest is not None:
            self.since = max(self.since, datetime.fromtimestamp(newest, UTC))
        floor = self.floor.timestamp()
        self.seen = {k: v for k, v in self.seen.items() if v >= floor}

    def count_replies(self, thread_id: str, total: int) -> None:
        self.replies.pop(thread_id, None)  # the newest last, so the oldest are dropped first
        self.replies[thread_id] = total
        while len(self.replies) > REMEMBERED_THREADS:
            del self.replies[next(iter(self.replies))]

    def dump(self) -> dict[str, Any]:
        return {
            "since": self.since.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "seen": dict(self.seen),
            "replies": dict(self.replies),
        }


def error_reason(response: httpx.Response) -> tuple[str, str]:
    """The first error's reason and the message of a Google API error answer."""
    error = answer_json(response).get("error")
    error = error if isinstance(error, Mapping) else {}
    errors = error.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(
        errors[0], Mapping) else {}
    reason = str(first.get("reason") or "")
    message = str(error.get("message") or first.get("message") or response.text[:200])
    return reason, message


def youtube_error(response: httpx.Response) -> SendError:
    """Map a YouTube Data API error to a temporary or permanent error with a clear message
    (quotaExceeded is the caller's: it knows when the day resets)."""
    reason, detail = error_reason(response)
    status = response.status_code
    if reason in RATE_LIMITED or status == 429:
        return TemporaryError(f"YouTube's rate limit was reached ({reason or status}); the "
                              "desk tries again later.", DEFAULT_BACKOFF)
    if reason in REFUSALS:
        return PermanentError(REFUSALS[reason])
    if status >= 500 or reason in {"backendError", "internalError"}:
        return TemporaryError(f"YouTube had a temporary problem ({status}): {detail}")
    if status == 401:
        return PermanentError(REFUSALS["authError"])
    if status == 403:
        return PermanentError(f"YouTube refused ({reason or 403}): {detail}")
    return PermanentError(f"YouTube refused the request ({status} {reason}): {detail}")


def same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def own_reply(comments: Iterable[Mapping[str, Any]], channel_id: str, text: str
              ) -> Mapping[str, Any] | None:
    """A reply by the channel with this text, if one is among `comments`."""
    for comment in comments:
        snippet = snippet_of(comment)
        written = snippet.get("textOriginal") or snippet.get("textDisplay") or ""
        if channel_id and author_channel(comment) == channel_id and same_text(str(written),
                                                                            text):
            return comment
    return None
