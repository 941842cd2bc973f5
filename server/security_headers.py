"""Security headers on every response: a Content-Security-Policy without inline scripts,
no framing, no MIME sniffing, no referrer to other sites, and HSTS behind https."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.settings import Settings, origin_of

# The API reference page: Redoc styles itself inline and searches in a blob: worker.
API_DOCS = "/api/docs"


def content_security_policy(settings: Settings, *, api_docs: bool = False) -> str:
    # Scripts only from the desk (and the asset CDN, if one is set): no inline scripts, no
    # eval. The pages' data travels in <script type="application/json">, which never runs.
    scripts = "'self'" if settings.assets == "local" else f"'self' {origin_of(settings.assets)}"
    directives = {
        "default-src": "'self'",
        "script-src": scripts,
        "style-src": "'self' 'unsafe-inline'" if api_docs else "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        # 'self' covers the same origin's websocket (Socket.IO) too.
        "connect-src": "'self'",
        "worker-src": "'self' blob:" if api_docs else "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        common = {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            # Links in posts lead to other sites: they learn nothing of the desk's URLs.
            "Referrer-Policy": "same-origin",
        }
        if settings.base_url.startswith("https://"):
            common["Strict-Transport-Security"] = "max-age=31536000"
        self.pages = _raw({**common, "Content-Security-Policy": content_security_policy(settings)})
        self.api_docs = _raw({**common, "Content-Security-Policy":
                              content_security_policy(settings, api_docs=True)})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.api_docs if scope["path"] == API_DOCS else self.pages

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                # A response's own header of the same name wins (the API docs page's CSP). A
                # new list: the response object may be sent again.
                present = {name.lower() for name, _ in headers}
                message["headers"] = [*headers, *(p for p in extra if p[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    """ASGI's form of the headers, encoded once rather than on every response."""
    return [(name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in headers.items()]
