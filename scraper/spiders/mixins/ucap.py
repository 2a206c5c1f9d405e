"""UCAP / 开普云 (Kaipu) site-platform columns: /<site>/<column>/list.shtml, articles at
/<column>/YYYYMM/<32 hex>.shtml with their text in <UCAPCONTENT>.

How a column's records reach the page differs between deployments; three ways are read here:

* static pages with the platform's pager script, `createPageHTML('page', pages, current,
  'list', 'shtml', records)`: pages counted from 1, list.shtml, list_2.shtml ... (the stem is
  the page's own: xxgk_list.shtml, xxgk_list_2.shtml on 宿迁's department sites). The script
  writes the pager base64-encoded, so the links exist only in a browser; the call says it all.
  (The trs family reads the same call; with the registry's cms naming ucap alone it is read here.)
* the list in an iframe: the column page embeds `<iframe id="list" src="list.shtml">` and the
  framed page pages itself with `newCreatePageHTML(...)` (same arguments), whose links are
  `javascript:void(0)` calling goPage('list', 'list_2.shtml'): the platform finds the frame by
  the page stem, so an iframe whose id is its page's stem is the list and is read as a listing
  page (with the registry naming ucap: any iframe of the portal's own site).
* a shell filled from the platform's search service: the page declares `var channelId =
  '<32 hex>'` and a shared script fetches `/search/<channelId>?_isAgg=true&_isJson=true&
  _pageSize=20&_template=index&_rangeTimeGte=&_channelName=&page=N` (nhc.gov.cn; /common/search/
  on spb.gov.cn and gansu.gov.cn, /searchList/ on csrc.gov.cn: a path the page's own script
  joins to channelId wins), answering {data: {page, rows, total, results: [{title, url,
  publishedTimeStr}]}}. The API is requested without a browser and read by the jsonapi family
  (its records, and its pages from data.total / data.rows).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from . import trs
from .family import mode

_CALL = re.compile(r"(function\s+)?\b(?:newCreatePageHTML|createPageHTML)\s*\(([^()]*)\)")
_EXT = re.compile(r"s?html?")
_CHANNEL = re.compile(r"""\b(?:var\s+|let\s+|const\s+|window\.)?channelId\s*=\s*["']([0-9a-fA-F]{32})["']""")
_SEARCH_PATH = re.compile(r"""["']((?:/[\w.-]+)*/(?:search|searchList)/)["']\s*\+\s*channelId\b""")
DEFAULT_SEARCH_PATH = "/search/"
SEARCH_QUERY = "?_isAgg=true&_isJson=true&_pageSize=20&_template=index&_rangeTimeGte=&_channelName=&page=1"


def pager(text: str) -> tuple[int, str, str] | None:
    """(pages, file stem, extension) from the platform's pager call, static or framed; the
    arguments may be variables declared before the call."""
    for m in _CALL.finditer(text):
        if m.group(1):
            continue  # the pager function's own definition
        names = trs._assignments(text, m.start())
        args = [trs._value(a, names) for a in m.group(2).split(",")]
        if len(args) < 5 or not isinstance(args[0], str):
            continue
        total, stem, ext = args[1], args[3], args[4]
        if isinstance(total, int) and isinstance(stem, str) and isinstance(ext, str) and _EXT.fullmatch(ext) \
                and trs._STEM.fullmatch(stem):
            return min(total, trs.MAX_PAGES), stem, ext
    return None


def page_files(found: tuple[int, str, str]) -> list[str]:
    """Every page but the first: stem_2.ext ... stem_N.ext."""
    total, stem, ext = found
    return [f"{stem}_{i}.{ext}" for i in range(2, total + 1)]


def search_api(text: str, base_url: str) -> str | None:
    """The search-service URL of page 1 of a channel the page declares, None without one."""
    m = _CHANNEL.search(text)
    if not m:
        return None
    path = _SEARCH_PATH.search(text)
    return urljoin(base_url, (path.group(1) if path else DEFAULT_SEARCH_PATH) + m.group(1).lower() + SEARCH_QUERY)


def list_frames(response, any_frame: bool) -> list[str]:
    """The iframes that hold the page's list: an iframe whose id is its page's file stem (the
    platform's goPage finds it by that), or with `any_frame` every iframe with an HTML page."""
    out = []
    for frame in response.xpath("//iframe[@src]"):
        src = frame.attrib.get("src", "").strip()
        if not src or src.startswith(("javascript:", "about:", "data:")):
            continue
        name = urlsplit(src).path.rsplit("/", 1)[-1]
        m = re.fullmatch(r"([\w-]+?)(?:_\d+)?\.(s?html?)", name)
        if m and (any_frame or frame.attrib.get("id") == m.group(1)):
            out.append(response.urljoin(src))
    return out


class UcapMixin:
    def listing_requests(self, response, portal):
        yield from super().listing_requests(response, portal)
        how = mode(self, portal, "ucap")
        if how == "off" or response.meta.get("jsonapi") or response.meta.get("hanweb_group"):
            return
        text = response.text
        if "reatePageHTML" in text:
            found = pager(text)
            for name in page_files(found) if found else ():
                req = self.next_listing(response, portal, response.urljoin(name))
                if req is not None:
                    yield req
        for url in list_frames(response, any_frame=how == "forced"):
            req = self.next_listing(response, portal, url)
            if req is not None:
                yield req
        if "playwright" in response.flags:
            return  # the browser has run the page's scripts: their list is in the DOM
        api = search_api(text, response.url) if "channelId" in text else None
        if api:
            req = self.json_listing(response, portal, api)
            if req is not None:
                yield req

    def nav_requests(self, response, portal, page_links):
        if mode(self, portal, "ucap") != "off" and not response.meta.get("jsonapi") and (
                "channelId" in response.text and search_api(response.text, response.url)
                or list_frames(response, any_frame=mode(self, portal, "ucap") == "forced")):
            return iter(())  # the column itself: its list comes from the search service or its frame
        return super().nav_requests(response, portal, page_links)
