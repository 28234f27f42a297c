"""Do two runs of words sound alike? For spotting key phrases in a machine transcript.

A speech engine writes what it heard as the nearest words it knows: "security review"
may come out as "security with you". Comparing the phrases' phonemes (from the CMU
pronouncing dictionary inside the PocketSphinx wheel) with a normalised Levenshtein
distance (rapidfuzz) finds the phrase anyway. Only the words asked about are kept from
the 134,000-word dictionary, so this costs a file scan, not 30 MB.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def dictionary_path() -> Path:
    from pocketsphinx import get_model_path

    return Path(get_model_path()) / "en-us" / "cmudict-en-us.dict"


class SoundsLike:
    def __init__(self, words: Iterable[str], dictionary: Path | None = None) -> None:
        wanted = {w.lower() for w in words}
        self._phones: dict[str, tuple[str, ...]] = {}
        with (dictionary or dictionary_path()).open(encoding="utf-8") as lines:
            for line in lines:
                word, _, phones = line.partition(" ")
                if word in wanted and word not in self._phones:  # the first pronunciation
                    self._phones[word] = tuple(phones.split())

    def phones(self, words: Iterable[str]) -> tuple[str, ...] | None:
        found: list[str] = []
        for word in words:
            known = self._phones.get(word.lower())
            if known is None:
                return None  # a word without a pronunciation: compare letters instead
            found.extend(known)
        return tuple(found)

    def similarity(self, said: list[str], phrase: list[str]) -> float:
        """0..1: 1 when the phonemes are the same."""
        from rapidfuzz.distance import Levenshtein

        heard, wanted = self.phones(said), self.phones(phrase)
        if heard is None or wanted is None:
            return Levenshtein.normalized_similarity(" ".join(said), " ".join(phrase))
        return Levenshtein.normalized_similarity(heard, wanted)
