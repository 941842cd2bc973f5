"""WhatsApp on a real desk: webhooks in, replies out to the fake Cloud API, statuses back."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from channels.base import ChannelAccount, ThreadRef
from channels.http import pack_secrets
from channels.whatsapp import WhatsAppAdapter
from tests.fakes.desk import OwnDesk, delivery_shown, send_reply, start_desk
from tests.fakes.whatsapp_cloud import Customer, FakeWhatsApp, Number
from tests.replies.desk import delivery, reply_state, submit, until, write_draft
from tests.support.desk_api import Person
from tests.support.live import LiveBoard

CONNECTED = re.compile(r"/webhooks/whatsapp/(\d+)")
TEMPLATE = ("reply_later", "de")


@dataclass
class WhatsAppDesk(OwnDesk):
    cloud: FakeWhatsApp

    def connect(self, number: Number, template: tuple[str, str] | None = None) -> int:
        """Connect the number through the admin's form, as an admin does."""
        name, language = template or ("", "")
        response = self.api.http.post("/admin/channels/whatsapp", headers=self.api.admin, data={
            "name": f"WhatsApp {number.display}", "account_id": number.id,
            "access_token": number.token, "app_secret": number.app_secret,
            "verify_token": number.verify_token, "template_name": name,
            "template_language": language,
        })
        assert response.status_code == 201, response.text
        found = CONNECTED.search(response.text)
        assert found, response.text
        return int(found.group(1))

    def post(self, channel: int, number: Number, payload: dict[str, Any]) -> httpx.Response:
        body, headers = FakeWhatsApp.signed(payload, number.app_secret)
        return self.api.http.post(f"/webhooks/whatsapp/{channel}", content=body, headers=headers)

    def customer_writes(self, channel: int, number: Number, customer: Customer, text: str,
                        age: timedelta = timedelta(0)) -> str:
        payload, wamid = self.cloud.message_webhook(number, customer, text, age=age)
        assert self.post(channel, number, payload).json()["stored"] == 1
        return wamid


@pytest.fixture(scope="module")
def cloud() -> Iterator[FakeWhatsApp]:
    fake = FakeWhatsApp().start()
    fake.approve_template(*TEMPLATE)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, cloud: FakeWhatsApp
         ) -> Iterator[WhatsAppDesk]:
    made = WhatsAppDesk(*start_desk(tmp_path_factory.mktemp("whatsapp-desk"),
                                    {"TANDEM_META_GRAPH_URL": cloud.url}), cloud)
    yield made
    made.stop()


@dataclass
class Talk:
    number: Number
    channel: int
    customer: Customer
    wamid: str  # the customer's message
    thread_id: int
    agent: Person


def talk(desk: WhatsAppDesk, text: str, *, age: timedelta = timedelta(0),
         template: tuple[str, str] | None = None) -> Talk:
    """A customer writes to a newly connected number; an agent finds the thread."""
    number = desk.cloud.number()
    channel = desk.connect(number, template)
    customer = desk.cloud.customer("Lena Roth")
    wamid = desk.customer_writes(channel, number, customer, text, age)
    agent = desk.api.person()
    return Talk(number, channel, customer, wamid, desk.api.thread_by_text(agent, text)["id"],
                agent)


async def reply(desk: WhatsAppDesk, talk: Talk, text: str) -> int:
    return await send_reply(desk, talk.agent, talk.thread_id, text)


async def shown(desk: WhatsAppDesk, talk: Talk, message_id: int, status: str) -> dict[str, Any]:
    """Wait until the message shows `status` (as the thread page reads it)."""
    return await delivery_shown(desk, talk.agent, talk.thread_id, message_id,
                                lambda found: found.get("status") == status,
                                f"the message to show {status}")


# -- in ----------------------------------------------------------------------------------


def test_the_handshake_through_the_desk(desk: WhatsAppDesk) -> None:
    number = desk.cloud.number()
    channel = desk.connect(number)
    query = {"hub.mode": "subscribe", "hub.verify_token": number.verify_token,
             "hub.challenge": "2093857712"}
    answer = desk.api.http.get(f"/webhooks/whatsapp/{channel}", params=query)
    assert (answer.status_code, answer.text) == (200, "2093857712")
    wrong = desk.api.http.get(f"/webhooks/whatsapp/{channel}",
                              params={**query, "hub.verify_token": "guess"})
    assert wrong.status_code == 403
    # A WhatsApp channel does not answer on Meta's path, nor Meta's on WhatsApp's.
    assert desk.api.http.get(f"/webhooks/meta/{channel}", params=query).status_code == 404


async def test_a_message_reaches_the_board_once_however_often_it_comes(
    desk: WhatsAppDesk,
) -> None:
    number, lena = desk.cloud.number(), desk.cloud.customer("Lena Roth")
    channel = desk.connect(number)
    agent = desk.api.person()
    board = LiveBoard(desk.server.url, agent.token)
    assert (await board.connect(since=desk.api.threads(agent)["seq"]))["ok"]
    payload, _ = desk.cloud.message_webhook(number, lena, "Mein Paket ist nicht angekommen")

    answers = [desk.post(channel, number, payload) for _ in range(3)]

    assert [a.json()["stored"] for a in answers] == [1, 0, 0]
    opened = await board.wait_for(lambda b: [e for e in b.of_type("thread.opened")
                                             if e["payload"]["card"]["channel_id"] == channel])
    await board.disconnect()
    card = opened[0]["payload"]["card"]
    assert (card["network"], card["visibility"]) == ("whatsapp", "private")
    assert card["message_window_until"] and card["author"]["name"] == "Lena Roth"
    thread = desk.api.call(agent, "GET", f"/api/threads/{card['id']}").json()
    assert [m["text"] for m in thread["messages"]] == ["Mein Paket ist nicht angekommen"]


def test_forged_webhooks_store_nothing(desk: WhatsAppDesk) -> None:
    number = desk.cloud.number()
    channel = desk.connect(number)
    payload, _ = desk.cloud.message_webhook(number, desk.cloud.customer("Gerd"), "nie gespeichert")
    body = json.dumps(payload).encode()
    url = f"/webhooks/whatsapp/{channel}"
    unsigned = desk.api.http.post(url, content=body, headers={"Content-Type": "application/json"})
    forged = desk.api.http.post(url, content=body, headers=FakeWhatsApp.signed(
        payload, "not the app secret")[1])
    assert [unsigned.status_code, forged.status_code] == [401, 401]
    found = desk.api.http.get("/api/threads", headers=desk.api.admin,
                              params={"q": "nie gespeichert", "status": "all"}).json()
    assert found["threads"] == []


# -- out, and what became of it ------------------------------------------------------------


async def test_a_reply_goes_as_text_and_its_statuses_show_live(desk: WhatsAppDesk) -> None:
    lena = talk(desk, "Können Sie mir die Rechnung schicken?")
    message_id = await reply(desk, lena, "Gern, sie kommt gleich per E-Mail.")
    await shown(desk, lena, message_id, "sent")
    [sent] = desk.cloud.sent_to(lena.customer)
    assert (sent.kind, sent.text) == ("text", "Gern, sie kommt gleich per E-Mail.")
    assert sent.body["context"] == {"message_id": lena.wamid}  # it answers her message
    board = LiveBoard(desk.server.url, lena.agent.token)
    assert (await board.connect(since=desk.api.threads(lena.agent)["seq"]))["ok"]

    statuses = ["delivered", "read", "read", "sent", "delivered"]
    answers = [desk.post(lena.channel, lena.number,
                         desk.cloud.status_webhook(lena.number, sent, status))
               for status in statuses]

    assert all(a.status_code == 200 for a in answers)
    live = await board.wait_for(lambda b: [
        e for e in b.of_type("message.delivery")
        if e["payload"]["message_id"] == message_id and e["payload"]["status"] == "read"])
    await board.disconnect()
    assert live[0]["payload"]["thread_id"] == lena.thread_id
    # Late and repeated reports change nothing: the message stays read.
    assert (await shown(desk, lena, message_id, "read"))["error"] is None
    assert len(desk.cloud.sent_to(lena.customer)) == 1


async def test_a_failed_status_shows_why_on_the_message(desk: WhatsAppDesk) -> None:
    ole = talk(desk, "Ist mein Vertrag schon aktiv?")
    message_id = await reply(desk, ole, "Ja, seit heute.")
    await shown(desk, ole, message_id, "sent")
    [sent] = desk.cloud.sent_to(ole.customer)

    desk.post(ole.channel, ole.number,
              desk.cloud.status_webhook(ole.number, sent, "failed", error=131026))

    failed = await shown(desk, ole, message_id, "failed")
    assert "131026" in failed["error"] and "could not deliver" in failed["error"]
    # WhatsApp took that message and could not deliver it: sending again is a new message
    # for WhatsApp (a new idempotency key), which reaches the customer a second time.
    again = desk.api.call(ole.agent, "POST", f"/api/messages/{message_id}/retry")
    assert again.status_code == 200, again.text
    await shown(desk, ole, message_id, "sent")
    assert len(desk.cloud.sent_to(ole.customer)) == 2


# -- the 24-hour window ----------------------------------------------------------------------


async def test_outside_the_window_the_reply_goes_as_the_approved_template(
    desk: WhatsAppDesk,
) -> None:
    ina = talk(desk, "Noch eine Frage zur Rechnung", age=timedelta(hours=25), template=TEMPLATE)
    panel = desk.api.call(ina.agent, "GET", f"/threads/{ina.thread_id}/escalation")
    assert "this reply goes out as the approved template reply_later" in panel.text

    message_id = await reply(desk, ina, "Hallo Ina,\nIhre Rechnung ist korrigiert.")

    await shown(desk, ina, message_id, "sent")
    [sent] = desk.cloud.sent_to(ina.customer)
    assert (sent.kind, sent.text) == ("template", "Hallo Ina, Ihre Rechnung ist korrigiert.")
    assert sent.body["template"]["name"] == "reply_later"
    assert sent.body["template"]["language"] == {"code": "de"}


async def test_without_a_template_the_desk_refuses_outside_the_window(
    desk: WhatsAppDesk,
) -> None:
    tom = talk(desk, "Hallo, noch jemand da?", age=timedelta(hours=25))
    await write_draft(desk.server.url, desk.api, tom.agent, tom.thread_id, "Ja, hier!")

    refused = submit(desk.api, tom.agent, tom.thread_id)

    assert refused.status_code == 409
    assert "approved message template" in refused.json()["error"]["message"]
    assert desk.cloud.sent_to(tom.customer) == []
    assert reply_state(desk.api, tom.agent, tom.thread_id)["text"] == "Ja, hier!"


# -- retries and refusals --------------------------------------------------------------------


async def test_the_same_idempotency_key_sends_once(cloud: FakeWhatsApp) -> None:
    number, lena = cloud.number(), cloud.customer("Lena Roth")
    cloud.message_webhook(number, lena, "Hallo")  # she wrote: her window is open
    adapter = WhatsAppAdapter(cloud.url)
    account = ChannelAccount(1, "whatsapp", "WhatsApp", number.id, {},
                             pack_secrets({"access_token": number.token}))
    ref = ThreadRef(f"dm:{lena.wa_id}", None, lena.wa_id, "private",
                    customer_last_at=datetime.now(UTC))

    first = await adapter.send_private_message(account, ref, "Hallo Lena", "tdm-1")
    again = await adapter.send_private_message(account, ref, "Hallo Lena", "tdm-1")

    assert again == first
    assert [s.id for s in cloud.sent_to(lena)] == [first.external_id]


async def test_an_outbox_retry_sends_once(desk: WhatsAppDesk) -> None:
    eva = talk(desk, "Wann kommt der Techniker?")
    desk.cloud.fail_next(131000, "Something went wrong", status=500)

    message_id = await reply(desk, eva, "Morgen zwischen 8 und 12 Uhr.")

    shown_sent = await shown(desk, eva, message_id, "sent")
    assert shown_sent["attempts"] == 2
    assert [s.text for s in desk.cloud.sent_to(eva.customer)] == ["Morgen zwischen 8 und 12 Uhr."]


@pytest.mark.parametrize(("refusal", "status", "words"), [
    ("131047", "failed", "more than 24 hours"),
    ("190", "failed", "access token"),
    ("130429", "queued", "sending limit"),
])
async def test_whatsapps_refusals_show_on_the_message(
    desk: WhatsAppDesk, refusal: str, status: str, words: str,
) -> None:
    asked = talk(desk, f"Frage {refusal}: geht das?")
    if refusal == "131047":
        desk.cloud.forget_window(asked.number, asked.customer)  # WhatsApp's clock disagrees
    else:
        desk.cloud.fail_next(int(refusal), "refused", status=401 if refusal == "190" else 400)

    message_id = await reply(desk, asked, "Ja, das geht.")

    shown_error = await until(lambda: (found := delivery(
        desk.api, asked.agent, asked.thread_id, message_id)).get("error") and found,
        "the refusal on the message")
    assert shown_error["status"] == status and words in shown_error["error"]
    assert refusal in shown_error["error"]
    assert desk.cloud.sent_to(asked.customer) == []
