"""Incidents: near-duplicate complaints grouped as they arrive (docs/war-room.md).

`terms.py` reads what a post is about, `grouping.py` decides in memory where it belongs,
`step.py` is the ingest step that does it in the batch's transaction and keeps the
incidents' rows (the truth every process shares).
"""
