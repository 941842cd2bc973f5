"""Python heap per open thread, measured with tracemalloc in a process of its own.

`python -m bench.heap <database_url> <api_token>` builds what a board loads for up to 5,000
threads (board_cards, each card dumped to JSON-ready dicts, the JSON text; the page embeds
the first 200 and fetches the rest in pages) and prints one JSON line: the peak of traced
allocations while doing it, and what is still referenced at the end (the dicts and the text
a response would hold), per card. The desk keeps no per-thread state between requests, so
this is the cost of loading a board.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import tracemalloc
from typing import Any


async def measure(token: str) -> dict[str, Any]:
    from server.actions.accounts import actor_for_api_token
    from server.db import Database
    from server.queries.cards import BoardFilter, board_cards
    from server.settings import Settings

    db = Database(Settings().database)
    try:
        actor = await actor_for_api_token(db, token)
        if actor is None:
            raise SystemExit("the API token is not valid")

        async def load() -> tuple[list[dict[str, Any]], str]:
            async with db.read() as session:
                cards = await board_cards(session, actor, BoardFilter(limit=5000))
            data = [c.model_dump(mode="json") for c in cards]
            return data, json.dumps(data)

        await load()  # warm: imports, compiled statements, pools
        gc.collect()
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        data, text = await load()
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        count = len(data)
        return {
            "cards": count,
            "peak_kb_per_card": round((peak - base) / 1024 / count, 2) if count else None,
            "held_kb_per_card": round((held - base) / 1024 / count, 2) if count else None,
            "json_bytes_per_card": round(len(text) / count) if count else None,
        }
    finally:
        await db.dispose()


def main() -> None:
    os.environ["TANDEM_DATABASE_URL"] = sys.argv[1]
    print(json.dumps(asyncio.run(measure(sys.argv[2]))), flush=True)


if __name__ == "__main__":
    main()
