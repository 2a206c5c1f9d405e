"""The downloader and its middlewares: at most CONCURRENT_REQUESTS_PER_DOMAIN requests in flight
per portal, every request kept on its portal's site (redirects included), one download slot per
portal, robots.txt as RFC 9309 reads it, redirect loops cut, retries with backoff, and
conditional requests that let a nightly re-crawl cost 304s instead of pages.

A request these refuse carries its reason in meta["zfxxgk_refusal"], which the spider's
errback records against the portal (`crawl_events`)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import datetime, timedelta, timezone
from time import monotonic
from urllib.parse import urlsplit

from scrapy.core.downloader import Downloader
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro
from scrapy.utils.response import response_status_message

from zfxxgk.pipelines.db import parse_utc, utcnow

from .context import context_for
from .failures import network_reason

log = logging.getLogger(__name__)


class PortalDownloader(Downloader):
    """Scrapy's downloader with a slot's concurrency holding when there is no download delay.

    Scrapy 2.19 starts each download as an asyncio task and counts it as transferring only once
    that task runs; with no delay its queue loop checks the free transfer slots again before any
    task has run, and starts every request queued on the slot at once (measured: 5 to 7 requests
    in flight to one portal in a `--delay 0` crawl). Here a download counts as transferring from
    the moment it is handed to its task (`_download` adds it again, a no-op, and removes it).
    With a delay Scrapy starts one request per call and waits, so only the no-delay path differs.
    """

    def _process_queue(self, slot) -> None:
        if slot.latercall:
            return  # a delayed call is pending: it processes the queue
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # one request per delay: the next waits for its turn
                self._process_queue(slot)
                break


def refuse(request, kind: str, reason: str) -> IgnoreRequest:
    """Mark a request refused with its reason, for the errback to record against its portal."""
    request.meta["zfxxgk_refusal"] = (kind, reason)
    return IgnoreRequest(reason)


class PortalSiteMiddleware:
    """Every request stays on its portal's own site, and every portal is one download slot.

    First among the downloader middlewares, so it sees every request before anything is sent
    (robots.txt included): the spider's own, every redirect target and meta refresh (Scrapy
    sends those back through the whole chain), and attachment downloads. A request off the
    portal's site is refused and recorded: a compromised portal must not make the nightly
    crawler fetch internal addresses and publish what they return.

    Slots are keyed by host:port, not Scrapy's hostname: two portals on one host but different
    ports are different servers (the demo network runs many portals on 127.0.0.1).
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        request.meta.setdefault("download_slot", urlsplit(request.url).netloc.lower())
        if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
            return None  # robots.txt of a URL that passed here already
        ctx = context_for(self.crawler)
        portal = ctx.portal_for(request.url, request.meta)
        if portal is None or not portal.allows(request.url):
            via = request.meta.get("redirect_urls", [])
            how = f"redirected from {via[-1]}" if via else "linked"
            raise refuse(request, "offsite", f"off the portal's site ({how}): {request.url}")
        return None


class _RedirectPolicy:
    """Redirects (HTTP or meta refresh) with loops cut at the first repeat and recorded as loops.

    Without this a loop (/a -> /b -> /a) ends silently: the repeated URL is dropped by the
    duplicate filter and nothing says why the portal yielded nothing.
    """

    def _redirect(self, redirected, request, reason):
        seen = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in seen:
            raise refuse(request, "redirect", f"redirect loop: {' -> '.join(seen + [redirected.url])}")
        if len(seen) > self.max_redirect_times:
            raise refuse(request, "redirect", f"more than {self.max_redirect_times} redirects from {seen[0]}")
        return super()._redirect(redirected, request, reason)


class RedirectPolicyMiddleware(_RedirectPolicy, RedirectMiddleware):
    pass


class MetaRefreshPolicyMiddleware(_RedirectPolicy, MetaRefreshMiddleware):
    """A meta refresh off the portal's site is not followed, and the page that carried it is
    read as it is: its content is the portal's own (an injected refresh must not hide it)."""

    def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        if isinstance(result, Request):
            ctx = context_for(self.crawler)
            portal = ctx.portal_for(request.url, request.meta)
            if portal is not None and not portal.allows(result.url):
                ctx.event(portal.id, "offsite", result.url,
                          f"meta refresh off the portal's site, not followed (page {request.url}): {result.url}")
                return response
        return result


class _DisallowAll:
    def allowed(self, url, user_agent) -> bool:
        return False


class RobotsPolicyMiddleware(RobotsTxtMiddleware):
    """robots.txt as RFC 9309 reads it, with every refusal recorded.

    A robots.txt that answers 5xx, or cannot be fetched at all (timeout, refused connection),
    means "disallow everything" for this run (§2.3.1.4); Scrapy's own middleware treats both as
    "allow everything". 4xx means no rules (§2.3.1.3), as in Scrapy.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self._unavailable: dict[str, str] = {}

    async def _parse_robots(self, response, netloc, request):
        if response.status >= 500:
            self._disallow_all(netloc, request, f"robots.txt answered HTTP {response.status}")
            return
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc, netloc):
        why = network_reason(exc)
        ctx = context_for(self.crawler)
        portal = ctx.by_netloc.get(netloc)
        if not isinstance(exc, IgnoreRequest):
            scheme = urlsplit(portal.start_url).scheme if portal else "http"
            ctx.event(portal.id if portal else None, "network", f"{scheme}://{netloc}/robots.txt", f"robots.txt: {why}")
        self._disallow_all(netloc, None, f"robots.txt could not be fetched ({why})")

    def _disallow_all(self, netloc, request, why: str) -> None:
        self._unavailable[netloc] = why + ": nothing is fetched from this site this run (RFC 9309)"
        rp_dfd = self._parsers[netloc]
        self._parsers[netloc] = _DisallowAll()
        rp_dfd.callback(self._parsers[netloc])

    def process_request_2(self, rp, request):
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            netloc = urlsplit(request.url).netloc
            raise refuse(request, "robots", self._unavailable.get(netloc) or f"disallowed by robots.txt: {request.url}")


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, but each retry waits base * 2^n seconds first (capped).

    The wait is an asyncio sleep on this request only; other portals keep downloading.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def _delayed(self, request, reason):
        retry = get_retry_request(request, reason=reason, spider=self.crawler.spider,
                                  max_retry_times=self.max_retry_times, priority_adjust=self.priority_adjust)
        if retry is not None and self.base > 0:
            n = retry.meta.get("retry_times", 1)
            await asyncio.sleep(min(self.cap, self.base * 2 ** (n - 1)))
        return retry

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = await self._delayed(request, response_status_message(response.status))
        return retry or response

    async def process_exception(self, request, exception):
        if isinstance(exception, self.exceptions_to_retry) and not request.meta.get("dont_retry", False):
            return await self._delayed(request, exception)
        return None


class ConditionalRequestMiddleware:
    """ETag / If-Modified-Since for pages the archive already holds.

    Requests marked meta["conditional"] (listing pages, re-checked reports) carry the
    validators of their last 200. A 304 is answered from the blob store with the body of that
    200, flagged "not_modified", so the spider parses it as before: the listing still yields
    its links, and the archive still records (as a WARC revisit) that the server was asked.
    Validators are only a bandwidth saver; content hashes decide what changed.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def ctx(self):
        return context_for(self.crawler)

    ROBOTS_MAX_AGE = timedelta(hours=24)  # RFC 9309 §2.4: a cached robots.txt may serve a day

    def process_request(self, request):
        robots = request.url.endswith("/robots.txt")
        if robots:
            request.meta.setdefault("kind", "robots")
            request.meta.setdefault("conditional", True)
        if not request.meta.get("conditional") or request.meta.get("playwright"):
            return None
        state = self._stored(request.url)
        if state is None:
            return None
        etag, last_modified, _sha, _ctype, checked_at = state
        if robots:
            checked = parse_utc(checked_at)
            if checked and datetime.now(timezone.utc) - checked <= self.ROBOTS_MAX_AGE:
                return self._from_store(request, state, "cached")  # no request at all
        if etag:
            request.headers[b"If-None-Match"] = etag
        if last_modified:
            request.headers[b"If-Modified-Since"] = last_modified
        if etag or last_modified:
            request.headers[b"Cache-Control"] = b"max-age=0"
        return None

    def _stored(self, url: str):
        """(etag, last_modified, sha256, content_type, checked_at) of the last 200 whose body is kept."""
        row = self.ctx.db.execute("SELECT etag, last_modified, sha256, content_type, checked_at FROM url_state "
                                  "WHERE url = ? AND status = 200", [url]).fetchone()
        return row if row and row[2] and self.ctx.blobs.exists(row[2]) else None

    def _from_store(self, request, state, flag: str):
        """The stored 200 of this URL as a response, flagged so nobody mistakes it for a download."""
        headers = {b"Content-Type": state[3] or b"application/octet-stream"}
        cls = responsetypes.from_args(headers=headers, url=request.url)
        return cls(url=request.url, status=200, headers=headers, body=self.ctx.blobs.get(state[2]),
                   request=request, flags=[flag])

    def process_response(self, request, response):
        if "cached" in response.flags:
            return response
        if response.status == 304 and (b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers):
            state = self._stored(request.url)
            if state is None:
                return response
            self.ctx.writer.execute("UPDATE url_state SET checked_at = ? WHERE url = ?", [utcnow(), request.url])
            return self._from_store(request, state, "not_modified")
        if response.status == 200 and request.meta.get("kind") in ("listing", "nav", "report", "robots") \
                and "playwright" not in response.flags:
            self._remember(request, response)
        return response

    def _remember(self, request, response: Response) -> None:
        if request.meta.get("kind") == "report":
            # report bodies are stored by the ingest worker if they are reports; a rejected
            # page is not kept as a blob (the WARC has it), so it is simply fetched again
            sha = hashlib.sha256(response.body).hexdigest()
        else:
            sha, _ = self.ctx.blobs.put(response.body)
        now = utcnow()
        h = response.headers

        def header(name: bytes):
            return (h.get(name) or b"").decode("latin-1") or None

        self.ctx.writer.execute(
            "INSERT INTO url_state (url, kind, etag, last_modified, sha256, content_type, status, checked_at, "
            "changed_at) VALUES (?, ?, ?, ?, ?, ?, 200, ?, ?) ON CONFLICT(url) DO UPDATE SET "
            "kind = excluded.kind, etag = excluded.etag, last_modified = excluded.last_modified, "
            "changed_at = CASE WHEN url_state.sha256 IS excluded.sha256 THEN url_state.changed_at ELSE excluded.changed_at END, "
            "sha256 = excluded.sha256, content_type = excluded.content_type, status = 200, "
            "checked_at = excluded.checked_at",
            [request.url, request.meta.get("kind"), header(b"ETag"), header(b"Last-Modified"), sha,
             header(b"Content-Type"), now, now])
