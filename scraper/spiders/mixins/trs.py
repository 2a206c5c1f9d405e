"""TRS WCM static columns: index.htm, index_1.htm, ... announced by a pager script.

A TRS column page ends with `createPageHTML(total, current, "index", "htm")` (some sites add
a container id first or a record count last); the pager's links are drawn by JavaScript, so
the further pages are computed here from the call's arguments instead.
Articles are /YYYYMM/tYYYYMMDD_NNNNN.htm.
"""

from __future__ import annotations

import re

_PAGER = re.compile(r"createPageHTML\(([^)]*)\)")
_ARG = re.compile(r"""\s*(?:(\d+)|["']([^"']*)["'])\s*""")


def pager_pages(script_text: str) -> tuple[int, str, str] | None:
    """(total pages, file stem, extension) from a createPageHTML(...) call."""
    m = _PAGER.search(script_text)
    if not m:
        return None
    ints, strs = [], []
    for part in m.group(1).split(","):
        a = _ARG.fullmatch(part)
        if not a:
            return None
        if a.group(1) is not None:
            ints.append(int(a.group(1)))
        else:
            strs.append(a.group(2))
    if not ints or len(strs) < 2:
        return None
    total = ints[0]
    stem, ext = strs[-2], strs[-1]
    if not re.fullmatch(r"\w+", stem) or not re.fullmatch(r"s?html?", ext):
        return None
    return min(total, 1000), stem, ext


class TrsMixin:
    def listing_requests(self, response, portal):
        yield from super().listing_requests(response, portal)
        found = pager_pages(response.text)
        if not found:
            return
        total, stem, ext = found
        for i in range(1, total):
            req = self.next_listing(response, portal, response.urljoin(f"{stem}_{i}.{ext}"))
            if req is not None:
                yield req
