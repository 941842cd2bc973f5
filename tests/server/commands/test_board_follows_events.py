"""The board is a function of its events, per command (Zulip's verify_action).

For every command that changes the desk: arrange what it needs, take a snapshot of the board
(the cards query the board page reads, server/queries/cards.py), run the command, apply the
events it committed the way a board does (an event with a card replaces that card), and
compare with a fresh snapshot. The events are validated against the registry on the way.
A command the registry gains must get a scenario here, or be listed as one that changes
nothing a board shows. tests/browser/test_board_reducer.py runs the same commands once
through the board page's own reducer in Chromium.
"""

from __future__ import annotations

import pytest

from server.events import EVENT_TYPES
from tests.fakes.meta_graph import FakeMeta
from tests.fakes.x_api import FakeX
from tests.server.commands.scenarios import SCENARIOS, Fakes, run_scenario
from tests.support.inprocess import InProcessDesk

# Commands that change nothing a board shows and commit no event.
READS = {"me", "thread.list", "thread.get", "reply.get", "approvals.list", "note.list",
         "note.people", "template.list", "template.render", "crisis.get", "policy.get",
         "user.list", "after_reply.get", "customer.search", "customer.get",
         "customer.for_thread", "customer.suggestions", "attribute.list", "incident.list",
         "incident.get", "listening.rules", "listening.lane", "listening.volume", "view.list",
         "hook.list", "hook.deliveries", "customer.export", "team.list", "rule.list",
         "availability.list", "sla.list", "kpi.get", "post.calendar", "post.networks",
         "audit.list", "audit.choices",
         "report.volume", "report.response_times"}
# The live connection's own commands: presence and the draft's Yjs traffic, which travel
# between connections and into the draft row, never into the event log.
LIVE = {"resume", "view", "unview", "typing", "draft.join", "draft.update", "draft.awareness",
        "draft.leave", "draft.flush", "draft.access", "draft.writers"}


# The event types each scenario's command emitted, for the last test of the module.
SEEN: dict[str, set[str]] = {}


@pytest.fixture
def fakes(fake_meta: FakeMeta, fake_x: FakeX) -> Fakes:
    return Fakes(fake_meta, fake_x)


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_the_board_follows_the_events_of(name: str, network_desk: InProcessDesk,
                                               fakes: Fakes) -> None:
    events = await run_scenario(network_desk, fakes, name)
    SEEN[name] = {e["type"] for e in events}


def test_every_command_that_changes_the_desk_has_a_scenario() -> None:
    from server.app import create_app
    from tests.support.desk_template import settings_for

    app = create_app(settings_for("sqlite:///never-opened.db"))  # no lifespan: no connection
    registry = app.other_asgi_app.state.desk.commands
    named = {c.name for c in registry}
    covered = {key.split("/")[0] for key in SCENARIOS} - {"ingest"}
    assert named - READS - LIVE - covered == set(), "commands without a board scenario"
    assert (READS | LIVE | covered) - named == set(), "scenarios of commands that are gone"


def test_the_scenarios_exercise_every_event_type() -> None:
    missing = set(SCENARIOS) - set(SEEN)
    if missing:
        pytest.skip(f"runs after every scenario of this module; not run: {sorted(missing)}")
    seen = set().union(*SEEN.values())
    assert set(EVENT_TYPES) - seen == set(), "event types no command emitted"
