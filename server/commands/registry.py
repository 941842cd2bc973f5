"""The command registry: every desk command declared once, served by every transport.

A `Command` names its input model, the permission it needs, the function that runs it and
its result model. The REST translator (server/commands/rest.py), the Socket.IO translator
(realtime/commands.py), the pages, OpenAPI, AsyncAPI and the authorization matrix test all
read the same declarations, so a command costs one declaration, not a handler per transport.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ValidationError

from server.commands.inputs import CommandInput, invalid_from
from server.errors import DeskError
from server.permissions import Actor

if TYPE_CHECKING:
    from server.desk import Desk

Method = Literal["GET", "POST", "PATCH", "PUT", "DELETE"]
Transport = Literal["rest", "socket", "page"]


@dataclass(frozen=True)
class Call:
    """Who runs a command, from where: what a command's function may know of its caller."""

    desk: Desk
    actor: Actor
    language: str
    transport: Transport
    sid: str | None = None  # the Socket.IO connection, for socket commands


@dataclass(frozen=True)
class Rest:
    """Where a command answers over HTTP. Path parameters are fields of the input model;
    GET and DELETE read the others from the query string, the rest from a JSON body."""

    method: Method
    path: str
    status: int = 200


Run = Callable[[Call, Any], Awaitable[BaseModel | dict[str, Any] | None]]


@dataclass(frozen=True)
class Command:
    name: str
    input: type[CommandInput]
    run: Run
    summary: str
    # The permission(s) the caller's role must have; None: anyone signed in. Conditions on
    # the data (taking over a claim, being the reply's author) stay in the action's check tier.
    permission: str | tuple[str, ...] | None
    result: type[BaseModel] | None = None
    rest: Rest | None = None
    socket: bool = True
    # Error codes the command may answer besides invalid, unauthenticated and forbidden.
    errors: tuple[type[DeskError], ...] = ()
    # Socket commands only: Socket.IO events that carry bytes (Yjs updates) are not JSON.
    binary: bool = False
    tags: tuple[str, ...] = ()

    @property
    def permissions(self) -> tuple[str, ...]:
        if self.permission is None:
            return ()
        return (self.permission,) if isinstance(self.permission, str) else self.permission

    def parse(self, data: dict[str, Any], *, strings: bool = False) -> CommandInput:
        """The input model from a transport's data; refused with the field named."""
        try:
            if strings:
                return self.input.model_validate_strings(data)
            return self.input.model_validate(data)
        except ValidationError as error:
            raise invalid_from(error) from None

    async def serve(self, call: Call, data: dict[str, Any], *, strings: bool = False
                    ) -> dict[str, Any]:
        """What every transport does: check the permission (once, before reading the input,
        so a caller without it learns nothing from the answer), parse, run, answer with
        plain JSON values."""
        for permission in self.permissions:
            call.actor.require(permission)
        result = await self.run(call, self.parse(data, strings=strings))
        if result is None:
            return {}
        if isinstance(result, BaseModel):
            return result.model_dump(mode="json")
        return result


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=dict)

    def add(self, *commands: Command) -> None:
        for command in commands:
            if command.name in self.commands:
                raise ValueError(f"command {command.name} is declared twice")
            self.commands[command.name] = command

    def __getitem__(self, name: str) -> Command:
        return self.commands[name]

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands.values())

    async def invoke(self, call: Call, name: str, data: dict[str, Any]) -> dict[str, Any]:
        """Run a command from inside the desk (the pages' forms) with the same checks."""
        return await self.commands[name].serve(call, data)
