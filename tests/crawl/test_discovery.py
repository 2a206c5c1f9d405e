"""Discovery: every report of the demo network found from each report column and from each
home page, no decoy stored, department reports attributed to their department, and a second
(incremental) run that renders nothing unchanged.

The network (demo.sites.discovery_sites: the demo portals, the JSON-API list behind a page of
chrome links, the department sub-site, the 12-page 下一页 chain, and demo/variants.py's sites
when that module exists) is served in this process; each crawl is `zfxxgk crawl` in its own.
A JSON API the browser found is read directly by the nightly run once it answers differently
(a report published between runs), and the browser is back only where it cannot be read.
A registry holds one row per portal (one netloc, one portal), so the column starts are crawled
as one run per column index (the department portal has two columns).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.conftest import crawl as _crawl  # noqa: F401 - same command line as the demo tests
from tests.conftest import query as q
from tests.conftest import zfxxgk
from zfxxgk.demo.generated import publish_on_list_api
from zfxxgk.demo.reports import report_body, vary
from zfxxgk.demo.server import Network
from zfxxgk.demo.sites import discovery_sites, jsapi_site

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _registry(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "name", "level", "region_code", "start_url", "render", "cms"])
        w.writeheader()
        w.writerows(rows)
    return path


def _row(site, start_path):
    return {"id": site.id, "name": site.name, "level": site.level, "region_code": site.region_code,
            "start_url": site.url(start_path), "render": site.render, "cms": site.cms}


def _run(registry, db, archive, *extra):
    result = zfxxgk("crawl", "--portals", registry, "--db", db, "--archive", archive, "--delay", "0",
                    "--log-level", "WARNING", *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("discovery")
    sites = [s for s in discovery_sites() if s.reports]
    net = Network(sites).start()
    try:
        runs = {}
        # from the home pages: one run, then the nightly re-run
        home = _registry(base / "home.csv", [_row(s, s.home) for s in sites])
        db, archive = base / "home.db", base / "home-archive"
        runs["home"] = (db, _run(home, db, archive), _run(home, db, archive))
        # from each report column
        columns = {s.id: sorted({r["column"] for r in s.reports}) for s in sites}
        for i in range(max(len(c) for c in columns.values())):
            rows = [_row(s, columns[s.id][i]) for s in sites if i < len(columns[s.id])]
            reg = _registry(base / f"column{i}.csv", rows)
            db, archive = base / f"column{i}.db", base / f"column{i}-archive"
            runs[f"column{i}"] = (db, _run(reg, db, archive), None)
        yield {"sites": sites, "runs": runs, "columns": columns}
    finally:
        net.stop()


def _expected(sites, keep=lambda s, r: True):
    """URL -> (agency, year) of the expected reports; the agency only where the document names it
    in a form the parser reads (a bare PDF's agency depends on the PDF reader of the day)."""
    return {s.url(r["path"]): (r["agency"] if r.get("parse_status") == "ok" else None, r["year"])
            for s in sites for r in s.reports if keep(s, r)}


def _compare(stored, expected):
    return {u: (stored[u][0] if v[0] is not None else None, stored[u][1]) if u in stored else None
            for u, v in expected.items()}


def _stored(db):
    """URL -> (agency, year) of every report stored, and of every place a stored report was seen
    (the same content under another URL is one report with several sightings)."""
    out = {url: (agency, year) for url, agency, year in q(db, "SELECT url, agency, year FROM reports")}
    if q(db, "SELECT name FROM sqlite_master WHERE name = 'report_sightings'"):
        out.update({url: (agency, year) for url, agency, year in q(
            db, "SELECT s.url, r.agency, r.year FROM report_sightings s JOIN reports r ON r.id = s.report_id")})
    return out


def test_every_report_found_from_the_home_pages(world):
    db = world["runs"]["home"][0]
    stored = _stored(db)
    expected = _expected(world["sites"])
    missing = {u: v for u, v in expected.items() if u not in stored}
    assert not missing, missing
    assert _compare(stored, expected) == expected
    decoys = {s.url(p) for s in world["sites"] for p in s.decoys}
    assert not decoys & set(stored)


def test_every_report_found_from_each_column(world):
    decoys = {s.url(p) for s in world["sites"] for p in s.decoys}
    for i in range(max(len(c) for c in world["columns"].values())):
        db = world["runs"][f"column{i}"][0]
        stored = _stored(db)
        cols = world["columns"]
        expected = _expected(world["sites"], lambda s, r: i < len(cols[s.id]) and r["column"] == cols[s.id][i])
        assert _compare(stored, expected) == expected, f"column run {i}"
        assert not decoys & set(stored)


def test_department_reports_attributed_to_their_department(world):
    db = world["runs"]["home"][0]
    for s in world["sites"]:
        for r in s.reports:
            if "department" not in r:
                continue
            url = s.url(r["path"])
            (agency,) = q(db, "SELECT agency FROM reports WHERE url = ?", url)[0]
            assert agency == r["agency"] == r["department"]
            dept = q(db, "SELECT department, department_url FROM report_sources WHERE url = ?", url)
            assert dept and dept[0][0] == r["department"] and dept[0][1], (url, dept)
    # the city's own report is not attributed to a department, nor to the portal's name
    city = q(db, "SELECT r.agency, s.department FROM reports r JOIN report_sources s ON s.url = r.url "
                 "WHERE r.portal_id = 'demo_dept' AND r.agency = '某市人民政府'")
    assert city == [("某市人民政府", None)]


def test_the_js_list_behind_chrome_links_was_rendered_and_its_api_archived(world):
    db = world["runs"]["home"][0]
    rendered = {p for (p,) in q(db, "SELECT DISTINCT portal_id FROM fetches WHERE rendered = 1 AND run_id = 1")}
    assert "demo_jsapi" in rendered and "demo_dept" not in rendered and "demo_chain" not in rendered
    api = q(db, "SELECT url, warc_file FROM fetches WHERE kind = 'browser' AND portal_id = 'demo_jsapi' AND run_id = 1")
    assert {u.rsplit("/", 1)[1] for u, _ in api} >= {"list_1.json", "list_2.json"}
    assert all(w for _, w in api)
    (method,) = q(db, "SELECT method FROM listing_memory WHERE portal_id = 'demo_jsapi'")[0]
    assert method == "api"


def test_limits_are_recorded_not_silent(world):
    # the 12-page chain was read to its end: no listing limit stopped it
    db = world["runs"]["home"][0]
    assert not q(db, "SELECT reason FROM crawl_events WHERE kind = 'limit' AND portal_id = 'demo_chain'")


def test_second_run_renders_nothing_unchanged(world):
    db, _first, second = world["runs"]["home"]
    assert "0 new reports" in second.stdout
    (rendered,) = q(db, "SELECT count(*) FROM fetches WHERE run_id = 2 AND rendered = 1")[0]
    assert rendered == 0
    first_rendered = q(db, "SELECT count(*) FROM fetches WHERE run_id = 1 AND rendered = 1")[0][0]
    assert first_rendered > 0
    # every report is still seen
    found = dict(q(db, "SELECT portal_id, reports_found FROM portal_runs WHERE run_id = 2"))
    assert all(found[s.id] > 0 for s in world["sites"])


def _remembered_apis(db) -> dict[str, str]:
    """The demo_jsapi column's remembered browser fetches: file name -> content type, in order."""
    (apis,) = q(db, "SELECT api_json FROM listing_memory WHERE portal_id = 'demo_jsapi'")[0]
    return {a["url"].rsplit("/", 1)[1]: a.get("content_type") for a in json.loads(apis)}


def test_a_remembered_api_is_read_directly_and_the_browser_only_where_it_cannot_be(tmp_path):
    site = jsapi_site()
    # once its list is in, the column's script also fetches a side menu, an HTML fragment: the
    # browser sees that fetched too, and it is remembered beside the API
    site.add("/xxgk/side.html", "<ul class='side'><li><a href='/xxgk/'>政府信息公开</a></li></ul>")
    script = site.pages["/js/nblist.js"].body.decode("utf-8")
    assert script.endswith("load(1); })();")
    site.add("/js/nblist.js", script.replace("load(1); })();", (
        "load(1).then(function () { return fetch('/xxgk/side.html'); }).then(function (r) { return r.text(); })"
        ".then(function (t) { document.getElementById('nblist').insertAdjacentHTML('afterend', t); }); })();")),
        "application/javascript")
    net = Network([site]).start()
    try:
        registry = _registry(tmp_path / "portals.csv", [_row(site, site.start_path)])
        db, archive = tmp_path / "z.db", tmp_path / "archive"
        _run(registry, db, archive)
        rendered = lambda run: q(db, "SELECT count(*) FROM fetches WHERE run_id = ? AND rendered = 1", run)[0][0]  # noqa: E731
        assert rendered(1) > 0
        assert q(db, "SELECT method FROM listing_memory WHERE portal_id = 'demo_jsapi'") == [("api",)]
        assert _remembered_apis(db)["side.html"].startswith("text/html")

        name = "演示新区管理委员会"
        cells = json.loads((SAMPLES / "fj_putian_ptcg_2022.expected.json").read_text(encoding="utf-8"))["cells"]
        title, path = f"{name}2023年政府信息公开工作年度报告", "/xxgk/nb/2024/0126/a4.html"
        publish_on_list_api(site, path, title, f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
                            + report_body(name, 2023, "2021", vary(cells, "2021", 54), published="2024-01-26")
                            + "</body></html>", "2024-01-26")
        second = _run(registry, db, archive)
        assert rendered(2) == 0, second.stdout
        assert q(db, "SELECT agency, year FROM reports WHERE url = ?", site.url(path)) == [(name, 2023)]
        assert q(db, "SELECT method FROM report_sources WHERE url = ?", site.url(path)) == [("api (read directly)",)]
        assert not q(db, "SELECT reason FROM crawl_events WHERE run_id = 2 AND kind = 'api_unread'")
        remembered = json.loads(q(db, "SELECT links_json FROM listing_memory WHERE portal_id = 'demo_jsapi'")[0][0])
        assert [site.url(path), title] in remembered

        # the API answers with a maintenance page: not JSON, so the browser reads the column again
        site.add("/api/nb/list_1.json", "<html><body>系统维护中</body></html>")
        _run(registry, db, archive)
        assert rendered(3) > 0
        (reason,) = q(db, "SELECT reason FROM crawl_events WHERE run_id = 3 AND kind = 'api_unread'")[0]
        assert "list_1.json" in reason and "no JSON" in reason
    finally:
        net.stop()


def test_the_first_remembered_api_in_error_brings_the_browser_back(tmp_path):
    site = jsapi_site()
    net = Network([site]).start()
    try:
        registry = _registry(tmp_path / "portals.csv", [_row(site, site.start_path)])
        db, archive = tmp_path / "z.db", tmp_path / "archive"
        _run(registry, db, archive)
        assert next(iter(_remembered_apis(db))) == "list_1.json"  # the API asked for first next time
        del site.pages["/api/nb/list_1.json"]  # the demo server answers 404 Not Found
        _run(registry, db, archive)
        assert q(db, "SELECT count(*) FROM fetches WHERE run_id = 2 AND rendered = 1")[0][0] > 0
        (reason,) = q(db, "SELECT reason FROM crawl_events WHERE run_id = 2 AND kind = 'api_unread'")[0]
        assert "list_1.json answered HTTP 404" in reason
    finally:
        net.stop()


# -- the rules, on pages built here (no network) ---------------------------------------------------

from scrapy.http import HtmlResponse, Request  # noqa: E402

from zfxxgk.scraper.render import announced, needs_rendering  # noqa: E402


def _page(body: str, kind: str = "listing", **meta) -> HtmlResponse:
    url = "http://127.0.0.1:1/xxgk/nb/index.html"
    return HtmlResponse(url=url, body=body.encode(), encoding="utf-8",
                        request=Request(url, meta={"kind": kind, **meta}))


CHROME = "".join(f"<a href='/c{i}/'>栏目{i}</a>" for i in range(25))


def _links(response):
    return [(response.urljoin(a.attrib["href"]), a.xpath("string(.)").get()) for a in response.xpath("//a[@href]")]


def test_a_js_list_among_chrome_links_needs_the_browser():
    r = _page(f"<html><head><title>政府信息公开年报</title></head><body>{CHROME}<ul id='list'></ul>"
              "<div>共5条</div><script src='/js/list.js'></script></body></html>")
    assert announced(r) == (5, 0)
    assert not needs_rendering(r, len(_links(r)))  # the old test: plenty of links, "static"
    assert needs_rendering(r, len(_links(r)), reports_found=0, pagination=0, page_links=_links(r))


def test_fewer_items_than_announced_needs_the_browser_unless_pages_follow():
    items = "".join(f"<li><a href='/r{i}.html'>演示市{2020 + i}年政府信息公开工作年度报告</a></li>" for i in range(2))
    body = f"<html><body>{CHROME}<ul>{items}</ul><script>var pageCount = 3;</script></body></html>"
    r = _page(body, column=True)
    assert needs_rendering(r, len(_links(r)), reports_found=2, pagination=0, page_links=_links(r))
    assert not needs_rendering(r, len(_links(r)), reports_found=2, pagination=2, page_links=_links(r))


def test_a_static_listing_or_a_page_without_scripts_stays_static():
    items = "".join(f"<li><a href='/r{i}.html'>演示市{2020 + i}年政府信息公开工作年度报告</a></li>" for i in range(3))
    r = _page(f"<html><body>{CHROME}<ul>{items}</ul><div>共3条</div><script>stat();</script></body></html>")
    assert not needs_rendering(r, len(_links(r)), reports_found=3, pagination=0, page_links=_links(r))
    bare = _page(f"<html><body>{CHROME}<ul id='list'></ul><div>共3条</div></body></html>")
    assert not needs_rendering(bare, len(_links(bare)), reports_found=0, pagination=0, page_links=_links(bare))
    # a home page: ways on towards the column, nothing listing-like: navigated, not rendered
    home = _page(f"<html><body>{CHROME}<a href='/xxgk/'>政府信息公开</a><script>x()</script></body></html>")
    assert not needs_rendering(home, len(_links(home)), reports_found=0, pagination=0, page_links=_links(home))


def test_a_listing_page_limit_is_per_listing_configurable_and_recorded(tmp_path):
    from scrapy.utils.test import get_crawler

    from zfxxgk.scraper.spiders.portals import PortalsSpider

    registry = tmp_path / "portals.csv"
    registry.write_text("id,name,level,region_code,start_url\nchain,演示乡,town,130639,"
                        "http://127.0.0.1:1/xxgk/nb/list_1.html\n", encoding="utf-8")
    crawler = get_crawler(PortalsSpider, {
        "ZFXXGK_DB": str(tmp_path / "z.db"), "ZFXXGK_ARCHIVE": str(tmp_path / "archive"),
        "ZFXXGK_PORTALS": str(registry), "ZFXXGK_PARSE_WORKERS": 0, "ZFXXGK_MAX_LISTING_PAGES": 2,
        "EXTENSIONS": {"zfxxgk.scraper.context.CrawlContext": 0}})
    crawler.spider = spider = PortalsSpider.from_crawler(crawler)
    crawler._apply_settings()
    assert spider.max_listing_pages == 2
    events = []
    spider.ctx.event = lambda *a: events.append(a)
    portal = spider.ctx.by_id["chain"]
    got = []
    for n in range(1, 5):
        r = _page("<html><body></body></html>", meta_portal=None)
        r = r.replace(url=f"http://127.0.0.1:1/xxgk/nb/list_{n}.html", request=Request(
            f"http://127.0.0.1:1/xxgk/nb/list_{n}.html",
            meta={"portal": "chain", "kind": "listing",
                  **({"listing_root": "http://127.0.0.1:1/xxgk/nb/list_1.html"} if n > 1 else {})}))
        got.append(spider.next_listing(r, portal, f"http://127.0.0.1:1/xxgk/nb/list_{n + 1}.html"))
    assert [g is not None for g in got] == [True, True, False, False]
    assert got[0].meta["listing_root"] == "http://127.0.0.1:1/xxgk/nb/list_1.html"
    limits = [e for e in events if e[1] == "limit"]
    assert len(limits) == 1 and limits[0][2].endswith("list_4.html") and "list_4.html" in limits[0][3]
    assert crawler.stats.get_value("zfxxgk/limit/listing_pages") == 2


def test_a_listing_is_unchanged_when_only_its_date_line_changed():
    from zfxxgk.scraper.render import static_fingerprint

    def page(today, items="[1, 2]", stamp="1764547200000"):
        return _page(f"<html><body><p>今天是{today}</p>{CHROME}<ul id='list'></ul>"
                     f"<script>var items = {items}; var t = {stamp};</script></body></html>")

    assert static_fingerprint(page("2026年12月1日")) == static_fingerprint(page("2026年12月2日", stamp="1764633600000"))
    assert static_fingerprint(page("2026年12月1日")) != static_fingerprint(page("2026年12月1日", items="[1, 2, 3]"))
