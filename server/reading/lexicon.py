"""The lexicon files in data/: one `word<TAB>valence` a line, `#` starts a comment."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"


def load(name: str) -> dict[str, float]:
    entries: dict[str, float] = {}
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, valence = line.split("\t")
            entries[word] = float(valence)
    return entries
