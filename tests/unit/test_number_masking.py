"""Numbers masked however they are said or written, across pauses and turns; card
numbers by the Luhn check whatever the run length; e-mail addresses and IBANs by policy."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.core.transcripts.model import SpokenWord, Transcript, TranscriptLine
from companion.core.transcripts.redaction import (
    EMAIL_MASK,
    IBAN_MASK,
    MASK,
    MaskRules,
    holds_card,
    iban_valid,
    is_number_word,
    masked_spans,
    redact,
    spoken_digits,
)

UNIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEEN_WORDS = [
    "ten", "eleven", "twelve", "thirteen", "fourteen",
    "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]  # fmt: skip
TENS_WORDS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORDINARY = [
    "thanks", "the", "renewal", "is", "fine", "please", "send", "it", "over", "we",
    "talked", "about", "budget", "next", "week", "security", "review", "great", "yes",
]  # fmt: skip


def line(text: str, speaker: str = "customer", at: int = 0) -> TranscriptLine:
    words = tuple(
        SpokenWord(w, at + i * 300, at + i * 300 + 250) for i, w in enumerate(text.split())
    )
    return TranscriptLine(speaker, words[0].start_ms, words[-1].end_ms, words)  # type: ignore[arg-type]


def transcript(*lines: TranscriptLine) -> Transcript:
    return Transcript("test", "test", "en", tuple(lines))


def said(text: str, rules: MaskRules) -> tuple[str, int]:
    masked = redact(transcript(line(text)), rules)
    return masked.lines[0].text, masked.redactions


@pytest.mark.parametrize(
    ("words", "digits"),
    [
        ("four thousand one hundred eleven", "4111"),
        ("double four", "44"),
        ("triple seven two", "7772"),
        ("forty-one eleven", "4111"),
        ("forty one eleven", "4111"),
        ("four one one one", "4111"),
        ("oh four oh one", "0401"),
        ("one hundred and eleven", "111"),
        ("twenty-first", "21"),
        ("third fourth", "34"),
        ("4 thousand 111", "4111"),
        ("41 hundred", "4100"),
        ("4111-1111", "41111111"),
        ("4,111", "4111"),
        ("nineteen hundred eighty four", "1984"),
        ("double oh seven", "007"),
    ],
)
def test_number_words_read_as_their_digits(words, digits):
    assert spoken_digits(words.split()) == digits


@pytest.mark.parametrize(
    "text",
    [
        "my card is four thousand one hundred eleven, one one one one, double one one one, "
        "one one one one thanks",
        "it is 4111 1111 1111 1111.",
        "it is 4111111111111111 thanks",
        "four one one one, one one one one, one one one one, one one one one",
        "forty-one eleven eleven eleven eleven eleven eleven eleven",
        "4 1 1 1 one one one one 1111 eleven eleven",
    ],
)
def test_a_card_number_said_any_way_is_masked_even_under_a_longer_run_rule(text):
    out, count = said(text, MaskRules(min_run=20))  # 16 digits: shorter than the rule
    assert count == 1
    assert MASK in out
    assert not any(is_number_word(w) for w in out.split())


def test_a_run_shorter_than_the_rule_that_is_no_card_stays():
    assert said("the code is one two three four five", MaskRules(min_run=8)) == (
        "the code is one two three four five",
        0,
    )
    assert said("call 5551234 today", MaskRules(min_run=6))[1] == 1


def test_ordinary_talk_with_small_numbers_is_not_masked():
    rules = MaskRules(min_run=4, emails=True, ibans=True)
    for text in [
        "we have twenty seats for two years",
        "I want to go for it",
        "the third of may at two",
        "send it over to me at the end",
        "one or two",
    ]:
        assert said(text, rules) == (text, 0), text


def test_a_number_across_a_pause_and_a_turn_is_one_run_and_its_spans_are_times():
    masked = redact(
        transcript(
            line("my card is four one one one", "customer", 0),
            line("one one one one", "rep", 3000),
            line("one one one one one one one one thanks", "customer", 6000),
        ),
        MaskRules(min_run=20),
    )
    assert masked.redactions == 1
    assert [x.text for x in masked.lines] == [
        f"my card is {MASK}",
        MASK,
        f"{MASK} thanks",
    ]
    spans = masked_spans(masked)
    assert [(s, a) for s, a, _ in spans] == [("customer", 900), ("rep", 3000), ("customer", 6000)]
    assert spans[0][2] == 6 * 300 + 250  # the end of the last digit word on that line


def test_emails_and_ibans_by_policy_only():
    text = (
        "write to john dot doe at example dot com or jane@example.org, "
        "iban DE89 3704 0044 0532 0130 00"
    )
    out, count = said(text, MaskRules(min_run=4, emails=True, ibans=True))
    assert out == f"write to {EMAIL_MASK} or {EMAIL_MASK} iban {IBAN_MASK}"
    assert count == 3
    out, count = said(text, MaskRules(min_run=4))
    assert EMAIL_MASK not in out and IBAN_MASK not in out
    assert "jane@example.org," in out and MASK in out  # the IBAN's digits still go
    spoken = (
        "iban d e eight nine three seven oh four oh oh four four oh five three two oh one "
        "three oh oh oh"
    )
    assert said(spoken, MaskRules(ibans=True)) == (f"iban {IBAN_MASK}", 1)


def test_the_checks():
    assert holds_card("4111111111111111") and holds_card("378282246310005")
    assert not holds_card("4111111111111113") and not holds_card("411111111111")
    assert iban_valid("DE89370400440532013000") and not iban_valid("DE89370400440532013001")


def as_words(digits: str, style: int) -> list[str]:
    """Digits as a person or an engine might say or write them."""
    if style == 0:
        return [UNIT_WORDS[int(d)] if d != "0" else "oh" for d in digits]
    if style == 1:
        return [digits[i : i + 4] for i in range(0, len(digits), 4)]
    out: list[str] = []
    for i in range(0, len(digits), 4):
        group = digits[i : i + 4]
        if len(group) == 4 and group[0] != "0" and style == 2:
            out += [UNIT_WORDS[int(group[0])], "thousand"]
            if group[1] != "0":
                out += [UNIT_WORDS[int(group[1])], "hundred"]
            rest = int(group[2:])
            if rest >= 20:
                out += [TENS_WORDS[rest // 10]] + ([UNIT_WORDS[rest % 10]] if rest % 10 else [])
            elif rest >= 10:
                out.append(TEEN_WORDS[rest - 10])
            elif rest:
                out.append(UNIT_WORDS[rest])  # "four thousand seven"
        else:
            j = 0
            while j < len(group):
                if j + 1 < len(group) and group[j] == group[j + 1]:
                    out += ["double", UNIT_WORDS[int(group[j])]]
                    j += 2
                else:
                    out.append(UNIT_WORDS[int(group[j])])
                    j += 1
    return out


@settings(max_examples=150, deadline=None)
@given(
    digits=st.text("0123456789", min_size=6, max_size=19),
    style=st.integers(0, 3),
    before=st.lists(st.sampled_from(ORDINARY), max_size=4),
    after=st.lists(st.sampled_from(ORDINARY), max_size=4),
    cuts=st.lists(st.integers(1, 30), max_size=2),
)
def test_any_long_number_any_way_any_split_is_masked_once(digits, style, before, after, cuts):
    words = [*before, *as_words(digits, style), *after]
    pieces, at = [], 0
    for cut in sorted(set(cuts)):
        if at < cut < len(words):
            pieces.append(words[at:cut])
            at = cut
    pieces.append(words[at:])
    lines = [
        line(" ".join(p), "rep" if i % 2 else "customer", i * 10_000)
        for i, p in enumerate(pieces)
        if p
    ]
    masked = redact(transcript(*lines), MaskRules(min_run=6))
    assert masked.redactions == 1
    left = [w.text for x in masked.lines for w in x.words]
    assert not any(is_number_word(w) or w in ("double", "triple") for w in left), left
    assert [w for w in left if w != MASK] == [*before, *after]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(ORDINARY), min_size=1, max_size=20))
def test_talk_without_numbers_is_never_changed(words):
    said_ = transcript(line(" ".join(words)))
    assert redact(said_, MaskRules(min_run=2, emails=True, ibans=True)) is said_
