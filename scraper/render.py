"""Rendering JavaScript-built listings in headless Chromium, only where needed."""

from __future__ import annotations

from scrapy_playwright.page import PageMethod


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
