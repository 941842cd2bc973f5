"""Every desk command, declared once (see registry.py); realtime/ adds its live ones."""

from __future__ import annotations

from server.commands import (
    admin,
    audit,
    board,
    bulk,
    customers,
    escalation,
    hooks,
    incidents,
    kpis,
    listening,
    notes,
    privacy,
    publishing,
    replies,
    reports,
    routing,
    switches,
    templates,
    threads,
)
from server.commands.registry import Call, Command, Registry, Rest

__all__ = ["Call", "Command", "Registry", "Rest", "desk_commands"]


def desk_commands() -> list[Command]:
    """The commands of server/, in the order the API documents list them."""
    return [*threads.COMMANDS, *replies.COMMANDS, *notes.COMMANDS, *templates.COMMANDS,
            *switches.COMMANDS, *escalation.COMMANDS, *customers.COMMANDS, *admin.COMMANDS,
            *incidents.COMMANDS, *listening.COMMANDS, *board.COMMANDS, *bulk.COMMANDS,
            *hooks.COMMANDS, *privacy.COMMANDS, *routing.COMMANDS, *kpis.COMMANDS,
            *publishing.COMMANDS, *audit.COMMANDS, *reports.COMMANDS]
