"""The templates a new desk starts with (the demo seeds them): holding statements, thanks,
"we are looking into it", each in English and German under one name.

`HOLDING` is the public holding reply that "Take it private" proposes; the desk falls back
to these words when nobody has stored a template of that name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from server.db import Database
from server.models import Template


@dataclass(frozen=True)
class Starter:
    name: str
    tags: tuple[str, ...]
    holding_statement: bool
    bodies: dict[str, str]  # language -> text


HOLDING = "private-message-sent"

STARTERS = (
    Starter(HOLDING, ("escalation",), True, {
        "en": "Thank you, {customer_name}. We have sent you a private message.",
        "de": "Danke, {customer_name}. Wir haben Ihnen eine private Nachricht geschickt.",
    }),
    Starter("looking-into-it", ("holding",), True, {
        "en": "We know about the problem and are looking into it. We will post an update "
              "here as soon as we know more.",
        "de": "Wir wissen von dem Problem und kümmern uns darum. Sobald wir mehr wissen, "
              "melden wir uns hier.",
    }),
    Starter("looking-into-it-personal", ("holding",), True, {
        "en": "Hi {customer_name}, thanks for letting us know. We are looking into it and "
              "will get back to you. {agent_name}",
        "de": "Hallo {customer_name}, danke für Ihren Hinweis. Wir sehen uns das an und "
              "melden uns bei Ihnen. {agent_name}",
    }),
    Starter("thanks", ("thanks",), False, {
        "en": "Thank you, {customer_name}! We are glad we could help. {agent_name}",
        "de": "Vielen Dank, {customer_name}! Schön, dass wir helfen konnten. {agent_name}",
    }),
    Starter("thanks-for-patience", ("thanks",), False, {
        "en": "Thank you for your patience, {customer_name}. Everything should work again; "
              "tell us if it does not.",
        "de": "Danke für Ihre Geduld, {customer_name}. Alles sollte wieder funktionieren; "
              "sagen Sie uns bitte Bescheid, falls nicht.",
    }),
)


def holding_default(language: str) -> str:
    bodies = STARTERS[0].bodies
    return bodies.get(language, bodies["en"])


async def seed_starter_templates(db: Database) -> int:
    """Store the starters on a desk without any template; returns how many it stored. A desk
    whose people made templates keeps what they made."""
    async with db.write() as tx:
        if await tx.session.scalar(select(func.count()).select_from(Template)):
            return 0
        made = [Template(name=s.name, language=language, body=body, tags=list(s.tags),
                         holding_statement=s.holding_statement)
                for s in STARTERS for language, body in s.bodies.items()]
        tx.session.add_all(made)
        tx.audit("template.seed", None, count=len(made))
    return len(made)
