"""What the report commands answer."""

from __future__ import annotations

from server.commands.results import Result


class NetworkVolume(Result):
    network: str
    messages: int


class ChannelVolume(Result):
    network: str
    channel_id: int
    channel_name: str
    messages: int


class HeatmapCell(Result):
    weekday: int  # 0 Sunday .. 6 Saturday
    hour: int  # 0 .. 23, UTC
    messages: int


class VolumePeriod(Result):
    since: str
    until: str
    total: int
    by_network: list[NetworkVolume]
    by_channel: list[ChannelVolume]
    heatmap: list[HeatmapCell]  # only the cells with messages


class VolumeReport(VolumePeriod):
    previous: VolumePeriod


class Distribution(Result):
    count: int  # threads with a value
    waiting: int  # threads without one yet (not answered, not resolved)
    mean: float | None
    p50: float | None
    p90: float | None


class ResponseTimesPeriod(Result):
    since: str
    until: str
    first_response: Distribution
    handling: Distribution


class ResponseTimesReport(ResponseTimesPeriod):
    previous: ResponseTimesPeriod
