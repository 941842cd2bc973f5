"""Jinja2 with gettext: every page speaks the caller's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from server.i18n import translations
from web.assets import vendor_url

TEMPLATES = Path(__file__).resolve().parent / "templates"


@pass_context
def _gettext(context: Context, message: str) -> str:
    return translations(context.get("lang", "en")).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(context.get("lang", "en")).ngettext(singular, plural, n)


def make_templates(assets: str) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, extensions=["jinja2.ext.i18n"]
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["vendor"] = lambda name: vendor_url(name, assets)
    return Jinja2Templates(env=env)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    state = request.state
    base = {
        "lang": getattr(state, "language", "en"),
        "actor": getattr(state, "actor", None),
        "csrf_token": getattr(state, "csrf_token", ""),
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
