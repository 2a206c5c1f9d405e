"""Rendering JavaScript-built listings in headless Chromium, only where needed, and only on
the portal's own site."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

from .context import context_for


def abort_request(request) -> bool:
    """Skip what a listing does not need to build its links: images, fonts, media, styles."""
    return request.resource_type in ("image", "font", "media", "stylesheet")


def playwright_meta() -> dict:
    """Request meta that sends a request through the browser and waits for scripts to settle."""
    return {
        "playwright": True,
        "playwright_page_goto_kwargs": {"wait_until": "networkidle"},
        "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle")],
        # conditional headers would make the browser see a 304 with no body to render
        "dont_cache": True,
    }


def needs_rendering(response, links_found: int) -> bool:
    """A listing built by JavaScript: scripts, and (almost) no links, counting those the CMS
    mixins read without a browser (Hanweb's datastore records sit inside a <script>)."""
    if "playwright" in response.flags or response.request is not None and response.request.method != "GET":
        return False
    return links_found < 3 and bool(response.xpath("//script"))


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
        """
        inner = super()._make_request_handler(context_name, method, url, headers, body, encoding, spider,
                                              initial_request_done)
        ctx = context_for(self._crawler)
        portal = ctx.portal_for(url)

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
            return await inner(route, playwright_request)

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
