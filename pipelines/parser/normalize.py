"""Text as printed, and the forms it is compared in.

What a report shows and quotes is its own text: full-width punctuation (，（：), full-width
digits and traditional characters stay as printed; only whitespace runs become one space.
Comparison happens on folded copies that are never shown:

- `label_key`: when two printed labels are "the same". Real reports print the template's
  labels with full-width or half-width brackets, curly or straight quotes, stray spaces and
  line breaks inside words ("商业 / 企业"), traditional characters on mirror sites
  ("規範性文件"): the key has all of that removed (NFKC, traditional -> simplified, then only
  CJK, letters and digits kept).
- `fold`: NFKC and simplified characters, everything else kept, for patterns that read a
  text (a title's year and body, a date) and for the search index; `fold_offsets` says where
  each folded character came from, so that a match in the folded copy can be shown in the
  original.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_T2S = opencc.OpenCC("t2s")

# Everything that is not a letter, digit or CJK ideograph goes: spaces, NBSP, U+3000,
# brackets, quotes, slashes, dots, enumeration commas.
_DROP = re.compile(r"[^0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff]+")
# Whitespace as Word, CMS editors and text extractions write it: U+3000 indents and fillers
# ("合　　计"), NBSP from &nbsp;, zero-width spaces and BOMs left inside paragraphs.
_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
# A PDF font's ToUnicode map may give the Kangxi radical ⼀ (U+2F00) or a compatibility
# ideograph for the 一 the page shows: the same glyph, so it is read (and matched) as the
# ideograph; a heading "⼀、总体情况" is otherwise no heading.
_LOOKALIKE = re.compile("[\u2f00-\u2fdf\uf900-\ufaff]")
_CHUNK = 64


def to_simplified(text: str) -> str:
    return _T2S.convert(text)


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """The matching key of a printed label: '（二）部分公开' -> '二部分公开'."""
    text = unicodedata.normalize("NFKC", text)
    return _DROP.sub("", to_simplified(text))


def clean_text(text: str) -> str:
    """Display form: the characters as printed, each whitespace run one space."""
    if len(text) <= 80:  # table cells and headings repeat across reports
        return _clean_short(text)
    return _clean(text)


def _clean(text: str) -> str:
    if _LOOKALIKE.search(text):
        text = _LOOKALIKE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return _WS.sub(" ", text).strip()


_clean_short = lru_cache(maxsize=65536)(_clean)


def fold(text: str) -> str:
    """The comparison form of a text: NFKC ('２０２２年（' -> '2022年('), simplified characters."""
    return to_simplified(unicodedata.normalize("NFKC", text))


def fold_offsets(text: str, lower: bool = False) -> tuple[str, list[tuple[int, int]] | None]:
    """fold(text) (lowercased if asked), and the span of `text` each folded character comes from.

    The list is None when folding moved no character (the usual case: the text is already in
    NFKC). Otherwise NFKC may write one character as several ('…' -> '...') or join a letter
    with its combining accents, and a length that did not change proves nothing (one '…' and
    one 'e' + U+0301 cancel out), so the text is folded a grapheme (a character and the
    combining marks after it) at a time, chunk by chunk, only inside chunks not already in
    NFKC. Lowercasing that keeps the length and simplification map character for character.
    """
    def norm(s: str) -> str:
        s = unicodedata.normalize("NFKC", s)
        return s.lower() if lower else s

    if unicodedata.is_normalized("NFKC", text) and (not lower or len(text.lower()) == len(text)):
        return to_simplified(norm(text)), None
    pieces: list[str] = []
    where: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + _CHUNK)
        while end < len(text) and unicodedata.combining(text[end]):  # a grapheme stays whole
            end += 1
        chunk = text[start:end]
        folded = norm(chunk)
        if unicodedata.is_normalized("NFKC", chunk) and len(folded) == len(chunk):
            pieces.append(folded)
            where.extend((i, i + 1) for i in range(start, end))
        else:
            i = start
            while i < end:
                j = i + 1
                while j < end and unicodedata.combining(text[j]):
                    j += 1
                piece = norm(text[i:j])
                pieces.append(piece)
                where.extend([(i, j)] * len(piece))
                i = j
        start = end
    return to_simplified("".join(pieces)), where


def original_span(where: list[tuple[int, int]] | None, start: int, end: int) -> tuple[int, int]:
    """The span of the original text that the folded span [start, end) was folded from."""
    if where is None or start >= end:
        return start, end
    return where[start][0], where[end - 1][1]
