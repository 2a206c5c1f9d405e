"""Pages whose bytes are not in the charset they are labelled with."""

from __future__ import annotations

import codecs


def redecode(body: bytes, declared: str, text: str) -> str | None:
    """The charset a page is really written in, when its label is wrong; None when it is right.

    Only a page whose decoded text holds replacement characters is looked at, and only when
    its bytes are invalid in the declared charset (a page may carry a U+FFFD of its own):
    then the charsets Chinese portals actually use are tried, strictly.
    """
    if "\ufffd" not in text:
        return None
    try:
        body.decode(declared)
        return None
    except (UnicodeDecodeError, LookupError):
        pass
    declared_name = _name(declared)
    for candidate in ("utf-8", "gb18030", "big5"):
        if _name(candidate) == declared_name:
            continue
        try:
            body.decode(candidate)
            return candidate
        except UnicodeDecodeError:
            continue
    return None


def _name(label: str) -> str | None:
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None
