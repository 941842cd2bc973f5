"""Browser libraries, installed from the npm registry into node_modules (never committed)."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"

# The file a page asks for, and where npm put it.
VENDOR: dict[str, str] = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "socket.io.min.js": "socket.io-client/dist/socket.io.min.js",
    "redoc.standalone.js": "redoc/bundles/redoc.standalone.js",
    "chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
}
CDN: dict[str, str] = {
    "htmx.min.js": "htmx.org@2/dist/htmx.min.js",
    "socket.io.min.js": "socket.io-client@4/dist/socket.io.min.js",
    "redoc.standalone.js": "redoc@2/bundles/redoc.standalone.js",
    "chart.umd.min.js": "chart.js@4/dist/chart.umd.min.js",
}


def vendor_url(name: str, assets: str) -> str:
    if assets == "local":
        return f"/static/vendor/{name}"
    return assets.rstrip("/") + "/" + CDN[name]


async def vendor_file(request: Request) -> FileResponse:
    name = request.path_params["name"]
    if name not in VENDOR:
        raise HTTPException(404)
    path = NODE_MODULES / VENDOR[name]
    if not path.exists():
        raise HTTPException(404, f"{name} is missing: run 'npm ci' in {ROOT}")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


routes = [Route("/static/vendor/{name}", vendor_file)]
