"""Label normalisation: the one place that decides when two printed labels are "the same".

Real reports print the template's labels with full-width or half-width brackets, curly or
straight quotes, stray spaces and line breaks inside words ("商业 / 企业"), traditional
characters on mirror sites ("規範性文件"). Matching happens on a key with all of that
removed: NFKC, traditional -> simplified, then only CJK, letters and digits kept.
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
_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")


def to_simplified(text: str) -> str:
    return _T2S.convert(text)


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """The matching key of a printed label: '（二）部分公开' -> '二部分公开'."""
    text = unicodedata.normalize("NFKC", text)
    return _DROP.sub("", to_simplified(text))


def clean_text(text: str) -> str:
    """Display form: NFKC (full-width digits and brackets become ASCII) and collapsed spaces."""
    if len(text) <= 80:  # table cells and headings repeat across reports
        return _clean_short(text)
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip()


@lru_cache(maxsize=65536)
def _clean_short(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip()
