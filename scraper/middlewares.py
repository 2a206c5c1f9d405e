"""Downloader middlewares: one download slot per portal, retries with backoff, and
conditional requests that let a nightly re-crawl cost 304s instead of pages."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.response import response_status_message

from pipelines.db import parse_utc, utcnow

from .context import context_for

log = logging.getLogger(__name__)


class PortalSlotMiddleware:
    """Every portal (scheme://host:port) gets its own download slot.

    Scrapy keys slots by hostname; two portals on one host but different ports are different
    servers (and the demo network runs many portals on 127.0.0.1), so per-portal politeness
    needs the port in the key.
    """

    def process_request(self, request):
        request.meta.setdefault("download_slot", urlsplit(request.url).netloc.lower())


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
