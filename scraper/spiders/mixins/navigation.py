"""From a home page down to the report column: 政务公开 -> 政府信息公开 -> 年报, and down to
each department's own column: 政府信息公开 -> 部门信息公开 -> a department -> its 年报.

Followed only from pages that listed no report, best-scored links first, a few hops deep
(hops, not listing pages: paging through a listing never uses up navigation depth) and
within per-portal budgets, so a home page start costs a handful of pages. On a departments
page (reached through a 部门信息公开 / 部门 link) every link named like an agency (…局, …委,
…办) is a department: followed within a budget of its own, and the department travels with
every page below it, so the reports found there are recorded with the department page that
led to them (report_sources). The report's agency itself is read from the document. A hop or
a page the limits cut is recorded against the portal, with the URL where it stopped.

Departments listed in a jump box count too, on whatever page it is: a <select> whose first
option names departments (区政府部门网站, 部门网站 ...) and whose other options carry each
department site's URL as their value (袁州区政府网's footer 友情链接); its options named like an
agency are departments, the rest (公共资源交易网, 旅游网) and sites off the portal are not.
"""

from __future__ import annotations

from zfxxgk.pipelines.urls import canonical_url

from ... import links


def jump_box_departments(response) -> list[tuple[str, str]]:
    """(url, name) of the options of every <select> labelled with a departments name."""
    out = []
    for select in response.xpath("//select"):
        options = select.xpath("./option")
        if not options or not links.is_departments_link(options[0].xpath("string(.)").get("")):
            continue
        for option in options[1:]:
            value = (option.attrib.get("value") or "").strip()
            if value and not value.startswith(("javascript:", "#")):
                out.append((canonical_url(response.urljoin(value)), " ".join(option.xpath("string(.)").get("").split())))
    return out


class NavigationMixin:
    def nav_requests(self, response, portal, page_links):
        yield from super().nav_requests(response, portal, page_links)
        depth = response.meta.get("nav_depth", 0)
        department = response.meta.get("department")
        scored, departments = [], []
        on_departments_page = bool(response.meta.get("departments_page"))
        for url, text in page_links:
            if not portal.allows(url) or links.is_document_url(url):
                continue
            if links.is_departments_link(text):
                scored.append((-2, url, text, "departments"))
                continue
            score = links.nav_score(text)
            if score:
                scored.append((-score, url, text, "column" if score == 3 else "nav"))
            elif on_departments_page and links.is_agency_name(text):
                departments.append((url, text))
        departments += [(url, text) for url, text in jump_box_departments(response)
                        if portal.allows(url) and not links.is_document_url(url) and links.is_agency_name(text)]
        seen = set()
        for _, url, text, what in sorted(scored):
            if url in seen or url == response.url:
                continue
            seen.add(url)
            if depth >= self.max_nav_depth:
                self.limit(portal, "nav_depth", url,
                           f"navigation depth limit ({self.max_nav_depth} hops, ZFXXGK_MAX_NAV_DEPTH) reached "
                           f"on {response.url}: {url} ({text}) not followed")
                return
            if department:
                key = (portal.id, department)
                count = self.department_pages.get(key, 0)
                if count >= self.max_department_pages:
                    self.limit(portal, "department_pages", url,
                               f"navigation page limit below one department ({self.max_department_pages}) reached "
                               f"under {department}: {url} ({text}) not followed", key=department)
                    return
                self.department_pages[key] = count + 1
            else:
                count = self.nav_pages.get(portal.id, 0)
                if count >= self.max_nav_pages:
                    self.limit(portal, "nav_pages", url,
                               f"navigation page limit ({self.max_nav_pages} per portal, ZFXXGK_MAX_NAV_PAGES) "
                               f"reached on {response.url}: {url} ({text}) not followed")
                    return
                self.nav_pages[portal.id] = count + 1
            meta = self.carried(response)
            meta.pop("column", None)
            if what == "column":
                meta["column"] = True
            elif what == "departments":
                meta["departments_page"] = True
            yield self.page_request(portal, url, "nav", depth + 1, meta=meta)
        yield from self.department_requests(response, portal, departments, depth, seen)

    def department_requests(self, response, portal, departments, depth, seen):
        known = self.departments.setdefault(portal.id, set())
        for url, text in departments:
            if url in seen or url == response.url or url in known:
                continue
            seen.add(url)
            if depth >= self.max_nav_depth:
                self.limit(portal, "nav_depth", url,
                           f"navigation depth limit ({self.max_nav_depth} hops, ZFXXGK_MAX_NAV_DEPTH) reached "
                           f"on {response.url}: the department {text} ({url}) not followed")
                return
            if len(known) >= self.max_departments:
                self.limit(portal, "departments", url,
                           f"department limit ({self.max_departments} per portal, ZFXXGK_MAX_DEPARTMENTS) reached "
                           f"on {response.url}: {text} ({url}) and later departments not followed")
                return
            known.add(url)
            yield self.page_request(portal, url, "nav", depth + 1,
                                    meta={"department": text, "department_url": url})
