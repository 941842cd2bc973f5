"""The simulated networks behind `tandem demo`: a stream of normalized inbound items.

Four look-alike accounts of an invented brand receive public comments (new ones, and
replies that keep threads growing) and private messages (customers who keep writing),
mostly in German, some in English. Given a seed the stream is fully deterministic. Nothing
here touches the database: server/services/simulation.py hands every item to the same
ingest a real network's webhook goes through.
"""

from __future__ import annotations

import random
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from channels.base import InboundItem, Visibility
from channels.simulator_texts import (
    BRAND,
    CAMPAIGN_TOPICS,
    CITIES,
    CRISIS_TOPICS,
    DM_GREETING,
    EMOJI,
    FIRST_NAMES_DE,
    FIRST_NAMES_EN,
    GENERIC_CHIME_IN,
    LAST_NAMES_DE,
    LAST_NAMES_EN,
    MONTHS,
    NORMAL_TOPICS,
    PRIVATE_FOLLOW_UP,
    STREETS,
    WEEKDAYS,
    Language,
    Lines,
    Mood,
    Topic,
)

Scenario = Literal["normal", "crisis", "campaign"]
SCENARIOS: tuple[Scenario, ...] = ("normal", "crisis", "campaign")
ADAPTER = "simulator"


@dataclass(frozen=True)
class Account:
    """One look-alike brand account: becomes one channel of the desk."""

    network: str
    name: str
    handle: str


ACCOUNTS = (
    Account("facebook", f"{BRAND} Energie", "hafenlicht.energie"),
    Account("instagram", f"{BRAND} Energie", "hafenlicht"),
    Account("x", f"{BRAND} Hilfe", "HafenlichtHilfe"),
    Account("youtube", f"{BRAND} TV", "HafenlichtTV"),
)
NETWORKS = tuple(account.network for account in ACCOUNTS)
NETWORK_WEIGHTS = (0.35, 0.25, 0.25, 0.15)
DM_NETWORKS = frozenset({"facebook", "instagram", "x"})  # YouTube has no private messages

POOL_SIZE = 400
REGULARS = 30  # the people who come back again and again in normal times
ENGLISH_SHARE = 0.2
REPLY_SHARE = 0.3  # of all items: a reply in an open public thread
PRIVATE_SHARE = 0.22  # of all items on networks with private messages
OPEN_THREADS = 25
MAX_REPLIES = 8
MAX_MESSAGES = 6
CRISIS_START, CRISIS_PEAK, CRISIS_RAMP = 0.35, 0.9, 300  # share of the crisis topic over items
CAMPAIGN_SHARE = 0.75
_NORMAL = {"billing": 3, "outage": 2, "technician": 1.5, "praise": 1.5, "app": 1.5,
           "hotline": 1.5, "meter": 1.2, "move": 1.2, "tariff": 1, "cancel": 1, "fibre-when": 1}
_CAMPAIGN = {"campaign-price": 3, "campaign-conditions": 3, "campaign-availability": 3,
             "campaign-signup": 2, "campaign-excited": 1.5}
NORMAL_WEIGHTS = [_NORMAL[topic.key] for topic in NORMAL_TOPICS]
CAMPAIGN_WEIGHTS = [_CAMPAIGN[topic.key] for topic in CAMPAIGN_TOPICS]
THANKS = re.compile(r"\b(danke|thanks|great|super)\b", re.IGNORECASE)
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclass(frozen=True)
class Person:
    slug: str
    name: str
    handle: str
    language: Language
    casual: bool  # types in lower case
    emoji: float  # how likely a message ends in an emoji
    typos: float  # how likely a message has a typo


@dataclass
class _Thread:
    key: str
    last_id: str
    topic: Topic
    author: Person
    replies: int = 0


@dataclass
class _Conversation:
    person: Person
    topic: Topic
    messages: int = 1


@dataclass(frozen=True)
class SimulatedItem:
    network: str
    item: InboundItem


def make_people(rng: random.Random, size: int = POOL_SIZE) -> list[Person]:
    people: list[Person] = []
    slugs: set[str] = set()
    while len(people) < size:
        english = rng.random() < ENGLISH_SHARE
        first = rng.choice(FIRST_NAMES_EN if english else FIRST_NAMES_DE)
        last = rng.choice(LAST_NAMES_EN if english else LAST_NAMES_DE)
        slug = f"{first}-{last}".lower().translate(UMLAUTS)
        if slug in slugs:
            continue
        slugs.add(slug)
        f, la = first.lower().translate(UMLAUTS), last.lower().translate(UMLAUTS)
        handle = rng.choice((
            f"{f}{la}", f"{f}.{la}", f"{f}_{la[0]}{rng.randint(70, 99)}", f"{la}{f[0]}",
            f"{f}{rng.randint(1, 999)}", f"{f}_{la}",
        ))
        people.append(Person(
            slug=slug, name=f"{first} {last}", handle=handle, language="en" if english else "de",
            casual=rng.random() < 0.25, emoji=rng.choice((0.05, 0.2, 0.5)),
            typos=rng.choice((0.02, 0.08, 0.2)),
        ))
    return people


class Simulator:
    """An endless, seedable iterator of `SimulatedItem`s for one scenario."""

    def __init__(
        self, scenario: Scenario = "normal", *, seed: int | None = None, run: str | None = None,
        clock: Callable[[], datetime] | None = None, crisis: str | None = None,
    ) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; use one of {', '.join(SCENARIOS)}")
        self.scenario = scenario
        self.rng = random.Random(seed)
        # External ids start with the run, so a restarted demo never repeats an old id.
        self.run = run or f"{self.rng.getrandbits(32):08x}"
        self.clock = clock or (lambda: datetime.now(UTC))
        self.people = make_people(self.rng)
        by_key = {topic.key: topic for topic in CRISIS_TOPICS}
        self.crisis = by_key[crisis] if crisis else self.rng.choice(CRISIS_TOPICS)
        self.region = self.rng.choice(CITIES)  # where this run's crisis hits
        self.month = self.rng.randrange(12)
        self.count = 0
        self.threads = {network: deque[_Thread](maxlen=OPEN_THREADS) for network in NETWORKS}
        self.conversations = {network: deque[_Conversation](maxlen=OPEN_THREADS)
                              for network in NETWORKS}

    def __iter__(self) -> Iterator[SimulatedItem]:
        return self

    def __next__(self) -> SimulatedItem:
        return self.next()

    def next(self) -> SimulatedItem:
        self.count += 1
        network = self.rng.choices(NETWORKS, NETWORK_WEIGHTS)[0]
        roll = self.rng.random()
        if self.threads[network] and roll < REPLY_SHARE:
            return self._reply(network)
        if network in DM_NETWORKS and roll < REPLY_SHARE + PRIVATE_SHARE:
            return self._private(network)
        return self._comment(network)

    def crisis_share(self) -> float:
        """The crisis topic's share of new items: a wave that builds up, then stays high."""
        rise = (CRISIS_PEAK - CRISIS_START) * self.count / CRISIS_RAMP
        return min(CRISIS_PEAK, CRISIS_START + rise)

    # What happens next

    def _comment(self, network: str) -> SimulatedItem:
        topic = self._topic()
        person = self._author(topic)
        text = self._say(person, topic.mood, topic.opener)
        if network == "x":
            text = f"@{ACCOUNTS[NETWORKS.index('x')].handle} {text}"
        made = self._item(network, person, text, "public", topic, "comment")
        self.threads[network].append(_Thread(made.item.external_id, made.item.external_id, topic,
                                              person))
        return made

    def _reply(self, network: str) -> SimulatedItem:
        threads = self.threads[network]
        # Recent threads get most of the replies, as on a real page.
        thread = threads[len(threads) - 1 - min(int(self.rng.expovariate(0.25)), len(threads) - 1)]
        person, said = thread.author, thread.topic.follow_up
        if self.rng.random() < 0.5:
            other = self._author(thread.topic)
            if other != thread.author:
                person, said = other, thread.topic.chime_in or GENERIC_CHIME_IN
        text = self._say(person, thread.topic.mood, said)
        made = self._item(network, person, text, "public", thread.topic, "reply",
                          thread_key=thread.key, reply_to=thread.last_id)
        thread.last_id = made.item.external_id
        thread.replies += 1
        if thread.replies >= MAX_REPLIES:
            threads.remove(thread)
        return made

    def _private(self, network: str) -> SimulatedItem:
        conversations = self.conversations[network]
        if conversations and self.rng.random() < 0.5:
            talk = self.rng.choice(conversations)
            talk.messages += 1
            if talk.messages >= MAX_MESSAGES:
                conversations.remove(talk)
            said = talk.topic.follow_up if self.rng.random() < 0.5 else PRIVATE_FOLLOW_UP
            text = self._say(talk.person, talk.topic.mood, said)
            return self._item(network, talk.person, text, "private", talk.topic, "message")
        topic = self._topic()
        person = self._author(topic)
        text = self._say(person, topic.mood, topic.opener)
        if not person.casual and self.rng.random() < 0.5:
            text = self.fill(self.rng.choice(DM_GREETING[person.language]), person.language) + text
        conversations.append(_Conversation(person, topic))
        return self._item(network, person, text, "private", topic, "message")

    def _topic(self) -> Topic:
        if self.scenario == "crisis" and self.rng.random() < self.crisis_share():
            return self.crisis
        if self.scenario == "campaign" and self.rng.random() < CAMPAIGN_SHARE:
            return self.rng.choices(CAMPAIGN_TOPICS, CAMPAIGN_WEIGHTS)[0]
        return self.rng.choices(NORMAL_TOPICS, NORMAL_WEIGHTS)[0]

    def _author(self, topic: Topic) -> Person:
        # A crisis or a campaign brings out many people; normal days bring the regulars back.
        if topic.family == "service" and self.rng.random() < 0.45:
            return self.people[self.rng.randrange(REGULARS)]
        return self.rng.choice(self.people)

    # How it is said

    def _say(self, person: Person, mood: Mood, said: Lines) -> str:
        template = self.rng.choice(said.get(person.language) or said["de"])
        if THANKS.search(template):
            mood = "happy"  # even in a crisis, nobody shouts a thank-you
        elif mood == "angry" and (said is PRIVATE_FOLLOW_UP or said is GENERIC_CHIME_IN):
            mood = "upset"
        return self._voice(person, mood, self.fill(template, person.language))

    def fill(self, template: str, language: Language) -> str:
        rng = self.rng
        euros, cents = rng.randint(45, 190), rng.choice((0, 0, 50, 90))
        german = language == "de"
        return template.format(
            brand=BRAND, city=rng.choice(CITIES), street=rng.choice(STREETS),
            amount=f"{euros},{cents:02d} €" if german else f"€{euros}.{cents:02d}",
            month=MONTHS[language][self.month], days=rng.randint(2, 14), hours=rng.randint(2, 9),
            minutes=rng.choice((25, 35, 40, 45, 55, 70, 90)), number=rng.randint(1000000, 9999999),
            price="29,99 €" if german else "€29.99", bonus="100 €" if german else "€100",
            speed="500 Mbit/s", region=self.region, weekday=rng.choice(WEEKDAYS[language]),
        )

    def _voice(self, person: Person, mood: Mood, text: str) -> str:
        rng = self.rng
        shouting = False
        if mood == "angry":
            heat = 0.1 + (0.2 * self.crisis_share() if self.scenario == "crisis" else 0.0)
            if rng.random() < heat:
                text, shouting = text.upper(), True
            elif rng.random() < 0.35:
                ending = ("??", "?!", "???") if text.endswith("?") else ("!!", "!!!", "!!1")
                text = text.rstrip(".!?") + rng.choice(ending)
        if person.casual and not shouting and rng.random() < 0.7:
            text = text.lower()
        if rng.random() < person.typos:
            text = typo(rng, text)
        if rng.random() < person.emoji:
            text += " " + rng.choice(EMOJI[mood]) * rng.choice((1, 1, 1, 2, 3))
        return text

    def _item(
        self, network: str, person: Person, text: str, visibility: Visibility, topic: Topic,
        kind: str, *, thread_key: str | None = None, reply_to: str | None = None,
    ) -> SimulatedItem:
        item = InboundItem(
            external_id=f"sim-{self.run}-{self.count}",
            author_id=f"sim-{network}-{person.slug}",
            author_name=person.name,
            author_handle=None if network == "facebook" else person.handle,
            text=text,
            visibility=visibility,
            thread_key=thread_key,
            created_at=self.clock(),
            reply_to=reply_to,
            raw={"simulator": {
                "scenario": self.scenario, "topic": topic.key, "family": topic.family,
                "kind": kind, "language": person.language,
            }},
        )
        return SimulatedItem(network, item)


def typo(rng: random.Random, text: str) -> str:
    """One slip of the finger in one longer word: swapped, dropped or doubled letters."""
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    at = rng.randrange(1, len(word) - 2)
    slip = rng.randrange(3)
    if slip == 0:
        word = word[:at] + word[at + 1] + word[at] + word[at + 2:]
    elif slip == 1:
        word = word[:at] + word[at + 1:]
    else:
        word = word[:at] + word[at] + word[at:]
    words[index] = word
    return " ".join(words)
