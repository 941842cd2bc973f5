"""Customers over Socket.IO: the same commands as REST, and the events open pages follow."""

from __future__ import annotations

import asyncio

from tests.support.desk_api import DeskApi, item
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer


async def test_merge_and_split_over_the_socket_tell_every_board(
    server: DeskServer, api: DeskApi
) -> None:
    agent, watcher = api.person(), api.person("viewer")
    channel = api.webhook_channel()
    api.ingest(channel, item("socket one sock-1", author={"id": "sock-a", "name": "Eva Lind"}),
               item("socket two sock-2", author={"id": "sock-b", "name": "Eva L."}))
    kept = api.thread_by_text(agent, "sock-1")["customer_id"]
    moved = api.thread_by_text(agent, "sock-2")
    board = LiveBoard(server.url, watcher.token)
    assert (await board.connect(since=api.threads(watcher)["seq"]))["ok"]
    actor = LiveBoard(server.url, agent.token)
    await actor.connect()

    merged = await actor.call("customer.merge", {"customer_id": kept,
                                                 "other_id": moved["customer_id"]})
    shown = await actor.call("customer.get", {"customer_id": moved["customer_id"]})
    split = await actor.call("customer.split", {"customer_id": kept,
                                                "merge_id": merged["merge_id"]})
    refused = await board.call("customer.merge", {"customer_id": kept,
                                                  "other_id": moved["customer_id"]})

    assert merged["ok"] and split["ok"], (merged, split)
    assert shown["customer"]["id"] == kept
    assert refused["error"]["code"] == "forbidden"
    await board.wait_for(lambda b: b.of_type("customer.split"), what="customer.split")
    [merge_event] = board.of_type("customer.merged")
    assert merge_event["payload"]["merged_id"] == moved["customer_id"]
    changed = board.of_type("thread.customer_changed")
    assert [(e["payload"]["thread_id"], e["payload"]["customer_id"]) for e in changed] == [
        (moved["id"], kept), (moved["id"], moved["customer_id"])]
    assert changed[-1]["payload"]["card"]["customer_id"] == moved["customer_id"]
    await asyncio.gather(board.disconnect(), actor.disconnect())
