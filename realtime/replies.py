"""Socket commands for answering: submit and approval, retries, notes, templates, crisis.

Each command parses its object, calls one action and answers {ok: true, ...}; errors come
back as {ok: false, error: {code, message, ...}} like every other command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from realtime.commands import number
from realtime.drafts import DraftEditing
from server.actions.notes import do_add_note, mentionable, thread_notes
from server.actions.outbox import do_retry_send
from server.actions.replies import do_approve, do_reject, do_submit, do_withdraw
from server.actions.reply_policy import do_set_crisis, do_set_policy, read_crisis, read_policy
from server.actions.reply_views import approvals_queue, thread_reply
from server.actions.templates import (
    do_create_template,
    do_delete_template,
    do_update_template,
    render_template,
    search_templates,
)
from server.desk import Desk
from server.errors import Invalid
from server.permissions import Actor

if TYPE_CHECKING:
    from realtime.server import Realtime


def text(data: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise Invalid("%(name)s must be text.", name=name)
    return value


def flag(data: dict[str, Any], name: str) -> bool | None:
    value = data.get(name)
    if value is not None and not isinstance(value, bool):
        raise Invalid("%(name)s must be true or false.", name=name)
    return value


async def flush_draft(desk: Desk, thread_id: int) -> None:
    """Store this process's unsaved keystrokes of a draft before its text is sent."""
    services = desk.realtime.services if desk.realtime else []
    editing = next((s for s in services if isinstance(s, DraftEditing)), None)
    live = editing.docs.live.get(thread_id) if editing else None
    if editing is not None and live is not None:
        await editing.docs.save(live)


class ReplyCommands:
    def __init__(self, realtime: Realtime) -> None:
        self.desk = realtime.desk
        commands = {
            "reply.get": self.get,
            "reply.submit": self.submit,
            "reply.approve": self.approve,
            "reply.reject": self.reject,
            "reply.withdraw": self.withdraw,
            "reply.retry": self.retry,
            "approvals.list": self.approvals,
            "note.add": self.add_note,
            "note.list": self.notes,
            "note.people": self.people,
            "template.list": self.templates,
            "template.create": self.create_template,
            "template.update": self.update_template,
            "template.delete": self.delete_template,
            "template.render": self.render,
            "crisis.get": self.crisis,
            "crisis.set": self.set_crisis,
            "policy.get": self.policy,
            "policy.set": self.set_policy,
        }
        for name, handler in commands.items():
            realtime.add_command(name, handler)

    # -- replies ----------------------------------------------------------------------

    async def get(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        return {"reply": await thread_reply(self.desk.db, actor, number(data, "thread_id"))}  # type: ignore[arg-type]

    async def submit(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        thread_id: int = number(data, "thread_id")  # type: ignore[assignment]
        await flush_draft(self.desk, thread_id)
        outcome = await do_submit(
            self.desk.db, actor, thread_id,
            seen_upto=number(data, "seen_upto", required=False),
            confirm_seen_upto=number(data, "confirm_seen_upto", required=False),
        )
        return outcome.as_json()

    async def approve(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        outcome = await do_approve(self.desk.db, actor, number(data, "approval_id"),  # type: ignore[arg-type]
                                   text(data, "text", required=False))
        return outcome.as_json()

    async def reject(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        outcome = await do_reject(self.desk.db, actor, number(data, "approval_id"),  # type: ignore[arg-type]
                                  text(data, "comment", required=False) or "")
        return outcome.as_json()

    async def withdraw(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        outcome = await do_withdraw(self.desk.db, actor, number(data, "approval_id"))  # type: ignore[arg-type]
        return outcome.as_json()

    async def retry(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        message_id: int = number(data, "message_id")  # type: ignore[assignment]
        await do_retry_send(self.desk.db, actor, message_id)
        return {"message_id": message_id, "status": "queued"}

    async def approvals(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        views = await approvals_queue(
            self.desk.db, actor, text(data, "status", required=False) or "open",
            number(data, "thread_id", required=False),
        )
        return {"approvals": [v.model_dump(mode="json") for v in views]}

    # -- notes ------------------------------------------------------------------------

    async def add_note(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        note = await do_add_note(self.desk.db, actor, number(data, "thread_id"),  # type: ignore[arg-type]
                                 text(data, "text") or "")
        return {"note": note.model_dump(mode="json")}

    async def notes(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        notes = await thread_notes(self.desk.db, actor, number(data, "thread_id"))  # type: ignore[arg-type]
        return {"notes": [n.model_dump(mode="json") for n in notes]}

    async def people(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        return {"people": await mentionable(self.desk.db, actor)}

    # -- templates --------------------------------------------------------------------

    async def templates(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        found = await search_templates(
            self.desk.db, actor, q=text(data, "q", required=False),
            language=text(data, "language", required=False), holding=flag(data, "holding"),
        )
        return {"templates": found}

    async def create_template(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        fields = {k: v for k, v in data.items() if k != "_sid"}
        return {"template": await do_create_template(self.desk.db, actor, fields)}

    async def update_template(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        fields = {k: v for k, v in data.items() if k not in ("_sid", "template_id")}
        return {"template": await do_update_template(
            self.desk.db, actor, number(data, "template_id"), fields)}  # type: ignore[arg-type]

    async def delete_template(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        template_id: int = number(data, "template_id")  # type: ignore[assignment]
        await do_delete_template(self.desk.db, actor, template_id)
        return {"deleted": template_id}

    async def render(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        return await render_template(
            self.desk.db, self.desk.settings, actor, number(data, "template_id"),  # type: ignore[arg-type]
            number(data, "thread_id", required=False), text(data, "language", required=False),
        )

    # -- desk switches ----------------------------------------------------------------

    async def crisis(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        return {"crisis": (await read_crisis(self.desk.db, actor)).as_json()}

    async def set_crisis(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        on = flag(data, "on")
        if on is None:
            raise Invalid("on must be true or false.")
        state = await do_set_crisis(self.desk.db, actor, on, text(data, "message", required=False)
                                    or "")
        return {"crisis": state.as_json()}

    async def policy(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        return {"policy": await read_policy(self.desk.db, actor)}

    async def set_policy(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        return {"policy": await do_set_policy(self.desk.db, actor, data.get("policy"))}


def install_replies(realtime: Realtime) -> ReplyCommands:
    return ReplyCommands(realtime)
