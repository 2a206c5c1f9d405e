"""End to end: `zfxxgk crawl` over the variant demo portals (demo/variants.py) on 127.0.0.1.

The variants are built the way independent deployments differ from the bundled demo families
(another createPageHTML form, an inline pager, a datastore without <nextgroup>, jpage InitData
arrays, a JSON list API, UCAP's static pager, framed list and search service (two pages), a
column paged only by query-string links, a 政府信息公开 platform's department tree, departments
in a footer jump box). One crawl must find every report of every variant, request every
further listing page (dataproxy groups as POSTs with the column's form), take no decoy, and
need no browser to find any of it (the crawl may still have a page re-read in the browser,
e.g. a last page listing only decoys: every page is read statically first).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import query as q
from tests.conftest import zfxxgk
from zfxxgk.demo.__main__ import write_outputs
from zfxxgk.demo.server import Network
from zfxxgk.demo.variants import variant_sites

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("variants")
    sites = variant_sites()
    net = Network(sites).start()
    try:
        write_outputs(net, base / "net")
        db, archive = base / "zfxxgk.db", base / "archive"
        got = zfxxgk("crawl", "--portals", base / "net" / "portals.csv", "--db", db, "--archive", archive,
                     "--delay", "0", "--log-level", "WARNING")
        yield {"net": net, "sites": sites, "db": db, "crawl": got}
    finally:
        net.stop()


def test_every_variant_report_found_and_no_decoy(world):
    assert world["crawl"].returncode == 0, world["crawl"].stdout + world["crawl"].stderr
    manifest = world["net"].manifest()
    stored = {(url, agency, year) for url, agency, year in q(world["db"], "SELECT url, agency, year FROM reports")}
    expected = {(r["url"], r["agency"], r["year"]) for r in manifest["reports"]}
    assert stored == expected
    decoys = {d["url"] for d in manifest["decoys"]}
    assert decoys and not decoys & {u for u, _, _ in stored}
    for site in world["sites"]:  # every variant contributes
        assert any(u.startswith(site.url("/")) for u, _, _ in stored), site.id


def test_every_further_listing_page_requested_statically(world):
    fetched = q(world["db"], "SELECT portal_id, url, method, status FROM fetches WHERE kind = 'listing' AND rendered = 0")
    by_portal: dict[str, set] = {}
    for portal, url, method, status in fetched:
        assert status == 200, (url, status)
        parts = urlsplit(url)
        by_portal.setdefault(portal, set()).add((method, parts.path + ("?" + parts.query if parts.query else "")))
    assert {p for m, p in by_portal["v_trs_haiyun"]} >= {
        "/xxgk/ndbg/index.shtml", "/xxgk/ndbg/index_2.shtml", "/xxgk/ndbg/index_3.shtml", "/xxgk/ndbg/index_4.shtml"}
    assert not any("index_1.shtml" in p or "index_5" in p for m, p in by_portal["v_trs_haiyun"])
    assert {p for m, p in by_portal["v_trs_inline"]} >= {
        "/xxgk/xxgknb/index.html", "/xxgk/xxgknb/index_1.html", "/xxgk/xxgknb/index_2.html"}
    posts = {p for m, p in by_portal["v_hanweb_param"] if m == "POST"}
    assert posts == {"/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=6&perpage=1",
                     "/module/web/jpage/dataproxy.jsp?startrecord=7&endrecord=8&perpage=1"}
    posts = {p for m, p in by_portal["v_hanweb_initdata"] if m == "POST"}
    assert posts == {"/module/jslib/jquery/jpage/dataproxy.jsp?startrecord=4&endrecord=6&perpage=3",
                     "/module/jslib/jquery/jpage/dataproxy.jsp?startrecord=7&endrecord=7&perpage=3"}
    assert any(p.startswith("/fjdzapp/data?") and "chnlid%3D1377" in p for m, p in by_portal["v_jsonapi"])
    # UCAP: the platform's pager call (registry cms=ucap, so the trs family is off), the framed
    # list and its newCreatePageHTML pages, the search service named by the page's channelId
    assert {p for m, p in by_portal["v_ucap_static"]} == {
        "/sqkjj/gknb/xxgk_list.shtml", "/sqkjj/gknb/xxgk_list_2.shtml", "/sqkjj/gknb/xxgk_list_3.shtml"}
    assert {p for m, p in by_portal["v_ucap_iframe"]} >= {
        "/xxgk/gknb/index.shtml", "/xxgk/gknb/list.shtml", "/xxgk/gknb/list_2.shtml", "/xxgk/gknb/list_3.shtml"}
    searches = sorted(p for m, p in by_portal["v_ucap_search"] if p.startswith("/search/"))
    assert len(searches) == 2 and all("_isJson=true" in p for p in searches), searches
    assert searches[0].endswith("&page=1") and searches[1].endswith("&page=2")
    # the query-string pager: every page through 下一页 (query-only hrefs), each asked with its
    # query as the page wrote it (the demo answers no other query, so a mangled one would 404)
    listing = "/info/iList.jsp?site_id=CMSdemo&cat_id=22333"
    assert {p for m, p in by_portal["v_query_pager"]} == {listing} | {f"{listing}&cur_page={n}" for n in range(2, 13)}


def test_every_report_found_without_the_browser(world):
    rendered = {u for (u,) in q(world["db"], "SELECT url FROM fetches WHERE rendered = 1")}
    static = {u for (u,) in q(world["db"], "SELECT url FROM fetches WHERE rendered = 0 AND kind = 'listing'")}
    assert rendered <= static  # a re-read at most, never the only read
    if q(world["db"], "SELECT name FROM sqlite_master WHERE name = 'report_sources'"):
        methods = dict(q(world["db"], "SELECT url, method FROM report_sources WHERE portal_id LIKE 'v_%'"))
        assert methods and set(methods.values()) == {"static"}, methods


def test_no_variant_portal_records_a_loss(world):
    events = q(world["db"], "SELECT portal_id, kind, url, reason FROM crawl_events WHERE portal_id LIKE 'v_%'")
    assert not [e for e in events if e[1] not in ("limit",)], events
    status = dict(q(world["db"], "SELECT portal_id, status FROM portal_runs"))
    assert set(status.values()) == {"ok"}, status


def test_the_platform_department_tree_is_walked(world):
    """市政府部门信息公开 -> the departments -> each one's 年报: reports recorded with their department."""
    (site,) = [s for s in world["sites"] if s.id == "v_dept_platform"]
    sources = dict((u, d) for u, d in q(world["db"], "SELECT url, department FROM report_sources "
                                                     "WHERE portal_id = 'v_dept_platform'"))
    assert sources == {site.url(r["path"]): r.get("department") for r in site.reports}
    assert sum(1 for d in sources.values() if d) == 3


def test_departments_in_a_jump_box_are_walked(world):
    """The footer's 区政府部门网站 <select>: each option named like an agency is a department, its
    reports recorded with it; the box's other sites (交易网, 旅游网, off the portal) are not followed."""
    (site,) = [s for s in world["sites"] if s.id == "v_dept_select"]
    sources = dict(q(world["db"], "SELECT url, department FROM report_sources WHERE portal_id = 'v_dept_select'"))
    assert sources == {site.url(r["path"]): r.get("department") for r in site.reports}
    assert sum(1 for d in sources.values() if d) == 3
    fetched = {urlsplit(u).path for (u,) in q(world["db"], "SELECT url FROM fetches WHERE portal_id = 'v_dept_select'")}
    assert "/bm/wjw/" in fetched and "/lyw/" not in fetched
