"""Demo portals built the way independent deployments differ from the demo families.

The demo portals of sites.py were written together with the mixins that read them. These are
built from real listing markup instead (tests/spiders/fixtures/*/ notes name the sources):

    v_trs_haiyun     TRS 海云 column: createPageHTML('page_div', 4, 1, 'index', 'shtml', 10), pages
                     counted from 1 (index.shtml, index_2.shtml ... index_4.shtml), as 湖南 / 海南 / CSRC
    v_trs_inline     TRS WCM column with no createPageHTML call: an inline pager script
                     (var countPage = 3; document.write("index"+"_"+i+"."+"html")), as 鄂尔多斯 恩格贝
    v_hanweb_param   Hanweb JCMS column: records in <script type="text/xml"><datastore> without a
                     <nextgroup>, the form in var param_NNNN = {...}, totalRecord in the jpage call,
                     the rest from POST /module/web/jpage/dataproxy.jsp (as nhsa.gov.cn)
    v_hanweb_initdata  older jQuery jpage: var InitDataNNNN = ['<tr>...</tr>', ...], proxyUrl
                     /module/jslib/jquery/jpage/dataproxy.jsp, ajaxParam:{...} (as 南通); registry cms=hanweb
    v_jsonapi        a static column shell whose script fetches /fjdzapp/data with the channel id
                     from a page variable (Fujian TRS platform, as 三明); the answer is the real
                     API's shape (page, pageCount, recordCount, data[].doctitle/docpuburl/chnldocurl)
    v_ucap_static    UCAP / 开普云 department column xxgk_list.shtml (as 宿迁's 科技局 / 文广旅局):
                     ul.listContent records, the platform's own pager call createPageHTML('page',
                     3, 1, 'xxgk_list', 'shtml', N) (pages xxgk_list_2.shtml ...); registry cms=ucap
    v_ucap_iframe    UCAP column whose list is a framed page: <iframe id="list" src="list.shtml">,
                     paged by newCreatePageHTML (javascript:void(0) links, goPage('list', ...))
    v_ucap_search    UCAP shell declaring var channelId = '<32 hex>', its list fetched by a shared
                     script from /search/<channelId>?_isAgg=true&_isJson=true&_pageSize=20... (as
                     nhc.gov.cn); the answer is the search service's shape (data.page, rows, total,
                     results[].title/url/publishedTimeStr), 25 results at 20 rows: two pages, each
                     served at its own query only
    v_query_pager    a column of 12 pages reached only through query-only links ?site_id=CMSdemo&
                     cat_id=22333&cur_page=N (下一页, 未页 sic, 共<span>N</span>页) and rows of
                     <div>s in div#center's table, as 咸阳 食药监局 (www.xysfda.gov.cn) served them (the
                     markup quoted in a public scraper's source); the platform's iList.jsp as 绵竹
                     (www.mz.gov.cn/info/iList.jsp?node_id=...&cat_id=...&cur_page=N, per RSSHub's route)

    v_dept_platform  a city's 政府信息公开 platform home (as 邯郸's hdzfxxgk.hd.gov.cn: ul.sx-uls column
                     links, 近期信息公开 of department notices) whose department tree is behind
                     市政府部门信息公开 -> /gszbm/ -> auto-numbered department directories
                     (/gszbm/auto23716/) -> each department's 政府信息公开年报
    v_dept_select    a county portal whose departments are listed only in a footer jump box, as
                     袁州区政府网 (www.yzq.gov.cn, 2017, saved in a public scraper's source): <select
                     onchange="javascript:window.open(...)"><option selected>区政府部门网站</option>
                     <option value="URL">department</option>..., beside sites that are no department
                     (交易网 off the portal, 旅游网); each department site -> 政务公开 -> 政府信息公开年报.
                     The real values are absolute, on hosts of their own; here paths (ports are known
                     only once served; the fixture tests/spiders/fixtures/dept_select/ has hosts)

UCAP articles are /<column>/YYYYMM/<32 hex>.shtml, their text in <UCAPCONTENT> inside
#zoomcon, with ArticleTitle / PubDate / ContentSource metas (as 克拉玛依, 苏州, 宿迁 serve them).

Each has real report pages (tests/samples, served as they are, or reports generated from them
by reports.vary) and decoys. `variant_sites()` returns them; wiring them into the demo network
is demo/__main__'s business.
"""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path

from .reports import report_body, vary
from .server import Page, Site

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "samples"


def _sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def _cells(stem: str) -> dict:
    return json.loads((SAMPLES / f"{stem}.expected.json").read_text(encoding="utf-8"))["cells"]


def _page(title: str, body: str, site: str, head: str = "") -> str:
    e = html.escape
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{e(title)}_{e(site)}</title>"
            f"<meta name=\"SiteName\" content=\"{e(site)}\">{head}</head><body>"
            f"<div class=\"top\"><a href=\"/\">首页</a> <a href=\"/zwgk/\">政务公开</a> <a href=\"/hdjl/\">互动交流</a></div>"
            f"<div class=\"main\"><div id=\"zoom\" class=\"TRS_Editor\">{body}</div></div>"
            f"<div class=\"foot\">主办：{e(site)} <a href=\"/wzdt/\">网站地图</a></div></body></html>")


def _notice(title: str) -> str:
    return (f"<p><b>{html.escape(title)}</b></p><p>各单位：根据《中华人民共和国政府信息公开条例》，请做好政府信息"
            "公开工作年度报告的编制和发布工作，于1月31日前报送。</p><p>特此通知。</p>")


def _report(agency: str, year: int, seed: int, published: str) -> str:
    template, base = ("2021", _cells("fj_putian_ptcg_2022")) if year >= 2021 else ("2019", _cells("sh_govoffice_2019"))
    return report_body(agency, year, template, vary(base, template, seed), published=published)


def _li(href: str, title: str, date: str) -> str:
    e = html.escape
    return f"<li><a href=\"{e(href)}\" target=\"_blank\" title=\"{e(title)}\">{e(title)}</a><span>{date}</span></li>"


def _add_articles(s: Site, site_name: str, items: list[tuple], article=None) -> None:
    """items: (path, title, date, kind, agency, year, seed); kind report | notice | other | sample:<file>

    `article(title, body, site_name, date)` writes an article page (default: the plain page).
    Also the pages the chrome links (首页, 政务公开 ...), as a portal has them."""
    article = article or (lambda title, body, site, date: _page(title, body, site))
    for path, title in (("/", site_name), ("/zwgk/", "政务公开"), ("/hdjl/", "互动交流"), ("/wzdt/", "网站地图")):
        s.add(path, _page(title, "<p>欢迎访问。</p>", site_name))
    for path, title, date, kind, agency, year, seed in items:
        if kind.startswith("sample:"):
            s.pages[path] = Page(_sample(kind.split(":", 1)[1]))
        elif kind == "report":
            s.add(path, article(title, _report(agency, year, seed, date), site_name, date))
        elif kind == "notice":
            s.add(path, article(title, _notice("关于做好政府信息公开工作年度报告编制发布工作的通知"), site_name, date))
        else:
            s.add(path, article(title, "<p>一、主要内容</p><p>略。</p>", site_name, date))
    s.reports = [{"path": p, "agency": a, "year": y} for p, _, _, k, a, y, _ in items if k == "report" or k.startswith("sample:")]
    s.decoys = [p for p, _, _, k, _, _, _ in items if k in ("notice", "other")]


# -- TRS ----------------------------------------------------------------------------------------

def trs_haiyun_site() -> Site:
    name = "演示海云市人民政府"
    s = Site("v_trs_haiyun", name + "（TRS 海云）", "city", "430100", "/xxgk/ndbg/index.shtml",
             notes="variant: TRS 海云 createPageHTML('page_div', N, 1, 'index', 'shtml', records), pages from 1")
    col = "/xxgk/ndbg/"
    items = [
        (col + "202402/7c1e0f5a2b9d4e6f8a1b2c3d4e5f6a7b.shtml", "演示海云市人民政府2023年政府信息公开工作年度报告", "2024-01-30", "report", "演示海云市人民政府", 2023, 61),
        (col + "202401/1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6.shtml", "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", "2024-01-08", "notice", "", 0, 0),
        (col + "202401/2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7.shtml", "演示海云市2023年政府信息公开工作年度报告解读", "2024-01-31", "other", "", 0, 0),
        (col + "202302/3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8.shtml", "演示海云市财政局2022年政府信息公开工作年度报告", "2023-02-01", "report", "演示海云市财政局", 2022, 62),
        (col + "202301/4d5e6f7a8b9c40d1e2f3a4b5c6d7e8f9.shtml", "演示海云市人民政府2022年政府信息公开工作年度报告", "2023-01-28", "report", "演示海云市人民政府", 2022, 63),
        (col + "202203/5e6f7a8b9c0d41e2f3a4b5c6d7e8f9a0.shtml", "演示海云市2021年度法治政府建设年度报告", "2022-03-01", "other", "", 0, 0),
        (col + "202301/t20230113_1794760.html", "莆田市城市管理局2022年度政府信息公开工作年度报告", "2023-01-13", "sample:fj_putian_ptcg_2022.html", "莆田市城市管理局", 2022, 0),
        (col + "202201/6f7a8b9c0d1e42f3a4b5c6d7e8f9a0b1.shtml", "演示海云市人民政府2021年政府信息公开工作年度报告", "2022-01-27", "report", "演示海云市人民政府", 2021, 64),
        (col + "202101/7a8b9c0d1e2f43a4b5c6d7e8f9a0b1c2.shtml", "演示海云市人民政府2020年政府信息公开工作年度报告", "2021-01-29", "report", "演示海云市人民政府", 2020, 65),
        (col + "202001/8b9c0d1e2f3a44b5c6d7e8f9a0b1c2d3.shtml", "演示海云市2019年政府信息公开工作年度报告（图解）", "2020-01-30", "other", "", 0, 0),
    ]
    _add_articles(s, name, items)
    # the real 莆田 page links its PDF beside it
    s.pages[col + "202301/P020230113577394383487.pdf"] = Page(_sample("js_hongze_2023.pdf"), "application/pdf")
    per = 3
    pages = [items[i:i + per] for i in range(0, len(items), per)]
    for n, chunk in enumerate(pages, start=1):
        lis = "".join(_li("./" + p[len(col):], t, d) for p, t, d, *_ in chunk)
        body = (f"<ul class=\"list\">{lis}</ul><div id=\"page_div\"></div>"
                f"<script>createPageHTML('page_div',{len(pages)},{n},'index','shtml',{len(items)});</script>")
        s.add(col + ("index.shtml" if n == 1 else f"index_{n}.shtml"), _page("政府信息公开工作年度报告", body, name))
    return s


_INLINE_PAGER = """<script language="JavaScript" type="text/javascript">
var currentPage = {current};//所在页从0开始
var prevPage = currentPage-1//上一页
var nextPage = currentPage+1//下一页
var countPage = {count}//共多少页
document.write("共计"+"&nbsp;<font style='color:#FF8008'>"+"{count}"+"&nbsp;</font>"+"页");
document.write("&nbsp;<a href=\\"index."+"html\\">首页</a>&nbsp;|");
if(countPage>1&&currentPage!=0&&currentPage!=1)
document.write("<a href=\\"index"+"_" + prevPage + "."+"html\\"><span class=greyfont>上一页</span></a>&nbsp;");
for(var i=0 ; i<=6 && (i<countPage); i++){{
if(currentPage==i) document.write("&nbsp;<font style='color:#FF8008'>"+(i+1)+"</font>&nbsp;|");
else if(i==0) document.write("&nbsp;<a href=\\"index.html\\">1</a>&nbsp;|");
else document.write("&nbsp;<a href=\\"index"+"_" + i + "."+"html\\">"+(i+1)+"</a>&nbsp;|");
}}
if(countPage>1&&currentPage!=(countPage-1))
document.write("&nbsp;<a href=\\"index"+"_" + nextPage + "."+"html\\">&nbsp;<span class=greyfont>下一页</span>&nbsp;</a>&nbsp;");
</script>"""


def trs_inline_site() -> Site:
    name = "演示旗人民政府"
    s = Site("v_trs_inline", name + "（TRS 内联分页）", "county", "150627", "/xxgk/xxgknb/index.html",
             notes="variant: TRS WCM inline pager (var countPage + document.write), no createPageHTML; as served, "
                   "before any browser writes the pager's links")
    col = "/xxgk/xxgknb/"
    items = [
        (col + "202401/t20240129_3001.html", "演示旗人民政府2023年政府信息公开工作年度报告", "2024-01-29", "report", "演示旗人民政府", 2023, 71),
        (col + "202312/t20231201_3000.html", "演示旗召开2023年度工作会议", "2023-12-01", "other", "", 0, 0),
        (col + "202301/t20230130_2901.html", "演示旗人民政府2022年政府信息公开工作年度报告", "2023-01-30", "report", "演示旗人民政府", 2022, 72),
        (col + "202201/t20220128_2801.html", "演示旗人民政府2021年政府信息公开工作年度报告", "2022-01-28", "report", "演示旗人民政府", 2021, 73),
        (col + "202112/t20211215_2800.html", "关于报送2021年度政府信息公开工作年度报告的通知", "2021-12-15", "notice", "", 0, 0),
        (col + "202101/t20210129_2701.html", "演示旗人民政府2020年政府信息公开工作年度报告", "2021-01-29", "report", "演示旗人民政府", 2020, 74),
        (col + "202001/t20200131_100001.html", "2019年上海市人民政府办公厅政府信息公开工作年度报告", "2020-01-31", "sample:sh_govoffice_2019.html", "上海市人民政府办公厅", 2019, 0),
    ]
    _add_articles(s, name, items)
    per = 3
    pages = [items[i:i + per] for i in range(0, len(items), per)]
    for n, chunk in enumerate(pages):
        rows = "".join(f"<tr><td><img src=\"../../images/ico2.jpg\"></td><td><a href=\"./{p[len(col):]}\">{html.escape(t)}</a></td>"
                       f"<td>{d}</td></tr>" for p, t, d, *_ in chunk)
        body = (f"<table class=\"gl_list\">{rows}</table><table><tr><td class=\"page\">"
                f"{_INLINE_PAGER.format(current=n, count=len(pages))}</td></tr></table>")
        s.add(col + ("index.html" if n == 0 else f"index_{n}.html"), _page("信息公开年报", body, name))
    return s


# -- Hanweb -------------------------------------------------------------------------------------

def _dataproxy(records: list[str], columnid: str, unitid: str, total: int):
    def answer(query: dict, form: dict) -> Page:
        if form.get("columnid") != columnid or form.get("unitid") != unitid:
            return Page(b"<datastore><recordset></recordset></datastore>", "text/xml; charset=utf-8")
        lo, hi = int(query.get("startrecord", 1)) - 1, int(query.get("endrecord", 1))
        xml = "".join(f"<record><![CDATA[{r}]]></record>" for r in records[lo:hi])
        body = f"<datastore><recordset>{xml}</recordset><totalrecord>{total}</totalrecord></datastore>"
        return Page(body.encode("utf-8"), "text/xml; charset=utf-8")
    return answer


def hanweb_param_site() -> Site:
    name = "演示省某局"
    s = Site("v_hanweb_param", name + "（Hanweb param_ 变量）", "province", "330000", "/col/col104/index.html",
             notes="variant: Hanweb datastore in script text/xml without nextgroup; form in var param_NNNN; dataproxy POST")
    items = [
        ("/art/2024/1/31/art_104_11937.html", "演示省某局2023年政府信息公开工作年度报告", "2024-01-31", "report", "演示省某局", 2023, 81),
        ("/art/2023/12/28/art_104_11801.html", "演示省某局关于印发政府信息公开工作规定的通知", "2023-12-28", "notice", "", 0, 0),
        ("/art/2023/1/30/art_104_10157.html", "演示省某局2022年政府信息公开工作年度报告", "2023-01-30", "report", "演示省某局", 2022, 82),
        ("/art/2022/3/1/art_104_9001.html", "演示省某局2021年度法治政府建设情况报告", "2022-03-01", "other", "", 0, 0),
        ("/art/2022/1/27/art_104_8801.html", "演示省某局2021年政府信息公开工作年度报告", "2022-01-27", "report", "演示省某局", 2021, 83),
        ("/art/2021/3/8/art_104_126165.html", "驻马店市人民政府2020年政府信息公开年度报告", "2021-03-08", "zmd", "驻马店市人民政府", 2020, 0),
        ("/art/2021/1/28/art_104_7701.html", "演示省某局2020年政府信息公开工作年度报告", "2021-01-28", "report", "演示省某局", 2020, 84),
        ("/art/2020/1/20/art_104_6601.html", "演示省某局2019年政府信息公开工作年度报告", "2020-01-20", "report", "演示省某局", 2019, 85),
    ]
    zmd = "".join(f"<p>{html.escape(line)}</p>" for line in _sample("zhumadian_2020.txt").decode("utf-8").splitlines()
                  if line.strip())
    _add_articles(s, name, [(p, t, d, "other" if k == "zmd" else k, a, y, sd) for p, t, d, k, a, y, sd in items])
    s.add(items[5][0], _page(items[5][1], zmd, name))
    s.reports.append({"path": items[5][0], "agency": "驻马店市人民政府", "year": 2020})
    s.decoys.remove(items[5][0])
    records = [_li(p, t, d) for p, t, d, *_ in items]
    perpage, shown, unitid = 1, 3, "212860"
    store = "".join(f"<record><![CDATA[\n{r}]]></record>\n" for r in records[:shown])
    s.add("/col/col104/index.html", _page("政府信息公开工作年度报告", (
        f"<div id=\"{unitid}\"><script type=\"text/xml\"><datastore>\n<recordset>\n{store}</recordset>\n</datastore></script></div>"
        f"<script type=\"text/javascript\">var param_{unitid} = {{col:1,webid:'1',path:'/',columnid:'104',sourceContentType:'1',"
        f"unitid:'{unitid}',webname:'{name}',permissiontype:0}};</script>"
        f"<script>$(function(){{$('#{unitid}').jpage({{dataStore:'',totalRecord:{len(records)},perPage:{perpage},groupSize:3,"
        f"proxyUrl:'/module/web/jpage/dataproxy.jsp',ajaxParam:param_{unitid}}});}});</script>"), name,
        head="<script src=\"/module/jslib/jquery/jquery.js\"></script><script src=\"/module/web/jpage/jpage.js\"></script>"))
    s.post["/module/web/jpage/dataproxy.jsp"] = _dataproxy(records, "104", unitid, len(records))
    return s


def hanweb_initdata_site() -> Site:
    name = "演示通市人民政府"
    s = Site("v_hanweb_initdata", name + "（Hanweb InitData）", "city", "320600", "/col/col30067/index.html", cms="hanweb",
             notes="variant: older jQuery jpage, records in var InitDataNNNN = [...], proxy under /module/jslib/jquery/jpage/")
    items = [
        ("/art/2024/1/26/art_30067_3101.html", "演示通市2023年政府信息公开工作年度报告", "2024-01-26", "report", "演示通市人民政府", 2023, 91),
        ("/art/2024/1/20/art_30067_3100.html", "演示通市教育局2023年政府信息公开工作年度报告", "2024-01-20", "report", "演示通市教育局", 2023, 92),
        ("/art/2023/12/20/art_30067_3090.html", "关于报送2023年度政府信息公开工作年度报告的通知", "2023-12-20", "notice", "", 0, 0),
        ("/art/2023/1/29/art_30067_2901.html", "演示通市2022年政府信息公开工作年度报告", "2023-01-29", "report", "演示通市人民政府", 2022, 93),
        ("/art/2022/1/28/art_30067_2700.html", "演示通市2021年政府信息公开工作年度报告", "2022-01-28", "report", "演示通市人民政府", 2021, 94),
        ("/art/2021/12/1/art_30067_2600.html", "演示通市政府信息公开指南", "2021-12-01", "other", "", 0, 0),
        ("/art/2021/1/26/art_30067_2501.html", "演示通市2020年政府信息公开工作年度报告", "2021-01-26", "report", "演示通市人民政府", 2020, 95),
    ]
    _add_articles(s, name, items)
    rows = [f"<tr><td><a href='{p}' target='_blank' title='{t}'>{t}</a></td><td>[{d}]</td></tr>" for p, t, d, *_ in items]
    shown, perpage, unitid = 3, 3, "49468"
    arr = ",".join("'" + r.replace("'", "\\'") + "'" for r in rows[:shown])
    s.add("/col/col30067/index.html", _page("政府信息公开年报", (
        f"<div id=\"{unitid}\"></div><script language=\"javascript\">var InitData{unitid} = [{arr}];"
        f"$(function(){{$('#{unitid}').jpage({{themeName:'default',showMode:'full',totalRecord:{len(rows)},openCookies:false,"
        f"dataBefore:'<table>',dataStore:InitData{unitid},dataAfter:'</table>',groupSize:1,"
        f"proxyUrl:'/module/jslib/jquery/jpage/dataproxy.jsp',perPage:{perpage},barPosition:'bottom',"
        f"ajaxParam:{{col:1,appid:'1',webid:60,path:'/',columnid:30067,unitid:'{unitid}',webname:'{name}',"
        f"permissiontype:0}}}});}});</script>"), name))
    s.post["/module/jslib/jquery/jpage/dataproxy.jsp"] = _dataproxy(rows, "30067", unitid, len(rows))
    return s


# -- JSON list API ------------------------------------------------------------------------------

def jsonapi_site() -> Site:
    name = "演示闽市人民政府"
    s = Site("v_jsonapi", name + "（JSON 列表接口）", "city", "350400", "/smsrmzfbgs/smsrmzf/zfxxgkndbg/index.htm",
             notes="variant: static shell whose script fetches /fjdzapp/data (channel id from a page variable)")
    col = "/smsrmzfbgs/smsrmzf/zfxxgkndbg/"
    items = [
        (col + "202403/t20240306_2006885.htm", "演示闽市2023年政府信息公开工作年度报告", "2024.03.06 09:00:00", "report", "演示闽市人民政府", 2023, 101),
        (col + "202402/t20240220_2000001.htm", "演示闽市2023年政府信息公开工作年度报告政策解读", "2024.02.20 09:00:00", "other", "", 0, 0),
        (col + "202303/t20230303_1884230.htm", "演示闽市2022年政府信息公开工作年度报告", "2023-03-03 09:00:00", "report", "演示闽市人民政府", 2022, 102),
        (col + "202212/t20221201_1870000.htm", "关于做好2022年度政府信息公开工作年度报告编制工作的通知", "2022.12.01 09:00:00", "notice", "", 0, 0),
        (col + "202203/t20220307_1762786.htm", "演示闽市2021年政府信息公开工作年度报告", "2022.03.07 09:00:00", "report", "演示闽市人民政府", 2021, 103),
        (col + "202103/t20210306_1640749.htm", "演示闽市2020年政府信息公开工作年度报告", "2021.03.06 09:00:00", "report", "演示闽市人民政府", 2020, 104),
    ]
    _add_articles(s, name, items)
    data = [{"docid2": 2006885 - i, "chnl": "政府信息公开年报", "doctitle": t, "docpuburl": p, "chnldocurl": p, "url": p,
             "docreltime": d, "sourcename": "政府信息公开办", "pics": [], "files": [], "rels": []}
            for i, (p, t, d, *_) in enumerate(items)]
    answer = {"error": False, "page": 1, "prepage": 100, "pageCount": 1, "recordCount": len(data), "data": data}
    s.add("/fjdzapp/data", json.dumps(answer, ensure_ascii=False), "application/json;charset=UTF-8")
    s.add(col + "index.htm", _page("政府信息公开年报", (
        "<ul class=\"list_ul\" id=\"list\"></ul><div class=\"page\" id=\"page\"></div>"
        "<script>\nvar chnlid = '1377';\nvar prepage = 100;\nfunction load(page) {\n  $.ajax({\n"
        "    url: '/fjdzapp/data',\n    type: 'GET',\n    dataType: 'json',\n"
        "    data: {channelid: 100000, classsql: 'chnlid=' + chnlid, prepage: prepage, page: page},\n"
        "    success: function (res) {\n      var h = '';\n      $.each(res.data, function (i, d) {\n"
        "        h += '<li><a href=\"' + d.docpuburl + '\">' + d.doctitle + '</a></li>';\n      });\n"
        "      $('#list').html(h);\n    }\n  });\n}\nload(1);\n</script>"), name,
        head="<script src=\"/images/jquery.min.js\"></script>"))
    return s


# -- UCAP / 开普云 --------------------------------------------------------------------------------

def _uuid(title: str) -> str:
    """The 32-hex file name UCAP gives an article (here derived from its title, so it is stable)."""
    return hashlib.md5(title.encode("utf-8")).hexdigest()


def _ucap_article(title: str, body: str, site: str, date: str) -> str:
    e = html.escape
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{e(title)}-{e(site)}</title>"
            f"<meta name=\"SiteName\" content=\"{e(site)}\"><meta name=\"ArticleTitle\" content=\"{e(title)}\"/>"
            f"<meta name=\"PubDate\" content=\"{date} 09:00\"><meta name=\"ContentSource\" content=\"{e(site)}\"/>"
            f"</head><body><div class=\"top\"><a href=\"/\">首页</a> <a href=\"/zwgk/\">政务公开</a> "
            f"<a href=\"/hdjl/\">互动交流</a></div><div class=\"article\"><h1 id=\"title\"><UCAPTITLE>{e(title)}"
            f"</UCAPTITLE></h1><div id=\"zoomcon\"><UCAPCONTENT>{body}</UCAPCONTENT></div></div>"
            f"<div class=\"foot\">主办：{e(site)} <a href=\"/wzdt/\">网站地图</a></div></body></html>")


def _ucap_items(col: str, rows: list[tuple]) -> list[tuple]:
    """(title, date, kind, agency, year, seed) -> items with UCAP article paths under `col`."""
    return [(f"{col}{d[:4]}{d[5:7]}/{_uuid(t)}.shtml", t, d, k, a, y, sd) for t, d, k, a, y, sd in rows]


def _listcontent(items: list[tuple]) -> str:
    e = html.escape
    return "<ul class=\"listContent\">" + "".join(
        f"<li><a href=\"{e(p)}\" target=\"_blank\" title=\"{e(t)}\">{e(t)}</a><span>{d}</span></li>"
        for p, t, d, *_ in items) + "</ul>"


def ucap_static_site() -> Site:
    name = "演示迁市科学技术局"
    col = "/sqkjj/gknb/"
    s = Site("v_ucap_static", name + "（UCAP 静态列表）", "city", "321300", col + "xxgk_list.shtml", cms="ucap",
             notes="variant: UCAP department column xxgk_list.shtml, the platform's createPageHTML pager "
                   "(pages xxgk_list_2.shtml ...), registry cms=ucap")
    items = _ucap_items(col, [
        ("演示迁市科学技术局2023年政府信息公开工作年度报告", "2024-01-22", "report", name, 2023, 111),
        ("演示迁市科学技术局关于做好2023年度政府信息公开工作年度报告编制工作的通知", "2024-01-05", "notice", "", 0, 0),
        ("演示迁市科学技术局2022年政府信息公开工作年度报告", "2023-01-20", "report", name, 2022, 112),
        ("演示迁市科学技术局2022年度法治政府建设情况报告", "2023-01-18", "other", "", 0, 0),
        ("演示迁市科学技术局2021年政府信息公开工作年度报告", "2022-01-24", "report", name, 2021, 113),
        ("演示迁市科学技术局2020年政府信息公开工作年度报告", "2021-01-25", "report", name, 2020, 114),
        ("演示迁市科学技术局2019年政府信息公开工作年度报告", "2020-01-21", "report", name, 2019, 115),
        ("演示迁市科学技术局政府信息公开指南", "2019-12-02", "other", "", 0, 0),
    ])
    _add_articles(s, name, items, _ucap_article)
    per = 3
    chunks = [items[i:i + per] for i in range(0, len(items), per)]
    for n, chunk in enumerate(chunks, start=1):
        body = (_listcontent(chunk) + "<div class=\"page\" id=\"page\"></div><script type=\"text/javascript\">"
                f"createPageHTML('page', {len(chunks)}, {n}, 'xxgk_list', 'shtml', {len(items)});</script>")
        s.add(col + ("xxgk_list.shtml" if n == 1 else f"xxgk_list_{n}.shtml"), _page("政府信息公开年报", body, name,
              head="<script src=\"/zdjs/xhtml/js/list_part.js\"></script>"))
    return s


def ucap_iframe_site() -> Site:
    name = "演示区人民政府办公室"
    col = "/xxgk/gknb/"
    s = Site("v_ucap_iframe", name + "（UCAP 框架列表）", "county", "321311", col + "index.shtml",
             notes="variant: UCAP column whose list is an iframe (id = page stem) paged by newCreatePageHTML")
    items = _ucap_items(col, [
        ("演示区人民政府办公室2023年政府信息公开工作年度报告", "2024-01-26", "report", name, 2023, 121),
        ("演示区2023年政府信息公开工作年度报告图文解读", "2024-01-27", "other", "", 0, 0),
        ("演示区人民政府办公室2022年政府信息公开工作年度报告", "2023-01-29", "report", name, 2022, 122),
        ("关于报送2022年度政府信息公开工作年度报告的通知", "2022-12-20", "notice", "", 0, 0),
        ("演示区人民政府办公室2021年政府信息公开工作年度报告", "2022-01-27", "report", name, 2021, 123),
        ("演示区人民政府办公室2020年政府信息公开工作年度报告", "2021-01-28", "report", name, 2020, 124),
        ("演示区人民政府办公室2019年政府信息公开工作年度报告", "2020-01-30", "report", name, 2019, 125),
        ("演示区2019年政府信息公开工作要点", "2019-03-20", "other", "", 0, 0),
        ("演示区人民政府办公室政府信息公开指南", "2019-01-10", "other", "", 0, 0),
    ])
    _add_articles(s, name, items, _ucap_article)
    s.add(col + "index.shtml", _page("政府信息公开年报", (
        "<iframe id=\"list\" name=\"list\" src=\"list.shtml\" frameborder=\"0\" scrolling=\"no\" width=\"100%\" "
        "height=\"600\"></iframe><div class=\"page\" id=\"page\"></div>"), name,
        head="<script src=\"/zdjs/xhtml/js/list_part.js\"></script>"))
    per = 3
    chunks = [items[i:i + per] for i in range(0, len(items), per)]
    for n, chunk in enumerate(chunks, start=1):
        s.add(col + ("list.shtml" if n == 1 else f"list_{n}.shtml"), (
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><link rel=\"stylesheet\" href=\"/zdjs/xhtml/css/list_part.css\">"
            "<script src=\"/zdjs/xhtml/js/list_part.js\"></script></head><body>" + _listcontent(chunk)
            + f"<script>newCreatePageHTML('page', {len(chunks)}, {n}, 'list', 'shtml', {len(items)});</script></body></html>"))
    return s


def ucap_search_site() -> Site:
    name = "演示省卫生健康委员会"
    col = "/wjw/c100212/"
    channel = _uuid("演示省卫生健康委员会/政府信息公开年报")
    s = Site("v_ucap_search", name + "（UCAP 检索接口）", "province", "320000", col + "common_list.shtml",
             notes="variant: UCAP shell with var channelId; the list from /search/<channelId>?_isJson=true ...")
    items = _ucap_items(col, [
        ("演示省卫生健康委员会2023年政府信息公开工作年度报告", "2024-01-30", "report", name, 2023, 131),
        ("演示省卫生健康委员会2023年政府信息公开工作年度报告政策解读", "2024-01-31", "other", "", 0, 0),
        ("演示省卫生健康委员会2022年政府信息公开工作年度报告", "2023-01-30", "report", name, 2022, 132),
        ("关于印发演示省卫生健康系统政府信息公开工作年度报告编制要求的通知", "2022-12-12", "notice", "", 0, 0),
        ("演示省卫生健康委员会2021年政府信息公开工作年度报告", "2022-01-28", "report", name, 2021, 133),
        ("演示省卫生健康委员会2020年政府信息公开工作年度报告", "2021-01-29", "report", name, 2020, 134),
    ] + [(f"演示省卫生健康委员会关于{topic}的通知", f"{2020 - i // 6}-{12 - i % 6 * 2:02d}-10", "notice", "", 0, 0)
         for i, topic in enumerate(("印发2020年政务公开工作要点", "做好2019年度政府信息公开工作年度报告编制工作",
                                    "开展政务公开培训", "印发政府信息公开工作规定", "公布主动公开目录",
                                    "做好政务公开第三方评估工作", "印发2019年政务公开工作要点", "报送2018年度政府信息公开工作年度报告",
                                    "开展政府网站检查", "加强政务新媒体管理", "印发依申请公开办理规范", "做好政策解读工作",
                                    "印发2018年政务公开工作要点", "报送2017年度政府信息公开工作年度报告"))] + [
        ("演示省卫生健康委员会2019年政府信息公开工作年度报告", "2020-01-30", "report", name, 2019, 135),
        ("演示省疾病预防控制中心2019年政府信息公开工作年度报告", "2020-01-20", "report", "演示省疾病预防控制中心", 2019, 136),
        ("演示省卫生健康委员会政府信息公开指南", "2019-12-01", "other", "", 0, 0),
        ("演示省卫生健康委员会2018年政府信息公开工作年度报告解读", "2019-02-01", "other", "", 0, 0),
        ("演示省卫生健康委员会政府信息公开制度", "2018-06-01", "other", "", 0, 0),
    ])
    _add_articles(s, name, items, _ucap_article)
    # the service's answers (nhc.gov.cn's shape), 20 rows a page as the shared script asks, each page
    # at its own query (another query of /search/ is not served); the article URLs root-relative
    # here, absolute (http://host/...) or protocol-relative (//host/...) on the real sites
    results = [{"title": t, "url": p, "publishedTimeStr": f"{d} 09:00:00", "channelName": "政府信息公开年报",
                "channelCodeName": "c100212", "content": ""} for p, t, d, *_ in items]
    rows = 20
    for page in range(1, -(-len(results) // rows) + 1):
        answer = {"channelName": "政府信息公开年报", "locationUrl": col + "common_list.shtml",
                  "data": {"channelId": channel, "page": page, "relateSubChannels": "", "rows": rows,
                           "total": len(results), "results": results[(page - 1) * rows:page * rows]}}
        s.add(f"/search/{channel}?_isAgg=true&_isJson=true&_pageSize={rows}&_template=index&_rangeTimeGte=&_channelName="
              f"&page={page}", json.dumps(answer, ensure_ascii=False), "application/json;charset=UTF-8")
    s.add("/common/js/list.js", (
        "fetch('/search/' + channelId + '?_isAgg=true&_isJson=true&_pageSize=20&_template=index&_rangeTimeGte="
        "&_channelName=&page=1').then(function (r) { return r.json(); }).then(function (res) { var h = '';"
        " res.data.results.forEach(function (d) { h += '<li><a href=\"' + d.url + '\">' + d.title + '</a><span>'"
        " + d.publishedTimeStr.substring(0, 10) + '</span></li>'; });"
        " document.querySelector('.list ul').innerHTML = h; });"), "application/javascript")
    s.add(col + "common_list.shtml", _page("政府信息公开年报", (
        "<div class=\"list\"><ul></ul></div><div class=\"page\" id=\"page\"></div>"
        f"<script type=\"text/javascript\">var channelId = \"{channel}\";</script>"), name,
        head="<script src=\"/common/js/list.js\" defer></script>"))
    return s


# -- a query-string pager -----------------------------------------------------------------------

def _query_pager(base: str, current: int, pages: int, total: int) -> str:
    """The pager of the cat_id/cur_page platform as 咸阳's 食药监局 (www.xysfda.gov.cn) served it:
    a bracketed row of query-only links, the last one spelled 未页 (sic), the counts in <span>s."""
    def a(n: int, text: str) -> str:
        return f"[<a href=\"?{html.escape(base)}&amp;cur_page={n}\">{text}</a>]"
    return (f"<p>共<span>{total}</span> 条信息 共<span>{pages}</span>页 第{current}页 \n"
            f"{a(1, '首页')}\n{a(max(current - 1, 1), '上一页')}\n{a(min(current + 1, pages), '下一页')}\n"
            f"{a(pages, '未页')}</p>")


def query_pager_site() -> Site:
    name = "演示咸市人民政府"
    base = "site_id=CMSdemo&cat_id=22333"
    listing = "/info/iList.jsp"
    s = Site("v_query_pager", name + "（查询串分页）", "city", "610400", f"{listing}?{base}",
             notes="variant: a column paged only by query-string links ?site_id=...&cat_id=...&cur_page=N "
                   "(下一页 / 未页 as 咸阳's www.xysfda.gov.cn served them; 绵竹's iList.jsp?...&cur_page=N)")
    # where in the column each year's report sits: the oldest on the last page, as columns list them
    reports = {0: 2023, 7: 2022, 15: 2021, 24: 2020, 34: 2019}
    items = []
    for i in range(36):
        if i in reports:
            year = reports[i]
            items.append((f"/info/{year + 1}/0{i:03d}.html", f"{name}{year}年政府信息公开工作年度报告",
                          f"{year + 1}-01-2{i % 8}", "report", name, year, 150 + i))
        elif i % 6 == 1:
            items.append((f"/info/2023/1{i:03d}.html", f"关于做好{2023 - i // 8}年度政府信息公开工作年度报告编制发布工作的通知",
                          f"{2023 - i // 8}-12-1{i % 9}", "notice", "", 0, 0))
        else:
            items.append((f"/info/2023/2{i:03d}.html", f"{name}{2023 - i // 8}年政府信息公开工作年度报告图解" if i % 6 == 3
                          else f"{name}办公室关于第{i}期政务公开工作情况的通报",
                          f"{2023 - i // 8}-0{1 + i % 9}-15", "other", "", 0, 0))
    _add_articles(s, name, items)
    per = 3
    chunks = [items[i:i + per] for i in range(0, len(items), per)]
    for n, chunk in enumerate(chunks, start=1):
        # the list sits in div#center's table, one <div> per row: the link (its title in @title) and the date
        rows = "".join(f"<div><div><a href=\"{p}\" title=\"{html.escape(t)}\" target=\"_blank\">{html.escape(t)}</a></div>"
                       f"<div>{d}</div></div>" for p, t, d, *_ in chunk)
        body = (f"<div id=\"center\"><table><tr><td>政府信息公开年报</td></tr><tr><td>{rows}</td></tr>"
                f"<tr><td>{_query_pager(base, n, len(chunks), len(items))}</td></tr></table></div>")
        page = _page("政府信息公开年报", body, name)
        s.add(f"{listing}?{base}&cur_page={n}", page)
        if n == 1:  # the column's own link names no page: the platform answers it with page 1
            s.add(f"{listing}?{base}", page)
    return s


# -- department tree of a 政府信息公开 platform ------------------------------------------------------

def _platform_page(title: str, body: str, site: str) -> str:
    """A page of the platform, in 邯郸's markup: the header, the 首页 bar, the column list."""
    e = html.escape
    return (f"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\"><html lang=\"en\"><head>"
            f"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\"><meta name=\"SiteName\" content=\"{e(site)}\">"
            f"<meta name=\"ColumnName\" content=\"{e(title)}\"><title>{e(title)}</title></head><body>"
            "<div class=\"f_w clearfix\"><div class=\"w\"><div class=\"header_szf\"><div class=\"logo\"><a href=\"/\">"
            "<img src=\"/images/logo1.png\"></a></div><div class=\"lj\"><a href=\"http://www.gov.cn/\" target=\"_blank\">"
            "中国政府网站</a></div></div></div></div><div class=\"sx-navs\"><ul class=\"sx-list\"><li><a href=\"/\">首页</a>"
            f"</li></ul></div><div class=\"sx-width\">{body}</div></body></html>")


def _sx_uls(links: list[tuple[str, str]]) -> str:
    return "<ul class=\"sx-uls\">" + "".join(
        f"<li><div class=\"su-l1\"><div class=\"sx-tp\"></div></div><div class=\"su-l2\"><a href=\"{h}\" "
        f"target=\"_blank\">{html.escape(t)}</a></div></li>" for h, t in links) + "</ul>"


def _sx_list(items: list[tuple[str, str, str]]) -> str:
    return "<ul class=\"sx-c1-list\">" + "".join(
        f"<li><img src=\"/images/sx-ds.jpg\" alt=\"\"><a href=\"{h}\" target=\"_blank\"><p>{html.escape(t)}</p></a>"
        f"<span>{d}</span></li>" for h, t, d in items) + "</ul>"


def dept_platform_site() -> Site:
    city = "演示郸市人民政府"
    s = Site("v_dept_platform", "演示郸市政府信息公开平台（部门目录）", "city", "130400", "/",
             notes="variant: 政府信息公开 platform home -> 市政府部门信息公开 -> /gszbm/autoNNNNN/ departments -> 年报")
    page = lambda title, body: _platform_page(title, body, city)  # noqa: E731
    depts = [("auto23716", "演示郸市教育局", [(2023, 141), (2022, 142)]),
             ("auto23737", "演示郸市行政审批局", [(2023, 143)]),
             ("auto23741", "演示郸市卫生健康委员会", [])]
    notices = [(f"/gszbm/{d}/202401/t2024010{i}_13521{i}.html", f"{n}关于印发2024年政务公开工作要点的通知", f"2024-01-0{i}")
               for i, (d, n, _) in enumerate(depts, start=1)]
    for h, t, d in notices:
        s.add(h, page(t, _notice(t)))
    s.add("/", page("演示郸市政府信息公开", (
        "<div class=\"sx-cot1 clearFix\"><div class=\"sx-c1-left\">" + _sx_uls([
            ("/zfxxgkzn/", "政府信息公开指南"), ("/zfwj/zdwj/", "政府信息公开制度文件"), ("/fdgknr/", "法定主动公开内容"),
            ("/zfxxgknb/", "政府信息公开年报"), ("/zfgb/", "政府公报"), ("/gszbm/", "市政府部门信息公开")])
        + "</div><div class=\"sx-c1-right\"><div class=\"sx-c1-title clearFix\"><a href=\"/zfwj/jinqixxgk/\"><h1>近期信息公开"
        "</h1></a></div>" + _sx_list(notices) + "</div></div>")))
    for h, t in (("/zfxxgkzn/", "政府信息公开指南"), ("/zfwj/zdwj/", "政府信息公开制度文件"), ("/fdgknr/", "法定主动公开内容"),
                 ("/zfgb/", "政府公报"), ("/zfwj/jinqixxgk/", "近期信息公开")):
        s.add(h, page(t, "<p>略。</p>"))
    s.decoys = [h for h, _, _ in notices]
    city_report = "/zfxxgknb/202401/t20240125_1360001.html"
    title = f"{city}2023年政府信息公开工作年度报告"
    s.add(city_report, page(title, _report(city, 2023, 140, "2024-01-25")))
    s.add("/zfxxgknb/", page("政府信息公开年报", _sx_list([(city_report, title, "2024-01-25")])))
    s.reports = [{"path": city_report, "agency": city, "year": 2023, "column": "/zfxxgknb/"}]
    s.add("/gszbm/", page("市政府部门信息公开", "<ul class=\"bm-list\">" + "".join(
        f"<li><a href=\"/gszbm/{d}/\" target=\"_blank\">{n}</a></li>" for d, n, _ in depts) + "</ul>"))
    for d, name, years in depts:
        base = f"/gszbm/{d}/"
        cols = [(base + "zfxxgkzn/", "政府信息公开指南"), (base + "tzgg/", "通知公告")]
        if years:
            cols.insert(1, (base + "zfxxgknb/", "政府信息公开年报"))
        s.add(base, page(name, _sx_uls(cols)))
        s.add(base + "zfxxgkzn/", page(f"{name}政府信息公开指南", "<p>略。</p>"))
        s.add(base + "tzgg/", page("通知公告", "<p>暂无</p>"))
        if not years:
            continue
        rows = []
        for year, seed in years:
            path, t = f"{base}{year + 1}01/t{year + 1}0120_{seed}.html", f"{name}{year}年政府信息公开工作年度报告"
            s.add(path, page(t, _report(name, year, seed, f"{year + 1}-01-20")))
            rows.append((path, t, f"{year + 1}-01-20"))
            s.reports.append({"path": path, "agency": name, "year": year, "column": base + "zfxxgknb/",
                              "department": name})
        s.add(base + "zfxxgknb/", page(f"{name}政府信息公开年报", _sx_list(rows)))
    return s


# -- departments in a jump box ------------------------------------------------------------------

def _jump_box(label: str, options: list[tuple[str, str]]) -> str:
    """A 友情链接 jump box as 袁州区政府网 (www.yzq.gov.cn) has one in every page's footer."""
    return ("<div align=\"center\"><select style=\"background-color: #ffffff; color: #000000\" class=\"zf1\" "
            "onchange=\"javascript:window.open(this.options[this.selectedIndex].value)\" name=\"select\">\n"
            f"<option selected=\"selected\">{html.escape(label)}</option>\n"
            + "".join(f"<option value=\"{html.escape(v)}\">{html.escape(t)}</option>\n" for v, t in options)
            + "</select></div>")


def dept_select_site() -> Site:
    county = "演示袁区人民政府"
    s = Site("v_dept_select", "演示袁区政府网（部门网站下拉框）", "county", "360902", "/",
             notes="variant: departments listed only in a footer <select> jump box (区政府部门网站, options "
                   "valued with each department site's URL, as 袁州区政府网 www.yzq.gov.cn), each department "
                   "site with its own 政务公开 -> 政府信息公开年报")
    # (site path, name as the box lists it, report years); the real box mixes in sites that are no
    # department (公共资源交易网, 旅游网) and links departments on hosts of their own
    depts = [("/bm/zrzy/", "演示宜市自然资源局演示袁区分局", [(2023, 161), (2022, 162)]),
             ("/bm/jtj/", "演示袁区教育体育局", [(2023, 163)]),
             ("/bm/wjw/", "演示袁区卫生健康委员会", [])]
    box = _jump_box("区政府部门网站", [("http://ggzy.demo-yz.invalid/", "演示袁区公共资源交易网"), ("/lyw/", "演示袁区旅游网")]
                    + [(p, n) for p, n, _ in depts])
    governments = ("<select class=\"zf1\" onchange=\"javascript:window.open(this.options[this.selectedIndex].value)\" "
                   "name=\"select3\"><option selected=\"selected\">县市区政府网站</option>"
                   "<option value=\"http://www.demo-yc.invalid/\">中国演示宜春政府网</option></select>")

    def page(title: str, body: str) -> str:
        e = html.escape
        return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{e(title)}</title></head><body>"
                "<table width=\"1004\" align=\"center\"><tr align=\"center\"><td><a href=\"/\">首页</a></td>"
                "<td><a href=\"/zwgk/\" target=_blank>政务公开</a></td><td><a href=\"/zmhd/\" target=_blank>政民互动</a></td>"
                f"</tr></table><table width=\"1004\" align=\"center\"><tr><td>{body}</td></tr></table>"
                "<table width=\"1004\" align=\"center\" id=\"bk\"><tr><td width=\"100\" class=\"cjfw\">友情链接</td>"
                f"<td width=\"242\">{box}</td><td width=\"220\">{governments}</td></tr></table>"
                f"<table><tr><td>主办：{e(county)}</td></tr></table></body></html>")

    def dept_page(dept: str, base: str, title: str, body: str) -> str:
        e = html.escape
        return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{e(title)}_{e(dept)}</title></head><body>"
                f"<div class=\"nav\"><a href=\"{base}\">网站首页</a> <a href=\"{base}zwgk/\">政务公开</a> "
                f"<a href=\"{base}bsfw/\">办事服务</a></div><div class=\"main\">{body}</div>"
                f"<div class=\"foot\">主办：{e(dept)}</div></body></html>")

    s.add("/", page(county, "<p>今日袁区</p>"))
    for path, title in (("/zmhd/", "政民互动"), ("/lyw/", "旅游网")):
        s.add(path, page(title, "<p>略。</p>"))
    s.add("/zwgk/", page("政务公开", "<ul><li><a href=\"/zwgk/zfxxgkzn/\">政府信息公开指南</a></li>"
                                  "<li><a href=\"/zwgk/xxgknb/\">政府信息公开年报</a></li></ul>"))
    s.add("/zwgk/zfxxgkzn/", page("政府信息公开指南", "<p>略。</p>"))
    report, title = "/zwgk/xxgknb/202401/t20240126_401001.html", f"{county}2023年政府信息公开工作年度报告"
    notice = "/zwgk/xxgknb/202312/t20231215_400990.html"
    s.add(report, page(title, _report(county, 2023, 160, "2024-01-26")))
    s.add(notice, page("关于报送2023年度政府信息公开工作年度报告的通知", _notice("关于报送2023年度政府信息公开工作年度报告的通知")))
    s.add("/zwgk/xxgknb/", page("政府信息公开年报", "<table>" + "".join(
        f"<tr><td><a href=\"{h}\">{html.escape(t)}</a></td><td>{d}</td></tr>" for h, t, d in (
            (report, title, "2024-01-26"), (notice, "关于报送2023年度政府信息公开工作年度报告的通知", "2023-12-15"))) + "</table>"))
    s.reports = [{"path": report, "agency": county, "year": 2023, "column": "/zwgk/xxgknb/"}]
    s.decoys = [notice]
    for base, name, years in depts:
        s.add(base, dept_page(name, base, name, "<p>欢迎访问。</p>"))
        s.add(base + "bsfw/", dept_page(name, base, "办事服务", "<p>略。</p>"))
        cols = [(base + "zwgk/zfxxgkzn/", "政府信息公开指南")] + ([(base + "zwgk/ndbg/", "政府信息公开年报")] if years else [])
        s.add(base + "zwgk/", dept_page(name, base, "政务公开", "<ul>" + "".join(
            f"<li><a href=\"{h}\">{t}</a></li>" for h, t in cols) + "</ul>"))
        s.add(base + "zwgk/zfxxgkzn/", dept_page(name, base, "政府信息公开指南", "<p>略。</p>"))
        rows = []
        for year, seed in years:
            path, t = f"{base}zwgk/ndbg/{year + 1}01/t{year + 1}0118_{seed}.html", f"{name}{year}年政府信息公开工作年度报告"
            s.add(path, dept_page(name, base, t, _report(name, year, seed, f"{year + 1}-01-18")))
            rows.append(f"<li><a href=\"{path}\">{html.escape(t)}</a><span>{year + 1}-01-18</span></li>")
            s.reports.append({"path": path, "agency": name, "year": year, "column": base + "zwgk/ndbg/", "department": name})
        if rows:
            s.add(base + "zwgk/ndbg/", dept_page(name, base, "政府信息公开年报", "<ul>" + "".join(rows) + "</ul>"))
    return s


def variant_sites() -> list[Site]:
    return [trs_haiyun_site(), trs_inline_site(), hanweb_param_site(), hanweb_initdata_site(), jsonapi_site(),
            ucap_static_site(), ucap_iframe_site(), ucap_search_site(), query_pager_site(), dept_platform_site(),
            dept_select_site()]
