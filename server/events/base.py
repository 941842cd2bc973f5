"""The event registry: one pydantic model per type, no unknown fields."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from server.models import NewEvent

EVENT_TYPES: dict[str, type[DeskEvent]] = {}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeskEvent(Strict):
    type: ClassVar[str]
    # Personal events reach only this user; all others reach every board.
    personal: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("type")
        if isinstance(event_type, str):
            if event_type in EVENT_TYPES:
                raise TypeError(f"event type {event_type} registered twice")
            EVENT_TYPES[event_type] = cls


def event_row(
    event: DeskEvent, *, thread_id: int | None = None, user_id: int | None = None
) -> NewEvent:
    """The row an action writes for this event (its seq comes from the database)."""
    if event.personal and user_id is None:
        raise ValueError(f"{event.type} is personal and needs a user_id")
    return NewEvent(type=event.type, payload=event.model_dump(mode="json"), thread_id=thread_id,
                    user_id=user_id)


def parse_event(event_type: str, payload: dict[str, Any]) -> DeskEvent:
    """Validate a payload against its type; raises for unknown types or fields."""
    return EVENT_TYPES[event_type].model_validate(payload)
