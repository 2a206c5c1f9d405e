"""The base of every portal spider: a fixed path from a portal's start URL to its reports.

    start URL -> parse_page -> report links      -> parse_report -> ReportItem / RejectedItem
                           -> more listing pages (mixins: TRS, Hanweb, pagination)
                           -> links down to the report column (mixin: navigation)
                            report page -> attachments -> AttachmentItem

Mixins add what a CMS family needs through three hooks, each calling super():
`extra_links(response)` (links a plain <a> scan cannot see), `listing_requests(response,
portal)` (further pages of a listing) and `nav_requests(...)` (the way down from a home page).
Nothing here is specific to one portal: a new portal is a registry row.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from pipelines.db import utcnow
from pipelines.ingest import REPORT, Candidate, ingest, worker_init

from .. import links
from ..context import context_for
from ..items import AttachmentItem, RejectedItem, ReportItem
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
    max_listing_pages = 300  # per portal per run: listing pages beyond this are not followed
    max_nav_pages = 40  # per portal: pages visited looking for the report column
    max_nav_depth = 3  # home -> 政务公开 -> 政府信息公开 -> 年报

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.listing_pages: dict[str, int] = defaultdict(int)
        self.nav_pages: dict[str, int] = defaultdict(int)
        self.report_urls: dict[str, set[str]] = defaultdict(set)
        self._pool: ProcessPoolExecutor | None = None

    async def in_worker(self, fn, *args):
        """Run CPU work (parsing, storing) in a worker process, so downloads go on meanwhile.

        The number of workers is ZFXXGK_PARSE_WORKERS (default: one per core;
        0 runs it in-process).
        """
        workers = self.settings.getint("ZFXXGK_PARSE_WORKERS", os.cpu_count() or 2)
        if workers <= 0:
            return fn(*args)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"),
                                             initializer=worker_init, initargs=(os.getpid(),))
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def closed(self, reason):
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    @property
    def ctx(self):
        return context_for(self.crawler)

    def portal(self, response_or_request) -> Portal:
        return self.ctx.by_id[response_or_request.meta["portal"]]

    # -- requests ---------------------------------------------------------------------------
    async def start(self):
        for portal in self.ctx.portals:
            yield self.page_request(portal, portal.start_url, kind="listing")

    def request(self, url: str, callback, meta: dict, **kwargs) -> scrapy.Request:
        """Every request of the spider: per-portal download slot set before it is scheduled.

        Scrapy's scheduler spreads requests over download slots as it queues them; a slot set
        later (in a downloader middleware) would be invisible to it, and portals sharing a
        host (or 127.0.0.1) would queue behind each other's two-at-a-time limit.
        """
        meta.setdefault("download_slot", urlsplit(url).netloc.lower())
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta, **kwargs)

    def page_request(self, portal: Portal, url: str, kind: str, nav_depth: int = 0,
                     render: bool = False, **kwargs) -> scrapy.Request:
        meta = {"portal": portal.id, "kind": kind, "nav_depth": nav_depth, "conditional": True}
        if render:
            meta.update(playwright_meta())
        meta.update(kwargs.pop("meta", {}))
        return self.request(url, self.parse_page, meta, dont_filter=render, **kwargs)

    def report_request(self, portal: Portal, url: str, title: str):
        """A request for a report link, unless it was seen this run or is archived and not due."""
        seen = self.report_urls[portal.id]
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
        if not isinstance(response, TextResponse):
            return
        page_links = list(self.page_links(response))
        rendered = "playwright" in response.flags
        if not rendered and portal.render != "static" and (
                portal.render == "js" or needs_rendering(response, len(page_links))):
            yield self.page_request(portal, response.url, response.meta["kind"],
                                    response.meta.get("nav_depth", 0), render=True)
            return
        found = due = 0
        for url, text in page_links:
            if not links.same_site(portal.netloc, url):
                continue
            if links.is_report_title(text):
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

    def page_links(self, response):
        """(absolute url, link text) for every link on the page, then the mixins' extra ones."""
        for a in response.xpath("//a[@href]"):
            href = a.attrib.get("href", "").strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            text = " ".join(a.xpath("string(.)").get("").split())
            title = (a.attrib.get("title") or "").strip()
            yield response.urljoin(href), title if len(title) > len(text) else text
        yield from self.extra_links(response)

    def extra_links(self, response):
        return iter(())

    def listing_requests(self, response, portal: Portal):
        return iter(())

    def next_listing(self, response, portal: Portal, url: str, **kwargs):
        """A further page of the same listing, within the per-portal budget."""
        if self.listing_pages[portal.id] >= self.max_listing_pages or not links.same_site(portal.netloc, url):
            return None
        self.listing_pages[portal.id] += 1
        # further pages of a rendered listing need the browser too; POSTs never go through it
        render = "playwright" in response.flags and kwargs.get("method", "GET") == "GET"
        return self.page_request(portal, url, "listing", response.meta.get("nav_depth", 0), render=render, **kwargs)

    def nav_requests(self, response, portal: Portal, page_links):
        return iter(())

    # -- report pages -----------------------------------------------------------------------
    async def parse_report(self, response):
        portal = self.portal(response)
        link_title = response.meta.get("link_title", "")
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        candidate = Candidate(
            db_path=str(self.ctx.db_path), archive=str(self.ctx.archive_root),
            portal_id=portal.id, url=response.url, link_title=link_title, body=response.body,
            content_type=content_type, run_id=self.ctx.run_id, fetched_at=utcnow(),
            link_says_report=links.is_report_title(link_title))
        try:
            outcome = await self.in_worker(ingest, candidate)
        except Exception as exc:  # noqa: BLE001 - a storage failure is this page's, not the crawl's
            # the response is in the WARC already; the URL is not marked judged, so the next
            # run fetches it again
            self.ctx.counters[portal.id].error(f"could not store {response.url}: {type(exc).__name__}: {exc}")
            log.exception("portal %s: could not store %s", portal.id, response.url)
            return
        if outcome.verdict != REPORT:
            yield RejectedItem(portal.id, response.url, link_title, outcome.reason)
            return
        yield ReportItem(portal.id, response.url, link_title, outcome, candidate.fetched_at)
        if outcome.source_format in ("html", "text") and may_link_attachments(response):
            for url, text in self.page_links(response):
                if links.is_attachment_link(url, text) and links.same_site(portal.netloc, url):
                    yield self.request(url, self.parse_attachment, {
                        "portal": portal.id, "kind": "attachment", "report_url": response.url,
                        "report_content_hash": outcome.content_hash, "link_text": text})

    def parse_attachment(self, response):
        yield AttachmentItem(
            portal_id=response.meta["portal"], report_url=response.meta["report_url"],
            report_content_hash=response.meta["report_content_hash"], url=response.url,
            link_text=response.meta.get("link_text", ""), body=response.body,
            content_type=(response.headers.get(b"Content-Type") or b"").decode("latin-1"),
            fetched_at=utcnow())

    # -- failures ---------------------------------------------------------------------------
    def on_error(self, failure):
        request = failure.request
        portal_id = request.meta.get("portal")
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            self.crawler.stats.inc_value("zfxxgk/ignored_requests")
            return
        if failure.check(HttpError):
            response = failure.value.response
            message = f"HTTP {response.status} {request.url}"
        else:
            message = f"{failure.type.__name__}: {failure.getErrorMessage()} ({request.url})"
            self.ctx.record_fetch(portal_id=portal_id, url=request.url, method=request.method,
                                  status=None, kind=request.meta.get("kind"), note=message[:500])
        if portal_id:
            self.ctx.counters[portal_id].error(message)
        log.warning("portal %s: %s", portal_id, message)
