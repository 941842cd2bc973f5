"""The public side of the fake Mastodon instance: timelines and their streams (listening).

As documented: GET /api/v1/timelines/public and GET /api/v1/timelines/tag/:hashtag (Status
lists, newest first, with limit (40, at most 40), min_id / since_id / max_id and a Link
header), and the streaming API's GET /api/v1/streaming/public and
GET /api/v1/streaming/hashtag?tag=... (Server-Sent Events `event: update` with the Status
as JSON `data`). The test plays the public: `public_post` writes a status that reaches the
public timeline, the timelines of its hashtags and their open streams.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

if TYPE_CHECKING:
    from tests.fakes.mastodon_instance import FakeMastodon, MastodonAccount, Status

TIMELINE_PAGE = 40
HASHTAG = re.compile(r"#(\w+)")


def hashtags(text: str) -> list[str]:
    return sorted({found.casefold() for found in HASHTAG.findall(text)})


def _key(status_id: str) -> tuple[int, str]:
    return len(status_id), status_id


class PublicTimelines:
    """Mixed into FakeMastodon."""

    def public_post(self: FakeMastodon, author: MastodonAccount, text: str, *,
                    language: str | None = "en", visibility: str = "public") -> Status:
        status = self._create(author, text, visibility, None, datetime.now(UTC))
        status.language = language
        if visibility != "public":
            return status
        frame = f"event: update\ndata: {json.dumps(self._status_json(status))}\n\n"
        reaches = {"public", *(f"hashtag:{t}" for t in hashtags(text))}
        with self._lock:
            self.timeline.append(status)
            for stream in self.streams:
                if stream.timeline in reaches and not stream.closed:
                    stream.pending.append(frame)
        return status

    def _timeline_of(self: FakeMastodon, tag: str | None) -> list[Status]:
        with self._lock:
            shown = [s for s in self.timeline if tag is None or tag in hashtags(s.text)]
        return sorted(shown, key=lambda s: _key(s.id), reverse=True)

    async def _public_timeline(self: FakeMastodon, request: Request) -> Response:
        return await self._timeline_page(request, None)

    async def _tag_timeline(self: FakeMastodon, request: Request) -> Response:
        return await self._timeline_page(request, request.path_params["hashtag"].casefold())

    async def _timeline_page(self: FakeMastodon, request: Request, tag: str | None
                             ) -> Response:
        _, refused, limit = await self._begin(request)
        if refused:
            return self._limited(refused, limit)
        query = request.query_params
        try:
            size = min(int(query.get("limit") or TIMELINE_PAGE), TIMELINE_PAGE)
        except ValueError:
            return self._limited(JSONResponse({"error": "limit must be a number"},
                                              status_code=422), limit)
        newest_first = self._timeline_of(tag)
        if query.get("max_id"):
            newest_first = [s for s in newest_first if _key(s.id) < _key(query["max_id"])]
        if query.get("min_id"):  # the statuses just after min_id, still newest first
            above = [s for s in newest_first if _key(s.id) > _key(query["min_id"])]
            page = above[-size:]
        elif query.get("since_id"):
            page = [s for s in newest_first if _key(s.id) > _key(query["since_id"])][:size]
        else:
            page = newest_first[:size]
        response = JSONResponse([self._status_json(s) for s in page])
        if page:
            base = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
            response.headers["Link"] = (f'<{base}?max_id={page[-1].id}>; rel="next", '
                                        f'<{base}?min_id={page[0].id}>; rel="prev"')
        return self._limited(response, limit)

    def open_public_streams(self: FakeMastodon) -> dict[str, int]:
        with self._lock:
            found: dict[str, int] = {}
            for s in self.streams:
                if s.timeline != "user" and not s.closed and not s.dropped:
                    found[s.timeline] = found.get(s.timeline, 0) + 1
            return found

    def tag_json(self: FakeMastodon, status: Status) -> list[dict[str, Any]]:
        return [{"name": t, "url": f"https://{self.domain}/tags/{t}"}
                for t in hashtags(status.text)]
