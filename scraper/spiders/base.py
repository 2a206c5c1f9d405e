"""The base of every portal spider: a fixed path from a portal's start URL to its reports.

    start URL -> parse_page -> report links      -> parse_report -> its attachments (fetched
                           -> more listing pages        there) -> CandidateItem -> item pipeline
                              (mixins: TRS, Hanweb, pagination)    (judged and stored as one unit)
                           -> links down to the report column (mixin: navigation)

Mixins add what a CMS family needs through three hooks, each calling super():
`extra_links(response)` (links a plain <a> scan cannot see), `listing_requests(response,
portal)` (further pages of a listing) and `nav_requests(...)` (the way down from a home page).
Nothing here is specific to one portal: a new portal is a registry row.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import scrapy
from scrapy.http import TextResponse
from scrapy.http.request import NO_CALLBACK

from zfxxgk.pipelines.db import utcnow
from zfxxgk.pipelines.ingest import Attachment, Candidate
from zfxxgk.pipelines.parser import decode_html, sniff
from zfxxgk.pipelines.urls import canonical_url

from .. import links
from ..context import context_for
from ..extensions.warc import WarcExtension
from ..failures import describe_failure
from ..items import CandidateItem
from ..registry import Portal
from ..render import needs_rendering, playwright_meta

log = logging.getLogger(__name__)


# Every attachment link has a document extension or "download" in its URL (links.is_attachment_link).
# A link's URL is its href joined to the page URL (or a <base>, which is in the body), after
# entities are decoded and tabs and newlines dropped; a page where none of that can produce a
# hint has no attachment link, and the link scan (an HTML parse) can be skipped.
_ATTACHMENT_HINTS = tuple(e.encode() for e in links.DOC_EXTENSIONS) + (b"download",)


def may_link_attachments(response) -> bool:
    if not isinstance(response, TextResponse):
        return False
    if response.encoding.lower().replace("-", "").startswith(("utf16", "utf32")):
        return True  # ASCII is not one byte per character there
    body = response.body
    if b"&" in body and (b"&#" in body or b"&period" in body):
        return True  # an escaped "." or letter would hide a hint
    # lower case (ASCII letters only, as the hints are), without the characters URL parsing drops
    text = (response.url.encode("utf-8", "replace") + b" " + body).lower().translate(None, b"\t\r\n")
    return any(hint in text for hint in _ATTACHMENT_HINTS)


class PortalSpider(scrapy.Spider):
    # Limits per portal per run; each one that stops discovery is recorded ('limit' events).
    max_listing_pages = 300  # further pages of listings (下一页 chains, TRS index_N, dataproxy groups)
    max_nav_pages = 40  # pages visited looking for the report column
    max_nav_depth = 3  # navigation hops: home -> 政务公开 -> 政府信息公开 -> 年报
    max_attachments = 20  # files fetched per report page

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.listing_pages: dict[str, set[tuple]] = {}
        self.nav_pages: dict[str, int] = {}
        self.report_urls: dict[str, set[str]] = {}
        self._limits_hit: set[tuple[str, str]] = set()

    @property
    def ctx(self):
        return context_for(self.crawler)

    def portal(self, response_or_request) -> Portal:
        return self.ctx.by_id[response_or_request.meta["portal"]]

    def limit(self, portal: Portal, name: str, url: str, reason: str) -> None:
        """A limit stopped discovery: recorded once per portal and limit, counted every time."""
        self.crawler.stats.inc_value(f"zfxxgk/limit/{name}")
        if (portal.id, name) not in self._limits_hit:
            self._limits_hit.add((portal.id, name))
            self.ctx.event(portal.id, "limit", url, reason)

    # -- requests ---------------------------------------------------------------------------
    async def start(self):
        for portal in self.ctx.portals:
            yield self.page_request(portal, canonical_url(portal.start_url), kind="listing")

    def request(self, url: str, callback, meta: dict, **kwargs) -> scrapy.Request:
        """Every request of the spider: per-portal download slot set before it is scheduled.

        Scrapy's scheduler spreads requests over download slots as it queues them; a slot set
        later (in a downloader middleware) would be invisible to it, and portals sharing a
        host (or 127.0.0.1) would queue behind each other's two-at-a-time limit.
        """
        meta.setdefault("download_slot", urlsplit(url).netloc.lower())
        if callback is not NO_CALLBACK:
            kwargs["errback"] = self.on_error
        return scrapy.Request(url, callback=callback, meta=meta, **kwargs)

    def page_request(self, portal: Portal, url: str, kind: str, nav_depth: int = 0,
                     render: bool = False, **kwargs) -> scrapy.Request:
        meta = {"portal": portal.id, "kind": kind, "nav_depth": nav_depth, "conditional": True}
        if render:
            meta.update(playwright_meta())
        meta.update(kwargs.pop("meta", {}))
        return self.request(url, self.parse_page, meta, dont_filter=render, **kwargs)

    def report_request(self, portal: Portal, url: str, title: str):
        """A request for a report link, unless it was seen this run or is archived and not due."""
        seen = self.report_urls.setdefault(portal.id, set())
        if url in seen:
            return
        seen.add(url)
        self.ctx.counters[portal.id].reports_found += 1
        if not self.ctx.is_due(url):
            return
        yield self.request(url, self.parse_report, {
            "portal": portal.id, "kind": "report", "link_title": title, "conditional": url in self.ctx.known})

    # -- listing pages ----------------------------------------------------------------------
    def parse_page(self, response):
        portal = self.portal(response)
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        # by the bytes: a .html URL serving application/octet-stream noise is a TextResponse too
        fmt = sniff(response.body, response.url, ctype) if isinstance(response, TextResponse) else "binary"
        if fmt not in ("html", "text"):
            self.ctx.event(portal.id, "not_text", response.url,
                           f"a {response.meta.get('kind', 'listing')} page that is not text ({fmt}, "
                           f"{ctype or 'no Content-Type'}, {len(response.body)} bytes): no links read")
            return
        response = self.readable(portal, response)
        page_links = list(self.page_links(response))
        rendered = "playwright" in response.flags
        if not rendered and portal.render != "static" and (
                portal.render == "js" or needs_rendering(response, len(page_links))):
            yield self.page_request(portal, response.url, response.meta["kind"],
                                    response.meta.get("nav_depth", 0), render=True)
            return
        found = due = 0
        for url, text in page_links:
            if not links.is_report_title(text):
                continue
            if not portal.allows(url):
                self.ctx.event(portal.id, "offsite", url, f"report link off the portal's site, not followed: {url}")
                continue
            found += 1
            for request in self.report_request(portal, url, text):
                due += 1
                yield request
        # New reports are listed first: once a portal has been crawled to the end, a listing page
        # with nothing new means the pages after it hold nothing new either (--full reads them all).
        if due or not found or not self.ctx.incremental(portal.id):
            yield from self.listing_requests(response, portal)
        if found == 0:
            yield from self.nav_requests(response, portal, page_links)

    def readable(self, portal: Portal, response: TextResponse) -> TextResponse:
        """The response decoded as its bytes are written, whatever its label says.

        GBK pages labelled UTF-8 (in the header or a <meta>) decode to replacement characters:
        their links read as nothing and the portal would look empty. Re-decoded, and recorded.
        """
        if "\ufffd" not in response.text:  # the common case costs one scan of the text
            return response
        decoded = decode_html(response.body, (response.headers.get(b"Content-Type") or b"").decode("latin-1"))
        if not decoded.mislabelled:
            return response
        self.ctx.event(portal.id, "charset", response.url,
                       f"labelled {decoded.declared} but written in {decoded.encoding}: read as {decoded.encoding}")
        return response.replace(encoding=decoded.encoding)

    def page_links(self, response):
        """(canonical absolute url, link text) for every link on the page, then the mixins' extra ones."""
        for a in response.xpath("//a[@href]"):
            href = a.attrib.get("href", "").strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            text = " ".join(a.xpath("string(.)").get("").split())
            title = (a.attrib.get("title") or "").strip()
            yield canonical_url(response.urljoin(href)), title if len(title) > len(text) else text
        for url, text in self.extra_links(response):
            yield canonical_url(url), text

    def extra_links(self, response):
        return iter(())

    def listing_requests(self, response, portal: Portal):
        return iter(())

    def next_listing(self, response, portal: Portal, url: str, **kwargs):
        """A further page of the same listing, within the per-portal budget."""
        url = canonical_url(url)
        if not portal.allows(url):
            self.ctx.event(portal.id, "offsite", url, f"listing page off the portal's site, not followed: {url}")
            return None
        pages = self.listing_pages.setdefault(portal.id, set())
        key = (kwargs.get("method", "GET"), url, kwargs.get("body"))
        if key in pages:
            return None  # page-number links repeat on every page of a listing
        if len(pages) >= self.max_listing_pages:
            self.limit(portal, "listing_pages", url,
                       f"listing page limit ({self.max_listing_pages} per portal) reached: {url} and later pages not read")
            return None
        pages.add(key)
        # further pages of a rendered listing need the browser too; POSTs never go through it
        render = "playwright" in response.flags and kwargs.get("method", "GET") == "GET"
        return self.page_request(portal, url, "listing", response.meta.get("nav_depth", 0), render=render, **kwargs)

    def nav_requests(self, response, portal: Portal, page_links):
        return iter(())

    # -- report pages -----------------------------------------------------------------------
    async def parse_report(self, response):
        portal = self.portal(response)
        if isinstance(response, TextResponse):
            response = self.readable(portal, response)
        link_title = response.meta.get("link_title", "")
        attachments, missing = await self.fetch_attachments(portal, response)
        yield CandidateItem(Candidate(
            db_path=str(self.ctx.db_path), archive=str(self.ctx.archive_root),
            portal_id=portal.id, url=response.url, link_title=link_title, body=response.body,
            content_type=(response.headers.get(b"Content-Type") or b"").decode("latin-1"),
            run_id=self.ctx.run_id, fetched_at=utcnow(), link_says_report=links.is_report_title(link_title),
            attachments=attachments, missing=missing))

    def attachment_requests(self, portal: Portal, response) -> list[scrapy.Request]:
        """Requests for the files a report page links (PDF, DOC ...), on the portal's site."""
        if not may_link_attachments(response):
            return []
        requests, seen = [], set()
        for url, text in self.page_links(response):
            if url in seen or url == response.url or not links.is_attachment_link(url, text):
                continue
            seen.add(url)
            if not portal.allows(url):
                self.ctx.event(portal.id, "offsite", url, f"attachment off the portal's site, not fetched: {url}")
                continue
            if len(requests) >= self.max_attachments:
                self.limit(portal, "attachments", url,
                           f"attachment limit ({self.max_attachments} per report) reached on {response.url}")
                break
            requests.append(self.request(url, NO_CALLBACK, {
                "portal": portal.id, "kind": "attachment", "report_url": response.url, "link_text": text}))
        return requests

    async def fetch_attachments(self, portal: Portal, response) -> tuple[list[Attachment], list[str]]:
        """The files a report page links, fetched before the report is stored, so the report and
        its attachments are stored together. Returns (fetched, URLs that failed for now)."""
        fetched, missing = [], []
        for request in self.attachment_requests(portal, response):
            try:
                got = await self.crawler.engine.download_async(request)
            except Exception as exc:  # noqa: BLE001 - recorded; the report is stored without it
                kind, reason = describe_failure(exc, request)
                transient = kind in ("network", "http")
                if kind in ("network", "http", "too_large", "refused"):
                    kind = "attachment"
                self.record_failure(request, kind, f"attachment of {response.url}: {reason}")
                if transient:
                    missing.append(request.url)  # the report is judged incomplete: fetched again next run
                continue
            if got.status != 200:
                self.ctx.event(portal.id, "attachment", request.url,
                               f"attachment of {response.url}: HTTP {got.status}")
                if got.status >= 500 or got.status == 429:
                    missing.append(request.url)
                continue
            fetched.append(Attachment(
                url=got.url, link_text=request.meta["link_text"], body=got.body, fetched_at=utcnow(),
                content_type=(got.headers.get(b"Content-Type") or b"").decode("latin-1")))
        return fetched, missing

    # -- failures ---------------------------------------------------------------------------
    def on_error(self, failure):
        request = failure.request
        kind, reason = describe_failure(failure.value, request)
        self.record_failure(request, kind, reason)

    def record_failure(self, request, kind: str, reason: str) -> None:
        """A request that got no usable response: an event against its portal, and its fetch row."""
        portal_id = request.meta.get("portal")
        if not isinstance(request.meta.get("zfxxgk_refusal"), tuple) and kind != "http":
            self.crawler.get_extension(WarcExtension).record_failure(request, reason)
        self.ctx.event(portal_id, kind, request.url, reason)
