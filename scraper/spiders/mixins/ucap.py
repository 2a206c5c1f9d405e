"""UCAP / 开普云 (Kaipu) site-platform columns: /<site>/<column>/list.shtml, articles at
/<column>/YYYYMM/<32 hex>.shtml with their text in <UCAPCONTENT>.

How a column's records reach the page differs between deployments; three ways are read here:

* static pages with the platform's pager script, `createPageHTML('page', pages, current,
  'list', 'shtml', records)`: pages counted from 1, list.shtml, list_2.shtml ... (the stem is
  the page's own: xxgk_list.shtml, xxgk_list_2.shtml on 宿迁's department sites). The script
  writes the pager base64-encoded, so the links exist only in a browser; the call says it all.
  It is the call of TRS 海云 templates: read with the trs family's parser (trs.pager), here too
  so that it is read where the registry's cms names ucap alone.
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
  (its records, and its pages from data.total / data.rows). The channel id is asked for as the
  page prints it.

A page that looks like a listing (render.listing_like) and declares a channel or frames its
list is the column: no navigation from it. Elsewhere (a home page declaring a channel of its
own news) the page is navigated as any other.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from ...render import listing_like
from . import trs
from .family import mode

_CHANNEL = re.compile(r"""\b(?:var\s+|let\s+|const\s+|window\.)?channelId\s*=\s*["']([0-9a-fA-F]{32})["']""")
_SEARCH_PATH = re.compile(r"""["']((?:/[\w.-]+)*/(?:search|searchList)/)["']\s*\+\s*channelId\b""")
DEFAULT_SEARCH_PATH = "/search/"
SEARCH_QUERY = "?_isAgg=true&_isJson=true&_pageSize=20&_template=index&_rangeTimeGte=&_channelName=&page=1"


def search_api(text: str, base_url: str) -> str | None:
    """The search-service URL of page 1 of a channel the page declares, None without one."""
    m = _CHANNEL.search(text)
    if not m:
        return None
    path = _SEARCH_PATH.search(text)
    return urljoin(base_url, (path.group(1) if path else DEFAULT_SEARCH_PATH) + m.group(1) + SEARCH_QUERY)


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
            found = trs.pager(text, response.url)
            for name in trs.page_files(found) if found else ():
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
        how = mode(self, portal, "ucap")
        if how != "off" and not response.meta.get("jsonapi") and listing_like(response, page_links) and (
                "channelId" in response.text and search_api(response.text, response.url)
                or list_frames(response, any_frame=how == "forced")):
            # the column itself: its list comes from the search service or its frame. Only on a page
            # that looks like a listing: a home page declares a channel (and frames pages) too
            return iter(())
        return super().nav_requests(response, portal, page_links)
