"""Plain pagination: 下一页 / 后页 / » links and numbered page links, whatever their URLs look
like: index_2.html, list.jsp?cur_page=2, or a query alone (?site_id=...&cat_id=...&cur_page=2,
joined to the page's own path), each asked for with its query as written."""

from __future__ import annotations

from zfxxgk.pipelines.urls import canonical_url

from ... import links


class PaginationMixin:
    def listing_requests(self, response, portal):
        yield from super().listing_requests(response, portal)
        for a in response.xpath("//a[@href]"):
            href = a.attrib.get("href", "").strip()
            if not href or href.startswith(("javascript:", "#")):
                continue
            text = " ".join(a.xpath("string(.)").get("").split()) or (a.attrib.get("title") or "")
            if not (links.is_next_page(text) or links.is_page_number(text)):
                continue
            url = canonical_url(response.urljoin(href))
            if url == canonical_url(response.url):
                continue  # a last page's 下一页 is itself (咸阳's ?...&cur_page=N pager), as is its own number
            req = self.next_listing(response, portal, url)
            if req is not None:
                yield req
