"""One mixin per portal software family. Each recognises its family from the page itself."""

from .hanweb import HanwebMixin
from .navigation import NavigationMixin
from .pagination import PaginationMixin
from .trs import TrsMixin

__all__ = ["HanwebMixin", "NavigationMixin", "PaginationMixin", "TrsMixin"]
