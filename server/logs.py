"""How the desk logs: one line per record on stderr, as JSON or as text, with the request id.

`tandem serve` hands this to uvicorn as its logging configuration, so uvicorn's own lines,
the desk's (`tandem.*`) and the access lines (`tandem.http`, written by
server.request_ids.RequestIdMiddleware) share one format. JSON uses python-json-logger: the
record's fields plus whatever a call passes in `extra`.
"""

from __future__ import annotations

from typing import Any

from server.settings import Settings

TEXT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


def log_config(settings: Settings) -> dict[str, Any]:
    level = settings.log_level.upper()
    formatter: dict[str, Any] = {"format": TEXT}
    if settings.log_format == "json":
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "server.request_ids.RequestIdFilter"}},
        "formatters": {"desk": formatter},
        "handlers": {"stderr": {
            "class": "logging.StreamHandler", "stream": "ext://sys.stderr",
            "formatter": "desk", "filters": ["request_id"],
        }},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            # The desk's access lines replace uvicorn's (which cannot know the request id).
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": level},
    }
