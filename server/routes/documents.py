"""The API's machine-readable documents and the reference page that renders them."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.commands.asyncapi import asyncapi_document
from server.commands.openapi import openapi_document
from server.commands.registry import Registry
from server.routes.common import desk_of
from web.templating import render


@cache
def _version() -> str:
    try:
        return version("tandem-desk")
    except PackageNotFoundError:
        return "0"


def routes(registry: Registry) -> list[Route]:
    made: dict[str, dict[str, Any]] = {}

    def document(name: str, request: Request) -> dict[str, Any]:
        # Built once per process: the registry does not change while the desk runs.
        if name not in made:
            build = openapi_document if name == "openapi" else asyncapi_document
            made[name] = build(registry, desk_of(request).settings.base_url, _version())
        return made[name]

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(document("openapi", request))

    async def asyncapi(request: Request) -> JSONResponse:
        return JSONResponse(document("asyncapi", request))

    async def reference(request: Request) -> Response:
        return render(request, "api_docs.html")

    return [Route("/openapi.json", openapi), Route("/asyncapi.json", asyncapi),
            Route("/api/docs", reference)]
