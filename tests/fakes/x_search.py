"""The recent search of the fake X API (GET /2/tweets/search/recent), for listening.

As documented: a bearer token; `query` (at most 512 characters; this fake reads the
operators the desk writes: terms, "quoted phrases" and #hashtags joined by OR in
parentheses, -is:retweet, lang:xx), `since_id`, `max_results` (10 to 100, else 400),
`next_token` for the next (older) page, `tweet.fields`, `expansions=author_id` and
`user.fields`; the answer {"data": [...], "includes": {"users": [...]}, "meta":
{"newest_id", "oldest_id", "result_count", "next_token"}} newest first, or {"meta":
{"result_count": 0}} when nothing matched; the rate-limit headers, with 429 once the
window (450 calls per 15 minutes) is used up.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

if TYPE_CHECKING:
    from tests.fakes.x_api import FakeX, Tweet

MAX_QUERY = 512
_TERM = re.compile(r'"([^"]+)"|(\S+)')


def parse_query(query: str) -> tuple[list[str], str | None]:
    """The OR'd terms (lower case) and the lang: operator of a query."""
    inner = query[query.find("(") + 1:query.rfind(")")] if "(" in query else query
    terms = [(phrase or word).casefold() for phrase, word in _TERM.findall(inner)
             if (phrase or word) != "OR"]
    found = re.search(r"\blang:(\w+)", query)
    return terms, found.group(1) if found else None


def _key(tweet_id: str) -> tuple[int, str]:
    return len(tweet_id), tweet_id


class RecentSearch:
    """Mixed into FakeX."""

    def _search_matches(self: FakeX, terms: list[str], lang: str | None) -> list[Tweet]:
        found = []
        for tweet in self.tweets.values():
            text = tweet.text.casefold()
            if lang and tweet.lang != lang:
                continue
            if any(re.search(r"(?<!\w)" + re.escape(t) + r"(?!\w)", text) for t in terms):
                found.append(tweet)
        return sorted(found, key=lambda t: _key(t.id), reverse=True)

    async def _search(self: FakeX, request: Request) -> JSONResponse:
        from tests.fakes.x_api import problem  # x_api imports this module

        self.requests.append({"path": request.url.path, "query": str(request.query_params),
                              "headers": dict(request.headers)})
        limit = self._window("search")
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not any(a.token == token for a in self.accounts.values()):
            return self._headed(problem(401, "Unauthorized", "Unauthorized"), limit)
        if limit.remaining <= 0:
            return self._headed(problem(429, "Too Many Requests", "Too Many Requests"), limit)
        limit.remaining -= 1
        params = request.query_params
        query = params.get("query", "")
        size = params.get("max_results", "10")
        if not query or len(query) > MAX_QUERY or not size.isdigit() or \
                not 10 <= int(size) <= 100:
            return self._headed(problem(
                400, "Invalid Request", "One or more parameters to your request was invalid.",
                "https://api.twitter.com/2/problems/invalid-request"), limit)
        terms, lang = parse_query(query)
        found = self._search_matches(terms, lang)
        if params.get("since_id"):
            found = [t for t in found if _key(t.id) > _key(params["since_id"])]
        start = int(params["next_token"]) if params.get("next_token", "").isdigit() else 0
        page = found[start:start + int(size)]
        if not page:
            return self._headed(JSONResponse({"meta": {"result_count": 0}}), limit)
        meta: dict[str, Any] = {"newest_id": page[0].id, "oldest_id": page[-1].id,
                                "result_count": len(page)}
        if start + len(page) < len(found):
            meta["next_token"] = str(start + len(page))
        authors = {t.author.id: self._user_json(t.author) for t in page}
        data = [{"id": t.id, "text": t.text, "author_id": t.author.id, "lang": t.lang,
                 "created_at": t.created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                 "conversation_id": t.id, "edit_history_tweet_ids": [t.id]} for t in page]
        users = [{"id": u["id_str"], "name": u["name"], "username": u["screen_name"]}
                 for u in authors.values()]
        return self._headed(JSONResponse({"data": data, "includes": {"users": users},
                                          "meta": meta}), limit)
