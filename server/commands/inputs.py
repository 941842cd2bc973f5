"""What a command's input may be: bounded field types, and refusals that name the field.

Every input is bounded by its model: ids within the database's integer range, text within
its column's length and free of characters the databases refuse (NUL, lone surrogates).
A refusal is an `Invalid` (400) whose message names the first field that failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from server.errors import N_, Invalid

# PostgreSQL's integer; ids and counts beyond it can exist in no row.
MAX_INT = 2**31 - 1
# Event sequence numbers are 64-bit in the database, but a browser reads JSON numbers as
# doubles: beyond 2^53 they would not round-trip.
MAX_SEQ = 2**53


class CommandInput(BaseModel):
    """A command's input: strict types (no "5" for 5, no 1 for true), unknown keys ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class NoInput(CommandInput):
    """The input of a command that takes none."""


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("text_nul", "text contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("text_surrogate", "text contains a lone surrogate") from None
    return value


_FLAG_WORDS = {"": None, "any": None, "true": True, "1": True, "yes": True, "on": True,
               "false": False, "0": False, "no": False, "off": False}


def _query_flag(value: Any) -> Any:
    """A filter flag from a query string or JSON: "" or "any" means don't filter."""
    if isinstance(value, str) and value.lower() in _FLAG_WORDS:
        return _FLAG_WORDS[value.lower()]
    return value


Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Seq = Annotated[int, Field(ge=0, le=MAX_SEQ)]
AnyFlag = Annotated[bool | None, BeforeValidator(_query_flag)]


class ThreadRef(CommandInput):
    thread_id: Id


@dataclass(frozen=True)
class Chars(GroupedMetadata):
    """Bounds for text: `Annotated[str, Chars(120)]` is at most 120 characters, without NUL
    or lone surrogates (which the databases refuse)."""

    max_length: int
    min_length: int = 0

    def __iter__(self) -> Iterator[object]:
        yield StringConstraints(min_length=self.min_length, max_length=self.max_length)
        yield AfterValidator(_clean_text)


# Why a field failed, by pydantic's error type: English source strings, translated at the edge.
_MESSAGES: dict[str, str] = {
    "missing": N_("%(name)s is required."),
    "int_type": N_("%(name)s must be a number."),
    "int_parsing": N_("%(name)s must be a number."),
    "int_from_float": N_("%(name)s must be a number."),
    "string_type": N_("%(name)s must be text."),
    "bool_type": N_("%(name)s must be true or false."),
    "bool_parsing": N_("%(name)s must be true or false."),
    "greater_than_equal": N_("%(name)s must be at least %(limit)s."),
    "greater_than": N_("%(name)s must be more than %(limit)s."),
    "less_than_equal": N_("%(name)s must be at most %(limit)s."),
    "less_than": N_("%(name)s must be less than %(limit)s."),
    "string_too_long": N_("%(name)s may have at most %(limit)s characters."),
    "string_too_short": N_("%(name)s must have at least %(limit)s characters."),
    "too_long": N_("%(name)s may have at most %(limit)s entries."),
    "too_short": N_("%(name)s must have at least %(limit)s entries."),
    "literal_error": N_("%(name)s must be one of %(choices)s."),
    "enum": N_("%(name)s must be one of %(choices)s."),
    "bytes_type": N_("%(name)s must be binary data."),
    "bytes_too_long": N_("%(name)s may have at most %(limit)s bytes."),
    "list_type": N_("%(name)s must be a list."),
    "dict_type": N_("%(name)s must be an object."),
    "model_type": N_("%(name)s must be an object."),
    "model_attributes_type": N_("%(name)s must be an object."),
    "text_nul": N_("%(name)s must not contain NUL characters."),
    "text_surrogate": N_("%(name)s contains broken characters (a lone surrogate)."),
    "string_unicode": N_("%(name)s contains broken characters (a lone surrogate)."),
}
_LIMITS = ("ge", "gt", "le", "lt", "max_length", "min_length")


def invalid_from(error: ValidationError) -> Invalid:
    """The first problem of a validation error, as the desk's 400 with the field named."""
    first = error.errors(include_url=False)[0]
    name = ".".join(str(part) for part in first["loc"]) or "body"
    context = first.get("ctx") or {}
    params: dict[str, Any] = {"name": name}
    limit = next((context[k] for k in _LIMITS if k in context), None)
    if limit is not None:
        params["limit"] = limit
    if "expected" in context:
        params["choices"] = context["expected"]
    if first["type"] == "string_too_short" and params.get("limit") == 1:
        message = N_("%(name)s must not be empty.")
    else:
        message = _MESSAGES.get(first["type"], N_("%(name)s is not valid."))
    # Only the placeholders this message names: a translation may not use the others.
    used = {k: v for k, v in params.items() if f"%({k})" in message}
    return Invalid(message, **used)
