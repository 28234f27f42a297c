"""Word error rate: how far a transcript is from what was really said.

For an admin's check of an engine on their own recordings (`companion transcribe FILE
--reference TEXT`). Counted as usual: (substitutions + deletions + insertions) / words
said, on lower-cased words without punctuation.
"""

from __future__ import annotations

import re

TITLES = {"mr": "mister", "mrs": "missus", "dr": "doctor"}


def words_of(text: str) -> list[str]:
    """Lower case, no punctuation, hyphens as spaces, "Mr." as "mister"."""
    words = re.sub(r"[^\w' ]", " ", text.lower().replace("-", " ")).split()
    return [TITLES.get(word, word) for word in words]


def word_error_rate(reference: str, heard: str) -> float:
    said, got = words_of(reference), words_of(heard)
    if not said:
        return 0.0 if not got else 1.0
    previous = list(range(len(got) + 1))
    for i, word in enumerate(said, 1):
        current = [i]
        for j, other in enumerate(got, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
            )
        previous = current
    return previous[-1] / len(said)
