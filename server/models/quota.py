"""API quota a channel spent, per day of its network's calendar (YouTube's day is Pacific)."""

from datetime import date

from sqlmodel import Field, SQLModel


class ChannelQuota(SQLModel, table=True):
    """Units one channel spent on one day; every desk process adds to the same row."""

    __tablename__ = "channel_quota"

    channel_id: int = Field(foreign_key="channel.id", primary_key=True)
    day: date = Field(primary_key=True)
    units_used: int = 0
