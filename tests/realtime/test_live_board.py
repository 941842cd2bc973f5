"""The live board over real Socket.IO: events, replay, claims, expiry, permissions."""

from __future__ import annotations

import asyncio

from tests.support.desk_api import DeskApi, item
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer


async def board_for(server: DeskServer, api: DeskApi, token: str, person=None) -> LiveBoard:
    board = LiveBoard(server.url, token)
    since = api.threads(person)["seq"] if person else 0
    answer = await board.connect(since=since)
    assert answer["ok"], answer
    return board


async def test_a_new_post_reaches_every_board(server: DeskServer, api: DeskApi) -> None:
    anna, ben = api.person(), api.person()
    boards = [await board_for(server, api, p.token, p) for p in (anna, ben)]
    channel = api.webhook_channel()

    api.ingest(channel, item("Der Router blinkt rot"))

    for board in boards:
        opened = await board.wait_for(
            lambda b: [e for e in b.of_type("thread.opened")
                       if e["payload"]["card"]["excerpt"] == "Der Router blinkt rot"],
            what="thread.opened",
        )
        assert opened[0]["payload"]["card"]["network"] == "webhook"
        await board.disconnect()


async def test_a_board_that_was_away_gets_exactly_what_it_missed(
    server: DeskServer, api: DeskApi
) -> None:
    agent = api.person()
    channel = api.webhook_channel()
    board = await board_for(server, api, agent.token, agent)
    api.ingest(channel, item("warm-up"))
    await board.wait_for(lambda b: [e for e in b.of_type("message.added")
                                    if e["payload"]["message"]["text"] == "warm-up"])
    seen = board.seq
    await board.disconnect()

    for n in range(25):  # each new thread is two events: opened and message added
        api.ingest(channel, item(f"missed {n}"))

    back = LiveBoard(server.url, agent.token)
    assert (await back.connect(since=seen))["ok"]
    await back.wait_for(lambda b: len(b.events) >= 50, what="50 missed events")
    await asyncio.sleep(0.5)  # nothing more may follow
    missed = back.events
    assert len(missed) == 50
    assert all(e["seq"] > seen for e in missed)
    seqs = [e["seq"] for e in missed]
    assert seqs == sorted(seqs) and len(set(seqs)) == 50
    texts = [e["payload"]["message"]["text"] for e in missed if e["type"] == "message.added"]
    assert texts == [f"missed {n}" for n in range(25)]
    await back.disconnect()


async def test_a_board_far_behind_is_told_to_reload(server: DeskServer, api: DeskApi) -> None:
    agent = api.person()
    board = LiveBoard(server.url, agent.token)
    api.ingest(api.webhook_channel(), item("something"))
    answer = await board.connect(since=0) if api.threads(agent)["seq"] > 5000 else None
    if answer is None:
        # Fewer events than the replay limit exist: a negative gap is refused outright.
        await board.connect()
        answer = await board.call("resume", {"since": -1})
        assert answer["ok"] is False and answer["error"]["code"] == "invalid"
    else:
        assert answer.get("reload") is True
    await board.disconnect()


async def test_a_claim_is_exclusive_and_names_the_holder(server: DeskServer, api: DeskApi) -> None:
    anna, ben = api.person(name="Anna Claimer"), api.person()
    channel = api.webhook_channel()
    api.ingest(channel, item("claim me please"))
    thread = api.thread_by_text(anna, "claim me please")
    a = await board_for(server, api, anna.token, anna)
    b = await board_for(server, api, ben.token, ben)

    won = await a.call("claim", {"thread_id": thread["id"]})
    lost = await b.call("claim", {"thread_id": thread["id"]})

    assert won["ok"] and won["claim"]["holder"]["name"] == "Anna Claimer"
    assert lost["ok"] is False
    assert lost["error"]["code"] == "claim_held"
    assert lost["error"]["holder_name"] == "Anna Claimer"
    assert "Anna Claimer" in lost["error"]["message"]
    claimed = await b.wait_for(lambda x: [e for e in x.of_type("thread.claimed")
                                          if e["thread_id"] == thread["id"]])
    assert claimed[0]["payload"]["card"]["holder"]["id"] == anna.id
    rest = api.call(ben, "POST", f"/api/threads/{thread['id']}/claim")
    assert rest.status_code == 409 and rest.json()["error"]["holder_name"] == "Anna Claimer"
    await a.disconnect()
    await b.disconnect()


async def test_many_claims_at_once_on_one_thread_make_one_holder(
    server: DeskServer, api: DeskApi
) -> None:
    """A burst on one process: the claims wait for the one in flight and are refused with
    its holder's name; the holder's own second claim at the same moment keeps the claim."""
    api.ingest(api.webhook_channel(), item("everybody at once"))
    people = [api.person() for _ in range(30)]
    thread = api.thread_by_text(people[0], "everybody at once")
    boards = [await board_for(server, api, p.token, p) for p in people]
    claim = {"thread_id": thread["id"]}

    answers = await asyncio.gather(*(b.call("claim", claim) for b in boards),
                                   *(b.call("claim", claim) for b in boards))

    winners = {a["claim"]["holder"]["id"] for a in answers if a["ok"]}
    assert len(winners) == 1
    holder = winners.pop()
    refused = [a for a in answers if not a["ok"]]
    assert len(refused) == 58  # everybody else, twice
    assert {a["error"]["code"] for a in refused} == {"claim_held"}
    assert {a["error"]["holder_id"] for a in refused} == {holder}
    # The holder's two answers are one claim: the renewal kept its fencing token.
    tokens = {a["claim"]["fencing_token"] for a in answers if a["ok"]}
    assert len(tokens) == 1
    assert api.thread_by_text(people[0], "everybody at once")["holder"]["id"] == holder
    for board in boards:
        await board.disconnect()


async def test_a_claim_expires_after_its_holder_is_gone(server: DeskServer, api: DeskApi) -> None:
    holder, watcher = api.person(), api.person()
    api.ingest(api.webhook_channel(), item("holder will vanish"))
    thread = api.thread_by_text(holder, "holder will vanish")
    h = await board_for(server, api, holder.token, holder)
    w = await board_for(server, api, watcher.token, watcher)
    assert (await h.call("claim", {"thread_id": thread["id"]}))["ok"]
    await asyncio.sleep(3)  # longer than the grace period: a live holder keeps the claim
    assert api.thread_by_text(watcher, "holder will vanish")["holder"]["id"] == holder.id

    await h.disconnect()

    released = await w.wait_for(
        lambda x: [e for e in x.of_type("thread.released") if e["thread_id"] == thread["id"]],
        timeout=6, what="claim expiry",
    )
    assert released[0]["payload"]["reason"] == "expired"
    assert released[0]["payload"]["card"]["holder"] is None
    assert api.thread_by_text(watcher, "holder will vanish")["holder"] is None
    await w.disconnect()


async def test_commands_without_permission_are_refused_and_change_nothing(
    server: DeskServer, api: DeskApi
) -> None:
    viewer, agent = api.person("viewer"), api.person()
    api.ingest(api.webhook_channel(), item("viewers only look"))
    thread = api.thread_by_text(viewer, "viewers only look")
    board = await board_for(server, api, viewer.token, viewer)
    before = api.threads(viewer)["seq"]

    for command, data in [
        ("claim", {"thread_id": thread["id"]}),
        ("update", {"thread_id": thread["id"], "status": "resolved"}),
        ("assign", {"thread_id": thread["id"], "user_id": agent.id}),
    ]:
        answer = await board.call(command, data)
        assert answer["ok"] is False and answer["error"]["code"] == "forbidden", (command, answer)

    after = api.thread_by_text(viewer, "viewers only look")
    assert after == thread
    # The session's desk is shared: other tests' claims expire meanwhile, so the check is
    # that no event about this thread came, up to a post made after the refusals.
    api.ingest(api.webhook_channel(), item("after the refusals"))
    await board.wait_for(lambda b: [e for e in b.of_type("message.added")
                                    if e["payload"]["message"]["text"] == "after the refusals"],
                         what="the post after the refusals")
    assert [e for e in board.events
            if e["seq"] > before and e.get("thread_id") == thread["id"]] == []
    await board.disconnect()


async def test_a_connection_without_credentials_is_refused(server: DeskServer) -> None:
    import socketio

    for auth in (None, {"token": "tdm_not-a-real-token"}):
        client = socketio.AsyncClient(reconnection=False)
        reasons: list = []
        client.on("connect_error", reasons.append)
        try:
            await client.connect(server.url, auth=auth, transports=["websocket"], wait_timeout=5)
        except socketio.exceptions.ConnectionError:
            assert reasons == [{"message": "Sign in first.", "data": {"code": "unauthenticated"}}]
        else:
            raise AssertionError("connection without valid credentials was accepted")
        finally:
            await client.disconnect()


async def test_heads_are_announced(server: DeskServer, api: DeskApi) -> None:
    agent = api.person()
    board = await board_for(server, api, agent.token, agent)
    heads = await board.wait_for(lambda b: b.heads, timeout=3, what="head")
    assert heads[0] >= board.seq - 1
    await board.disconnect()


async def test_a_board_ahead_of_the_desk_is_told_to_reload(
    server: DeskServer, api: DeskApi
) -> None:
    # A tab that saw numbers this desk never issued (say, before a database restore).
    agent = api.person()
    board = LiveBoard(server.url, agent.token)
    answer = await board.connect(since=api.threads(agent)["seq"] + 1000)
    assert answer == {"ok": True, "reload": True}
    await board.disconnect()
