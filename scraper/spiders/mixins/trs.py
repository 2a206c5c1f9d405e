"""TRS WCM / 海云 static columns: index.htm, index_1.htm, ... announced by a pager script.

The pager's links are drawn by JavaScript, so the further pages are computed from the script:

* `createPageHTML(total, current, "index", "htm")` - the classic WCM call, pages counted from
  0: index.htm, index_1.htm ... index_{total-1}.htm;
* `createPageHTML('page_div', total, current, 'index', 'shtml', records)` - a container id
  first and a record count last (海云 templates: CSRC, Hunan, Hainan), pages counted from 1:
  index.shtml, index_2.shtml ... index_{total}.shtml; the same call named newCreatePageHTML
  pages a framed list (UCAP / 开普云 platforms, whose family reads the pager with this parser);
* any of these arguments given as variables declared before the call
  (`var countPage = 5; var currentPage = 0; createPageHTML(countPage, currentPage, "index", "shtml")`,
  WCM's own `_nPageCount / _nCurrIndex / _sPageName / _sPageExt`);
* no call at all: an inline pager (`var countPage = 2//共多少页` then document.write of
  `"index"+"_" + i + "."+"html"`), as on 鄂尔多斯 恩格贝's 信息公开年报 column.

Where the first page's own current-page number says where counting starts (0 or 1), that wins.
Articles are /YYYYMM/tYYYYMMDD_NNNNN.htm.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .family import mode

_CALL = re.compile(r"(function\s+)?(?:new)?[Cc]reatePageHTML\s*\(([^()]*)\)")
_ASSIGN = re.compile(r"""(?<![\w$.=!<>])([A-Za-z_$][\w$]*)\s*=(?!=)\s*(-?\d+|"[^"\n]*"|'[^'\n]*')""")
_INT = re.compile(r"-?\d+")
_STR = re.compile(r"""^(?:"([^"]*)"|'([^']*)')$""")
_EXT = re.compile(r"s?html?")
_STEM = re.compile(r"[\w-]+")
_COUNT_VARS = ("countPage", "pageCount", "_nPageCount", "nPageCount", "totalPage", "totalPages",
               "pageTotal", "page_count", "pagecount", "countpage")
_CURRENT_VARS = ("currentPage", "_nCurrIndex", "nCurrIndex", "curPage", "currPage", "pageIndex", "currentpage")
# an inline pager's page URL once adjacent string literals are joined: "index_" + i + ".html"
_INLINE_URL = re.compile(r"""([\w-]+)_["']\s*\+[^;\n]{0,60}?\+\s*["']\.(s?html?)\b""")
_JOIN = re.compile(r"""(["'])\s*\+\s*\1""")
MAX_PAGES = 1000


def _value(token: str, names: dict):
    token = token.strip()
    if _INT.fullmatch(token):
        return int(token)
    m = _STR.match(token)
    if m:
        return m.group(1) if m.group(1) is not None else m.group(2)
    return names.get(token)


def _assignments(text: str, end: int | None = None) -> dict:
    names = {}
    for m in _ASSIGN.finditer(text, 0, len(text) if end is None else end):
        names[m.group(1)] = _value(m.group(2), {})
    return names


def _stem_ext(url: str) -> tuple[str, str] | None:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    m = re.fullmatch(r"([\w-]+?)(?:_\d+)?\.(s?html?)", name)
    return (m.group(1), m.group(2)) if m else None


def pager(script_text: str, url: str = "") -> tuple[int, int, str, str] | None:
    """(total pages, number of the first page's file-less page: 0 or 1, stem, extension)."""
    for m in _CALL.finditer(script_text):
        if m.group(1):
            continue  # the pager function's own definition
        names = _assignments(script_text, m.start())
        args = [_value(a, names) for a in m.group(2).split(",")] if m.group(2).strip() else []
        if not args or any(a is None for a in args[:3]):
            continue
        container = isinstance(args[0], str)
        if container:
            args = args[1:]
        ints = [a for a in args if isinstance(a, int)]
        strs = [a for a in args if isinstance(a, str)]
        if not ints:
            continue
        total = ints[0]
        current = ints[1] if len(ints) > 1 and isinstance(args[1], int) else None
        if len(strs) >= 2 and _EXT.fullmatch(strs[-1]) and _STEM.fullmatch(strs[-2]):
            stem, ext = strs[-2], strs[-1]
        elif _stem_ext(url):
            stem, ext = _stem_ext(url)
        else:
            continue
        return min(total, MAX_PAGES), _base(url, stem, current, 1 if container else 0), stem, ext
    return _inline_pager(script_text, url)


def _inline_pager(text: str, url: str):
    names = _assignments(text)
    total = next((names[n] for n in _COUNT_VARS if isinstance(names.get(n), int)), None)
    if total is None:
        return None
    joined = _JOIN.sub("", text)
    m = _INLINE_URL.search(joined)
    if m:
        stem, ext = m.group(1), m.group(2)
    elif _stem_ext(url):
        stem, ext = _stem_ext(url)
    else:
        return None
    current = next((names[n] for n in _CURRENT_VARS if isinstance(names.get(n), int)), None)
    return min(total, MAX_PAGES), _base(url, stem, current, 0), stem, ext


def _base(url: str, stem: str, current, default: int) -> int:
    """Where page numbers start: the first page says so by its own number."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    first = name == "" or re.fullmatch(re.escape(stem) + r"\.s?html?", name) is not None
    if first and current in (0, 1):
        return current
    return default


def pager_pages(script_text: str, url: str = "") -> tuple[int, str, str] | None:
    """(total pages, file stem, extension); kept for callers of the first version."""
    found = pager(script_text, url)
    return (found[0], found[2], found[3]) if found else None


def page_files(found: tuple[int, int, str, str]) -> list[str]:
    """The file names of every page but the first."""
    total, base, stem, ext = found
    return [f"{stem}_{i}.{ext}" for i in range(base + 1, base + total)]


class TrsMixin:
    def listing_requests(self, response, portal):
        yield from super().listing_requests(response, portal)
        if mode(self, portal, "trs") == "off" or response.meta.get("jsonapi") or response.meta.get("hanweb_group"):
            return
        text = response.text
        if "reatePageHTML" not in text and not any(v in text for v in _COUNT_VARS):
            return
        found = pager(text, response.url)
        if not found:
            return
        for name in page_files(found):
            # the page's own file is among them (as before; Scrapy's duplicate filter drops it)
            req = self.next_listing(response, portal, response.urljoin(name))
            if req is not None:
                yield req
