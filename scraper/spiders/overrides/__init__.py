"""Per-portal overrides, one module per portal (as juriscraper gives each court a class).

A portal whose pages no family reads right gets `overrides/<portal_id>.py` with a class named
after its id (`-` written `_`, and a leading digit prefixed with `_`: `fj-sanming` is class
`fj_sanming`, `3501` is class `_3501`), subclassing `PortalOverride`. When that portal is crawled
its class is used for the portal's pages, and only for them:

    class fj_sanming(PortalOverride):
        cms = "jsonapi"                          # the families to read its pages as (else the registry's)

        def listing_requests(self, response, default):
            yield from default(response)        # what the families would do ...
            yield self.spider.json_listing(...)  # ... and what only this portal needs

Every hook receives `default`, the families' own version: call it to keep their behaviour,
leave it out to replace it. Hooks: extra_links(response, default), listing_requests(response,
default), nav_requests(response, page_links, default). `self.spider` and `self.portal` are the
spider and the registry row. An override that cannot be loaded is recorded as an 'override'
event against its portal, and the portal is crawled without it.
Fixtures for an override sit beside it in overrides/fixtures/<portal_id>/ (see test_overrides).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent


def class_name(portal_id: str) -> str:
    name = re.sub(r"\W", "_", portal_id)
    return "_" + name if name[:1].isdigit() else name


class PortalOverride:
    cms: str | None = None  # families to read this portal's pages as; None: the registry's cms column

    def __init__(self, spider, portal):
        self.spider = spider
        self.portal = portal

    def extra_links(self, response, default):
        return default(response)

    def listing_requests(self, response, default):
        return default(response)

    def nav_requests(self, response, page_links, default):
        return default(response, page_links)


def load(portal_id: str):
    """The override class of a portal, None if it has none. Raises if its module is broken."""
    if not (HERE / f"{portal_id}.py").is_file():
        return None
    module = importlib.import_module(f"{__name__}.{portal_id}")
    cls = getattr(module, class_name(portal_id), None) or getattr(module, portal_id, None)
    if not (isinstance(cls, type) and issubclass(cls, PortalOverride)):
        raise TypeError(f"{module.__file__} has no PortalOverride subclass named {class_name(portal_id)}")
    return cls


class OverrideMixin:
    """First in the spider's bases: hands a portal's hooks to its override, if it has one."""

    def override_for(self, portal):
        cache = self.__dict__.setdefault("_overrides", {})
        if portal.id not in cache:
            try:
                cls = load(portal.id)
                cache[portal.id] = cls(self, portal) if cls else None
            except Exception as exc:  # noqa: BLE001 - one broken override must not stop the crawl
                cache[portal.id] = None
                self.ctx.event(portal.id, "override", portal.start_url,
                               f"override {portal.id}.py not used: {type(exc).__name__}: {exc}")
        return cache[portal.id]

    def cms_of(self, portal) -> str:
        override = self.override_for(portal)
        if override is not None and override.cms is not None:
            return override.cms
        return portal.cms or ""

    def extra_links(self, response):
        portal = self.ctx.by_id.get(response.meta.get("portal"))
        override = self.override_for(portal) if portal is not None else None
        if override is None:
            return super().extra_links(response)
        return override.extra_links(response, super().extra_links)

    def listing_requests(self, response, portal):
        override = self.override_for(portal)
        if override is None:
            return super().listing_requests(response, portal)
        parent = super().listing_requests
        return override.listing_requests(response, lambda r: parent(r, portal))

    def nav_requests(self, response, portal, page_links):
        override = self.override_for(portal)
        if override is None:
            return super().nav_requests(response, portal, page_links)
        parent = super().nav_requests
        return override.nav_requests(response, page_links, lambda r, links: parent(r, portal, links))
