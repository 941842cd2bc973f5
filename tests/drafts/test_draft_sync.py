"""Co-edited drafts over real Socket.IO, with pycrdt peers standing in for browsers.

Every test talks to a real desk process; the peers' documents are real CRDT replicas, so
"converged" means byte-for-byte the same text on every replica and on the server.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col

from server.actions.drafts import clear_draft
from server.db import Database
from server.models import Draft
from server.settings import Settings
from tests.conftest import prepare
from tests.drafts.peer import DraftPeer, eventually
from tests.support.backends import Backend, backend_name, make_backend
from tests.support.desk_api import DeskApi, Person, item
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer


def new_thread(api: DeskApi, person: Person, text: str) -> int:
    api.ingest(api.webhook_channel(), item(text))
    return api.thread_by_text(person, text)["id"]


async def peer(server: DeskServer, person: Person, thread_id: int) -> DraftPeer:
    joined = DraftPeer(server.url, person.token, thread_id)
    await joined.connect()
    answer = await joined.join()
    assert answer["ok"], answer
    return joined


async def test_two_editors_typing_at_the_same_place_converge(
    server: DeskServer, api: DeskApi
) -> None:
    anna, ben, cleo = api.person(name="Anna"), api.person(name="Ben"), api.person(name="Cleo")
    thread_id = new_thread(api, anna, "two people answer this")
    a, b = await peer(server, anna, thread_id), await peer(server, ben, thread_id)

    async def typist(editor: DraftPeer, letters: str) -> None:
        for letter in letters:
            answer = await editor.insert(0, letter)  # always at the very start: same place
            assert answer["ok"], answer
            await asyncio.sleep(0)

    await asyncio.gather(typist(a, "abcdefghij"), typist(b, "KLMNOPQRST"))

    await eventually(lambda: a.value == b.value and len(a.value) == 20, what="convergence")
    assert sorted(a.value) == sorted("abcdefghijKLMNOPQRST")
    late = await peer(server, cleo, thread_id)
    assert late.value == a.value
    for editor in (a, b, late):
        await editor.disconnect()


async def test_a_late_joiner_sees_who_is_in_the_draft_and_where(
    server: DeskServer, api: DeskApi
) -> None:
    anna, ben = api.person(name="Anna Cursor"), api.person(name="Ben Late")
    thread_id = new_thread(api, anna, "cursors please")
    a = await peer(server, anna, thread_id)
    await a.insert(0, "Hello there")
    # A browser may claim any name; the server writes in who is really signed in.
    sent = await a.set_awareness(1, {"user": {"name": "Mallory"}, "cursor": {"index": 5}})
    assert sent["ok"], sent

    b = await peer(server, ben, thread_id)

    state = b.awareness[a.doc.client_id]
    assert state is not None
    assert state["user"] == {"id": anna.id, "name": "Anna Cursor"}
    assert state["cursor"] == {"index": 5}
    await a.disconnect()
    await eventually(lambda: b.awareness.get(a.doc.client_id, "x") is None,
                     what="the departure of Anna")
    await b.disconnect()


async def test_people_who_may_not_write_change_nothing(server: DeskServer, api: DeskApi) -> None:
    holder, guest = api.person(name="Holder"), api.person(name="Guest")
    viewer = api.person("viewer")
    thread_id = new_thread(api, holder, "only the holder writes")
    board = LiveBoard(server.url, holder.token)
    await board.connect()
    assert (await board.call("claim", {"thread_id": thread_id}))["ok"]
    h = await peer(server, holder, thread_id)
    assert (await h.insert(0, "Dear customer"))["ok"]
    g, v = await peer(server, guest, thread_id), await peer(server, viewer, thread_id)
    await eventually(lambda: g.value == "Dear customer", what="the holder's text")

    refused_guest = await g.insert(0, "GUEST ")
    refused_viewer = await v.insert(0, "VIEWER ")

    assert refused_guest["ok"] is False and refused_guest["error"]["code"] == "not_invited"
    assert refused_guest["error"]["holder_name"] == "Holder"
    assert refused_viewer["ok"] is False and refused_viewer["error"]["code"] == "forbidden"
    await asyncio.sleep(0.5)
    assert h.value == "Dear customer"  # nothing was relayed

    invited = await h.call("draft.invite", {"user_id": guest.id})
    assert invited["ok"], invited
    assert [p["id"] for p in invited["invited"]] == [guest.id]
    await eventually(lambda: g.access and g.access[-1]["may_edit"], what="the invitation")
    fresh_guest = await peer(server, guest, thread_id)
    assert (await fresh_guest.insert(len("Dear customer"), ", thanks"))["ok"]
    await eventually(lambda: h.value == "Dear customer, thanks", what="the guest's words")

    assert (await h.call("draft.uninvite", {"user_id": guest.id}))["ok"]
    await eventually(lambda: not g.access[-1]["may_edit"], what="the invitation taken back")
    again = await fresh_guest.insert(0, "X")
    assert again["ok"] is False and again["error"]["code"] == "not_invited"

    late = await peer(server, api.person(), thread_id)
    assert late.value == "Dear customer, thanks"
    for editor in (h, g, v, fresh_guest, late):
        await editor.disconnect()
    await board.disconnect()


async def test_garbage_is_refused(server: DeskServer, api: DeskApi) -> None:
    anna = api.person()
    thread_id = new_thread(api, anna, "garbage in")
    a = await peer(server, anna, thread_id)
    answer = await a.call("draft.update", {"update": b"\x01\x02garbage"})
    assert answer["ok"] is False and answer["error"]["code"] == "invalid"
    outsider = DraftPeer(server.url, anna.token, thread_id)
    await outsider.connect()
    not_joined = await outsider.call("draft.update", {"update": b"\x00\x00"})
    assert not_joined["ok"] is False and not_joined["error"]["code"] == "invalid"
    missing = await outsider.call("draft.join", {"thread_id": 99999999})
    assert missing["ok"] is False and missing["error"]["code"] == "not_found"
    await a.disconnect()
    await outsider.disconnect()


@dataclass
class OwnDesk:
    server: DeskServer
    api: DeskApi
    backend: Backend
    folder: Path

    def another_process(self, name: str, **settings: str) -> DeskServer:
        """One more desk process on the same database (and Redis, on the postgres pass)."""
        return DeskServer(self.backend.env(), self.folder / f"{name}.log", extra=settings).start()

    @contextlib.asynccontextmanager
    async def database(self) -> AsyncIterator[Database]:
        db = Database(Settings(database_url=self.backend.database_url).database)
        try:
            yield db
        finally:
            await db.dispose()


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnDesk]:
    """A desk these tests may stop, kill, start again and add processes to (one for the
    module: preparing a database takes a while)."""
    folder = tmp_path_factory.mktemp("own-desk")
    backend = make_backend(backend_name(), folder)
    token = prepare(backend)
    server = DeskServer(backend.env(), folder / "desk.log").start()
    api = DeskApi(server.url, token)
    yield OwnDesk(server, api, backend, folder)
    api.close()
    server.stop()
    for cleanup in backend.cleanup:
        cleanup()


def restart(desk: DeskServer, *, crash: bool = False) -> None:
    """Stop the desk (gracefully, or kill -9) and start it again on the same port and data."""
    desk.kill() if crash else desk.stop()
    desk.start()


async def test_a_restart_keeps_the_text(own: OwnDesk) -> None:
    anna = own.api.person()
    thread_id = new_thread(own.api, anna, "survive a restart")
    a = await peer(own.server, anna, thread_id)
    for n, word in enumerate(["Hello ", "from ", "before ", "the restart"]):
        assert (await a.insert(len(a.value), word))["ok"], n
    await a.disconnect()

    restart(own.server)  # right away: the last words are saved on the way down

    fresh = await peer(own.server, anna, thread_id)
    assert fresh.value == "Hello from before the restart"
    await fresh.disconnect()


async def test_what_a_crash_lost_comes_back_from_the_editors(own: OwnDesk) -> None:
    anna, ben = own.api.person(), own.api.person()
    thread_id = new_thread(own.api, anna, "survive a crash")
    a = await peer(own.server, anna, thread_id)
    assert (await a.insert(0, "saved long ago"))["ok"]
    await asyncio.sleep(1.0)  # saved by now
    assert (await a.insert(len(a.value), ", typed just before the crash"))["ok"]

    restart(own.server, crash=True)  # no time to save the last words
    await a.disconnect()
    await a.connect()
    await a.join()  # the editor's replica sends what the server lacks

    fresh = await peer(own.server, ben, thread_id)
    assert fresh.value == "saved long ago, typed just before the crash"
    await a.disconnect()
    await fresh.disconnect()


async def test_two_processes_merge_their_copies(own: OwnDesk) -> None:
    anna, ben = own.api.person(), own.api.person()
    thread_id = new_thread(own.api, anna, "two processes, one draft")
    second = own.another_process("second")
    try:
        a, b = await peer(own.server, anna, thread_id), await peer(second, ben, thread_id)
        for n in range(5):
            assert (await a.insert(0, f"a{n} "))["ok"]
            assert (await b.insert(0, f"b{n} "))["ok"]

        # Live through Redis where there is one; otherwise through the database, where
        # each process merges into what the other stored and reads it back.
        await eventually(lambda: a.value == b.value and len(a.value) == 30, timeout=15,
                         what="both processes' editors to converge")
        for server in (own.server, second):
            late = await peer(server, own.api.person(), thread_id)
            await eventually(lambda late=late: late.value == a.value, timeout=8,
                             what="a late joiner on each process")
            await late.disconnect()
        await a.disconnect()
        await b.disconnect()
    finally:
        second.stop()


async def test_a_draft_cleared_elsewhere_empties_every_editor(own: OwnDesk) -> None:
    anna, ben = own.api.person(), own.api.person()
    thread_id = new_thread(own.api, anna, "clear me once sent")
    a, b = await peer(own.server, anna, thread_id), await peer(own.server, ben, thread_id)
    assert (await a.insert(0, "the reply that went out"))["ok"]
    await eventually(lambda: b.value == "the reply that went out", what="Ben's copy")
    assert (await a.call("draft.flush", {}))["ok"]

    async with own.database() as db, db.write() as tx:
        await clear_draft(tx, thread_id)  # as sending the reply does

    await eventually(lambda: a.value == "" and b.value == "", timeout=10,
                     what="the deletion to reach the editors")
    assert (await b.insert(0, "a fresh start"))["ok"]
    await eventually(lambda: a.value == "a fresh start", what="the next reply")
    await a.disconnect()
    await b.disconnect()


async def test_a_submitted_draft_is_locked(own: OwnDesk) -> None:
    anna = own.api.person()
    channel = own.api.webhook_channel()
    own.api.ingest(channel, item("lock the draft", thread="conv-lock"))
    thread_id = own.api.thread_by_text(anna, "lock the draft")["id"]
    a = await peer(own.server, anna, thread_id)
    assert (await a.insert(0, "waiting for approval"))["ok"]
    saved = await a.call("draft.flush", {})
    assert saved["ok"] and saved["text"] == "waiting for approval", saved

    async with own.database() as db, db.write() as tx:
        # What submitting for approval does (server/actions/replies.py).
        await tx.session.execute(
            update(Draft).where(col(Draft.thread_id) == thread_id).values(state="pending")
        )
    own.api.ingest(channel, item("a new message wakes the thread up", thread="conv-lock"))

    await eventually(lambda: a.access and not a.access[-1]["may_edit"], what="the lock")
    assert a.access[-1]["refusal"]["code"] == "draft_locked"
    refused = await a.insert(0, "X")
    assert refused["ok"] is False and refused["error"]["code"] == "draft_locked"
    await a.disconnect()


async def test_unclaimed_threads_can_be_closed_to_drafting(own: OwnDesk) -> None:
    anna = own.api.person()
    thread_id = new_thread(own.api, anna, "claim before writing")
    closed = own.another_process("closed", TANDEM_DRAFTS_OPEN_WHEN_UNCLAIMED="false")
    try:
        a = await peer(closed, anna, thread_id)
        refused = await a.insert(0, "too early")
        assert refused["ok"] is False and refused["error"]["code"] == "claim_first"

        assert own.api.call(anna, "POST", f"/api/threads/{thread_id}/claim").status_code == 200
        await eventually(lambda: a.access and a.access[-1]["may_edit"], what="the claim")
        fresh = await peer(closed, anna, thread_id)
        assert (await fresh.insert(0, "claimed, now I write"))["ok"]
        await a.disconnect()
        await fresh.disconnect()
    finally:
        closed.stop()


@pytest.mark.pg_redis
async def test_with_redis_other_processes_see_keystrokes_live(own: OwnDesk) -> None:
    anna, ben = own.api.person(name="Anna Far"), own.api.person(name="Ben Near")
    thread_id = new_thread(own.api, anna, "keystrokes across processes")
    second = own.another_process("third")
    try:
        a, b = await peer(own.server, anna, thread_id), await peer(second, ben, thread_id)

        assert (await a.insert(0, "typed on process one"))["ok"]
        assert (await a.set_awareness(1, {"cursor": {"index": 3}}))["ok"]

        # Well before any process re-reads the database (every few seconds).
        await eventually(lambda: b.value == "typed on process one", timeout=1.5,
                         what="the keystrokes on the other process")
        await eventually(lambda: b.awareness.get(a.doc.client_id), timeout=1.5,
                         what="Anna's cursor on the other process")
        assert b.awareness[a.doc.client_id]["user"]["name"] == "Anna Far"
        await a.disconnect()
        await eventually(lambda: b.awareness.get(a.doc.client_id, "x") is None, timeout=1.5,
                         what="Anna leaving, seen on the other process")
        await b.disconnect()
    finally:
        second.stop()
