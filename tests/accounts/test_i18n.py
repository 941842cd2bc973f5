"""Two languages: the user's setting, else the browser; complete German catalog; no raw text."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po

from tests.accounts.browser import Browser, signed_in
from tests.support.desk_api import DeskApi
from tests.support.servers import ROOT, DeskServer

TEMPLATES = ROOT / "web" / "templates"
GERMAN = ROOT / "web" / "locale" / "de" / "LC_MESSAGES" / "messages.po"
ERROR_CLASSES = {"DeskError", "Invalid", "NotFound", "Conflict", "Throttled", "Unauthenticated",
                 "N_"}
# Words that are the same in every language: the brand.
UNTRANSLATED_WORDS = {"Tandem"}


def german_catalog() -> dict[str, str]:
    with GERMAN.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle, locale="de") if m.id}


@pytest.mark.parametrize(("accept", "heading", "lang"), [
    ("de-DE,de;q=0.9,en;q=0.5", "Bei Tandem anmelden", "de"),
    ("de", "Bei Tandem anmelden", "de"),
    ("en-GB,en;q=0.8", "Sign in to Tandem", "en"),
    ("fr-FR,fr;q=0.9", "Sign in to Tandem", "en"),  # neither: the desk's default
    ("fr;q=0.9,de;q=0.4", "Bei Tandem anmelden", "de"),
])
def test_the_login_page_speaks_the_browsers_language(
    server: DeskServer, accept: str, heading: str, lang: str
) -> None:
    page = httpx.get(server.url + "/login", headers={"Accept-Language": accept})

    assert page.status_code == 200
    assert heading in page.text
    assert f'<html lang="{lang}">' in page.text


def test_a_users_own_language_beats_the_browser(server: DeskServer, api: DeskApi) -> None:
    agent = api.person()
    with signed_in(server.url, agent.email, agent.password, language="de") as browser:
        assert "Meine Einstellungen" in browser.get("/profile").text

        saved = browser.post("/profile/language", {"language": "en"})

        assert saved.status_code == 303
        page = browser.get(saved.headers["location"])
        assert "My settings" in page.text and "Language saved." in page.text
        assert '<html lang="en">' in browser.get("/").text
        assert browser.get("/api/me").json()["language"] == "en"

        assert browser.post("/profile/language", {"language": ""}).status_code == 303
        assert "Meine Einstellungen" in browser.get("/profile").text
        assert browser.get("/api/me").json()["language"] is None

        refused = browser.post("/profile/language", {"language": "xx"})
        assert refused.status_code == 400
        assert "Unbekannte Sprache xx." in refused.text


def test_errors_are_translated_where_they_leave_the_desk(server: DeskServer, api: DeskApi) -> None:
    agent = api.person()
    with Browser(server.url, language="de") as browser:
        wrong = browser.sign_in(agent.email, "nicht das Passwort")
        assert wrong.status_code == 401
        assert "E-Mail-Adresse oder Passwort ist falsch." in wrong.text
        me = browser.get("/api/me")
        assert me.json()["error"]["message"] == "Bitte melden Sie sich zuerst an."
        forged = browser.post("/login", {"email": agent.email, "password": "x"}, csrf="forged")
        assert forged.status_code == 403
        assert "Das Formular ist abgelaufen." in forged.text
    with signed_in(server.url, agent.email, agent.password, language="de") as browser:
        refused = browser.get("/admin/users")
        assert refused.status_code == 403
        assert "Ihnen fehlt die Berechtigung admin.users." in refused.text
        assert '<html lang="de">' in refused.text


def test_changing_the_own_password_needs_the_current_one(server: DeskServer, api: DeskApi) -> None:
    agent = api.person()
    with signed_in(server.url, agent.email, agent.password) as browser, \
            signed_in(server.url, agent.email, agent.password) as elsewhere:
        wrong = browser.post("/profile/password", {
            "current_password": "not it at all", "new_password": "brand new password",
            "new_password_again": "brand new password"})
        assert wrong.status_code == 400
        assert "Your current password is not correct." in wrong.text
        differ = browser.post("/profile/password", {
            "current_password": agent.password, "new_password": "brand new password",
            "new_password_again": "brand new passw0rd"})
        assert differ.status_code == 400

        changed = browser.post("/profile/password", {
            "current_password": agent.password, "new_password": "brand new password",
            "new_password_again": "brand new password"})

        assert changed.status_code == 303
        assert browser.get("/profile").status_code == 200  # this browser stays signed in
        assert elsewhere.get("/").status_code == 303  # the other one is signed out
    with Browser(server.url) as fresh:
        assert fresh.sign_in(agent.email, agent.password).status_code == 401
        assert fresh.sign_in(agent.email, "brand new password").status_code == 303


def test_the_german_catalog_translates_every_message() -> None:
    with GERMAN.open("rb") as handle:
        catalog = read_po(handle, locale="de")
    messages = [m for m in catalog if m.id]

    assert len(messages) > 100
    empty = [m.id for m in messages if not m.string or m.fuzzy]
    assert empty == []
    problems = [(m.id, errors) for m, errors in catalog.check()]
    assert problems == []


def test_the_catalogs_are_in_step_with_the_code() -> None:
    done = subprocess.run([str(ROOT / "scripts" / "i18n"), "check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def _error_calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in ERROR_CLASSES]


def test_every_error_message_in_the_code_has_a_german_translation() -> None:
    german = german_catalog()
    untranslated, formatted = [], []
    for folder in ("server", "realtime", "channels", "web"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for call in _error_calls(ast.parse(path.read_text(encoding="utf-8"))):
                where = f"{path.relative_to(ROOT)}:{call.lineno}"
                first = call.args[0] if call.args else None
                if isinstance(first, ast.JoinedStr):
                    formatted.append(where)  # an f-string cannot be looked up in a catalog
                elif (isinstance(first, ast.Constant) and isinstance(first.value, str)
                      and not german.get(first.value)):
                    untranslated.append(f"{where}: {first.value}")
    assert formatted == []
    assert untranslated == []


EXPRESSIONS = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.S)
SCRIPTS = re.compile(r"<(script|style)\b[^>]*>.*?</\1>", re.S | re.I)
TEXT = re.compile(r">([^<>]+)<")
SHOWN_ATTRIBUTES = re.compile(
    r"\b(placeholder|title|aria-label|alt|hx-confirm|value)\s*=\s*(\"[^\"]*\"|'[^']*')", re.I)
ENTITY = re.compile(r"&#?\w+;")
LETTER = re.compile(r"[^\W\d_]")


def _raw_text(source: str) -> list[str]:
    """Text a person would read that does not go through gettext."""
    without = SCRIPTS.sub("", EXPRESSIONS.sub(" ", source))
    found = []
    for text in TEXT.findall(without):
        words = ENTITY.sub("", text).split()
        if any(LETTER.search(w) and w not in UNTRANSLATED_WORDS for w in words):
            found.append(text.strip())
    for name, value in SHOWN_ATTRIBUTES.findall(EXPRESSIONS.sub("", source)):
        # An input's value is data (or a template variable) unless it is a button label.
        if name.lower() == "value":
            continue
        if LETTER.search(ENTITY.sub("", value)):
            found.append(f"{name}={value}")
    return found


def test_templates_have_no_text_outside_gettext() -> None:
    found = {
        str(path.relative_to(TEMPLATES)): raw
        for path in sorted(TEMPLATES.rglob("*.html"))
        if (raw := _raw_text(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_template_scan_finds_raw_text() -> None:
    assert _raw_text("<p>Hello</p>") == ["Hello"]
    assert _raw_text('<input placeholder="Search">') == ['placeholder="Search"']
    assert _raw_text("<p>{{ _('Hello') }} · Tandem &nbsp;</p>") == []
    assert _raw_text("<title>{% block title %}Tandem{% endblock %} · Tandem</title>") == []
    assert _raw_text("<p>{{ _('Hi %(name)s', name=user.name) }} 3 ✓</p>") == []


def test_the_template_scan_covers_every_template() -> None:
    names = {p.name for p in TEMPLATES.rglob("*.html")}
    assert {"login.html", "invite.html", "profile.html", "users.html", "roles.html"} <= names
    assert Path(GERMAN).exists()
