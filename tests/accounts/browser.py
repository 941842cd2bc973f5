"""A browser as the desk sees it: cookies, the CSRF token of the forms, htmx headers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from server.db import Database
from server.settings import async_database_url
from tests.support.backends import Backend


class Browser:
    def __init__(self, url: str, language: str = "en") -> None:
        self.http = httpx.Client(base_url=url, timeout=30,
                                 headers={"Accept-Language": language})

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    @property
    def csrf(self) -> str:
        token = self.http.cookies.get("tandem_csrf")
        if token is None:  # the desk hands it out with the first page
            self.http.get("/login")
            token = self.http.cookies.get("tandem_csrf")
        assert token, "the desk set no CSRF cookie"
        return token

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: str | None = "ours",
             htmx: bool = False) -> httpx.Response:
        """Post a form as the page would; csrf=None leaves the token out, any text sends it."""
        form = dict(data or {})
        ours = self.csrf  # the cookie exists either way, so only the form's token differs
        if csrf is not None:
            form["csrf_token"] = ours if csrf == "ours" else csrf
        headers = {"HX-Request": "true"} if htmx else {}
        return self.http.post(path, data=form, headers=headers)

    def sign_in(self, email: str, password: str) -> httpx.Response:
        return self.post("/login", {"email": email, "password": password, "next": "/"})

    @property
    def session(self) -> str | None:
        return self.http.cookies.get("tandem_session")


def signed_in(url: str, email: str, password: str, language: str = "en") -> Browser:
    browser = Browser(url, language)
    answer = browser.sign_in(email, password)
    assert answer.status_code == 303, answer.text
    return browser


def in_database(backend: Backend, work: Callable[[Database], Awaitable[Any]]) -> Any:
    """Look at or change the desk's database directly, as an operator would."""

    async def main() -> Any:
        db = Database(async_database_url(backend.database_url))
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(main())
