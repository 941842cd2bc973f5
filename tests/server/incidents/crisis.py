"""The simulator's crisis, fed to a desk, and how well its incidents caught the wave."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from channels.simulator import Simulator

SEED = 7
CRISIS = "crisis-double-debit"
START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def crisis_items(count: int, *, rate: float = 5.0, crisis: str = CRISIS,
                 scenario: str = "crisis") -> list[tuple[dict, bool]]:
    """Generic-webhook items of a fixed-seed simulator run, each with whether it is part of
    the crisis wave; `rate` posts per simulated second."""
    moment = {"at": START}
    simulator = Simulator(scenario, seed=SEED, crisis=crisis,  # type: ignore[arg-type]
                          run="crisis", clock=lambda: moment["at"])
    made = []
    for n in range(count):
        moment["at"] = START + timedelta(seconds=n / rate)
        simulated = simulator.next()
        item = simulated.item
        thread = item.thread_key or (item.external_id if item.visibility == "public" else None)
        payload = {
            "id": item.external_id, "text": item.text, "visibility": item.visibility,
            "author": {"id": item.author_id, "name": item.author_name},
            "created_at": item.created_at.isoformat() if item.created_at else None,
            **({"thread": f"{simulated.network}-{thread}"} if thread else {}),
        }
        made.append((payload, item.raw["simulator"]["family"] == "crisis"))
    return made


@dataclass(frozen=True)
class Caught:
    wave: int  # posts of the crisis
    unrelated: int  # posts of everything else
    grouped: int  # wave posts in the largest incident
    pulled_in: int  # unrelated posts in the largest incident
    incident_id: int

    @property
    def recall(self) -> float:
        return self.grouped / self.wave

    @property
    def precision(self) -> float:
        return self.grouped / (self.grouped + self.pulled_in)

    @property
    def pulled_in_share(self) -> float:
        return self.pulled_in / self.unrelated

    def line(self) -> str:
        return (f"crisis wave {self.wave} posts: {self.recall:.1%} grouped into incident "
                f"{self.incident_id} (recall), precision {self.precision:.1%}, "
                f"{self.pulled_in} of {self.unrelated} unrelated posts pulled in "
                f"({self.pulled_in_share:.1%})")


def caught(in_wave: dict[str, bool], incident_of: dict[str, int]) -> Caught:
    """`in_wave`: external id -> crisis or not; `incident_of`: external id -> incident."""
    largest = Counter(incident_of.values()).most_common(1)[0][0]
    members = {key for key, incident in incident_of.items() if incident == largest}
    wave = sum(in_wave.values())
    grouped = sum(1 for key in members if in_wave[key])
    return Caught(wave=wave, unrelated=len(in_wave) - wave, grouped=grouped,
                  pulled_in=len(members) - grouped, incident_id=largest)
