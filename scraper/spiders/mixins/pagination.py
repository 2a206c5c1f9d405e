"""Plain pagination: 下一页 / 后页 / » links and numbered page links."""

from __future__ import annotations

from ... import links


class PaginationMixin:
    def listing_requests(self, response, portal):
        yield from super().listing_requests(response, portal)
        for a in response.xpath("//a[@href]"):
            href = a.attrib.get("href", "").strip()
            if not href or href.startswith(("javascript:", "#")):
                continue
            text = " ".join(a.xpath("string(.)").get("").split()) or (a.attrib.get("title") or "")
            if links.is_next_page(text) or links.is_page_number(text):
                req = self.next_listing(response, portal, response.urljoin(href))
                if req is not None:
                    yield req
