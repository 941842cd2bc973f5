"""Merging customers and splitting them again on a real desk: nothing is lost, a split
restores exactly what the merge moved, and refusals change nothing."""

from __future__ import annotations

from tests.customers.desk import customer, merge, picture, suggestions
from tests.support.desk_api import DeskApi, item


def _author(name: str, tag: str) -> dict[str, str]:
    return {"id": f"{tag}-{name}", "name": name}


def test_merge_then_split_restores_every_contact_thread_and_message(api: DeskApi) -> None:
    agent = api.person()
    facebook, mail = api.webhook_channel("Shop page"), api.webhook_channel("Shop mail")
    anna = _author("Anna Berg", "merge-a")
    api.ingest(facebook, item("Where is my parcel? merge-a1", author=anna),
               item("Still waiting merge-a2", author=anna, visibility="private"))
    api.ingest(mail, item("Order 77 missing merge-b1", author=_author("A. Berg", "merge-b")))
    kept = api.thread_by_text(agent, "merge-a1")["customer_id"]
    other = api.thread_by_text(agent, "merge-b1")["customer_id"]
    assert kept != other
    noted = api.call(agent, "POST", f"/api/customers/{other}/notes",
                     json={"text": "Prefers e-mail"})
    assert noted.status_code == 201, noted.text
    assert api.call(agent, "PATCH", f"/api/customers/{other}",
                    json={"tags": ["returns"], "vip": True}).status_code == 200
    before_kept, before_other = picture(api, agent, kept), picture(api, agent, other)

    merged = merge(api, agent, kept, other)

    together = customer(api, agent, kept)
    assert merged["customer"]["vip"] and "returns" in merged["customer"]["tags"]
    assert sorted(c["id"] for c in together["contacts"]) == sorted(
        before_kept["contacts"] + before_other["contacts"])
    assert {t["id"] for t in together["threads"]} == set(before_kept["threads"]) | set(
        before_other["threads"])
    assert {t["customer_id"] for t in together["threads"]} == {kept}
    assert customer(api, agent, other)["customer"]["id"] == kept  # followed to the merge
    [undo] = together["merges"]

    split = api.call(agent, "POST", f"/api/customers/{kept}/split",
                     json={"merge_id": undo["id"]})

    assert split.status_code == 200, split.text
    assert picture(api, agent, kept) == before_kept
    assert picture(api, agent, other) == before_other
    assert customer(api, agent, other)["customer"]["merged_into_id"] is None
    again = api.call(agent, "POST", f"/api/customers/{kept}/split",
                     json={"merge_id": undo["id"]})
    assert again.status_code == 409, again.text


def test_what_a_merged_contact_writes_meanwhile_goes_back_with_it(api: DeskApi) -> None:
    agent = api.person()
    channel = api.webhook_channel()
    lena, ben = _author("Lena Roth", "meanwhile-l"), _author("Ben Roth", "meanwhile-b")
    api.ingest(channel, item("first from Lena meanwhile-1", author=lena),
               item("first from Ben meanwhile-2", author=ben))
    kept = api.thread_by_text(agent, "meanwhile-1")["customer_id"]
    other = api.thread_by_text(agent, "meanwhile-2")["customer_id"]
    merge_id = merge(api, agent, kept, other)["merge_id"]

    api.ingest(channel, item("Ben again, a new thread meanwhile-3", author=ben))
    assert api.thread_by_text(agent, "meanwhile-3")["customer_id"] == kept
    split = api.call(agent, "POST", f"/api/customers/{kept}/split", json={"merge_id": merge_id})

    assert split.status_code == 200, split.text
    assert api.thread_by_text(agent, "meanwhile-3")["customer_id"] == other
    assert api.thread_by_text(agent, "meanwhile-1")["customer_id"] == kept


def test_contacts_split_off_become_a_customer_and_merge_back(api: DeskApi) -> None:
    agent = api.person()
    channel = api.webhook_channel()
    api.ingest(channel, item("one splitoff-1", author=_author("Mia Kern", "splitoff-a")),
               item("two splitoff-2", author=_author("Mia K.", "splitoff-b")))
    kept = api.thread_by_text(agent, "splitoff-1")["customer_id"]
    other = api.thread_by_text(agent, "splitoff-2")["customer_id"]
    merge(api, agent, kept, other)
    together = customer(api, agent, kept)
    leaving = [c["id"] for c in together["contacts"] if c["name"] == "Mia K."]

    split = api.call(agent, "POST", f"/api/customers/{kept}/split",
                     json={"contact_ids": leaving})

    assert split.status_code == 200, split.text
    fresh = split.json()["restored"]["id"]
    assert api.thread_by_text(agent, "splitoff-2")["customer_id"] == fresh
    assert [c["id"] for c in customer(api, agent, fresh)["contacts"]] == leaving
    everyone = api.call(agent, "POST", f"/api/customers/{kept}/split",
                        json={"contact_ids": [c["id"] for c in customer(api, agent, kept)
                                              ["contacts"]]})
    assert everyone.status_code == 400, everyone.text


def test_refused_merges_and_edits_change_nothing(api: DeskApi) -> None:
    viewer, agent = api.person("viewer"), api.person()
    channel = api.webhook_channel()
    api.ingest(channel, item("refused-1", author=_author("Tom Weiss", "refused-a")),
               item("refused-2", author=_author("Tom Weiss", "refused-b")))
    kept = api.thread_by_text(agent, "refused-1")["customer_id"]
    other = api.thread_by_text(agent, "refused-2")["customer_id"]
    before = picture(api, agent, kept), picture(api, agent, other)

    answers = [
        api.call(viewer, "POST", f"/api/customers/{kept}/merge", json={"other_id": other}),
        api.call(viewer, "PATCH", f"/api/customers/{kept}", json={"vip": True}),
        api.call(viewer, "POST", f"/api/customers/{kept}/notes", json={"text": "no"}),
        api.call(agent, "POST", f"/api/customers/{kept}/merge", json={"other_id": kept}),
        api.call(agent, "PATCH", f"/api/customers/{kept}", json={"attributes": {"nope": 1}}),
    ]

    assert [a.status_code for a in answers] == [403, 403, 403, 400, 400]
    assert "attributes.nope" in answers[-1].json()["error"]["message"]
    assert (picture(api, agent, kept), picture(api, agent, other)) == before
    assert not customer(api, agent, kept)["customer"]["vip"]
    # Same name: a similar-name suggestion, with its reason and a modest confidence.
    [found] = [s for s in suggestions(api, agent, kept) if s["customer_id"] == other]
    assert found["reasons"][0]["reason"] == "similar_name" and found["confidence"] <= 0.6
