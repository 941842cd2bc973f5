"""Compact batches (`?cards=newest`): each thread's card once per batch, nothing else lost.

Boards that ask for compact batches and boards that do not are connected to the same real
server side by side: both must see the same events (by seq, type and payload), the compact
board with every card that a later event of its batch replaces left out.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from tests.support.desk_api import DeskApi, Person, item
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer


def compact_board(server: DeskServer, person: Person) -> LiveBoard:
    return LiveBoard(server.url + "?cards=newest", person.token)


def check_batches(board: LiveBoard) -> None:
    """Each batch carries a thread's card once, with its last event that has one; an event
    whose card was left out names that event."""
    for batch in board.batches:
        carriers: dict[int, int] = {}  # card id -> seq of the event carrying it
        for event in batch["events"]:
            card = event["payload"].get("card")
            if card is not None:
                assert card["id"] not in carriers, f"card {card['id']} twice in one batch"
                assert "card_in" not in event
                carriers[card["id"]] = event["seq"]
        by_seq = {e["seq"]: e for e in batch["events"]}
        for event in batch["events"]:
            if "card_in" in event:
                carrier = by_seq[event["card_in"]]
                assert carrier["seq"] > event["seq"]
                assert carriers[carrier["payload"]["card"]["id"]] == carrier["seq"]


def without_cards(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for event in events:
        payload = {k: v for k, v in event["payload"].items() if k != "card"}
        out.append({**{k: v for k, v in event.items() if k != "card_in"}, "payload": payload})
    return out


def same_events_but_cards(compact: LiveBoard, full: LiveBoard) -> None:
    """The compact board got every event the full board got; the cards it kept are the
    full ones, and an event's left-out card is the same thread's, in the same batch."""
    # Up to where both have read (another test's claim may expire meanwhile).
    upto = min(compact.seq, full.seq)
    events = [e for e in compact.events if e["seq"] <= upto]
    assert without_cards(events) == without_cards([e for e in full.events if e["seq"] <= upto])
    full_by_seq = {e["seq"]: e for e in full.events}
    compact_by_seq = {e["seq"]: e for e in compact.events}
    for event in events:
        want = full_by_seq[event["seq"]]["payload"].get("card")
        if "card" in event["payload"]:
            assert event["payload"]["card"] == want
        elif "card_in" in event:
            newer = compact_by_seq[event["card_in"]]["payload"]["card"]
            assert want is not None and newer["id"] == want["id"]
        else:
            assert want is None


async def test_a_burst_arrives_whole_with_each_card_once_per_batch(
    server: DeskServer, api: DeskApi
) -> None:
    person = api.person()
    channel = api.webhook_channel()
    seq = api.threads(person)["seq"]
    compact, full = compact_board(server, person), LiveBoard(server.url, person.token)
    for board in (compact, full):
        assert (await board.connect(since=seq))["ok"]
    tag = secrets.token_hex(4)
    # One webhook call: three threads of four messages each, written in one go.
    items = [item(f"{tag} burst {n}", thread=f"{tag}-{n % 3}") for n in range(12)]
    api.ingest(channel, *items)
    api.ingest(channel, item(f"{tag} alone"))

    def texts(board: LiveBoard) -> list[str]:
        return [e["payload"]["message"]["text"] for e in board.of_type("message.added")
                if e["payload"]["message"]["text"].startswith(tag)]

    for board in (compact, full):
        await board.wait_for(lambda b: len(texts(b)) == 13, what="every message")
    await asyncio.sleep(0.3)  # nothing more may follow
    for board in (compact, full):
        await board.disconnect()

    assert texts(compact) == [i["text"] for i in items] + [f"{tag} alone"]
    check_batches(compact)
    same_events_but_cards(compact, full)
    # The newest card each thread was sent is the thread as it now is.
    newest: dict[int, dict[str, Any]] = {}
    for event in compact.events:
        if "card" in event["payload"]:
            newest[event["payload"]["card"]["id"]] = event["payload"]["card"]
    now = {c["id"]: c for c in api.threads(person, status="all", limit=5000)["threads"]}
    mine = [i for i, c in newest.items() if c["excerpt"].startswith(tag)]
    assert len(mine) == 4
    # A new thread's opened event and its first message share a commit, hence a batch:
    # the opened event's card is left out for the message's.
    opened = [e for e in compact.of_type("thread.opened") if e["thread_id"] in mine]
    assert len(opened) == 4 and all("card_in" in e for e in opened)
    for thread_id in mine:
        assert newest[thread_id] == now[thread_id]
    assert sorted(newest[i]["message_count"] for i in mine) == [1, 4, 4, 4]


async def test_personal_events_reach_only_their_person(server: DeskServer, api: DeskApi) -> None:
    writer = api.person()
    mentioned, bystander = api.person("supervisor"), api.person("supervisor")
    channel = api.webhook_channel()
    tag = secrets.token_hex(4)
    api.ingest(channel, item(f"{tag} needs a second look", thread=tag))
    thread = api.thread_by_text(writer, f"{tag} needs a second look")
    seq = api.threads(writer)["seq"]
    boards = {p.id: compact_board(server, p) for p in (mentioned, bystander)}
    for board in boards.values():
        assert (await board.connect(since=seq))["ok"]

    added = api.call(writer, "POST", f"/api/threads/{thread['id']}/notes",
                     json={"text": f"@{mentioned.name} please check"})
    assert added.status_code == 201, added.text
    # A shared event in the same stretch: both boards get it, one with the mention too.
    api.ingest(channel, item(f"{tag} more news", thread=tag))

    told = await boards[mentioned.id].wait_for(
        lambda b: b.of_type("notification.mentioned"), what="the mention")
    assert told[0]["payload"]["thread_id"] == thread["id"]
    for board in boards.values():
        await board.wait_for(lambda b: b.of_type("note.added"), what="the note")
        await board.wait_for(
            lambda b: [e for e in b.of_type("message.added")
                       if e["payload"]["message"]["text"] == f"{tag} more news"],
            what="the next post")
    await asyncio.sleep(0.3)
    for board in boards.values():
        await board.disconnect()
        check_batches(board)
    assert boards[bystander.id].of_type("notification.mentioned") == []
    mention_seq = told[0]["seq"]
    assert mention_seq not in {e["seq"] for e in boards[bystander.id].events}
    upto = min(board.seq for board in boards.values())
    shared = [e for e in boards[mentioned.id].events if e["seq"] != mention_seq]
    assert without_cards([e for e in shared if e["seq"] <= upto]) == without_cards(
        [e for e in boards[bystander.id].events if e["seq"] <= upto])


async def test_a_board_that_resumes_gets_exactly_what_it_missed(
    server: DeskServer, api: DeskApi
) -> None:
    person = api.person()
    channel = api.webhook_channel()
    board = compact_board(server, person)
    assert (await board.connect(since=api.threads(person)["seq"]))["ok"]
    api.ingest(channel, item("warm-up for the resume"))
    await board.wait_for(lambda b: [e for e in b.of_type("message.added")
                                    if e["payload"]["message"]["text"] == "warm-up for the resume"])
    seen = board.seq
    await board.disconnect()

    tag = secrets.token_hex(4)
    for n in range(10):  # ten calls: threads opened and added to across separate commits
        api.ingest(channel, item(f"{tag} missed {n}", thread=f"{tag}-{n % 4}"))

    def missed(b: LiveBoard) -> list[dict[str, Any]]:
        return [e for e in b.of_type("message.added")
                if e["payload"]["message"]["text"].startswith(tag)]

    # A board that stayed: once it has every message, the stream has read them all, and a
    # resume replays them in one batch.
    stayed = LiveBoard(server.url, person.token)
    assert (await stayed.connect(since=seen))["ok"]
    await stayed.wait_for(lambda b: len(missed(b)) == 10, what="every message, live")
    await stayed.disconnect()
    back, full = compact_board(server, person), LiveBoard(server.url, person.token)
    for resumed in (back, full):
        assert (await resumed.connect(since=seen))["ok"]
    for resumed in (back, full):
        await resumed.wait_for(lambda b: len(missed(b)) == 10, what="every missed message")
    await asyncio.sleep(0.5)  # nothing more may follow
    for resumed in (back, full):
        await resumed.disconnect()

    seqs = [e["seq"] for e in back.events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) and seqs[0] > seen
    texts = [e["payload"]["message"]["text"] for e in back.of_type("message.added")]
    assert texts == [f"{tag} missed {n}" for n in range(10)]
    assert len(back.of_type("thread.opened")) == 4
    check_batches(back)
    same_events_but_cards(back, full)
    # The replay is one batch: of the 4 threads' 14 cards only the newest of each was sent.
    replay = back.batches[0]["events"]
    assert [e["payload"]["message"]["text"] for e in replay if e["type"] == "message.added"
            ][-10:] == texts
    carried = [e["payload"]["card"] for e in replay if "card" in e["payload"]]
    assert sorted(c["message_count"] for c in carried if c["excerpt"].startswith(tag)) == [
        2, 2, 3, 3]
