"""Rendering JavaScript-built listings in headless Chromium, only where needed, and only on
the portal's own site.

A static read decides (`needs_rendering`): a listing-like page (the start URL, a 年报 column
reached by navigation, a page titled 年报 / 年度报告, or one announcing 共N条 / recordCount /
pageCount ...) with scripts renders when the static read found no report link, or no
pagination although the page announces more items than it shows. In the browser, what the page
fetched (XHR / fetch: the JSON API behind the list) is archived beside the rendered DOM, and
JavaScript pagination (下一页 / page-number controls with no real href) is clicked through,
within a page limit; the links of every page seen are appended to the DOM the spider reads.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from urllib.parse import urljoin, urlsplit

from playwright.async_api import Error as PlaywrightError
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

from .context import context_for

log = logging.getLogger(__name__)

# what a listing page says about its own size
_ANNOUNCED_TOTAL = re.compile(
    r"共\s*(\d{1,6})\s*条|(?:recordCount|totalRecord|totalCount|total_count|totalRecords|recordTotal|"
    r"totalNum|total)[\"']?\s*[:=]\s*[\"']?(\d{1,6})", re.I)
_ANNOUNCED_PAGES = re.compile(r"共\s*(\d{1,5})\s*页|(?:pageCount|totalPage|totalPages|pageTotal|page_count)"
                              r"[\"']?\s*[:=]\s*[\"']?(\d{1,5})", re.I)
_LISTING_WORDS = re.compile(r"年报|年度报告|信息公开.{0,4}报告")
BROWSER_FETCH_TYPES = ("xhr", "fetch")


def abort_request(request) -> bool:
    """Skip what a listing does not need to build its links: images, fonts, media, styles."""
    return request.resource_type in ("image", "font", "media", "stylesheet")


def playwright_meta(max_pages: int | None = None) -> dict:
    """Request meta that sends a request through the browser and waits for scripts to settle.

    max_pages: click through JavaScript pagination up to this many pages (None: no paging).
    """
    meta = {
        "playwright": True,
        "playwright_page_goto_kwargs": {"wait_until": "networkidle"},
        "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle")],
        # conditional headers would make the browser see a 304 with no body to render
        "dont_cache": True,
    }
    if max_pages:
        meta["zfxxgk_browser_pages"] = max_pages
    return meta


def announced(response) -> tuple[int, int]:
    """(items, pages) a listing page announces about itself (0 when it says nothing)."""
    text = response.text
    total = max((int(a or b) for a, b in _ANNOUNCED_TOTAL.findall(text)), default=0)
    pages = max((int(a or b) for a, b in _ANNOUNCED_PAGES.findall(text)), default=0)
    return total, pages


def listing_like(response, page_links=()) -> bool:
    """A page that should hold a list of reports: a 年报 column reached by navigation, a page
    titled or headed 年报 / 年度报告, one announcing its size, or a start URL (or a further
    listing page) that offers no way on towards a column."""
    from .links import nav_score

    meta = response.meta
    if meta.get("column"):
        return True
    heads = " ".join(response.xpath("//title//text() | //h1//text() | //h2//text() | //h3//text()").getall())
    if _LISTING_WORDS.search(heads):
        return True
    if any(announced(response)):
        return True
    return meta.get("kind") == "listing" and not any(nav_score(text) for _url, text in page_links)


def item_links(page_links) -> int:
    """Links that look like list items (titles), not chrome (首页, 政务公开 ...)."""
    return sum(1 for _url, text in page_links if len(text) >= 10)


def needs_rendering(response, links_found: int, *, reports_found: int | None = None,
                    pagination: int = 0, page_links=()) -> bool:
    """Whether a static read missed what the browser would see.

    Always: scripts and (almost) no links at all, counting those the CMS mixins read without a
    browser (Hanweb's datastore records sit inside a <script>). On a listing-like page with
    scripts, also: no report link and no further page; or fewer items than the page announces
    (共N条, recordCount ...) and no further page to find the rest on; or more pages announced
    (pageCount, 共N页) than links to them.
    """
    if "playwright" in response.flags or response.request is not None and response.request.method != "GET":
        return False
    if not response.xpath("//script"):
        return False
    if links_found < 3:
        return True
    if reports_found is None or not listing_like(response, page_links):
        return False
    if reports_found == 0 and pagination == 0:
        return True
    total, pages = announced(response)
    if pagination == 0 and (pages > 1 or total > max(item_links(page_links), reports_found)):
        return True
    return False


def static_sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


_VOLATILE = re.compile(r"\d{10,}|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?")


def static_fingerprint(response) -> str:
    """What a static page gives its scripts to build a list from: its links, its script URLs and
    its inline scripts (timestamps masked). Text around them (today's date in the header, a
    visitor counter) changes nightly on many portals without changing the list; it is left out,
    so an unchanged listing is not rendered again for it."""
    parts = sorted(set(response.xpath("//a/@href").getall()))
    parts += response.xpath("//script/@src").getall()
    parts += [_VOLATILE.sub("#", t) for t in response.xpath("//script[not(@src)]/text()").getall()]
    return "fp:" + hashlib.sha256("\n".join(parts).encode("utf-8", "replace")).hexdigest()


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's download handler, with Playwright started by the first request that
    needs a browser rather than when the engine starts.

    Most portals never need one, and a crawl of them should not pay for Playwright's driver
    (a Node.js process: about half a second to start and 100+ MB). Requests without
    meta["playwright"] go to Scrapy's own HTTP handler either way. (It overrides internals of
    scrapy-playwright 0.0.48, which setup.cfg pins; the demo crawl test renders through it.)
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self._crawler = crawler

    def _make_request_handler(self, context_name, method, url, headers, body, encoding, spider,
                              initial_request_done):
        """scrapy-playwright's route handler for one page, behind a guard: every request the page
        makes (scripts, frames, XHR, images, navigations, redirects) stays on the site of the
        portal whose page it is, or is aborted and recorded.

        The guard is in the route chain itself, so it fails closed: a request it does not let
        through is never sent. The Scrapy request's own URL was checked by PortalSiteMiddleware.

        The page's requests go one at a time: the Scrapy request the page renders holds one of
        its portal's transfer slots (CONCURRENT_REQUESTS_PER_DOMAIN) until the page is closed,
        and the browser's requests are that one transfer. Left alone, Chromium fetches up to six
        at once per host (scripts, the list's JSON), beside the portal's other Scrapy request.
        """
        inner = super()._make_request_handler(context_name, method, url, headers, body, encoding, spider,
                                              initial_request_done)
        ctx = context_for(self._crawler)
        portal = ctx.portal_for(url)
        one_at_a_time = asyncio.Lock()
        max_redirects = self._crawler.settings.getint("REDIRECT_MAX_TIMES")  # as for the crawl's own requests

        async def guarded(route, playwright_request):
            target = playwright_request.url
            if urlsplit(target).scheme in ("data", "blob", "about"):
                return await inner(route, playwright_request)
            if portal is None or not portal.allows(target):
                await route.abort("blockedbyclient")
                ctx.event(portal.id if portal else None, "offsite", target,
                          f"browser {playwright_request.resource_type} request off the portal's site, "
                          f"refused (page {url}): {target}")
                return None
            if not playwright_request.is_navigation_request():
                route = _RedirectsChecked(route, playwright_request, portal, ctx, url, max_redirects)
            async with one_at_a_time:
                await inner(route, playwright_request)
                await _finished(playwright_request)
            return None

        return guarded

    async def _create_browser_context(self, name, context_kwargs, spider=None):
        """Contexts without service workers (they fetch outside the page's routes) and with every
        WebSocket refused (page routes do not see them; a listing never needs one)."""
        wrapper = await super()._create_browser_context(
            name, {**(context_kwargs or {}), "service_workers": "block"}, spider)
        ctx = context_for(self._crawler)

        async def refuse_websocket(ws):
            portal = ctx.portal_for(ws.url)
            ctx.event(portal.id if portal else None, "offsite", ws.url, f"browser WebSocket refused: {ws.url}")
            await ws.close()

        await wrapper.context.route_web_socket("**", refuse_websocket)
        return wrapper

    async def _download_request_with_page(self, request, page, spider):
        """The page rendered, with what it fetched archived and its JavaScript pagination read.

        Every XHR / fetch response the page receives is written to the WARC files (by the
        archive extension, the one writer) with a `fetches` row of kind 'browser'; their URLs and
        hashes go into request.meta["zfxxgk_browser_fetches"] for the spider to remember.
        """
        pending: list[asyncio.Task] = []

        def on_response(resp):
            try:
                if resp.request.resource_type in BROWSER_FETCH_TYPES:
                    pending.append(asyncio.ensure_future(self._read_browser_response(resp)))
            except Exception:  # noqa: BLE001 - a record lost is logged, the page still renders
                log.exception("could not read a browser response of %s", request.url)

        page.on("response", on_response)
        try:
            response = await super()._download_request_with_page(request, page, spider)
        finally:
            try:
                page.remove_listener("response", on_response)
            except Exception:  # noqa: BLE001
                pass
        fetched = []
        from .extensions.warc import WarcExtension

        warc = self._crawler.get_extension(WarcExtension)
        for task in pending:
            try:
                got = await asyncio.wait_for(task, 10)
            except Exception:  # noqa: BLE001 - closed page, aborted request: nothing to keep
                continue
            if got is None:
                continue
            if warc is not None:
                warc.record_browser_response(request, **got)
            fetched.append({"url": got["url"], "sha256": static_sha(got["body"]), "status": got["status"],
                            "content_type": got["content_type"]})
        request.meta["zfxxgk_browser_fetches"] = fetched
        response.meta["zfxxgk_browser_fetches"] = fetched
        return response

    @staticmethod
    async def _read_browser_response(resp) -> dict | None:
        req = resp.request
        if req.failure is not None:
            return None
        body = await resp.body()
        headers = await resp.all_headers()
        return {"url": resp.url, "method": req.method, "request_headers": await req.all_headers(),
                "request_body": req.post_data_buffer or b"", "status": resp.status,
                "response_headers": headers, "body": body,
                "content_type": headers.get("content-type", ""), "resource_type": req.resource_type}

    async def _apply_page_methods(self, page, request, spider) -> None:
        await super()._apply_page_methods(page, request, spider)
        max_pages = request.meta.get("zfxxgk_browser_pages")
        if max_pages:
            request.meta["zfxxgk_browser_paging"] = await browser_paging(page, max_pages)

    async def _maybe_launch_in_thread(self) -> None:  # engine_started, Scrapy >= 2.14
        return None

    def _engine_started(self):  # engine_started, older Scrapy
        return None

    async def _download_request(self, request, spider=None):
        lock = self.__dict__.setdefault("_launch_once", asyncio.Lock())
        async with lock:
            if getattr(self, "browser_provider", None) is None:
                try:
                    await self._launch()
                except BaseException:
                    self.__dict__.pop("browser_provider", None)  # set before it started: try again next time
                    raise
        return await super()._download_request(request, spider)


REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class _RedirectsChecked:
    """A page's route as scrapy-playwright's handler sees it, for a request that is not a
    navigation (script, stylesheet, image, font, XHR, fetch ...): its `continue_` follows the
    request's redirects itself, each target checked against the portal's site, and hands the
    browser the final answer.

    Chromium follows a redirect answered to a routed request without calling the route again:
    a portal whose script or XHR redirected to another host had that request sent
    (tests/crawl/faultnet.py, js_redirect_offsite). Here the request is fetched without
    following redirects (route.fetch, max_redirects=0); a Location off the site is refused and
    recorded like any request the guard refuses (`same_site` refuses an authority that Python
    and the browser would read as different hosts). It fails closed: anything that goes wrong
    aborts the request. The browser gets the final answer at the URL it asked for, which for a
    subresource changes nothing a listing needs. Navigations (the page, its frames) keep
    Chromium's handling, since relative links resolve against their final URL: a redirect of
    one to another host remains the known gap (README).
    """

    def __init__(self, route, playwright_request, portal, ctx, page_url: str, max_redirects: int):
        self._route, self._request, self._portal, self._ctx, self._page_url = (
            route, playwright_request, portal, ctx, page_url)
        self._max_redirects = max_redirects

    def __getattr__(self, name):
        return getattr(self._route, name)

    async def continue_(self, **overrides):
        try:
            await self._follow(**overrides)
        except Exception as exc:  # noqa: BLE001 - whatever failed, the request is not sent
            try:
                await self._route.abort("failed")
            except PlaywrightError:
                pass  # the page is gone: nothing will be sent for it
            self._ctx.event(self._portal.id, "network", self._request.url,
                            f"browser {self._request.resource_type} request not sent (page {self._page_url}): "
                            f"{type(exc).__name__}: {exc}")

    async def _follow(self, **overrides):
        method = overrides.pop("method", None) or self._request.method
        if "headers" in overrides:
            # HTTP carries header values as bytes; Playwright's fetch takes only Latin-1 strings,
            # so a UTF-8 value (the User-Agent names the project in Chinese) goes as its bytes
            overrides["headers"] = {k: v.encode("utf-8").decode("latin-1") for k, v in overrides["headers"].items()}
        target = self._request.url
        for _ in range(self._max_redirects + 1):
            response = await self._route.fetch(url=target, method=method, max_redirects=0, **overrides)
            location = response.headers.get("location")
            if response.status not in REDIRECT_STATUSES or not location:
                await self._route.fulfill(response=response)
                return
            nxt = urljoin(target, location)
            if not self._portal.allows(nxt):
                await self._route.abort("blockedbyclient")
                self._ctx.event(self._portal.id, "offsite", nxt,
                                f"browser {self._request.resource_type} request {self._request.url} redirected "
                                f"off the portal's site, refused (page {self._page_url}): {nxt}")
                return
            if response.status == 303 or (response.status in (301, 302) and method.upper() == "POST"):
                # an empty body, not none: given none, Playwright would send the original one
                method, overrides["post_data"] = "GET", b""
            target = nxt
        await self._route.abort("failed")
        self._ctx.event(self._portal.id, "redirect", self._request.url,
                        f"browser {self._request.resource_type} request redirected more than "
                        f"{self._max_redirects} times, refused (page {self._page_url})")


async def _finished(playwright_request) -> None:
    """Once a browser request is over: its body read (or it failed, was aborted, or its page
    closed), and so are the redirects it led to, which the browser follows without a route."""
    while playwright_request is not None:
        try:
            response = await playwright_request.response()
            if response is not None:
                await response.finished()
        except PlaywrightError:
            return  # the page or browser went away: the request is no longer in flight
        playwright_request = playwright_request.redirected_to


# -- JavaScript pagination in the browser ---------------------------------------------------------

_COLLECT = """() => Array.from(document.querySelectorAll('a')).map(a => [a.href || '', (a.title && a.title.length >
  (a.textContent || '').trim().length) ? a.title : (a.textContent || '').trim()])"""

# a next-page control that works only through script: no real href (javascript:, #, none)
_FIND_NEXT = r"""() => {
  const words = /^(下一页|下页|后页|next|›|»|>|＞|>>)$/i;
  const els = Array.from(document.querySelectorAll('a, button, span, li, input[type=button]'));
  for (const el of els) {
    const t = ((el.value || el.textContent || '') + '').replace(/\s+/g, '');
    if (!words.test(t)) continue;
    if (el.tagName === 'A') {
      const h = (el.getAttribute('href') || '').trim();
      if (h && !h.startsWith('javascript') && h !== '#' && !h.startsWith('#')) continue;  // a real link: read statically
    }
    const cls = (el.className || '') + ' ' + (el.parentElement ? el.parentElement.className || '' : '');
    if (/disabled/i.test(cls) || el.disabled) return null;
    el.setAttribute('data-zfxxgk-next', '1');
    return true;
  }
  return null;
}"""


PAGING_WAIT = 15.0  # seconds a click on 下一页 may take to change the list


async def browser_paging(page, max_pages: int) -> dict:
    """Click a JavaScript 下一页 until the links stop changing or max_pages pages were seen.

    The links of every page are appended to the document (in <div id="zfxxgk-browser-pages">),
    so the DOM the spider reads holds them all. Returns {"pages": n, "limited": bool, "where": str}.
    """
    seen_links: dict[str, str] = {}
    pages = 1
    limited = False
    last = None
    error = None
    try:
        current = await page.evaluate(_COLLECT)
        for href, text in current:
            seen_links.setdefault(href, text)
        last = tuple(sorted(h for h, _ in current))
        while True:
            has_next = await page.evaluate(_FIND_NEXT)
            if not has_next:
                break
            if pages >= max_pages:
                limited = True
                break
            await page.click("[data-zfxxgk-next='1']", timeout=10000)
            await page.evaluate("() => document.querySelectorAll('[data-zfxxgk-next]')"
                                ".forEach(e => e.removeAttribute('data-zfxxgk-next'))")
            # the list changes when the script's request comes back: wait for the links to change
            # (a page's networkidle state, once reached, does not wait for requests made later).
            # A busy machine answers late: up to PAGING_WAIT seconds before calling it the last page.
            now = last
            loop = asyncio.get_running_loop()
            deadline = loop.time() + PAGING_WAIT
            while loop.time() < deadline:
                await asyncio.sleep(0.1)
                current = await page.evaluate(_COLLECT)
                now = tuple(sorted(h for h, _ in current))
                if now != last:
                    await asyncio.sleep(0.3)  # a list drawn in several steps
                    current = await page.evaluate(_COLLECT)
                    now = tuple(sorted(h for h, _ in current))
                    break
            if now == last:
                break  # the control did nothing: the last page
            last = now
            pages += 1
            for href, text in current:
                seen_links.setdefault(href, text)
        if pages > 1:
            await page.evaluate("""(links) => { const d = document.createElement('div');
                d.id = 'zfxxgk-browser-pages'; for (const [h, t] of links) { const a = document.createElement('a');
                a.setAttribute('href', h); a.textContent = t; d.appendChild(a); } document.body.appendChild(d); }""",
                                [[h, t] for h, t in seen_links.items() if h])
    except Exception as exc:  # noqa: BLE001 - a page that navigated away or broke: keep what was read
        log.info("browser paging stopped on %s: %s", page.url, exc)
        error = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    return {"pages": pages, "limited": limited, "where": page.url, "error": error}
