"""Masking numbers (cards, phones, accounts), and by policy e-mail addresses and IBANs,
before a transcript is kept.

A number counts however it was said or written: digits ("4111 1111", "4,111"), digit
words ("four one one one", "oh", "double four", "triple seven"), number words with tens,
"hundred" and "thousand" ("forty-one eleven", "four thousand one hundred eleven"),
ordinals ("twenty-first"), and any mix of these, which is what a speech engine writes.
A run goes on across a pause and across a turn to the other speaker: only an ordinary
word ends it. A run is masked when it holds at least the policy's number of digits, or
when its digits hold a card number (13 to 19 digits that pass the Luhn check), however
short the policy's run is. Each masked run is counted once for the audit entry; the
digits themselves are never kept anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from companion.core.policy.model import Transcription
from companion.core.transcripts.model import SpokenWord, Transcript, TranscriptLine

MASK = "[number]"
EMAIL_MASK = "[email]"
IBAN_MASK = "[iban]"
MASKS = frozenset([MASK, EMAIL_MASK, IBAN_MASK])

UNITS = {
    "zero": 0, "oh": 0, "o": 0, "nought": 0, "naught": 0, "nil": 0,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
    "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70,
    "eightieth": 80, "ninetieth": 90,
}  # fmt: skip
SCALES = {"hundred": 100, "hundredth": 100, "thousand": 1000, "thousandth": 1000}
REPEATS = {"double": 2, "triple": 3}
CONNECTORS = frozenset(["and", "dash", "hyphen"])  # "one hundred and eleven", "41 dash 11"
# What an engine writes for a digit it misheard ("for one one one to two"). They count
# only inside a run that is mostly real digits, and never at its ends.
SOUNDS_LIKE_DIGITS = {"for": 4, "to": 2, "too": 2, "won": 1, "ate": 8}
WRITTEN = re.compile(r"^[\d\-./,()+]*\d[\d\-./,()+]*(st|nd|rd|th|s)?$")
STRIP = ".,;:!?\"'()[]"


def _bare(text: str) -> str:
    return text.lower().strip(STRIP)


def _pieces(text: str) -> list[str]:
    """A word as number tokens: "forty-one" -> ["forty", "one"]; "4111-1111" stays whole."""
    bare = _bare(text)
    if WRITTEN.match(bare):
        return [bare]
    return [piece for piece in bare.split("-") if piece]


def _is_number_token(token: str) -> bool:
    return (
        token in UNITS
        or token in TEENS
        or token in TENS
        or token in ORDINALS
        or token in SCALES
        or bool(WRITTEN.match(token))
    )


def is_number_word(text: str) -> bool:
    """A word that is (part of) a number, however written."""
    pieces = _pieces(text)
    return bool(pieces) and all(_is_number_token(p) for p in pieces)


class _Digits:
    """Spoken and written number tokens, in order, as the digits they stand for."""

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self._total = 0  # thousands so far in the number being said
        self._group: int | None = None  # below a thousand
        self._last = ""  # kind of the last token
        self._said = 0  # the value of the last number word, as said
        self._repeat = 0

    def _flush(self) -> None:
        if self._group is not None or self._total:
            self.chunks.append(str(self._total + (self._group or 0)))
        self._total, self._group, self._last = 0, None, ""

    def _value(self, value: int, kind: str) -> None:
        self._said = value
        joins = (self._last in ("hundred", "thousand") and value < 100) or (
            self._last == "tens" and kind == "unit" and value and (self._group or 0) % 10 == 0
        )
        if joins:
            self._group = (self._group or 0) + value
        else:
            self._flush()
            self._group = value
        self._last = kind

    def add(self, token: str) -> None:
        if token in REPEATS:
            self._repeat = REPEATS[token]
            return
        if self._repeat and token in UNITS:
            self._flush()
            self.chunks.append(str(UNITS[token]) * self._repeat)
            self._repeat = 0
            return
        self._repeat = 0
        if token in UNITS or token in SOUNDS_LIKE_DIGITS:
            value = UNITS.get(token, SOUNDS_LIKE_DIGITS.get(token, 0))
            if value == 0:  # "oh", "zero": a digit of its own, never part of a sum
                self._flush()
                self.chunks.append("0")
                return
            self._value(value, "unit")
        elif token in TEENS:
            self._value(TEENS[token], "teen")
        elif token in TENS:
            self._value(TENS[token], "tens")
        elif token in ORDINALS:
            self._value(ORDINALS[token], "unit" if ORDINALS[token] < 10 else "teen")
            self._flush()  # an ordinal ends the number it closes
        elif token in SCALES:
            self._scale(SCALES[token])
        elif WRITTEN.match(token):
            digits = re.sub(r"\D", "", token)
            limit = {"hundred": 100, "thousand": 1000}.get(self._last, 0)
            if digits.isdigit() and int(digits) < limit and not digits.startswith("0"):
                self._group = (self._group or 0) + int(digits)  # "4 thousand 111"
                self._last = "written"
                return
            self._flush()
            if digits.isdigit() and len(digits) <= 4 and not digits.startswith("0"):
                self._group, self._last = int(digits), "written"  # "4 thousand"
            else:
                self.chunks.append(digits)

    def _scale(self, scale: int) -> None:
        group = self._group if self._group is not None else 1
        if scale == 100:
            if self._last == "hundred":
                self._flush()
                group = 1
            elif group >= 100:  # "one hundred one hundred": a second number begins
                said = self._said
                self._group = group - said
                self._flush()
                group = said
            self._group, self._last = group * 100, "hundred"
        else:
            if self._total and self._group is not None and self._last != "thousand":
                # "one thousand twenty, one thousand": the last word said begins a new one
                said = self._said if 0 < self._said <= self._group else self._group
                self._group -= said
                self._group = self._group or None
                self._flush()
                group = said
            self._total += group * 1000
            self._group, self._last = None, "thousand"

    def digits(self) -> str:
        self._flush()
        return "".join(self.chunks)


def spoken_digits(words: list[str]) -> str:
    """The digits a run of number words stands for: "four thousand one hundred eleven"
    -> "4111", "double four" -> "44", "forty-one eleven" -> "4111"."""
    reader = _Digits()
    for word in words:
        for token in _pieces(word):
            if token not in CONNECTORS:
                reader.add(token)
    return reader.digits()


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def holds_card(digits: str) -> bool:
    """The run is, begins or ends with 13 to 19 digits that pass the Luhn check: a payment
    card number (said with an expiry date or a code after it, or a "1" before it)."""
    for length in range(13, min(19, len(digits)) + 1):
        for window in {digits[:length], digits[-length:]}:
            if window[0] != "0" and luhn_valid(window):
                return True
    return False


@dataclass(frozen=True)
class MaskRules:
    """What the policy masks. Card numbers are masked whenever any rule is set."""

    min_run: int | None = None
    emails: bool = False
    ibans: bool = False

    @classmethod
    def from_policy(cls, rules: Transcription | None) -> MaskRules:
        if rules is None:
            return cls()
        return cls(rules.redact_digit_runs, rules.redact_emails, rules.redact_ibans)

    @property
    def any(self) -> bool:
        return bool(self.min_run) or self.emails or self.ibans


Position = tuple[int, int]  # (line index, word index)


def _flat(lines: tuple[TranscriptLine, ...]) -> list[tuple[Position, SpokenWord]]:
    return [((i, j), word) for i, line in enumerate(lines) for j, word in enumerate(line.words)]


def _number_runs(flat: list[tuple[Position, SpokenWord]]) -> Iterator[tuple[int, int]]:
    """(start, end) indexes into `flat` of each run of number words, trimmed so that
    connectors, "double" and sound-alike words never stand at its ends."""

    def inner(text: str) -> bool:
        bare = _bare(text)
        return bare in CONNECTORS or bare in REPEATS or bare in SOUNDS_LIKE_DIGITS

    index = 0
    while index < len(flat):
        if not is_number_word(flat[index][1].text) and _bare(flat[index][1].text) not in REPEATS:
            index += 1
            continue
        end = index
        while end < len(flat) and (is_number_word(flat[end][1].text) or inner(flat[end][1].text)):
            end += 1
        while end > index and inner(flat[end - 1][1].text):
            end -= 1
        if end > index:
            yield index, end
        index = max(end, index + 1)


def _masked_number(words: list[SpokenWord], rules: MaskRules) -> bool:
    texts = [w.text for w in words]
    alike = sum(_bare(t) in SOUNDS_LIKE_DIGITS for t in texts)
    real = sum(is_number_word(t) for t in texts)
    if alike > real:  # "to for to": ordinary words
        return False
    digits = spoken_digits(texts)
    return bool(rules.min_run and len(digits) >= rules.min_run) or holds_card(digits)


EMAIL_WRITTEN = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
TLDS = frozenset(
    [
        "com",
        "org",
        "net",
        "io",
        "de",
        "fr",
        "uk",
        "eu",
        "co",
        "edu",
        "gov",
        "info",
        "biz",
        "nl",
        "be",
        "ch",
        "at",
        "es",
        "it",
        "se",
        "no",
        "dk",
        "fi",
        "pl",
        "us",
    ]
)
IBAN_WRITTEN = re.compile(r"^[a-z]{2}\d{2}[a-z0-9]*$")


def _email_spans(flat: list[tuple[Position, SpokenWord]]) -> Iterator[tuple[int, int]]:
    bare = [_bare(w.text) for _, w in flat]
    for index, word in enumerate(bare):
        if EMAIL_WRITTEN.match(word):
            yield index, index + 1
        elif word == "at" and index > 0:
            end = index + 1
            dots = 0
            while end + 1 < len(bare) and bare[end].isalnum() and bare[end + 1] == "dot":
                end += 2
                dots += 1
            if dots and end < len(bare) and bare[end] in TLDS:
                start = index - 1
                while start >= 2 and bare[start - 1] in ("dot", "underscore", "dash"):
                    start -= 2
                yield start, end + 1


def _iban_letters(bare: list[str], index: int) -> tuple[str, int] | None:
    """The country code and check digits' start: "DE89..." or "D E 8 9 ..."."""
    word = bare[index]
    if IBAN_WRITTEN.match(word):
        return word, index + 1
    if len(word) == 1 and word.isalpha() and index + 1 < len(bare):
        nxt = bare[index + 1]
        if len(nxt) == 1 and nxt.isalpha():
            return word + nxt, index + 2
    return None


def _iban_spans(flat: list[tuple[Position, SpokenWord]]) -> Iterator[tuple[int, int]]:
    bare = [_bare(w.text) for _, w in flat]
    index = 0
    while index < len(bare):
        found = _iban_letters(bare, index)
        if found is None:
            index += 1
            continue
        text, end = found
        best = None
        while end < len(bare) and len(text) < 34:
            word = bare[end]
            if is_number_word(word) or word in REPEATS:
                text += (
                    spoken_digits([word]) if not WRITTEN.match(word) else re.sub(r"\W", "", word)
                )
            elif re.fullmatch(r"[a-z0-9]{1,4}", word) and any(c.isdigit() for c in word):
                text += word
            else:
                break
            end += 1
            if 15 <= len(text) <= 34 and iban_valid(text):
                best = end
        if best is not None:
            yield index, best
            index = best
        else:
            index += 1


def iban_valid(text: str) -> bool:
    """ISO 13616: country letters, two check digits, mod 97 of the rearranged number is 1."""
    code = text.upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", code):
        return False
    moved = code[4:] + code[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _apply(
    lines: tuple[TranscriptLine, ...],
    flat: list[tuple[Position, SpokenWord]],
    spans: list[tuple[int, int, str]],
) -> tuple[TranscriptLine, ...]:
    """Each span replaced by its mask, one per line it crosses (with that line's times)."""
    masked: dict[Position, str | None] = {}  # None: dropped into the mask before it
    for start, end, mask in spans:
        by_line: dict[int, list[Position]] = {}
        for position, _ in flat[start:end]:
            by_line.setdefault(position[0], []).append(position)
        for positions in by_line.values():
            masked[positions[0]] = mask
            for position in positions[1:]:
                masked[position] = None
    out = []
    for i, line in enumerate(lines):
        words: list[SpokenWord] = []
        j = 0
        while j < len(line.words):
            found = masked.get((i, j), "")
            if found:
                k = j + 1
                while k < len(line.words) and (i, k) in masked and masked[(i, k)] is None:
                    k += 1
                first, last = line.words[j], line.words[k - 1]
                words.append(SpokenWord(found, first.start_ms, last.end_ms))
                j = k
            else:
                words.append(line.words[j])
                j += 1
        out.append(replace(line, words=tuple(words)))
    return tuple(out)


def _spans(flat: list[tuple[Position, SpokenWord]], rules: MaskRules) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    taken: set[int] = set()

    def add(start: int, end: int, mask: str) -> None:
        if not taken.intersection(range(start, end)):
            spans.append((start, end, mask))
            taken.update(range(start, end))

    if rules.ibans:
        for start, end in _iban_spans(flat):
            add(start, end, IBAN_MASK)
    if rules.emails:
        for start, end in _email_spans(flat):
            add(start, end, EMAIL_MASK)
    for start, end in _number_runs(flat):
        if _masked_number([w for _, w in flat[start:end]], rules):
            add(start, end, MASK)
    return spans


def mask_words(words: tuple[SpokenWord, ...], min_run: int) -> tuple[tuple[SpokenWord, ...], int]:
    """One line's words with its numbers masked; and how many were."""
    line = TranscriptLine("rep", 0, 0, words)
    masked, count = redact_lines((line,), MaskRules(min_run))
    return masked[0].words, count


def redact_lines(
    lines: tuple[TranscriptLine, ...], rules: MaskRules
) -> tuple[tuple[TranscriptLine, ...], int]:
    if not rules.any:
        return lines, 0
    flat = _flat(lines)
    spans = _spans(flat, rules)
    return _apply(lines, flat, spans), len(spans)


def redact(transcript: Transcript, rules: MaskRules | int | None) -> Transcript:
    """The transcript with what the policy masks replaced (unchanged when it masks nothing).
    Lines are read in time order, so a number spoken across a turn is one run."""
    if not isinstance(rules, MaskRules):
        rules = MaskRules(rules)
    lines, total = redact_lines(transcript.lines, rules)
    if not total:
        return transcript
    return replace(transcript, lines=lines, redactions=transcript.redactions + total)


def masked_spans(transcript: Transcript) -> list[tuple[str, int, int]]:
    """(speaker, start ms, end ms) of every mask: where the package audio can be muted."""
    return [
        (line.speaker, word.start_ms, word.end_ms)
        for line in transcript.lines
        for word in line.words
        if word.text in MASKS
    ]
