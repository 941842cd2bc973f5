"""Socket.IO over the command registry: each command answers the event of its name.

A client emits `name` with an object and an acknowledgement callback; the ack is
`{"ok": true, ...result}` or `{"ok": false, "error": {code, message, ...}}`, the same codes
and messages as the REST API, in the connection's language.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from server.commands.registry import Call, Command
from server.errors import DeskError, Invalid, Unauthenticated
from server.i18n import gettext
from server.request_ids import accepted, request_id

if TYPE_CHECKING:
    from realtime.server import Realtime

log = logging.getLogger("tandem.realtime")

SocketHandler = Callable[..., Awaitable[dict[str, Any]]]


def socket_handler(realtime: Realtime, command: Command) -> SocketHandler:
    async def run(sid: str, data: Any = None) -> dict[str, Any]:
        actor = realtime.actors.get(sid)
        language = realtime.languages.get(sid, realtime.desk.settings.default_language)
        try:
            if actor is None:
                raise Unauthenticated()
            if data is None:
                data = {}
            if not isinstance(data, dict):
                raise Invalid("%(name)s expects an object.", name=command.name)
            # Each handler runs as a task of its own: the id is this command's alone.
            request_id.set(accepted(data.get("request_id")))
            call = Call(desk=realtime.desk, actor=actor, language=language,
                        transport="socket", sid=sid)
            return {"ok": True, **await command.serve(call, data)}
        except DeskError as error:
            return {"ok": False, "error": error.payload(lambda m: gettext(language, m))}
        except Exception:
            log.exception("socket command %s failed", command.name)
            return {"ok": False, "error": {"code": "internal", "message": "Internal error."}}

    return run
