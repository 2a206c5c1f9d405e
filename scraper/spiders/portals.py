"""The generic spider: every portal of the registry, every supported CMS family.

    scrapy crawl portals [-s ZFXXGK_PORTALS=registry.csv] [-s ZFXXGK_ONLY=id1,id2]
"""

from __future__ import annotations

from .base import PortalSpider
from .mixins import HanwebMixin, NavigationMixin, PaginationMixin, TrsMixin


class PortalsSpider(HanwebMixin, TrsMixin, PaginationMixin, NavigationMixin, PortalSpider):
    name = "portals"
