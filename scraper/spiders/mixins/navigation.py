"""From a home page down to the report column: 政务公开 -> 政府信息公开 -> 年报.

Followed only from pages that listed no report, best-scored links first, a few levels deep
and within a per-portal budget, so a home page start costs a handful of pages.
"""

from __future__ import annotations

from ... import links


class NavigationMixin:
    def nav_requests(self, response, portal, page_links):
        yield from super().nav_requests(response, portal, page_links)
        depth = response.meta.get("nav_depth", 0)
        if depth >= self.max_nav_depth:
            return
        scored = []
        for url, text in page_links:
            score = links.nav_score(text)
            if score and links.same_site(portal.netloc, url) and not links.is_document_url(url):
                scored.append((-score, url, text))
        seen = set()
        for _, url, _text in sorted(scored):
            if url in seen or url == response.url:
                continue
            seen.add(url)
            if self.nav_pages[portal.id] >= self.max_nav_pages:
                return
            self.nav_pages[portal.id] += 1
            yield self.page_request(portal, url, "nav", depth + 1)
