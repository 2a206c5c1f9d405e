"""Bytes to text, and whether the charset the page declares is true.

The label is the HTTP header's charset, else the page's <meta> (a BOM beats both, as in
browsers). Portals get it wrong: a CMS whose templates say UTF-8 serves articles pasted in as
GBK, or a server adds "charset=utf-8" to old GBK pages. A label is trusted while the bytes
decode under it. When they do not, another reading replaces it only if it has fewer
undecodable bytes *and* reads more like text. That way a UTF-8 page with a few broken bytes
stays UTF-8, and GBK bytes are not read as cp1252 just because every byte decodes in it.

Pure: no lxml, no network. The parser decodes every document with `decode_html`, and the
crawl uses it to re-decode listing pages.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
    to_unicode,
)

# Readings are judged on the first MiB. The whole page is decoded once, with the winner.
_SAMPLE = 1 << 20
# GB18030 accepts almost any byte pairs, so Big5 and others "decode" in it. It is only
# taken as the page's charset if it reads as Chinese: real GBK pages score 0.65 (traditional
# characters) to 1.0 on `_plausibility`, and Big5 read as GB18030 scores about 0.25.
_CHINESE = 0.5
_GUESS = object()


class Decoded(NamedTuple):
    text: str
    encoding: str  # the codec the text was decoded with
    declared: str | None  # the page's label as a codec name (header, else <meta>); None if unlabelled
    mislabelled: bool  # labelled, but the bytes are not in that charset, so `encoding` differs


class _Reading(NamedTuple):
    encoding: str
    text: str
    errors: int  # undecodable byte sequences
    plausible: float  # see _plausibility

    def beats(self, other: _Reading) -> bool:
        return self.errors < other.errors and self.plausible > other.plausible


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode a fetched page. Follows the page's charset label unless its bytes contradict it.

    `content_type` is the HTTP Content-Type header, if there was one. Precedence is what
    browsers use: BOM, then the header's charset, then <meta charset> / <meta http-equiv> /
    <?xml encoding?>. Labels become Python codec names the WHATWG way (via w3lib), so
    gb2312 and gbk become gb18030 and latin-1 becomes cp1252.

    If the declared charset does not decode the bytes, other readings are tried: the <meta>
    label when the header's failed, then UTF-8, then GB18030 (only if the result reads as
    Chinese), then charset-normalizer's guess. A reading replaces the declared one only if it
    has fewer undecodable sequences *and* more plausible characters. If nothing is
    declared, valid UTF-8 is UTF-8, and otherwise the same readings compete.

    Returns ``Decoded(text, encoding, declared, mislabelled)``. `mislabelled` is True when
    there was a label and the bytes were decoded with a different charset. Bytes that no
    reading decodes become U+FFFD. Never raises on any bytes.
    """
    body = bytes(body)
    bom_enc, bom = read_bom(body)
    if bom_enc is not None and bom is not None:
        return Decoded(to_unicode(body[len(bom):], bom_enc), bom_enc, bom_enc, False)
    header = http_content_type_encoding(content_type)
    meta = html_body_declared_encoding(body) if header is None else None
    declared = _unmarked(header or meta)
    first = declared or "utf-8"  # unlabelled: valid UTF-8 is all but impossible by accident
    text = _strict(body, first)
    if text is not None:
        return Decoded(text, first, declared, False)

    sample, whole = _sample(body)
    best = _reading(sample, first)
    tried = {first}
    if header is not None:
        meta = html_body_declared_encoding(body)
    for enc in (_unmarked(meta), "utf-8", "gb18030", _GUESS):
        if best is None or best.errors == 0:
            break
        if enc is _GUESS:  # charset-normalizer is slow, so it is asked last
            enc = _guess(sample)
        if enc is None or enc in tried:
            continue
        tried.add(enc)
        r = _reading(sample, enc)
        if r is not None and r.beats(best) and (enc != "gb18030" or r.plausible >= _CHINESE):
            best = r
    encoding = best.encoding if best is not None else first
    text = best.text if best is not None and whole else to_unicode(body, encoding)
    return Decoded(text, encoding, declared, declared is not None and encoding != declared)


def _unmarked(enc: str | None) -> str | None:
    # Without a BOM, "UTF-16" means big-endian, as w3lib's html_to_unicode has it.
    return enc + "-be" if enc in ("utf-16", "utf-32") else enc


def _strict(body: bytes, enc: str) -> str | None:
    if enc.startswith(("utf-16", "utf-32")) and b"\x00" not in body[:4096]:
        return None  # ASCII markup in UTF-16 is half NULs: without any, the label is wrong
    try:
        return body.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def _sample(body: bytes) -> tuple[bytes, bool]:
    if len(body) <= _SAMPLE:
        return body, True
    # Cut after a ">" or newline. Those bytes are never part of a multi-byte character in
    # UTF-8, GB18030, Big5 or Shift_JIS, so the cut adds no decoding error of its own.
    cut = max(body.rfind(b">", 0, _SAMPLE), body.rfind(b"\n", 0, _SAMPLE))
    return body[: cut + 1 if cut > 0 else _SAMPLE], False


def _reading(sample: bytes, enc: str) -> _Reading | None:
    try:
        text = to_unicode(sample, enc)
    except LookupError:
        return None
    errors = text.count("\ufffd")
    if enc == "utf-8":  # a U+FFFD the page itself contains is not a decoding error
        errors -= sample.count(b"\xef\xbf\xbd")
    return _Reading(enc, text, max(errors, 0), _plausibility(text))


def _plausibility(text: str) -> float:
    """Share of the non-ASCII characters that are common text, 1.0 if there are none.

    "Common" means the 3,755 everyday hanzi (GB2312 level 1), CJK and full-width
    punctuation, and Latin, Greek and Cyrillic letters. A wrong decoding produces rare
    ideographs, symbols, C1 controls and U+FFFD instead.
    """
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if not non_ascii:
        return 1.0
    return _common_chars().subn("", text)[1] / non_ascii


@cache
def _common_chars() -> re.Pattern:
    level1 = []
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                level1.append(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass  # the last row of level 1 is not full
    return re.compile("[" + re.escape("".join(level1)) + "\u2000-\u206f\u3000-\u303f\uff00-\uffef"
                      "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u04ff]")


def _guess(sample: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(sample[:200_000]).best()
    return resolve_encoding(best.encoding) if best else None
