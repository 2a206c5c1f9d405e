"""The CMS families on the variants real deployments differ by, the registry's `cms` column
(families named, forced, off, unknown), and per-portal overrides.

The saved pages themselves are in fixtures/<family>_*/ (test_fixtures.py); these tests pin the
pieces: each pager form, each place a Hanweb column keeps its form, each way a page names a
JSON API, each way a UCAP column lists its records, and what `cms` changes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse, Request

from zfxxgk.scraper.spiders import overrides
from zfxxgk.scraper.spiders.base import answered_json
from zfxxgk.scraper.spiders.mixins import hanweb, jsonapi, trs, ucap
from zfxxgk.scraper.spiders.mixins.family import families, mode
from tests.conftest import saved_page_spider

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL_TRS = FIXTURES / "trs_ordos" / "column_real.body"


# -- TRS pager forms ---------------------------------------------------------------------------

@pytest.mark.parametrize("script, url, files", [
    ('createPageHTML(3, 0, "index", "htm");', "http://x/c/index.htm", ["index_1.htm", "index_2.htm"]),
    ("var countPage = 5;//共多少页\nvar currentPage = 0;\ncreatePageHTML(countPage, currentPage, \"index\", \"shtml\");",
     "http://x/c/index.shtml", [f"index_{i}.shtml" for i in range(1, 5)]),
    ("createPageHTML('page_div',5,1,'index','htm',73);", "http://x/c/index.htm",
     [f"index_{i}.htm" for i in range(2, 6)]),
    ("createPageHTML('paging',3,1,'dezlist','shtml',25);", "http://x/c/", ["dezlist_2.shtml", "dezlist_3.shtml"]),
    ("createPageHTML(\"page_div\", 3, 0, \"index\", \"html\", 20);", "http://x/c/index.html",  # the page says 0
     ["index_1.html", "index_2.html"]),
    ("var _nPageCount = 3; var _nCurrIndex = 0; var _sPageName = \"index\"; var _sPageExt = \"html\";\n"
     "function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}\n"
     "createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt);", "http://x/c/index.html",
     ["index_1.html", "index_2.html"]),
    ("var countPage = 4; createPageHTML(countPage, 0);", "http://x/c/index.shtml",  # stem and extension from the URL
     ["index_1.shtml", "index_2.shtml", "index_3.shtml"]),
    ('var currentPage = 0;\nvar countPage = 3//共多少页\ndocument.write("<a href=\\"index"+"_" + i + "."+"html\\">");',
     "http://x/c/index.html", ["index_1.html", "index_2.html"]),
])
def test_trs_pager_forms(script, url, files):
    found = trs.pager(f"<html><body><script>{script}</script></body></html>", url)
    assert found and trs.page_files(found) == files


def test_trs_no_pager_no_pages():
    assert trs.pager("<script>var x = 1; document.write('hi');</script>", "http://x/c/index.html") is None
    assert trs.pager("<script>createPageHTML(total, cur, 'index', 'htm')</script>", "http://x/") is None


def test_real_ordos_pager_is_read_from_the_script_alone():
    """The saved 恩格贝 page carries the links its pager script wrote in the browser; as the
    server sends it, there is only the script. Without those links the pages are still found."""
    text = REAL_TRS.read_bytes().decode("utf-8")
    served = text.replace(text[text.index("</script>共计"):text.index("</td>", text.index("</script>共计"))], "</script>")
    assert "index_1.html\">2</a>" not in served and "var countPage = 2" in served
    found = trs.pager(served, "http://egb.ordos.gov.cn/xxgk/xxgknb/index.html")
    assert trs.page_files(found) == ["index_1.html"]


# -- Hanweb ------------------------------------------------------------------------------------

def test_hanweb_records_in_every_place():
    xml = "<script type='text/xml'><datastore><recordset><record><![CDATA[<a href='/art/1.html'>a</a>]]></record>" \
          "</recordset></datastore></script>"
    assert hanweb.datastore_links(xml, "http://x/col/col1/index.html") == [("http://x/art/1.html", "a")]
    bare = "<div><datastore><recordset><record>&lt;a href='/art/2.html'&gt;b&lt;/a&gt;</record></recordset></datastore></div>"
    assert hanweb.datastore_links(bare, "http://x/") == [("http://x/art/2.html", "b")]
    arr = "<script>var InitData7 = ['<li><a href=\\'/art/3.html\\' title=\\'c\\'>c</a></li>','<li>no link</li>'];" \
          "$('#7').jpage({dataStore:InitData7});</script>"
    assert hanweb.datastore_links(arr, "http://x/") == [("http://x/art/3.html", "c")]


@pytest.mark.parametrize("page, url, form, proxy", [
    ('<nextgroup><![CDATA[<a href="/module/jpage/dataproxy.jsp?page=1&webid=3&columnid=12&unitid=34"></a>]]></nextgroup>',
     "http://x/", {"page": "1", "webid": "3", "columnid": "12", "unitid": "34"}, "/module/jpage/dataproxy.jsp"),
    ("<script>$('#49').jpage({proxyUrl:'/module/jslib/jquery/jpage/dataproxy.jsp',ajaxParam:{col:1,appid:'1',"
     "columnid:30067,unitid:'49',webname:'某市'}});</script>", "http://x/",
     {"col": "1", "appid": "1", "columnid": "30067", "unitid": "49", "webname": "某市"}, "/module/jslib/jquery/jpage/dataproxy.jsp"),
    ("<script>var param_88 = {columnid:'5',unitid:'88',webid:'2'};</script>", "http://x/",
     {"columnid": "5", "unitid": "88", "webid": "2"}, None),
    ('<input type="hidden" name="columnid" value="9"><input type="hidden" id="unitId" value="10">', "http://x/",
     {"columnid": "9", "unitid": "10"}, None),
    ("<script>var columnid = 11; var unitid = '12';</script>", "http://x/", {"columnid": "11", "unitid": "12"}, None),
    ("<div id=\"5678\"><script type=\"text/xml\"><datastore></datastore></script></div>", "http://x/col/col1229/index.html",
     {"columnid": "1229", "unitid": "5678"}, None),
])
def test_hanweb_form_wherever_the_page_keeps_it(page, url, form, proxy):
    assert hanweb.proxy_form(page, url) == (form, proxy)


# -- JSON list APIs ----------------------------------------------------------------------------

@pytest.mark.parametrize("page, urls", [
    ('<div data-url="/api/list?col=3&amp;pageNo=1"></div><img data-src="/a.png">', ["http://x/api/list?col=3&pageNo=1"]),
    ("<script>var chnlid = '77'; $.ajax({url: '/fjdzapp/data', data: {channelid: 100000, classsql: 'chnlid=' + chnlid, "
     "page: page}, success: function(r){}});</script>",
     ["http://x/fjdzapp/data?channelid=100000&classsql=chnlid%3D77&page=1"]),
    ("<script>var base = '/api/'; $.getJSON(base + 'docs', {pageSize: 20, pageNo: 1}, function(d){});</script>",
     ["http://x/api/docs?pageSize=20&pageNo=1"]),
    ("<script>axios.get('/v1/list', {params: {columnId: 'ndbg', page: 1}}).then(f);</script>",
     ["http://x/v1/list?columnId=ndbg&page=1"]),
    ("<script>fetch('list.json').then(r => r.json());</script>", ["http://x/c/list.json"]),
    ("<script>$.ajax({url: unknownVariable + '/x'});</script>", []),
    ("<script>$.ajax({url: '/interface/visit.jsp', data: {id: 3}}); $.get('/api/weather');</script>", []),
])
def test_json_api_named_statically(page, urls):
    assert jsonapi.api_urls(f"<html><body>{page}</body></html>", "http://x/c/index.html") == urls


def test_json_answers_of_several_shapes():
    sanming = json.loads((FIXTURES / "jsonapi_sanming" / "api_p001_real.body").read_bytes())
    assert len(jsonapi.api_links(sanming, "https://www.sm.gov.cn/")) == 13
    assert jsonapi.api_paging(sanming) == (1, 1)
    nested = {"code": 0, "data": {"pageNum": 2, "pageSize": 10, "total": 31, "records": [{"title": "t", "link": "/a"}]}}
    assert jsonapi.api_links(nested, "http://x/api") == [("http://x/a", "t")] and jsonapi.api_paging(nested) == (2, 4)
    assert jsonapi.load('cb_1({"rows": []});') == {"rows": []}
    assert jsonapi.load("<html>500</html>") is None


def test_which_remembered_browser_fetches_were_json():
    assert answered_json({"url": "http://x/api/list", "content_type": "application/json;charset=UTF-8"})
    assert answered_json({"url": "http://x/api/list_1.json?t=1", "content_type": "text/plain"})
    assert not answered_json({"url": "http://x/xxgk/side.html", "content_type": "text/html; charset=utf-8"})
    # remembered before content types were kept: JSON, as every remembered API counted then
    assert answered_json({"url": "http://x/xxgk/side.html", "sha256": "0" * 64})


# -- UCAP / 开普云 --------------------------------------------------------------------------------

# the platform's list script defines both pagers (its function bodies are left out here)
UCAP_SCRIPT = ("var ucap_page_interval;\nfunction createPageHTML(id, totalPage, currIndex, pagePrefix, pageSuffix, "
               "totalCount) {}\nfunction newCreatePageHTML(id, totalPage, currIndex, pagePrefix, pageSuffix, totalCount) {}")


@pytest.mark.parametrize("script, files", [
    ("createPageHTML('page', 3, 1, 'xxgk_list', 'shtml', 45);", ["xxgk_list_2.shtml", "xxgk_list_3.shtml"]),
    ("newCreatePageHTML('page',4,2,'list','shtml',61);", ["list_2.shtml", "list_3.shtml", "list_4.shtml"]),
    ("var n = 2; var stem = 'list'; createPageHTML(\"page_div\", n, 1, stem, \"html\", 30);", ["list_2.html"]),
    ("createPageHTML('page', 1, 1, 'list', 'shtml', 8);", []),
])
def test_ucap_pager_forms_read_by_the_trs_parser(script, files):
    found = trs.pager(f"<script>{UCAP_SCRIPT}</script><script>{script}</script>", "http://x/c/list.shtml")
    assert found and trs.page_files(found) == files


def test_ucap_pager_needs_a_call():
    assert trs.pager(f"<script>{UCAP_SCRIPT}</script>", "http://x/c/list.shtml") is None  # the definitions alone
    assert trs.pager("<script>newCreatePageHTML('page', total, 1, 'list', 'shtml', 8);</script>") is None


def test_ucap_search_service_from_the_channel_id():
    channel = "74ef62665780458e8e43027d6b5d98aa"
    page = f"<script>var channelId = '{channel}';</script>"
    assert ucap.search_api(page, "https://x/wjw/c1/common_list.shtml") == (
        f"https://x/search/{channel}?_isAgg=true&_isJson=true&_pageSize=20&_template=index&_rangeTimeGte=&_channelName=&page=1")
    own = page + "<script>$.get('/common/search/' + channelId + '?_isJson=true&page=' + p);</script>"
    assert ucap.search_api(own, "https://x/a/").startswith(f"https://x/common/search/{channel}?")
    assert ucap.search_api("<script>var channelId = '1377';</script>", "https://x/") is None  # a TRS channel number
    # asked for as printed: a server may tell the cases apart
    assert f"/search/{channel.upper()}?" in ucap.search_api(page.replace(channel, channel.upper()), "https://x/")
    # the service's answer, as nhc.gov.cn's clients read it: data.results, data.total at data.rows a page
    answer = {"channelName": "c", "data": {"channelId": channel, "page": 1, "rows": 20, "total": 41,
                                           "results": [{"title": "<span>t</span>", "url": "//x/c1/202401/a.shtml"}]}}
    assert jsonapi.api_links(answer, "https://x/search/") == [("https://x/c1/202401/a.shtml", "t")]
    assert jsonapi.api_paging(answer) == (1, 3)


def test_ucap_list_frames():
    def page(body):
        return HtmlResponse("http://x/xxgk/gknb/index.shtml", body=f"<html><body>{body}</body></html>".encode(),
                            encoding="utf-8")

    framed = page('<iframe id="list" src="list.shtml"></iframe><iframe src="/map/index.html"></iframe>')
    assert ucap.list_frames(framed, any_frame=False) == ["http://x/xxgk/gknb/list.shtml"]
    assert ucap.list_frames(framed, any_frame=True) == ["http://x/xxgk/gknb/list.shtml", "http://x/map/index.html"]
    assert ucap.list_frames(page('<iframe id="video" src="list.shtml"></iframe>'), any_frame=False) == []


# -- cms and overrides through the spider -------------------------------------------------------

PORTALS = {
    "forced": ("c_forced", "http://www.demo-town.gov.cn/col/col2001/index.html", "hanweb"),
    "detect": ("c_detect", "http://www.demo-town.gov.cn/col/col2001/index.html", ""),
    "trs_off": ("c_trs_off", "http://www.demo-county.gov.cn/zwgk/zfxxgknb/index.shtml", "hanweb"),
    "trs_bogus": ("c_trs_bogus", "http://www.demo-county.gov.cn/zwgk/zfxxgknb/index.shtml", "wordpress"),
    "trs_both": ("c_trs_both", "http://www.demo-county.gov.cn/zwgk/zfxxgknb/index.shtml", "hanweb, trs"),
    "generic": ("c_generic", "http://www.demo-county.gov.cn/zwgk/zfxxgknb/index.shtml", "generic"),
    "ucap_search": ("c_ucap_search", "https://wjw.demo-js.gov.cn/wjw/c100212/common_list.shtml", ""),
    "ucap_iframe": ("c_ucap_iframe", "http://www.demo-qu.gov.cn/xxgk/gknb/index.shtml", ""),
}


@pytest.fixture(scope="module")
def spider(tmp_path_factory):
    return saved_page_spider(tmp_path_factory.mktemp("cms"), PORTALS)


def _requests(spider, key: str, fixture: str):
    pid, _, _ = PORTALS[key]
    info = json.loads((FIXTURES / f"{fixture}.meta.json").read_text(encoding="utf-8"))
    spider.report_urls.clear()
    spider.listing_pages.clear()
    spider.nav_pages.clear()
    response = HtmlResponse(info["url"], body=(FIXTURES / f"{fixture}.body").read_bytes(), encoding="utf-8",
                            request=Request(info["url"], meta={"portal": pid, "kind": "listing", "nav_depth": 0}))
    return [(r.method, r.url) for r in spider.parse_page(response) if isinstance(r, Request) and r.meta.get("kind") == "listing"]


def test_cms_hanweb_forces_dataproxy_groups_detection_does_not(spider):
    forced = _requests(spider, "forced", "hanweb_forced/column")
    assert [m for m, _ in forced] == ["POST"] and "startrecord=1&endrecord=45" in forced[0][1]
    assert _requests(spider, "detect", "hanweb_forced/column") == []  # nothing on the page says Hanweb


def test_cms_naming_other_families_turns_a_family_off(spider):
    pages = [u.rsplit("/", 1)[1] for _, u in _requests(spider, "trs_bogus", "trs_vars/column_index")]
    assert pages == [f"index_{i}.shtml" for i in range(1, 5)]  # unknown name: detection
    assert _requests(spider, "trs_off", "trs_vars/column_index") == []  # hanweb only: no TRS pager
    assert len(_requests(spider, "trs_both", "trs_vars/column_index")) == 4
    assert _requests(spider, "generic", "trs_vars/column_index") == []


def _kinds(spider, key: str, url: str, body: str):
    """(kind, path) of every request the spider makes of a page at `url` of portal `key`."""
    spider.report_urls.clear()
    spider.listing_pages.clear()
    spider.nav_pages.clear()
    response = HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8", request=Request(
        url, meta={"portal": PORTALS[key][0], "kind": "listing", "nav_depth": 0}))
    return sorted((r.meta["kind"], urlsplit(r.url).path) for r in spider.parse_page(response) if isinstance(r, Request))


@pytest.mark.parametrize("key, column, home, home_title", [
    ("ucap_search", "https://wjw.demo-js.gov.cn/wjw/c100212/common_list.shtml", "https://wjw.demo-js.gov.cn/",
     "演示省卫生健康委员会"),
    ("ucap_iframe", "http://www.demo-qu.gov.cn/xxgk/gknb/index.shtml", "http://www.demo-qu.gov.cn/",
     "演示区人民政府办公室"),
])
def test_a_ucap_column_is_not_navigated_from_a_home_page_declaring_a_channel_is(spider, key, column, home, home_title):
    shell = (FIXTURES / key / "column.body").read_text(encoding="utf-8")
    # the column shell: its list only (the search service, or the framed list page)
    (only,) = _kinds(spider, key, column, shell)
    assert only[0] == "listing" and only[1].startswith(("/search/", "/xxgk/gknb/list.shtml"))
    # the same markup as a home page (its title no listing's, a way on towards the column):
    # its channel or frame is read, and it is navigated
    page = re.sub(r"<title>[^<]*</title>", f"<title>{home_title}</title>", shell).replace(
        '<div class="main">', '<div class="main"><a href="/xxgk/">政府信息公开</a>')
    got = _kinds(spider, key, home, page)
    assert ("nav", "/xxgk/") in got and ("nav", "/zwgk/") in got
    assert any(kind == "listing" and path.startswith(("/search/", "/list.shtml")) for kind, path in got), got


def test_families_parse_the_column():
    class P:
        id, cms = "p", "TRS; jsonapi  bogus"

    assert families(P()) == {"trs", "jsonapi"}
    P.cms = "ucap"
    assert mode(object(), P(), "ucap") == "forced" and mode(object(), P(), "trs") == "off"
    P.cms = "TRS; jsonapi  bogus"
    assert mode(object(), P(), "trs") == "forced" and mode(object(), P(), "hanweb") == "off"
    P.cms = ""
    assert mode(object(), P(), "hanweb") == "detect"


def test_override_class_names_and_loading():
    assert overrides.class_name("fj_sanming") == "fj_sanming"
    assert overrides.class_name("FJ-Putian_2") == "FJ_Putian_2" and overrides.class_name("3501") == "_3501"
    cls = overrides.load("fj_sanming")
    assert cls.__name__ == "fj_sanming" and issubclass(cls, overrides.PortalOverride) and cls.cms == "trs jsonapi"
    assert overrides.load("no_such_portal") is None


def test_a_broken_override_is_recorded_and_the_portal_crawled_without_it(spider, monkeypatch):
    events = []
    monkeypatch.setattr(overrides, "load", lambda pid: (_ for _ in ()).throw(SyntaxError("bad override")))
    monkeypatch.setattr(spider.ctx, "event", lambda *a: events.append(a))
    spider.__dict__.pop("_overrides", None)
    try:
        pages = _requests(spider, "trs_bogus", "trs_vars/column_index")
    finally:
        spider.__dict__.pop("_overrides", None)
    assert len(pages) == 4
    assert [(e[0], e[1]) for e in events] == [("c_trs_bogus", "override")] and "bad override" in events[0][3]


def test_json_api_posted_as_a_form():
    page = ("<script>var c = '5'; $.ajax({type: 'post', url: '/api/search', dataType: 'json', "
            "data: {columnId: c, pageNo: 1, pageSize: 10}, success: function (r) {}}); $.post('/x/list.do', {page: 1});</script>")
    assert jsonapi.api_requests(page, "http://x/a/") == [
        ("POST", "http://x/api/search", {"columnId": "5", "pageNo": "1", "pageSize": "10"}),
        ("POST", "http://x/x/list.do", {"page": "1"})]
    assert jsonapi.api_urls(page, "http://x/a/") == []
    assert jsonapi.api_paging({"total": 24, "rows": [{"title": "t", "url": "/u"}]}, asked_size=10) == (None, 3)
