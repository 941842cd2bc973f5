"""Public to private and back, end to end: a real desk, the fake networks, a live board."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from tests.fakes.desk import NetworkDesk, eventually, wait_until
from tests.support.desk_api import DeskApi, Person, item
from tests.support.live import LiveBoard


def card_of(api: DeskApi, person: Person, thread_id: int) -> dict[str, Any]:
    response = api.call(person, "GET", f"/api/threads/{thread_id}")
    assert response.status_code == 200, response.text
    return response.json()


def thread_with(api: DeskApi, person: Person, text: str) -> dict[str, Any]:
    return wait_until(lambda: [c for c in api.threads(person, q=text, status="all")["threads"]
                               if text in c["excerpt"]], what=text)[0]


def approve(api: DeskApi, supervisor: Person, approval_id: int) -> None:
    response = api.call(supervisor, "POST", f"/api/approvals/{approval_id}/approve", json={})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "sent"


async def test_facebook_comment_to_messenger_and_back(network_desk: NetworkDesk) -> None:
    desk, fake, api = network_desk, network_desk.meta, network_desk.api
    page = fake.account("facebook")
    channel = desk.meta_channel(page)
    agent, supervisor = api.person(), api.person("supervisor")
    board = LiveBoard(desk.server.url, agent.token)
    assert (await board.connect(since=api.threads(agent)["seq"]))["ok"]
    anna = fake.customer("Anna Kühn")
    comment = fake.comment(page, anna, "Seit drei Tagen kein Strom in der Lindenstraße!")
    posted = desk.post_meta(channel, fake.comment_webhook(comment), page.app_secret)
    assert posted.status_code == 200
    opened = await board.wait_for(lambda b: [e for e in b.of_type("thread.opened")
                                             if e["payload"]["card"]["channel_id"] == channel])
    public_id = opened[0]["payload"]["card"]["id"]

    taken = api.call(agent, "POST", f"/api/threads/{public_id}/take-private",
                     json={"text": "Hallo Anna, schicken Sie uns bitte Ihre Vertragsnummer."})
    assert taken.status_code == 200, taken.text
    escalated = taken.json()
    assert escalated["path"] == "private_reply" and escalated["holding_reply"] == "none"
    private_id = escalated["private_thread_id"]

    # The fake Graph API got exactly one private reply to that comment.
    await eventually(lambda: fake.sent_of("private_reply", comment.id), what="private reply")
    await board.wait_for(lambda b: b.of_type("escalation.linked"), what="the link")
    await asyncio.sleep(0.3)
    [private_reply] = fake.sent_of("private_reply", comment.id)
    assert private_reply.target == comment.id
    assert private_reply.body["recipient"] == {"comment_id": comment.id}
    taken_event = board.of_type("escalation.taken_private")[0]["payload"]
    assert taken_event["card"]["private_thread_id"] == private_id

    # The customer answers in Messenger, with their Messenger id: it lands in the linked thread.
    answer = fake.message_webhook(page, anna, "Vertragsnummer 4711")
    assert desk.post_meta(channel, answer, page.app_secret).json()["stored"] == 1
    private = card_of(api, agent, private_id)
    assert [m["text"] for m in private["messages"]][-1] == "Vertragsnummer 4711"
    assert private["thread"]["public_thread_id"] == public_id
    assert private["thread"]["author"]["name"] == "Anna Kühn"
    assert private["thread"]["message_window_until"]  # 24 hours from her message

    # Back to public: the follow-up waits for approval (the default policy), then goes out.
    back = api.call(agent, "POST", f"/api/threads/{private_id}/back-to-public",
                    json={"text": "Der Strom ist wieder da. Danke für Ihre Geduld!"})
    assert back.status_code == 200, back.text
    assert back.json()["outcome"] == "pending_approval"
    approve(api, supervisor, back.json()["approval_id"])
    await eventually(lambda: fake.sent_of("public_reply", comment.id), what="public follow-up")
    await asyncio.sleep(0.3)
    [follow_up] = fake.sent_of("public_reply", comment.id)
    assert follow_up.text == "Der Strom ist wieder da. Danke für Ihre Geduld!"
    assert len(fake.sent_of("private_reply", comment.id)) == 1

    # Both threads show the link and the outcome on the board.
    returned = await board.wait_for(lambda b: b.of_type("escalation.back_to_public"))
    assert returned[0]["payload"]["card"]["status"] == "resolved"
    public_card = card_of(api, agent, public_id)["thread"]
    assert public_card["private_thread_id"] == private_id
    assert public_card["private_reply_until"] is None  # used: one private reply per comment
    await board.disconnect()


async def test_instagram_round_trip_with_a_holding_reply(network_desk: NetworkDesk) -> None:
    desk, fake, api = network_desk, network_desk.meta, network_desk.api
    account = fake.account("instagram")
    channel = desk.meta_channel(account)
    agent, supervisor = api.person(), api.person("supervisor")
    bea = fake.customer("bea.sommer", "instagram")
    comment = fake.comment(account, bea, "Warum ist meine Bestellung storniert?")
    desk.post_meta(channel, fake.comment_webhook(comment), account.app_secret)
    public_id = thread_with(api, agent, "Bestellung storniert")["id"]

    taken = api.call(agent, "POST", f"/api/threads/{public_id}/take-private",
                     json={"text": "Wir klären das per DM.", "holding_reply": True})
    assert taken.status_code == 200, taken.text
    assert taken.json()["holding_reply"] == "pending_approval"
    approve(api, supervisor, taken.json()["holding_id"])
    await eventually(lambda: fake.sent_of("private_reply", comment.id)
                     and fake.sent_of("public_reply", comment.id), what="both replies")
    # Bea wrote in German: the holding reply is the German variant of the template.
    assert fake.sent_of("public_reply", comment.id)[0].text == (
        "Danke, bea.sommer. Wir haben Ihnen eine private Nachricht geschickt.")

    desk.post_meta(channel, fake.message_webhook(account, bea, "Bestellnummer 99"),
                   account.app_secret)
    private_id = taken.json()["private_thread_id"]
    private = card_of(api, agent, private_id)
    assert [m["text"] for m in private["messages"]][-1] == "Bestellnummer 99"
    assert private["thread"]["author"]["name"] == "bea.sommer"

    back = api.call(agent, "POST", f"/api/threads/{private_id}/back-to-public",
                    json={"text": "Bestellung ist wieder aktiv."})
    approve(api, supervisor, back.json()["approval_id"])
    await eventually(lambda: len(fake.sent_of("public_reply", comment.id)) == 2, what="follow-up")
    await asyncio.sleep(0.3)
    assert [s.text for s in fake.sent_of("public_reply", comment.id)][-1] == (
        "Bestellung ist wieder aktiv.")
    assert len(fake.sent_of("private_reply", comment.id)) == 1


async def test_the_holding_reply_speaks_the_customers_language_or_the_persons_words(
    network_desk: NetworkDesk,
) -> None:
    desk, fake, api = network_desk, network_desk.meta, network_desk.api
    account = fake.account("instagram")
    channel = desk.meta_channel(account)
    agent, supervisor = api.person("supervisor"), api.person("supervisor")
    tom, lea = fake.customer("tom.hill", "instagram"), fake.customer("lea.kern", "instagram")
    english = fake.comment(account, tom, "Why is my order still not here? Please help")
    german = fake.comment(account, lea, "Meine Rechnung ist falsch, bitte prüfen")
    for comment in (english, german):
        desk.post_meta(channel, fake.comment_webhook(comment), account.app_secret)
    english_id = thread_with(api, agent, "order still not here")["id"]
    german_id = thread_with(api, agent, "Rechnung ist falsch")["id"]

    default = api.call(agent, "POST", f"/api/threads/{english_id}/take-private",
                       json={"text": "We will sort this out in private.",
                             "holding_reply": True})
    edited = api.call(agent, "POST", f"/api/threads/{german_id}/take-private",
                      json={"text": "Wir klären das privat.", "holding_reply": True,
                            "holding_text": "Liebe Lea, schauen Sie bitte in Ihre Nachrichten."})

    for taken in (default, edited):
        assert taken.status_code == 200, taken.text
        approve(api, supervisor, taken.json()["holding_id"])
    await eventually(lambda: fake.sent_of("public_reply", english.id)
                     and fake.sent_of("public_reply", german.id), what="both holding replies")
    assert fake.sent_of("public_reply", english.id)[0].text == (
        "Thank you, tom.hill. We have sent you a private message.")
    assert fake.sent_of("public_reply", german.id)[0].text == (
        "Liebe Lea, schauen Sie bitte in Ihre Nachrichten.")


async def test_x_tweet_to_direct_message_and_back(network_desk: NetworkDesk) -> None:
    desk, fake, api = network_desk, network_desk.x, network_desk.api
    brand = fake.account()
    channel = desk.x_channel(brand)
    agent, supervisor = api.person(), api.person("supervisor")
    carl = fake.user("Carl Brandt")
    tweet = fake.tweet(carl, "@brand Drei Wochen auf den Techniker gewartet!")
    desk.post_x(channel, fake.tweet_webhook(brand, tweet), brand.consumer_secret)
    public = thread_with(api, agent, "auf den Techniker gewartet")
    assert public["private_reply_until"] is None  # X has no window

    taken = api.call(agent, "POST", f"/api/threads/{public['id']}/take-private",
                     json={"text": "Carl, wir melden uns per DM."})
    assert taken.status_code == 200, taken.text
    assert taken.json()["path"] == "direct_message"
    await eventually(lambda: fake.sent_of("dm", carl.id), what="the DM")

    desk.post_x(channel, fake.dm_webhook(brand, carl, "Auftragsnummer A-17"),
                brand.consumer_secret)
    private_id = taken.json()["private_thread_id"]
    assert [m["text"] for m in card_of(api, agent, private_id)["messages"]][-1] == (
        "Auftragsnummer A-17")

    back = api.call(agent, "POST", f"/api/threads/{private_id}/back-to-public",
                    json={"text": "Termin steht, danke Carl!"})
    approve(api, supervisor, back.json()["approval_id"])
    await eventually(lambda: fake.sent_of("tweet", tweet.id), what="the public reply")
    await asyncio.sleep(0.3)
    [reply] = fake.sent_of("tweet", tweet.id)
    assert reply.body["reply"] == {"in_reply_to_tweet_id": tweet.id}
    assert len(fake.sent_of("dm", carl.id)) == 1


def test_an_old_comment_cannot_get_a_private_reply(network_desk: NetworkDesk) -> None:
    desk, fake, api = network_desk, network_desk.meta, network_desk.api
    page = fake.account("facebook")
    channel = desk.meta_channel(page)
    agent = api.person()
    comment = fake.comment(page, fake.customer("Olaf"), "Alte Beschwerde von letzter Woche",
                           age=timedelta(days=8))
    desk.post_meta(channel, fake.comment_webhook(comment), page.app_secret)
    public = thread_with(api, agent, "Alte Beschwerde")
    refused = api.call(agent, "POST", f"/api/threads/{public['id']}/take-private",
                       json={"text": "Hallo Olaf"})
    assert refused.status_code == 400
    assert "7 days" in refused.json()["error"]["message"]
    assert fake.sent_of("private_reply", comment.id) == []
    assert card_of(api, agent, public["id"])["thread"]["private_thread_id"] is None


def test_refusals_without_a_private_path_or_with_someone_elses_claim(
    network_desk: NetworkDesk,
) -> None:
    desk, fake, api = network_desk, network_desk.meta, network_desk.api
    agent, other = api.person(), api.person()
    generic = api.webhook_channel("Shop form")
    api.ingest(generic, item("Formular: Paket beschädigt"))
    plain = thread_with(api, agent, "Paket beschädigt")
    refused = api.call(agent, "POST", f"/api/threads/{plain['id']}/take-private",
                       json={"text": "Hallo"})
    assert refused.status_code == 400 and "no private path" in refused.json()["error"]["message"]
    assert refused.json()["error"]["code"] == "no_private_path"

    page = fake.account("facebook")
    channel = desk.meta_channel(page)
    comment = fake.comment(page, fake.customer("Pia"), "Wer hilft mir bei der Umstellung?")
    desk.post_meta(channel, fake.comment_webhook(comment), page.app_secret)
    public = thread_with(api, agent, "bei der Umstellung")
    assert api.call(other, "POST", f"/api/threads/{public['id']}/claim").status_code == 200
    held = api.call(agent, "POST", f"/api/threads/{public['id']}/take-private",
                    json={"text": "Hallo Pia"})
    assert held.status_code == 409 and held.json()["error"]["code"] == "claim_held"
    viewer = api.person("viewer")
    forbidden = api.call(viewer, "POST", f"/api/threads/{public['id']}/take-private",
                         json={"text": "Hallo Pia"})
    assert forbidden.status_code == 403
    back = api.call(agent, "POST", f"/api/threads/{public['id']}/back-to-public",
                    json={"text": "x"})
    assert back.status_code in (400, 409)
    assert fake.sent_of("private_reply", comment.id) == []


def test_the_thread_page_panel_shows_the_window_and_takes_it_private(
    network_desk: NetworkDesk,
) -> None:
    desk, fake, api = network_desk, network_desk.meta, network_desk.api
    page = fake.account("facebook")
    channel = desk.meta_channel(page)
    agent = api.person()
    fresh = fake.comment(page, fake.customer("Rita"), "Zählerstand falsch abgelesen")
    stale = fake.comment(page, fake.customer("Sven"), "Beschwerde von vor neun Tagen",
                         age=timedelta(days=9))
    for comment in (fresh, stale):
        desk.post_meta(channel, fake.comment_webhook(comment), page.app_secret)
    fresh_id = thread_with(api, agent, "Zählerstand falsch")["id"]
    stale_id = thread_with(api, agent, "vor neun Tagen")["id"]
    htmx = {**agent.headers, "HX-Request": "true"}

    open_panel = api.http.get(f"/threads/{fresh_id}/escalation", headers=htmx)
    assert open_panel.status_code == 200
    assert "Private reply possible until" in open_panel.text
    assert "Take it private" in open_panel.text
    closed = api.http.get(f"/threads/{stale_id}/escalation", headers=htmx)
    assert "no longer possible" in closed.text and "Take it private" not in closed.text

    refused = api.http.post(f"/threads/{stale_id}/take-private", headers=htmx,
                            data={"text": "Hallo Sven"})
    assert refused.status_code == 400 and "7 days" in refused.text
    taken = api.http.post(f"/threads/{fresh_id}/take-private", headers=htmx,
                          data={"text": "Hallo Rita, wir melden uns privat."})
    assert taken.status_code == 200 and "private follow-up" in taken.text
    wait_until(lambda: fake.sent_of("private_reply", fresh.id), what="the private reply")


async def test_a_customer_who_wrote_privately_before_continues_there(
    network_desk: NetworkDesk,
) -> None:
    desk, fake, api = network_desk, network_desk.meta, network_desk.api
    page = fake.account("facebook")
    channel = desk.meta_channel(page)
    agent = api.person()
    tom = fake.customer("Tom Weber")
    desk.post_meta(channel, fake.message_webhook(page, tom, "Frage zu meinem Tarif"),
                   page.app_secret)
    earlier = thread_with(api, agent, "Frage zu meinem Tarif")
    comment = fake.comment(page, tom, "Und öffentlich: wo bleibt die Antwort?")
    desk.post_meta(channel, fake.comment_webhook(comment), page.app_secret)
    public = thread_with(api, agent, "wo bleibt die Antwort")

    taken = api.call(agent, "POST", f"/api/threads/{public['id']}/take-private",
                     json={"text": "Wir antworten Ihnen im Chat."})
    assert taken.status_code == 200, taken.text

    def continued() -> dict[str, Any] | None:
        shown = card_of(api, agent, public["id"])["thread"]
        return shown if shown["private_thread_id"] == earlier["id"] else None

    await eventually(continued, what="the link to the earlier conversation")
    conversation = card_of(api, agent, earlier["id"])
    assert [m["text"] for m in conversation["messages"]] == [
        "Frage zu meinem Tarif", "Wir antworten Ihnen im Chat."]
    assert conversation["thread"]["public_thread_id"] == public["id"]
    placeholder = card_of(api, agent, taken.json()["private_thread_id"])["thread"]
    assert placeholder["status"] == "resolved" and placeholder["message_count"] == 0
    desk.post_meta(channel, fake.message_webhook(page, tom, "Danke!"), page.app_secret)
    assert card_of(api, agent, earlier["id"])["messages"][-1]["text"] == "Danke!"
