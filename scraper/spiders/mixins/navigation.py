"""From a home page down to the report column: 政务公开 -> 政府信息公开 -> 年报.

Followed only from pages that listed no report, best-scored links first, a few hops deep
(hops, not listing pages: paging through a listing never uses up navigation depth) and
within a per-portal budget, so a home page start costs a handful of pages. A hop or a page
the limits cut is recorded against the portal.
"""

from __future__ import annotations

from ... import links


class NavigationMixin:
    def nav_requests(self, response, portal, page_links):
        yield from super().nav_requests(response, portal, page_links)
        depth = response.meta.get("nav_depth", 0)
        scored = []
        for url, text in page_links:
            score = links.nav_score(text)
            if score and portal.allows(url) and not links.is_document_url(url):
                scored.append((-score, url, text))
        seen = set()
        for _, url, _text in sorted(scored):
            if url in seen or url == response.url:
                continue
            seen.add(url)
            if depth >= self.max_nav_depth:
                self.limit(portal, "nav_depth", url,
                           f"navigation depth limit ({self.max_nav_depth} hops) reached: {url} not followed")
                return
            count = self.nav_pages.get(portal.id, 0)
            if count >= self.max_nav_pages:
                self.limit(portal, "nav_pages", url,
                           f"navigation page limit ({self.max_nav_pages} per portal) reached: {url} not followed")
                return
            self.nav_pages[portal.id] = count + 1
            yield self.page_request(portal, url, "nav", depth + 1)
