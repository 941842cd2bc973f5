"""report.volume and report.response_times against threads, messages and replies written
at known times; every figure worked out by hand in the comments."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from server.models import Channel, Contact, Message, Thread
from tests.support.inprocess import InProcessDesk

PERIOD = {"since": "2026-11-09", "until": "2026-11-15"}  # Monday to Sunday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def _fixture(desk: InProcessDesk) -> dict[str, int]:
    """Six threads on two channels: four in the period, one the week before, one after."""
    async with desk.db.write() as tx:
        s = tx.session
        fb = Channel(network="facebook", adapter="meta", name="Shop FB")
        x = Channel(network="x", adapter="x", name="Shop X")
        s.add_all([fb, x])
        await s.flush()
        contacts = {c.network: Contact(channel_id=c.id, external_id=f"k-{c.network}",
                                       name="K") for c in (fb, x)}
        s.add_all(contacts.values())
        await s.flush()
        n = iter(range(1000))

        async def thread(channel: Channel, created: datetime, *, tags: list[str],
                         inbound: list[datetime], replies: list[datetime],
                         resolved: datetime | None = None) -> Thread:
            t = Thread(channel_id=channel.id, external_key=f"t-{next(n)}", visibility="public",
                       contact_id=contacts[channel.network].id, tags=tags, created_at=created,
                       resolved_at=resolved, status="resolved" if resolved else "open")
            s.add(t)
            await s.flush()
            for moment, direction in [*((m, "in") for m in inbound),
                                      *((m, "out") for m in replies)]:
                s.add(Message(thread_id=t.id, channel_id=channel.id, direction=direction,
                              external_id=f"m-{next(n)}", text="...", visibility="public",
                              created_at=moment, received_at=moment))
            return t

        # first response 600 s, handled in 7200 s
        await thread(fb, at(9, 8), tags=["paket"], inbound=[at(9, 8), at(9, 8, 30)],
                          replies=[at(9, 8, 10)], resolved=at(9, 10))
        # first response 3600 s, handled in 86400 s
        await thread(fb, at(9, 8, 20), tags=[], inbound=[at(9, 8, 20)],
                          replies=[at(9, 9, 20)], resolved=at(10, 8, 20))
        # first response 1800 s, not resolved
        await thread(x, at(10, 14), tags=["paket"], inbound=[at(10, 14)],
                          replies=[at(10, 14, 30)])
        # not answered
        await thread(x, at(11, 23), tags=[], inbound=[at(11, 23)], replies=[])
        # the previous week: first response 1200 s, handled in 3600 s
        await thread(fb, at(3, 12), tags=[], inbound=[at(3, 12)], replies=[at(3, 12, 20)],
                     resolved=at(3, 13))
        # after the period
        await thread(fb, at(16, 9), tags=["paket"], inbound=[at(16, 9)], replies=[])
    return {"fb": fb.id, "x": x.id}  # type: ignore[dict-item]


async def _report(desk: InProcessDesk, name: str, **params: Any) -> dict[str, Any]:
    return await desk.ok(desk.viewer, "GET", f"/api/reports/{name}",
                         params={**PERIOD, **params})


async def test_volume_by_network_channel_and_hour(desk: InProcessDesk) -> None:
    ids = await _fixture(desk)

    found = await _report(desk, "volume")

    # Inbound only: 2 + 1 on Facebook, 1 + 1 on X; the replies are not volume.
    assert found["total"] == 5
    assert found["by_network"] == [{"network": "facebook", "messages": 3},
                                   {"network": "x", "messages": 2}]
    assert found["by_channel"] == [
        {"network": "facebook", "channel_id": ids["fb"], "channel_name": "Shop FB",
         "messages": 3},
        {"network": "x", "channel_id": ids["x"], "channel_name": "Shop X", "messages": 2}]
    # Monday 8 o'clock three (08:00, 08:20, 08:30), Tuesday 14, Wednesday 23.
    assert found["heatmap"] == [{"weekday": 1, "hour": 8, "messages": 3},
                                {"weekday": 2, "hour": 14, "messages": 1},
                                {"weekday": 3, "hour": 23, "messages": 1}]
    previous = found["previous"]
    assert (previous["since"], previous["until"]) == ("2026-11-02", "2026-11-08")
    assert previous["total"] == 1
    assert previous["heatmap"] == [{"weekday": 2, "hour": 12, "messages": 1}]


async def test_volume_filtered_by_network_channel_and_tag(desk: InProcessDesk) -> None:
    ids = await _fixture(desk)

    assert (await _report(desk, "volume", network="x"))["total"] == 2
    assert (await _report(desk, "volume", channel_id=ids["fb"]))["total"] == 3
    tagged = await _report(desk, "volume", tag="paket")
    # Thread 1's two messages and thread 3's one.
    assert tagged["by_network"] == [{"network": "facebook", "messages": 2},
                                    {"network": "x", "messages": 1}]
    assert (await _report(desk, "volume", tag="nothing"))["total"] == 0


async def test_response_and_handling_time_percentiles(desk: InProcessDesk) -> None:
    await _fixture(desk)

    found = await _report(desk, "response-times")

    # First responses 600, 1800, 3600 s; thread 4 waits. p90: 1800 + 0.8 * 1800.
    assert found["first_response"] == {"count": 3, "waiting": 1, "mean": 2000.0,
                                       "p50": 1800.0, "p90": 3240.0}
    # Handled in 7200 and 86400 s; threads 3 and 4 are not resolved. p90: 7200 + 0.9 * 79200.
    assert found["handling"] == {"count": 2, "waiting": 2, "mean": 46800.0,
                                 "p50": 46800.0, "p90": 78480.0}
    assert found["previous"]["first_response"] == {"count": 1, "waiting": 0, "mean": 1200.0,
                                                   "p50": 1200.0, "p90": 1200.0}
    only_x = await _report(desk, "response-times", network="x")
    assert only_x["first_response"] == {"count": 1, "waiting": 1, "mean": 1800.0,
                                        "p50": 1800.0, "p90": 1800.0}
    assert only_x["handling"] == {"count": 0, "waiting": 2, "mean": None, "p50": None,
                                  "p90": None}
    tagged = await _report(desk, "response-times", tag="paket")
    assert tagged["first_response"]["p50"] == 1200.0  # 600 and 1800: halfway


@pytest.mark.parametrize("bad", [{"since": "2026-11-10", "until": "2026-11-09"},
                                 {"since": "2025-01-01", "until": "2026-11-09"},
                                 {"since": "9.11.2026"}, {"channel_id": 0},
                                 {"since": "0001-01-01", "until": "0001-01-02"},
                                 {"since": "9999-12-30", "until": "9999-12-31"}])
async def test_bad_periods_and_filters_are_refused(desk: InProcessDesk,
                                                   bad: dict[str, Any]) -> None:
    await desk.refuses(desk.viewer, "GET", "/api/reports/volume", 400, "invalid", params=bad)


async def test_only_who_may_see_reports_sees_them(desk: InProcessDesk) -> None:
    for name in ("volume", "response-times"):
        await desk.refuses(desk.agent, "GET", f"/api/reports/{name}", 403, "forbidden")


async def test_the_page_shows_the_same_figures_in_both_languages(desk: InProcessDesk) -> None:
    await _fixture(desk)
    for language, title in (("de", "Berichte"), ("en", "Reports")):
        page = await desk.rest(desk.viewer, "GET", "/reports", params=PERIOD,
                               headers={"accept-language": language})
        assert page.status_code == 200
        assert f"<h1>{title}</h1>" in page.text
        # The tables: 5 messages (1 before), Monday 8 o'clock 3, first response p90 54.0 min.
        assert '<td class="num">5</td>' in page.text
        assert '<td class="num">1</td>' in page.text
        assert '<td class="heat-5">3</td>' in page.text
        assert '<td class="num">54.0</td>' in page.text
        assert 'id="chart-volume"' in page.text
    bad = await desk.rest(desk.viewer, "GET", "/reports", params={"since": "x"})
    assert bad.status_code == 400
    assert 'role="alert"' in bad.text
    assert (await desk.rest(desk.agent, "GET", "/reports")).status_code == 403


async def _csv(desk: InProcessDesk, name: str, **params: Any) -> list[dict[str, str]]:
    download = await desk.rest(desk.viewer, "GET", f"/reports/{name}.csv",
                               params={**PERIOD, **params})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(download.text)))


def _figure(value: str) -> float | None:
    return None if value == "" else float(value)


async def test_each_reports_csv_has_the_figures_of_its_json(desk: InProcessDesk) -> None:
    await _fixture(desk)
    volume = await _report(desk, "volume")
    times = await _report(desk, "response-times", network="x")

    rows = await _csv(desk, "volume")
    assert [(r["period"], int(r["channel_id"]), int(r["messages"])) for r in rows] == [
        *(("this", c["channel_id"], c["messages"]) for c in volume["by_channel"]),
        *(("previous", c["channel_id"], c["messages"]) for c in volume["previous"]["by_channel"])]
    cells = await _csv(desk, "heatmap")
    assert [(r["period"], int(r["weekday"]), int(r["hour"]), int(r["messages"]))
            for r in cells] == [
        *(("this", c["weekday"], c["hour"], c["messages"]) for c in volume["heatmap"]),
        *(("previous", c["weekday"], c["hour"], c["messages"])
          for c in volume["previous"]["heatmap"])]
    measured = await _csv(desk, "response-times", network="x")
    assert len(measured) == 4
    for row in measured:
        d = (times if row["period"] == "this" else times["previous"])[row["measure"]]
        assert (int(row["count"]), int(row["waiting"])) == (d["count"], d["waiting"])
        assert [_figure(row[k]) for k in ("mean_seconds", "p50_seconds", "p90_seconds")] == [
            d["mean"], d["p50"], d["p90"]]
    assert (await desk.rest(desk.agent, "GET", "/reports/volume.csv")).status_code == 403
    assert (await desk.rest(desk.viewer, "GET", "/reports/nothing.csv")).status_code == 404
