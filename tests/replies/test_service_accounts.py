"""API tokens and four eyes: an admin issues tokens only for service accounts, which never
approve; a person's tokens are made by that person. Refusals change nothing."""

from __future__ import annotations

import asyncio
import secrets

import httpx
from sqlalchemy import func, select
from sqlmodel import col

from server.db import Database
from server.models import ApiToken, AuditEntry
from server.settings import async_database_url
from tests.replies.desk import conversation, post, reply_channel, reply_state, submit, write_draft
from tests.support.desk_api import DeskApi
from tests.support.fake_reply_endpoint import FakeReplyEndpoint
from tests.support.servers import DeskServer


async def rows(server: DeskServer) -> tuple[int, int]:
    """How many tokens and audit rows the desk has."""
    db = Database(async_database_url(server.env["TANDEM_DATABASE_URL"]))
    try:
        async with db.read() as session:
            tokens = await session.scalar(select(func.count()).select_from(ApiToken))
            audits = await session.scalar(select(func.count()).select_from(AuditEntry))
    finally:
        await db.dispose()
    return tokens or 0, audits or 0


async def token_audits(server: DeskServer, user_id: int) -> list[AuditEntry]:
    db = Database(async_database_url(server.env["TANDEM_DATABASE_URL"]))
    try:
        async with db.read() as session:
            found = (await session.scalars(
                select(AuditEntry).where(col(AuditEntry.action) == "token.create")
            )).all()
    finally:
        await db.dispose()
    return [a for a in found if a.detail.get("user_id") == user_id]


def service_account(api: DeskApi, role: str = "supervisor") -> int:
    made = api.http.post("/api/users", headers=api.admin, json={
        "email": f"bot-{secrets.token_hex(3)}@example.com", "name": "Ticket sync",
        "role": role, "service_account": True})
    assert made.status_code == 201, made.text
    assert made.json()["service_account"] is True
    return int(made.json()["id"])


async def test_an_admin_issues_tokens_for_service_accounts_only(
    server: DeskServer, api: DeskApi
) -> None:
    bot_id = service_account(api)
    person = api.person("supervisor")
    supervisor = api.person("supervisor")
    admin_id = api.http.get("/api/me", headers=api.admin).json()["id"]

    issued = api.http.post(f"/api/users/{bot_id}/tokens", headers=api.admin,
                           json={"name": "CRM"})
    before = await rows(server)
    for_a_person = api.http.post(f"/api/users/{person.id}/tokens", headers=api.admin, json={})
    by_a_non_admin = post(api, supervisor, f"/api/users/{bot_id}/tokens")
    after = await rows(server)

    assert issued.status_code == 201, issued.text
    bot = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert api.http.get("/api/me", headers=bot).json()["id"] == bot_id
    [audit] = await token_audits(server, bot_id)
    assert (audit.actor_id, audit.detail["service_account"], audit.detail["own"]) == (
        admin_id, True, False)
    assert for_a_person.status_code == 403
    assert for_a_person.json()["error"]["code"] == "not_a_service_account"
    assert (by_a_non_admin.status_code, by_a_non_admin.json()["error"]["code"]) == (
        403, "forbidden")
    assert after == before
    listed = {u["id"]: u for u in api.http.get("/api/users", headers=api.admin).json()["users"]}
    assert (listed[bot_id]["service_account"], listed[person.id]["service_account"]) == (
        True, False)


async def test_a_person_makes_their_own_tokens(server: DeskServer, api: DeskApi) -> None:
    agent = api.person()

    mine = post(api, agent, "/api/me/tokens", name="my script")
    for_another = post(api, agent, f"/api/users/{api.person().id}/tokens")

    assert mine.status_code == 201, mine.text
    token = mine.json()["token"]
    me = api.http.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["id"] == agent.id
    [audit] = [a for a in await token_audits(server, agent.id) if a.detail["name"] == "my script"]
    assert (audit.actor_id, audit.detail["own"]) == (agent.id, True)
    assert (for_another.status_code, for_another.json()["error"]["code"]) == (403, "forbidden")


async def test_a_service_account_never_approves_whatever_its_role(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    bot_id = service_account(api, role="admin")
    token = api.http.post(f"/api/users/{bot_id}/tokens", headers=api.admin, json={}).json()
    bot = {"Authorization": f"Bearer {token['token']}"}
    agent = api.person()
    talk = conversation(api, reply_channel(api, network), agent, "Kann der Bot freigeben?")
    await write_draft(server.url, api, agent, talk.thread_id, "Nein, ein Mensch prüft das.")
    submit(api, agent, talk.thread_id)
    approval_id = reply_state(api, agent, talk.thread_id)["approval"]["id"]
    before = await rows(server)

    approved = api.http.post(f"/api/approvals/{approval_id}/approve", headers=bot, json={})
    corrected = api.http.post(f"/api/approvals/{approval_id}/approve", headers=bot,
                              json={"text": "Ja."})

    assert (approved.status_code, approved.json()["error"]["code"]) == (403, "service_account")
    assert corrected.json()["error"]["code"] == "service_account"
    assert await rows(server) == before
    assert reply_state(api, agent, talk.thread_id)["approval"]["status"] == "pending"
    assert network.posts_for(talk.key) == []


def test_docs_and_server_agree_on_the_decided_cases(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    agent, other, viewer = api.person(), api.person(), api.person("viewer")
    talk = conversation(api, reply_channel(api, network), agent, "Wer darf zurückziehen?")
    asyncio.run(write_draft(server.url, api, agent, talk.thread_id, "Ich."))
    submit(api, agent, talk.thread_id)
    approval_id = reply_state(api, agent, talk.thread_id)["approval"]["id"]

    withdraw = post(api, other, f"/api/approvals/{approval_id}/withdraw")
    with httpx.Client(base_url=server.url) as nobody:
        unauthenticated = nobody.post(f"/api/threads/{talk.thread_id}/claim", json={})
    with httpx.Client(base_url=server.url, cookies={"tandem_session": "expired"}) as stale:
        stale_cookie = stale.post(f"/api/threads/{talk.thread_id}/claim", json={})
    people = api.call(viewer, "GET", "/api/notes/people")
    policy = api.call(viewer, "GET", "/api/approval-policy")

    assert (withdraw.status_code, withdraw.json()["error"]["code"]) == (403, "forbidden")
    assert reply_state(api, agent, talk.thread_id)["approval"]["status"] == "pending"
    assert (unauthenticated.status_code,
            unauthenticated.json()["error"]["code"]) == (401, "unauthenticated")
    assert stale_cookie.status_code == 401
    assert (people.status_code, people.json()["error"]["permission"]) == (403, "note.write")
    assert policy.status_code == 200
    assert policy.json()["policy"]["corrections"] in ("author", "approver")
