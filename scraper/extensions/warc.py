"""Every response the crawl receives goes into the WARC files, and into `fetches`: this
extension is the one writer of both (a request that got no response is recorded here too,
by `record_failure`).

Hooked on `response_downloaded`, which fires right after the download handler and before any
middleware touches the response: the body is still as the server sent it (compressed if it
was), redirects, errors and retried responses are all seen, and a 304 is seen as a 304 (a
revisit record). Pages rendered by the browser are `resource` records, not responses.
"""

from __future__ import annotations

import hashlib
import logging

from scrapy import signals

from zfxxgk.pipelines.db import utcnow

from ..context import context_for

log = logging.getLogger(__name__)


def _headers(h) -> list[tuple[str, str]]:
    out = []
    for k, values in h.items():
        for v in values:
            out.append((k.decode("latin-1"), v.decode("latin-1")))
    return out


class WarcExtension:
    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def ctx(self):
        return context_for(self.crawler)  # built before this extension, asked for once built

    def response_downloaded(self, response, request, spider=None):
        ctx = self.ctx
        try:
            if "playwright" in response.flags:
                ref = ctx.warc.write_rendered(url=response.url, body=response.body)
            elif response.status == 304:
                ref = ctx.warc.write_not_modified(
                    url=response.url, response_headers=_headers(response.headers),
                    refers_to_date=None, protocol=response.protocol or "HTTP/1.1",
                    request_headers=_headers(request.headers))
            else:
                ref = ctx.warc.write_exchange(
                    url=response.url, method=request.method, request_headers=_headers(request.headers),
                    request_body=request.body, status=response.status,
                    response_headers=_headers(response.headers), body=response.body,
                    protocol=response.protocol or "HTTP/1.1",
                    ip=str(response.ip_address) if response.ip_address else None)
        except Exception:  # noqa: BLE001 - an archive failure must be loud but not stop the crawl
            log.exception("could not write %s to the WARC archive", response.url)
            ref = (None, None, None)
        portal = ctx.portal_for(request.url, request.meta)
        kind = request.meta.get("kind") or ("robots" if request.url.endswith("/robots.txt") else "other")
        c = ctx.counters[portal.id] if portal else None
        if c is not None:
            c.pages += 1
            c.bytes += len(response.body)
            if response.status == 304:
                c.not_modified += 1
        self._fetch_row(
            portal_id=portal.id if portal else None, url=response.url, method=request.method,
            status=response.status,
            content_type=(response.headers.get(b"Content-Type") or b"").decode("latin-1") or None,
            length=len(response.body), sha256=hashlib.sha256(response.body).hexdigest(),
            kind=kind, rendered=int("playwright" in response.flags),
            warc_file=ref[0], warc_offset=ref[1], warc_length=ref[2])

    _FETCH = ("run_id", "portal_id", "url", "method", "status", "content_type", "length", "sha256",
              "fetched_at", "kind", "rendered", "warc_file", "warc_offset", "warc_length", "note")

    def _fetch_row(self, **row) -> None:
        row = {"run_id": self.ctx.run_id, "fetched_at": utcnow(), **row}
        self.ctx.writer.execute(
            f"INSERT INTO fetches ({', '.join(self._FETCH)}) VALUES ({', '.join('?' * len(self._FETCH))})",
            [row.get(k) for k in self._FETCH])

    def record_browser_response(self, page_request, *, url: str, method: str, request_headers: dict,
                                request_body: bytes, status: int, response_headers: dict, body: bytes,
                                content_type: str = "", resource_type: str = "") -> None:
        """A response the browser received while rendering a page (XHR / fetch: the JSON API
        behind a list), as a request and response record beside the rendered DOM, with a
        `fetches` row of kind 'browser'. Playwright hands over the body decoded, so a
        Content-Encoding header is kept only as X-Archive-Orig-Content-Encoding."""
        ctx = self.ctx
        headers = []
        for k, v in response_headers.items():
            if k.lower() in ("content-encoding", "content-length", "transfer-encoding"):
                headers.append((f"X-Archive-Orig-{k}", v))
            else:
                headers.append((k, v))
        try:
            ref = ctx.warc.write_exchange(
                url=url, method=method, request_headers=list(request_headers.items()),
                request_body=request_body or b"", status=status, response_headers=headers, body=body)
        except Exception:  # noqa: BLE001 - loud, but the crawl goes on
            log.exception("could not write browser response %s to the WARC archive", url)
            ref = (None, None, None)
        portal = ctx.portal_for(page_request.url, page_request.meta)
        if portal is not None:
            ctx.counters[portal.id].bytes += len(body)
        self._fetch_row(
            portal_id=portal.id if portal else None, url=url, method=method, status=status,
            content_type=content_type or None, length=len(body), sha256=hashlib.sha256(body).hexdigest(),
            kind="browser", rendered=0, warc_file=ref[0], warc_offset=ref[1], warc_length=ref[2],
            note=f"{resource_type or 'request'} of the page rendered from {page_request.url}"[:500])

    def record_failure(self, request, note: str) -> None:
        """The `fetches` row of a request that got no response (refused, timed out ...)."""
        portal = self.ctx.portal_for(request.url, request.meta)
        self._fetch_row(portal_id=portal.id if portal else None, url=request.url, method=request.method,
                        status=None, kind=request.meta.get("kind"), note=note[:500])

    def spider_closed(self, spider, reason):
        self.ctx.warc.close()
