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
from scrapy.http import Response, TextResponse
from scrapy.http.request import NO_CALLBACK
from scrapy.spidermiddlewares.httperror import HttpError

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
from ..render import needs_rendering, playwright_meta, static_fingerprint, static_sha

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


def answered_json(fetch: dict) -> bool:
    """Whether what a page fetched in the browser (a remembered API) answered JSON: by its
    Content-Type or a .json URL. One remembered before content types were kept counts as JSON,
    as every remembered API did then."""
    if "content_type" not in fetch:
        return True
    return "json" in fetch["content_type"].lower() or fetch["url"].split("?")[0].endswith(".json")


class PortalSpider(scrapy.Spider):
    # Limits per portal per run; each one that stops discovery is recorded ('limit' events, with
    # the URL where it stopped). Settings override them: ZFXXGK_MAX_LISTING_PAGES (pages of one
    # listing), ZFXXGK_MAX_PORTAL_LISTING_PAGES, ZFXXGK_MAX_NAV_PAGES, ZFXXGK_MAX_NAV_DEPTH,
    # ZFXXGK_MAX_DEPARTMENTS, ZFXXGK_MAX_BROWSER_PAGES, ZFXXGK_MAX_ATTACHMENTS.
    max_listing_pages = 500  # further pages of ONE listing (下一页 chains, TRS index_N, dataproxy groups)
    max_portal_listing_pages = 3000  # further listing pages of all of a portal's listings together
    max_nav_pages = 60  # pages visited looking for the report column (department pages apart)
    max_nav_depth = 5  # navigation hops: home -> 政府信息公开 -> 部门信息公开 -> a department -> 年报
    max_departments = 150  # departments followed from 部门信息公开 pages
    max_department_pages = 8  # navigation pages below one department
    max_browser_pages = 100  # JavaScript pages clicked through in one rendered listing
    max_attachments = 20  # files fetched per report page

    _SETTINGS = {"max_listing_pages": "ZFXXGK_MAX_LISTING_PAGES",
                 "max_portal_listing_pages": "ZFXXGK_MAX_PORTAL_LISTING_PAGES",
                 "max_nav_pages": "ZFXXGK_MAX_NAV_PAGES", "max_nav_depth": "ZFXXGK_MAX_NAV_DEPTH",
                 "max_departments": "ZFXXGK_MAX_DEPARTMENTS", "max_browser_pages": "ZFXXGK_MAX_BROWSER_PAGES",
                 "max_attachments": "ZFXXGK_MAX_ATTACHMENTS"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.listing_pages: dict[str, set[tuple]] = {}
        self.listing_counts: dict[tuple[str, str], int] = {}  # (portal, listing's first page) -> further pages
        self.nav_pages: dict[str, int] = {}
        self.departments: dict[str, set[str]] = {}
        self.department_pages: dict[tuple[str, str], int] = {}
        self.report_urls: dict[str, set[str]] = {}
        self._limits_hit: set[tuple[str, str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        for attr, name in cls._SETTINGS.items():
            value = crawler.settings.get(name)
            if value not in (None, ""):
                setattr(spider, attr, int(value))
        return spider

    @property
    def ctx(self):
        return context_for(self.crawler)

    def portal(self, response_or_request) -> Portal:
        return self.ctx.by_id[response_or_request.meta["portal"]]

    def limit(self, portal: Portal, name: str, url: str, reason: str, key: str = "") -> None:
        """A limit stopped discovery: recorded (with the URL where it stopped) once per portal,
        limit and key (a listing, a department), counted every time."""
        self.crawler.stats.inc_value(f"zfxxgk/limit/{name}")
        if (portal.id, name, key) not in self._limits_hit:
            self._limits_hit.add((portal.id, name, key))
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
            kwargs.setdefault("errback", self.on_error)
        return scrapy.Request(url, callback=callback, meta=meta, **kwargs)

    # what travels from a page to the pages it leads to
    _CARRIED = ("department", "department_url", "column")

    def page_request(self, portal: Portal, url: str, kind: str, nav_depth: int = 0,
                     render: bool = False, **kwargs) -> scrapy.Request:
        meta = {"portal": portal.id, "kind": kind, "nav_depth": nav_depth, "conditional": True}
        if render:
            meta.update(playwright_meta(self.max_browser_pages))
        meta.update(kwargs.pop("meta", {}))
        return self.request(url, self.parse_page, meta, dont_filter=render, **kwargs)

    def carried(self, response, **extra) -> dict:
        meta = {k: response.meta[k] for k in self._CARRIED if response.meta.get(k)}
        meta.update({k: v for k, v in extra.items() if v is not None})
        return meta

    def report_request(self, portal: Portal, url: str, title: str, source=None, method: str = "static"):
        """A request for a report link, unless it was seen this run or is archived and not due."""
        seen = self.report_urls.setdefault(portal.id, set())
        if url in seen:
            return
        seen.add(url)
        self.ctx.counters[portal.id].reports_found += 1
        if source is not None:
            meta = source.meta
            self.ctx.record_source(portal.id, url, meta.get("listing_root") or source.url,
                                   meta.get("department"), meta.get("department_url"), method)
        if not self.ctx.is_due(url):
            return
        meta = {"portal": portal.id, "kind": "report", "link_title": title, "conditional": url in self.ctx.known}
        if source is not None and source.meta.get("department"):
            meta["department"] = source.meta["department"]
        yield self.request(url, self.parse_report, meta)

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
        if rendered:
            self.ctx.rendered_pages += 1
            self.crawler.stats.inc_value("zfxxgk/rendered_pages")
        reports = [(url, text) for url, text in page_links if links.is_report_title(text)]
        memory = None if rendered or portal.render == "static" else self.ctx.memory.get((portal.id, response.url))
        if memory and memory["method"] in ("rendered", "api") and not self.ctx.full:
            if memory["static_sha256"] == static_fingerprint(response):
                # the static page is as it was when the browser read it: unless the API it
                # fetched answers differently now, the links are those read then
                yield from self.recall(response, portal, memory)
                return
            yield self.render_request(portal, response, "the static page changed since it was rendered")
            return
        if not rendered and portal.render != "static":
            if portal.render == "js":
                yield self.render_request(portal, response, "registry: render=js")
                return
            if needs_rendering(response, len(page_links)):
                yield self.render_request(portal, response, "scripts and almost no links")
                return
        yield from self.read_listing(response, portal, page_links, reports, rendered)

    def render_request(self, portal: Portal, response, why: str) -> scrapy.Request:
        """The same page again, through the browser (its static sha256 kept, to remember)."""
        self.crawler.stats.inc_value("zfxxgk/render_requests")
        log.info("portal %s: rendering %s (%s)", portal.id, response.url, why)
        return self.page_request(portal, response.url, response.meta.get("kind", "listing"),
                                 response.meta.get("nav_depth", 0), render=True,
                                 meta=self.carried(response, static_sha=static_fingerprint(response),
                                                   listing_root=response.meta.get("listing_root"),
                                                   render_reason=why))

    def read_listing(self, response, portal: Portal, page_links, reports, rendered: bool, method: str | None = None):
        """Report links, further pages and navigation of a page whose links are read."""
        found = due = 0
        requests = []
        method = method or ("rendered" if rendered else "static")
        for url, text in reports:
            if not portal.allows(url):
                self.ctx.event(portal.id, "offsite", url, f"report link off the portal's site, not followed: {url}")
                continue
            found += 1
            for request in self.report_request(portal, url, text, response, method):
                due += 1
                requests.append(request)
        more = list(self.listing_requests(response, portal))
        if not rendered and portal.render != "static" and needs_rendering(
                response, len(page_links), reports_found=found, pagination=len(more), page_links=page_links):
            # a listing whose static read misses what its scripts build: read in the browser
            # (the report links seen so far are requested all the same)
            yield from requests
            yield self.render_request(portal, response, "a listing-like page whose static read found "
                                      f"{found} report links and {len(more)} further pages")
            return
        if rendered:
            self.after_render(response, portal, reports)
        elif found and response.meta.get("kind") == "listing" or found and response.meta.get("column"):
            key = (portal.id, response.url)
            if self.ctx.memory.get(key, {}).get("method") != "static":
                self.ctx.remember_listing(portal.id, response.url, "static", static_fingerprint(response), [], [])
        yield from requests
        # New reports are listed first: once a portal has been crawled to the end, a listing page
        # with nothing new means the pages after it hold nothing new either (--full reads them all).
        if due or not found or not self.ctx.incremental(portal.id):
            yield from more
        if found == 0:
            yield from self.nav_requests(response, portal, page_links)

    def after_render(self, response, portal: Portal, reports) -> None:
        """Remember what the browser read on a page: the next run goes straight to it."""
        paging = response.meta.get("zfxxgk_browser_paging") or {}
        if paging.get("limited"):
            self.limit(portal, "browser_pages", paging.get("where") or response.url,
                       f"browser page limit ({self.max_browser_pages} pages of one listing) reached on "
                       f"{response.url}: later JavaScript pages not read", key=response.url)
        if paging.get("error"):
            self.limit(portal, "browser_paging", paging.get("where") or response.url,
                       f"JavaScript paging of {response.url} stopped after {paging.get('pages', 1)} page(s): "
                       f"{paging['error']}", key=response.url)
        if not response.meta.get("static_sha"):
            return
        apis = [f for f in response.meta.get("zfxxgk_browser_fetches") or []
                if f.get("status") == 200 and portal.allows(f["url"])]
        method = "api" if any(answered_json(f) for f in apis) else "rendered"
        self.ctx.remember_listing(portal.id, response.url, method, response.meta["static_sha"],
                                  [{"url": f["url"], "sha256": f["sha256"], "content_type": f.get("content_type") or ""}
                                   for f in apis],
                                  [list(r) for r in reports], paging.get("pages", 1))

    def recall(self, response, portal: Portal, memory: dict):
        """A rendered listing whose static page is unchanged: its API answers are checked (a
        conditional GET each); when they too are unchanged the links read last time stand, and
        when they changed `api_changed` decides whether the browser is needed again."""
        apis = memory["apis"]
        if not apis:
            yield from self.recalled_links(response, portal, memory)
            return
        # an error (a status, a timeout) is the API's answer too: the errback carries on as the callback
        yield self.request(apis[0]["url"], self.check_apis, {
            "portal": portal.id, "kind": "api", "conditional": True, "listing_response": response,
            "memory": memory}, errback=self.check_apis, dont_filter=True)

    async def check_apis(self, first):
        """`first`: the first remembered API's response, or the failure of its request; the
        others are fetched here. Each answer is a response (of any status) or, where there was
        none, what went wrong (a string)."""
        request = first.request
        response, memory = request.meta["listing_response"], request.meta["memory"]
        portal = self.portal(response)
        if isinstance(first, Response):
            answers = [first]
        elif isinstance(first.value, HttpError):
            answers = [first.value.response]
        else:
            answers = [describe_failure(first.value, request)[1]]
        for api in memory["apis"][1:]:
            request = self.request(api["url"], NO_CALLBACK, {"portal": portal.id, "kind": "api", "conditional": True})
            try:
                answers.append(await self.crawler.engine.download_async(request))
            except Exception as exc:  # noqa: BLE001 - no answer: api_changed decides what that means
                answers.append(describe_failure(exc, request)[1])
        changed = [api["url"] for api, got in zip(memory["apis"], answers)
                   if not isinstance(got, Response) or got.status != 200 or static_sha(got.body) != api["sha256"]]
        if changed:
            async for x in self.api_changed(response, portal, memory, answers, changed):
                yield x
            return
        for x in self.recalled_links(response, portal, memory):
            yield x

    async def api_changed(self, response, portal: Portal, memory: dict, answers: list, changed: list):
        """The APIs a rendered listing fetched answer differently now (`answers`: one per
        remembered API, in order, as check_apis gives them; `changed`: the URLs of those that
        differ): without a family that reads them, the browser reads the page again."""
        yield self.render_request(portal, response, f"the API it fetched answers differently now ({changed[0]})")

    def recalled_links(self, response, portal: Portal, memory: dict):
        self.crawler.stats.inc_value("zfxxgk/renders_saved")
        reports = [(url, text) for url, text in memory["links"]]
        page_links = list(self.page_links(response))
        for url, text in reports:
            for request in self.report_request(portal, url, text, response, f"remembered ({memory['method']})"):
                yield request
        if not self.ctx.incremental(portal.id):
            yield from self.listing_requests(response, portal)  # a portal not yet read to its end
        if not reports:
            yield from self.nav_requests(response, portal, page_links)

    def readable(self, portal: Portal, response: TextResponse, record: bool = True) -> TextResponse:
        """The response decoded as its bytes are written, whatever its label says.

        GBK pages labelled UTF-8 (in the header or a <meta>) decode to replacement characters:
        their links read as nothing and the portal would look empty. Re-decoded, and recorded
        (unless `record` is off: a report page's mislabel is recorded from its parse).
        """
        if "\ufffd" not in response.text:  # the common case costs one scan of the text
            return response
        decoded = decode_html(response.body, (response.headers.get(b"Content-Type") or b"").decode("latin-1"))
        if not decoded.mislabelled:
            return response
        if record:
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
        """A further page of the same listing, within the listing's and the portal's budgets."""
        url = canonical_url(url)
        if not portal.allows(url):
            self.ctx.event(portal.id, "offsite", url, f"listing page off the portal's site, not followed: {url}")
            return None
        pages = self.listing_pages.setdefault(portal.id, set())
        key = (kwargs.get("method", "GET"), url, kwargs.get("body"))
        if key in pages:
            return None  # page-number links repeat on every page of a listing
        root = response.meta.get("listing_root") or response.url
        count = self.listing_counts.get((portal.id, root), 0)
        if count >= self.max_listing_pages:
            self.limit(portal, "listing_pages", url,
                       f"listing page limit ({self.max_listing_pages} pages of one listing, ZFXXGK_MAX_LISTING_PAGES) "
                       f"reached in the listing {root}: {url} and later pages not read", key=root)
            return None
        if len(pages) >= self.max_portal_listing_pages:
            self.limit(portal, "portal_listing_pages", url,
                       f"listing page limit ({self.max_portal_listing_pages} per portal, "
                       f"ZFXXGK_MAX_PORTAL_LISTING_PAGES) reached: {url} and later pages not read")
            return None
        pages.add(key)
        self.listing_counts[(portal.id, root)] = count + 1
        # further pages of a rendered listing need the browser too; POSTs never go through it
        render = "playwright" in response.flags and kwargs.get("method", "GET") == "GET"
        meta = {**self.carried(response, listing_root=root), **kwargs.pop("meta", {})}
        return self.page_request(portal, url, "listing", response.meta.get("nav_depth", 0), render=render,
                                 meta=meta, **kwargs)

    def nav_requests(self, response, portal: Portal, page_links):
        return iter(())

    # -- report pages -----------------------------------------------------------------------
    async def parse_report(self, response):
        portal = self.portal(response)
        if may_link_attachments(response):
            # only the attachment link scan reads the text here (the parser decodes the bytes
            # itself, in a worker, and the pipeline records a mislabel from its warning)
            response = self.readable(portal, response, record=False)
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
