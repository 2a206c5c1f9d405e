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


def needs_rendering(response) -> bool:
    """A listing built by JavaScript: scripts, and (almost) no links in its body."""
    if "playwright" in response.flags:
        return False
    body_links = response.xpath("//body//a[@href and not(starts-with(@href, 'javascript'))]")
    scripts = response.xpath("//script")
    return len(scripts) > 0 and len(body_links) < 3
