"""One mixin per portal software family. Each recognises its family from the page itself,
unless the registry's `cms` column names the portal's families (family.py)."""

from .family import FAMILIES, families
from .hanweb import HanwebMixin
from .jsonapi import JsonApiMixin
from .navigation import NavigationMixin
from .pagination import PaginationMixin
from .trs import TrsMixin
from .ucap import UcapMixin

__all__ = ["FAMILIES", "HanwebMixin", "JsonApiMixin", "NavigationMixin", "PaginationMixin", "TrsMixin", "UcapMixin",
           "families"]
