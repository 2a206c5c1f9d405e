"""The generic spider: every portal of the registry, every supported CMS family.

    scrapy crawl portals [-s ZFXXGK_PORTALS=registry.csv] [-s ZFXXGK_ONLY=id1,id2]

A portal's `cms` column picks its families (trs, hanweb, jsonapi, ucap, generic; blank = detect, see
mixins/family.py); scraper/spiders/overrides/<portal_id>.py, where there is one, adjusts what
they do for that portal alone. Plain pagination and navigation apply to every portal.
"""

from __future__ import annotations

from .base import PortalSpider
from .mixins import HanwebMixin, JsonApiMixin, NavigationMixin, PaginationMixin, TrsMixin, UcapMixin
from .overrides import OverrideMixin


class PortalsSpider(OverrideMixin, HanwebMixin, UcapMixin, JsonApiMixin, TrsMixin, PaginationMixin,
                    NavigationMixin, PortalSpider):
    name = "portals"
