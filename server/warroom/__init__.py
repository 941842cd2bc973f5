"""The war room's figures: the seven early-warning KPIs (docs/war-room.md)."""
