"""The demo portals: one per CMS family the spider knows, with decoys and real report content.

    demo_trs     TRS WCM static column (index.htm, index_1.htm ... via createPageHTML), gzip,
                 robots.txt with a Disallow, a direct PDF link and an attachment-only page
    demo_hanweb  Hanweb JCMS column (<datastore> CDATA records + POST dataproxy.jsp groups)
    demo_js      a listing built by JavaScript from a JSON file (needs the browser)
    demo_gbk     an old GBK site: home page -> 政务公开 -> 政府信息公开 -> 年报, 下一页 paging
    demo_jsapi   a report list filled by an external script from a JSON API (two pages, a
                 JavaScript 下一页), on a column page full of header, nav and footer links
    demo_dept    a city portal: home -> 政府信息公开 -> 部门信息公开 -> departments -> 某市财政局
                 -> its 年报 column (2 reports of 某市财政局), beside the city's own column; and
                 某市城市管理局, whose one report is a page that only says 详见附件 and its DOCX
    demo_chain   a 12-page 下一页 chain with a report on page 1 and one on page 12
    demo_broken  answers every request with HTTP 500
    demo_down    nothing listens on its port

Every site has a `home` path (its home page; the start URL of a crawl "from the home page") and
every expected report a `column` (the listing that links it).
`discovery_sites()` adds demo/variants.py's `variant_sites()` when that module exists.

Real published reports from tests/samples are served as they are (the 莆田 page byte for
byte); the other reports are generated from them by `reports.vary`, which keeps the
identities, so the network has years to compare. Decoys carry report-like words: notices about
compiling reports, guides, rule-of-law reports, statistical communiqués, a "report" page that
is really a notice, and a report link behind robots.txt.
"""

from __future__ import annotations

import html
import json
import time
from pathlib import Path

from .reports import report_body, vary
from .server import Page, Site

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "samples"
# the report demo_dept publishes only as a DOCX attachment (LibreOffice's DOCX of a real sample)
DOCX_ONLY_REPORT = "derived/fj_putian_ptcg_2022.docx"


def _sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def _cells(stem: str) -> dict:
    return json.loads((SAMPLES / f"{stem}.expected.json").read_text(encoding="utf-8"))["cells"]


def _chrome(title: str, body: str, *, charset: str = "utf-8", site: str = "演示市人民政府门户网站",
            extra_head: str = "") -> str:
    e = html.escape
    return (f"<!DOCTYPE html><html><head><meta charset=\"{charset}\"><title>{e(title)}_{e(site)}</title>{extra_head}</head>"
            f"<body><div class='header'><a href='/'>首页</a> | <a href='/zwgk/'>政务公开</a> | <a href='/hdjl/'>互动交流</a>"
            f"<p>{e(site)}</p></div><div class='sidebar'><ul><li><a href='/zwgk/zcwj/'>政策文件</a></li>"
            f"<li><a href='/zwgk/rsxx/'>人事信息</a></li></ul></div>"
            f"<div class='main'><div class='meta'><table><tr><td>发布机构：</td><td>{e(site)}</td></tr></table></div>"
            f"<div id='zoom' class='TRS_Editor'>{body}</div></div>"
            f"<div class='footer'><p>主办：{e(site)} 网站标识码：3500000000 ICP备00000000号</p>"
            f"<a href='javascript:window.print()'>打印本页</a> <a href='javascript:window.close()'>关闭窗口</a></div>"
            f"</body></html>")


def _notice(title: str) -> str:
    return (f"<p style='text-align:center'><b>{html.escape(title)}</b></p><p>各单位：</p>"
            "<p>根据《中华人民共和国政府信息公开条例》规定，请各单位做好政府信息公开工作年度报告的编制和发布工作，"
            "报告内容包括总体情况、主动公开政府信息情况等六个部分，于1月31日前报送。</p><p>特此通知。</p>")


def _generated(agency: str, year: int, template: str, base: dict, seed: int, published: str,
               carried_over: dict | None = None) -> tuple[str, dict]:
    cells = vary(base, template, seed, carried_over=carried_over)
    return report_body(agency, year, template, cells, published=published), cells


def _forward(cells: dict) -> dict:
    """结转下年度 per applicant: next year's 上年结转 when the publisher is consistent."""
    apps = ("natural_person", "legal.commercial", "legal.research", "legal.public_interest",
            "legal.legal_service", "legal.other")
    return {a: cells[f"applications.{a}.carried_forward"] for a in apps}


def _li(href: str, title: str, date: str) -> str:
    return f"<li><a href='{href}' title='{html.escape(title)}' target='_blank'>{html.escape(title)}</a><span>{date}</span></li>"


# -- TRS ----------------------------------------------------------------------------------------

def _pdf_reading(pdf: bytes) -> tuple[str, str] | None:
    """(agency, parse_status) the parser reads from a report PDF, or None when it cannot read PDFs."""
    try:
        from zfxxgk.pipelines.parser import parse_document

        report = parse_document(pdf, url="http://demo.invalid/report.pdf", content_type="application/pdf")
    except Exception:  # noqa: BLE001 - no PDF reader: archived unparsed
        return None
    if not report.is_report or report.parse_status != "ok" or not report.agency:
        return None
    return report.agency, report.parse_status


def trs_site() -> Site:
    s = Site("demo_trs", "演示市人民政府（TRS）", "city", "350300", "/zwgk/zfxxgknb/index.htm", cms="trs",
             notes="demo: TRS WCM static column", gzip=True,
             robots="User-agent: *\nDisallow: /private/\n")
    sh, fj = _cells("sh_govoffice_2019"), _cells("fj_putian_ptcg_2022")
    col = "/zwgk/zfxxgknb/"
    r2020, c2020 = _generated("演示市人民政府", 2020, "2019", sh, 11, "2021-01-25")
    r2021, _ = _generated("演示市人民政府", 2021, "2021", fj, 12, "2022-01-20", carried_over=_forward(c2020))
    pdf = _sample("js_hongze_2023.pdf")
    items = [
        (col + "202401/t20240118_100004.htm", "演示市人民政府2023年政府信息公开工作年度报告", "2024-01-18"),
        (col + "202401/P020240119.pdf", "演示市财政局2023年政府信息公开工作年度报告", "2024-01-19"),
        (col + "202301/t20230113_1794760.htm", "莆田市城市管理局2022年度政府信息公开工作年度报告", "2023-01-13"),
        (col + "202212/t20221201_100010.htm", "关于做好2022年度政府信息公开工作年度报告编制发布工作的通知", "2022-12-01"),
        (col + "202201/t20220120_100002.htm", "演示市人民政府2021年政府信息公开工作年度报告", "2022-01-20"),
        (col + "202201/t20220105_100011.htm", "演示市人民政府信息公开指南", "2022-01-05"),
        (col + "202202/t20220215_100012.htm", "2021年度政府信息公开工作年度报告", "2022-02-15"),  # a notice inside
        ("/private/zfxxgknb/t20220101_1.htm", "演示市内部2021年政府信息公开工作年度报告", "2022-01-01"),
        (col + "202103/t20210301_100013.htm", "演示市2020年度法治政府建设年度报告", "2021-03-01"),
        (col + "202101/t20210125_100003.htm", "演示市人民政府2020年政府信息公开工作年度报告", "2021-01-25"),
        (col + "202003/t20200320_100014.htm", "2019年演示市国民经济和社会发展统计公报", "2020-03-20"),
        (col + "202001/t20200131_100001.htm", "2019年上海市人民政府办公厅政府信息公开工作年度报告", "2020-01-31"),
    ]
    per_page = 4
    pages = [items[i:i + per_page] for i in range(0, len(items), per_page)]
    for n, chunk in enumerate(pages):
        name = "index.htm" if n == 0 else f"index_{n}.htm"
        lis = "".join(_li(("./" + h[len(col):]) if h.startswith(col) else h, t, d) for h, t, d in chunk)
        body = (f"<div class='list'><ul>{lis}</ul></div><div class='page'>"
                f"<script>createPageHTML({len(pages)}, {n}, \"index\", \"htm\");</script></div>")
        s.add(col + name, _chrome("政府信息公开年报", body))
    s.add(col + "202401/t20240118_100004.htm", _chrome(
        "演示市人民政府2023年政府信息公开工作年度报告",
        "<p style='text-align:center'><b>演示市人民政府2023年政府信息公开工作年度报告</b></p>"
        "<p>附件：<a href='./P020240118573304.pdf'>演示市人民政府2023年政府信息公开工作年度报告.pdf</a></p>"))
    s.add(col + "202401/P020240118573304.pdf", pdf, "application/pdf")
    s.add(col + "202401/P020240119.pdf", pdf, "application/pdf")
    s.add(col + "202301/t20230113_1794760.htm", _sample("fj_putian_ptcg_2022.html"))  # byte for byte
    s.add(col + "202301/P020230113577394383487.pdf", pdf, "application/pdf")
    s.add(col + "202212/t20221201_100010.htm", _chrome("通知", _notice(items[3][1])))
    s.add(col + "202201/t20220120_100002.htm", _chrome(items[4][1], r2021))
    s.add(col + "202201/t20220105_100011.htm", _chrome(items[5][1], "<p>一、公开的主体和范围</p><p>略。</p>"))
    s.add(col + "202202/t20220215_100012.htm", _chrome(items[6][1], _notice("关于报送2021年度政府信息公开工作年度报告的通知")))
    s.add("/private/zfxxgknb/t20220101_1.htm", _chrome(items[7][1], report_body("演示市内部", 2021, "2021", fj, published="2022-01-01")))
    s.add(col + "202103/t20210301_100013.htm", _chrome(items[8][1], "<p>一、法治政府建设的主要举措和成效</p><p>略。</p>"))
    s.add(col + "202101/t20210125_100003.htm", _chrome(items[9][1], r2020))
    s.add(col + "202003/t20200320_100014.htm", _chrome(items[10][1], "<p>全年地区生产总值增长。</p>"))
    sh_page = _sample("sh_govoffice_2019.html").decode("utf-8")
    s.add(col + "202001/t20200131_100001.htm", _chrome(items[11][1], sh_page.split("<body>", 1)[1].rsplit("</body>", 1)[0]))
    # the PDF as the parser of the day reads it: a report of its own body (洪泽区人民政府) when it
    # can read PDFs; otherwise archived unparsed, named by its link title
    pdf_read = _pdf_reading(pdf)
    s.reports = [
        {"path": col + "202401/t20240118_100004.htm", "agency": "演示市人民政府", "year": 2023,
         "parse_status": "ok" if pdf_read else "no_tables", "attachments": 1},
        {"path": col + "202401/P020240119.pdf", "agency": pdf_read[0] if pdf_read else "演示市财政局", "year": 2023,
         "parse_status": pdf_read[1] if pdf_read else "unsupported_format"},
        {"path": col + "202301/t20230113_1794760.htm", "agency": "莆田市城市管理局", "year": 2022, "parse_status": "ok",
         "sample": "fj_putian_ptcg_2022", "attachments": 1},
        {"path": col + "202201/t20220120_100002.htm", "agency": "演示市人民政府", "year": 2021, "parse_status": "ok"},
        {"path": col + "202101/t20210125_100003.htm", "agency": "演示市人民政府", "year": 2020, "parse_status": "ok"},
        {"path": col + "202001/t20200131_100001.htm", "agency": "上海市人民政府办公厅", "year": 2019, "parse_status": "ok",
         "sample": "sh_govoffice_2019"},
    ]
    s.decoys = [items[i][0] for i in (3, 5, 6, 7, 8, 10)]

    def republish(path: str) -> None:
        page = s.pages[path]
        text = page.body.decode("utf-8")
        text = text.replace("</div></div><div class='footer'>",
                            "<p>（更正说明：本报告第三部分数据已更正。）</p></div></div><div class='footer'>", 1)
        s.pages[path] = Page(text.encode("utf-8"), page.content_type, modified=time.time())

    s.republish = republish
    return s


# -- Hanweb -------------------------------------------------------------------------------------

def hanweb_site() -> Site:
    s = Site("demo_hanweb", "演示县人民政府（Hanweb）", "county", "411721", "/col/col1229/index.html", cms="hanweb",
             notes="demo: Hanweb JCMS column with datastore and dataproxy.jsp")
    sh, fj = _cells("sh_govoffice_2019"), _cells("fj_putian_ptcg_2022")
    r2019, c2019 = _generated("演示县人民政府", 2019, "2019", sh, 21, "2020-01-20")
    r2020, c2020 = _generated("演示县人民政府", 2020, "2019", sh, 22, "2021-01-22", carried_over=_forward(c2019))
    r2021, c2021 = _generated("演示县人民政府", 2021, "2021", fj, 23, "2022-01-21", carried_over=_forward(c2020))
    # 2022 does not carry over what 2021 carried forward: a cross-year mismatch to find
    r2022, _ = _generated("演示县人民政府", 2022, "2021", fj, 24, "2023-01-19",
                          carried_over={a: v + 2 for a, v in _forward(c2021).items()})
    redu, _ = _generated("演示县教育局", 2022, "2021", fj, 25, "2023-01-30")
    zmd_lines = _sample("zhumadian_2020.txt").decode("utf-8").splitlines()
    zmd = "".join(f"<p>{html.escape(line)}</p>" for line in zmd_lines if line.strip())
    records = [
        ("/art/2023/1/30/art_1229_3001.html", "演示县教育局2022年政府信息公开工作年度报告", "2023-01-30", redu),
        ("/art/2023/1/19/art_1229_3002.html", "演示县人民政府2022年政府信息公开工作年度报告", "2023-01-19", r2022),
        ("/art/2023/1/10/art_1229_3003.html", "2022年政府信息公开工作年度报告解读", "2023-01-10", "<p>图解略。</p>"),
        ("/art/2022/1/21/art_1229_2001.html", "演示县人民政府2021年政府信息公开工作年度报告", "2022-01-21", r2021),
        ("/art/2022/1/5/art_1229_2002.html", "演示县政府信息公开制度", "2022-01-05", "<p>第一条 略。</p>"),
        ("/art/2021/3/8/art_1229_126165.html", "驻马店市人民政府2020年政府信息公开年度报告", "2021-03-08", zmd),
        ("/art/2021/1/22/art_1229_1001.html", "演示县人民政府2020年政府信息公开工作年度报告", "2021-01-22", r2020),
        ("/art/2020/12/1/art_1229_1002.html", "关于印发演示县2021年政务公开工作要点的通知", "2020-12-01", _notice("工作要点")),
        ("/art/2020/1/20/art_1229_1003.html", "演示县人民政府2019年政府信息公开工作年度报告", "2020-01-20", r2019),
    ]
    for path, title, date, body in records:
        s.add(path, _chrome(title, body, site="演示县人民政府"))
    perpage, first_group = 2, 6

    def record_xml(lo: int, hi: int) -> str:
        return "".join(f"<record><![CDATA[{_li(p, t, d)}]]></record>" for p, t, d, _ in records[lo:hi])

    params = "appid=1&webid=3&path=/&columnid=1229&unitid=5678&webname=演示县人民政府&permissiontype=0"
    datastore = (f"<datastore><nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=1&{params}\"></a>]]>"
                 f"</nextgroup><recordset>{record_xml(0, first_group)}</recordset>"
                 f"<totalrecord>{len(records)}</totalrecord></datastore>")
    s.add("/col/col1229/index.html", _chrome(
        "政府信息公开年报", f"<div id='5678'><script type='text/xml'>{datastore}</script></div>"
        f"<script src='/module/web/jpage/jpage.js'></script>"
        f"<script>new Pager({{perpage:{perpage}, totalRecord:{len(records)}, unitid:5678}});</script>",
        site="演示县人民政府"))

    def dataproxy(query: dict, form: dict) -> Page:
        lo, hi = int(query.get("startrecord", 1)) - 1, int(query.get("endrecord", 1))
        if form.get("columnid") != "1229" or form.get("unitid") != "5678":
            return Page(b"<datastore><recordset></recordset></datastore>", "text/xml; charset=utf-8")
        xml = f"<datastore><recordset>{record_xml(lo, hi)}</recordset><totalrecord>{len(records)}</totalrecord></datastore>"
        return Page(xml.encode("utf-8"), "text/xml; charset=utf-8")

    s.post["/module/web/jpage/dataproxy.jsp"] = dataproxy
    s.reports = [
        {"path": records[0][0], "agency": "演示县教育局", "year": 2022, "parse_status": "ok"},
        {"path": records[1][0], "agency": "演示县人民政府", "year": 2022, "parse_status": "ok"},
        {"path": records[3][0], "agency": "演示县人民政府", "year": 2021, "parse_status": "ok"},
        {"path": records[5][0], "agency": "驻马店市人民政府", "year": 2020, "parse_status": "ok", "sample": "zhumadian_2020"},
        {"path": records[6][0], "agency": "演示县人民政府", "year": 2020, "parse_status": "ok"},
        {"path": records[8][0], "agency": "演示县人民政府", "year": 2019, "parse_status": "ok"},
    ]
    s.decoys = [records[i][0] for i in (2, 4, 7)]
    return s


# -- JavaScript-built listing -------------------------------------------------------------------

def js_site() -> Site:
    s = Site("demo_js", "演示区人民政府（JS 列表）", "county", "310104", "/xxgk/ndbg/index.html",
             notes="demo: listing built by JavaScript from list.json")
    fj = _cells("fj_putian_ptcg_2022")
    r2021, c2021 = _generated("演示区人民政府", 2021, "2021", fj, 31, "2022-01-28")
    c2022 = vary(fj, "2021", 32, carried_over=_forward(c2021))
    # the publisher's own error, as 洪泽2023 printed it: a 复议 总计 that is not the sum of its parts
    c2022["appeals.admin_review.total"] += 3
    r2022 = report_body("演示区人民政府", 2022, "2021", c2022, published="2023-01-28")
    sh_page = _sample("sh_govoffice_2019.html").decode("utf-8")
    entries = [
        ("/xxgk/ndbg/2023/0128/c2.html", "演示区人民政府2022年政府信息公开工作年度报告", "2023-01-28", r2022),
        ("/xxgk/ndbg/2022/0301/c9.html", "演示区2021年度法治政府建设年度报告", "2022-03-01", "<p>略。</p>"),
        ("/xxgk/ndbg/2022/0128/c1.html", "演示区人民政府2021年政府信息公开工作年度报告", "2022-01-28", r2021),
        ("/xxgk/ndbg/2020/0131/c0.html", "2019年上海市人民政府办公厅政府信息公开工作年度报告", "2020-01-31",
         sh_page.split("<body>", 1)[1].rsplit("</body>", 1)[0]),
    ]
    for path, title, date, body in entries:
        s.add(path, _chrome(title, body, site="演示区人民政府"))
    s.add("/xxgk/ndbg/list.json", json.dumps([{"url": p, "title": t, "date": d} for p, t, d, _ in entries],
                                             ensure_ascii=False), "application/json; charset=utf-8")
    s.add("/xxgk/ndbg/index.html",
          "<!DOCTYPE html><html><head><meta charset='utf-8'><title>年度报告_演示区人民政府</title></head><body>"
          "<div class='main'><h2>政府信息公开年度报告</h2><ul id='list'></ul></div>"
          "<script>fetch('list.json').then(r => r.json()).then(items => {"
          "const ul = document.getElementById('list');"
          "for (const it of items) { const li = document.createElement('li'); const a = document.createElement('a');"
          "a.href = it.url; a.textContent = it.title; li.appendChild(a); ul.appendChild(li); } });</script>"
          "</body></html>")
    s.reports = [
        {"path": entries[0][0], "agency": "演示区人民政府", "year": 2022, "parse_status": "ok", "violations": True},
        {"path": entries[2][0], "agency": "演示区人民政府", "year": 2021, "parse_status": "ok"},
        {"path": entries[3][0], "agency": "上海市人民政府办公厅", "year": 2019, "parse_status": "ok", "sample": "sh_govoffice_2019"},
    ]
    s.decoys = [entries[1][0]]
    return s


# -- old GBK site -------------------------------------------------------------------------------

def gbk_site() -> Site:
    s = Site("demo_gbk", "演示镇人民政府（GBK 旧站）", "town", "130638", "/index.html",
             notes="demo: GBK pages, start at the home page, 下一页 pagination")
    sh, fj = _cells("sh_govoffice_2019"), _cells("fj_putian_ptcg_2022")
    r2019, c2019 = _generated("演示镇人民政府", 2019, "2019", sh, 41, "2020-01-15")
    r2020, c2020 = _generated("演示镇人民政府", 2020, "2019", sh, 42, "2021-01-15", carried_over=_forward(c2019))
    r2021, _ = _generated("演示镇人民政府", 2021, "2021", fj, 43, "2022-01-15", carried_over=_forward(c2020))

    def gbk(title: str, body: str) -> bytes:
        # an old layout-table site, declared as gb2312, actually needing GBK/GB18030
        page = (f"<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'>"
                f"<title>{html.escape(title)}</title></head><body><table width='960'><tr><td width='200'>"
                f"<a href='/index.html'>首页</a><br><a href='/zwgk/index.html'>政务公开</a><br>"
                f"<a href='/bsfw/index.html'>办事服务</a></td><td>{body}</td></tr></table>"
                f"<table><tr><td>演示镇人民政府 版权所有</td></tr></table></body></html>")
        return page.encode("gb18030")

    ct = "text/html"
    s.pages["/index.html"] = Page(gbk("演示镇人民政府", "<p>欢迎访问</p><a href='/zwgk/index.html'>政务公开</a>"), ct)
    s.pages["/bsfw/index.html"] = Page(gbk("办事服务", "<p>办事指南</p>"), ct)
    s.pages["/zwgk/index.html"] = Page(gbk("政务公开", "<a href='/zwgk/xxgk/index.html'>政府信息公开</a>"
                                                       "<a href='/zwgk/tzgg/index.html'>通知公告</a>"), ct)
    s.pages["/zwgk/tzgg/index.html"] = Page(gbk("通知公告", "<p>暂无</p>"), ct)
    s.pages["/zwgk/xxgk/index.html"] = Page(gbk("政府信息公开", "<a href='/zwgk/xxgk/zn.html'>政府信息公开指南</a>"
                                                               "<a href='/zwgk/xxgk/nb/list_1.html'>政府信息公开年报</a>"), ct)
    s.pages["/zwgk/xxgk/zn.html"] = Page(gbk("政府信息公开指南", "<p>略</p>"), ct)
    reports = [
        ("/zwgk/xxgk/nb/2022/0115.html", "演示镇人民政府2021年政府信息公开工作年度报告", r2021, 2021),
        ("/zwgk/xxgk/nb/2021/0115.html", "演示镇人民政府2020年政府信息公开工作年度报告", r2020, 2020),
        ("/zwgk/xxgk/nb/2020/0115.html", "演示镇人民政府2019年政府信息公开工作年度报告", r2019, 2019),
    ]
    for path, title, body, _ in reports:
        s.pages[path] = Page(gbk(title, body), ct)
    s.pages["/zwgk/xxgk/nb/list_1.html"] = Page(gbk("政府信息公开年报", "<ul>" + "".join(
        f"<li><a href='{p}'>{t}</a></li>" for p, t, _, _ in reports[:2]) +
        "<li><a href='/zwgk/xxgk/nb/tz.html'>关于报送2021年度政府信息公开工作年度报告的通知</a></li></ul>"
        "<a href='/zwgk/xxgk/nb/list_2.html'>下一页</a>"), ct)
    s.pages["/zwgk/xxgk/nb/list_2.html"] = Page(gbk("政府信息公开年报", "<ul>" + "".join(
        f"<li><a href='{p}'>{t}</a></li>" for p, t, _, _ in reports[2:]) + "</ul>"
        "<a href='/zwgk/xxgk/nb/list_1.html'>上一页</a>"), ct)
    s.pages["/zwgk/xxgk/nb/tz.html"] = Page(gbk("通知", _notice("关于报送2021年度政府信息公开工作年度报告的通知")), ct)
    s.reports = [{"path": p, "agency": "演示镇人民政府", "year": y, "parse_status": "ok"} for p, _, _, y in reports]
    s.decoys = ["/zwgk/xxgk/nb/tz.html", "/zwgk/xxgk/zn.html"]
    return s


def broken_site() -> Site:
    return Site("demo_broken", "演示故障门户（HTTP 500）", "county", "130626", "/xxgk/nb/index.html",
                always_500=True, notes="demo: a portal whose server fails every request")


def down_site() -> Site:
    return Site("demo_down", "演示离线门户（无法连接）", "county", "350102", "/index.html", listen=False,
                notes="demo: a portal whose server does not answer")


# -- discovery: chrome + JSON API, department sub-sites, long 下一页 chains ------------------------

_CHROME_LINKS = [("/", "首页"), ("/zwgk/", "政务公开"), ("/zwdt/", "政务动态"), ("/zwdt/jryw/", "今日要闻"),
                 ("/zwdt/bmdt/", "部门动态"), ("/zwdt/tzgg/", "通知公告"), ("/bsfw/", "办事服务"),
                 ("/bsfw/grbs/", "个人办事"), ("/bsfw/frbs/", "法人办事"), ("/hdjl/", "互动交流"),
                 ("/hdjl/szxx/", "市长信箱"), ("/hdjl/zxft/", "在线访谈"), ("/hdjl/myzj/", "民意征集"),
                 ("/zjsq/", "走进本市"), ("/zjsq/sqgk/", "市情概况"), ("/zjsq/lsyg/", "历史沿革"),
                 ("/ztzl/", "专题专栏"), ("/sjfb/", "数据发布"), ("/wzdt/", "网站地图"), ("/lxwm/", "联系我们"),
                 ("/wzsm/", "网站声明"), ("/sybz/", "使用帮助"), ("/jgzn/", "机构职能"), ("/rsxx/", "人事信息")]


def _portal_chrome(title: str, body: str, site: str, extra_head: str = "") -> str:
    """A modern portal page: a header, a nav bar, a side column and a footer, 24+ links."""
    e = html.escape
    nav = "".join(f"<li><a href='{h}'>{t}</a></li>" for h, t in _CHROME_LINKS)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(title)}_{e(site)}</title>{extra_head}"
            f"<script src='/js/common.js'></script></head><body><div class='header'><p>{e(site)}</p>"
            f"<ul class='nav'>{nav}</ul></div><div class='main'>{body}</div>"
            f"<div class='footer'><a href='/wzdt/'>网站地图</a> <a href='/lxwm/'>联系我们</a> "
            f"<a href='/wzsm/'>网站声明</a><p>主办：{e(site)} 网站标识码：3500000001</p></div></body></html>")


def jsapi_site() -> Site:
    s = Site("demo_jsapi", "演示新区管委会（JSON 接口列表）", "county", "330110", "/xxgk/nb/index.html",
             notes="demo: report list filled by an external script from a JSON API, JavaScript 下一页")
    name = "演示新区管理委员会"
    fj, sh = _cells("fj_putian_ptcg_2022"), _cells("sh_govoffice_2019")
    r2020, c2020 = _generated(name, 2020, "2019", sh, 51, "2021-01-27")
    r2021, c2021 = _generated(name, 2021, "2021", fj, 52, "2022-01-27", carried_over=_forward(c2020))
    r2022, _ = _generated(name, 2022, "2021", fj, 53, "2023-01-27", carried_over=_forward(c2021))
    col = "/xxgk/nb/index.html"
    items = [
        ("/xxgk/nb/2023/0127/a3.html", f"{name}2022年政府信息公开工作年度报告", "2023-01-27", r2022),
        ("/xxgk/nb/2023/0105/a9.html", "关于做好2022年度政府信息公开工作年度报告编制工作的通知", "2023-01-05",
         _notice("关于做好2022年度政府信息公开工作年度报告编制工作的通知")),
        ("/xxgk/nb/2022/0127/a2.html", f"{name}2021年政府信息公开工作年度报告", "2022-01-27", r2021),
        ("/xxgk/nb/2021/0127/a1.html", f"{name}2020年政府信息公开工作年度报告", "2021-01-27", r2020),
        ("/xxgk/nb/2021/0110/a8.html", f"{name}政府信息公开指南", "2021-01-10", "<p>略。</p>"),
    ]
    for path, title, date, body in items:
        s.add(path, _chrome(title, body, site=name))
    per = 3
    chunks = [items[i:i + per] for i in range(0, len(items), per)]
    for n, chunk in enumerate(chunks, 1):
        s.add(f"/api/nb/list_{n}.json", json.dumps(
            {"totalRecord": len(items), "pageCount": len(chunks), "page": n,
             "data": [{"link": p, "name": t, "date": d} for p, t, d, _ in chunk]}, ensure_ascii=False),
              "application/json; charset=utf-8")
    s.add("/js/common.js", "window.SITE = {name: 'demo'};", "application/javascript")
    s.add("/js/nblist.js", (
        "(function () { var page = 1, pages = 1;"
        "function load(n) { return fetch('/api/nb/list_' + n + '.json').then(function (r) { return r.json(); })"
        ".then(function (d) { page = d.page; pages = d.pageCount; var ul = document.getElementById('nblist');"
        "ul.innerHTML = ''; d.data.forEach(function (it) { var li = document.createElement('li');"
        "var a = document.createElement('a'); a.href = it.link; a.textContent = it.name; li.appendChild(a);"
        "var sp = document.createElement('span'); sp.textContent = it.date; li.appendChild(sp); ul.appendChild(li); });"
        "document.getElementById('pageinfo').textContent = page + '/' + pages;"
        "document.getElementById('next').className = page >= pages ? 'next disabled' : 'next'; }); }"
        "document.getElementById('next').addEventListener('click', function (e) { e.preventDefault();"
        "if (page < pages) { load(page + 1); } });"
        "load(1); })();"), "application/javascript")
    body = ("<div class='crumb'><a href='/'>首页</a> &gt; <a href='/xxgk/'>政府信息公开</a> &gt; 政府信息公开年报</div>"
            "<h2>政府信息公开年报</h2><ul id='nblist'></ul>"
            f"<div class='pager'>共{len(items)}条 <span id='pageinfo'></span> "
            "<a href='javascript:void(0)' id='next' class='next'>下一页</a></div>"
            "<script src='/js/nblist.js'></script>")
    s.add(col, _portal_chrome("政府信息公开年报", body, name))
    s.add("/", _portal_chrome(name, "<p>欢迎</p><a href='/xxgk/'>政府信息公开</a>", name))
    s.add("/xxgk/", _portal_chrome("政府信息公开", "<a href='/xxgk/zn.html'>政府信息公开指南</a>"
                                                 f"<a href='{col}'>政府信息公开年报</a>", name))
    s.add("/zwgk/", _portal_chrome("政务公开", "<a href='/xxgk/'>政府信息公开</a>", name))
    s.home = "/"
    s.reports = [{"path": items[i][0], "agency": name, "year": y, "parse_status": "ok", "column": col}
                 for i, y in ((0, 2022), (2, 2021), (3, 2020))]
    s.decoys = [items[1][0], items[4][0]]
    return s


def dept_site() -> Site:
    city = "某市人民政府"
    s = Site("demo_dept", "某市人民政府门户网站（部门子站）", "city", "350500", "/index.html",
             notes="demo: 政府信息公开 -> 部门信息公开 -> departments -> 某市财政局 -> 年报")
    fj = _cells("fj_putian_ptcg_2022")
    rcity, _ = _generated(city, 2022, "2021", fj, 61, "2023-01-20")
    c1, cc1 = _generated("某市财政局", 2021, "2021", fj, 62, "2022-01-25")
    c2, _ = _generated("某市财政局", 2022, "2021", fj, 63, "2023-01-25", carried_over=_forward(cc1))
    page = lambda title, body: _chrome(title, body, site=city)  # noqa: E731
    s.add("/index.html", page(city, "<a href='/zwgk/xxgk/index.html'>政府信息公开</a><a href='/bsfw/'>办事服务</a>"))
    s.add("/zwgk/", page("政务公开", "<a href='/zwgk/xxgk/index.html'>政府信息公开</a>"))
    s.add("/zwgk/xxgk/index.html", page("政府信息公开", (
        "<a href='/zwgk/xxgk/zn.html'>政府信息公开指南</a><a href='/zwgk/xxgk/nb/index.html'>政府信息公开年报</a>"
        "<a href='/zwgk/bmxxgk/index.html'>部门信息公开</a>")))
    s.add("/zwgk/xxgk/zn.html", page("政府信息公开指南", "<p>略。</p>"))
    city_col = "/zwgk/xxgk/nb/index.html"
    s.add(city_col, page("政府信息公开年报", "<ul>" + _li("/zwgk/xxgk/nb/2023/c1.html",
                                                         f"{city}2022年政府信息公开工作年度报告", "2023-01-20") + "</ul>"))
    s.add("/zwgk/xxgk/nb/2023/c1.html", page(f"{city}2022年政府信息公开工作年度报告", rcity))
    depts = [("/bm/czj/index.html", "某市财政局"), ("/bm/cgj/index.html", "某市城市管理局"),
             ("/bm/jyj/index.html", "某市教育局"), ("/bm/gaj/index.html", "某市公安局"),
             ("/bm/wjw/index.html", "某市卫生健康委员会")]
    s.add("/zwgk/bmxxgk/index.html", page("部门信息公开", "<ul>" + "".join(
        f"<li><a href='{h}'>{t}</a></li>" for h, t in depts) + "</ul>"))
    for h, t in depts[2:]:
        s.add(h, page(t, "<a href='" + h.replace("index.html", "tzgg.html") + "'>通知公告</a>"))
        s.add(h.replace("index.html", "tzgg.html"), page("通知公告", "<p>暂无</p>"))
    s.add("/bm/czj/index.html", page("某市财政局", "<a href='/bm/czj/zn.html'>政府信息公开指南</a>"
                                                 "<a href='/bm/czj/nb/index.html'>政府信息公开年报</a>"))
    s.add("/bm/czj/zn.html", page("某市财政局政府信息公开指南", "<p>略。</p>"))
    dept_col = "/bm/czj/nb/index.html"
    s.add(dept_col, page("某市财政局政府信息公开年报", "<ul>" + "".join([
        _li("/bm/czj/nb/2023/f2.html", "某市财政局2022年政府信息公开工作年度报告", "2023-01-25"),
        _li("/bm/czj/nb/2022/tz.html", "关于报送2021年度政府信息公开工作年度报告的通知", "2022-01-05"),
        _li("/bm/czj/nb/2022/f1.html", "某市财政局2021年政府信息公开工作年度报告", "2022-01-25")]) + "</ul>"))
    s.add("/bm/czj/nb/2023/f2.html", page("某市财政局2022年政府信息公开工作年度报告", c2))
    s.add("/bm/czj/nb/2022/f1.html", page("某市财政局2021年政府信息公开工作年度报告", c1))
    s.add("/bm/czj/nb/2022/tz.html", page("通知", _notice("关于报送2021年度政府信息公开工作年度报告的通知")))
    # a department that publishes its report only as a Word attachment of a page that says 详见附件:
    # the real 莆田市城市管理局 2022 report, as LibreOffice saves it as DOCX
    cgj, cgj_col, cgj_page = "某市城市管理局", "/bm/cgj/nb/index.html", "/bm/cgj/nb/2023/g1.html"
    title = f"{cgj}2022年政府信息公开工作年度报告"
    s.add("/bm/cgj/index.html", page(cgj, f"<a href='{cgj_col}'>政府信息公开年报</a>"))
    s.add(cgj_col, page(f"{cgj}政府信息公开年报", "<ul>" + _li(cgj_page, title, "2023-01-16") + "</ul>"))
    s.add(cgj_page, page(title, f"<p style='text-align:center'><b>{title}</b></p><p>详见附件。</p>"
                                f"<p>附件：<a href='./P020230116.docx'>{title}.docx</a></p>"))
    s.add("/bm/cgj/nb/2023/P020230116.docx", _sample(DOCX_ONLY_REPORT),
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    s.home = "/index.html"
    s.reports = [
        {"path": "/zwgk/xxgk/nb/2023/c1.html", "agency": city, "year": 2022, "parse_status": "ok", "column": city_col},
        {"path": cgj_page, "agency": cgj, "year": 2022, "parse_status": "ok", "column": cgj_col, "department": cgj,
         "attachments": 1, "attachment": "/bm/cgj/nb/2023/P020230116.docx", "sample": "fj_putian_ptcg_2022"},
        {"path": "/bm/czj/nb/2023/f2.html", "agency": "某市财政局", "year": 2022, "parse_status": "ok",
         "column": dept_col, "department": "某市财政局"},
        {"path": "/bm/czj/nb/2022/f1.html", "agency": "某市财政局", "year": 2021, "parse_status": "ok",
         "column": dept_col, "department": "某市财政局"},
    ]
    s.decoys = ["/bm/czj/nb/2022/tz.html", "/zwgk/xxgk/zn.html", "/bm/czj/zn.html"]
    return s


CHAIN_PAGES = 12


def chain_site() -> Site:
    name = "演示乡人民政府"
    s = Site("demo_chain", "演示乡人民政府（12 页下一页）", "town", "130639", "/xxgk/nb/list_1.html",
             notes=f"demo: a {CHAIN_PAGES}-page 下一页 chain, a report on page 1 and one on page {CHAIN_PAGES}")
    fj, sh = _cells("fj_putian_ptcg_2022"), _cells("sh_govoffice_2019")
    r_new, _ = _generated(name, 2022, "2021", fj, 71, "2023-01-18")
    r_old, _ = _generated(name, 2019, "2019", sh, 72, "2020-01-18")
    page = lambda title, body: _chrome(title, body, site=name)  # noqa: E731
    for n in range(1, CHAIN_PAGES + 1):
        items = [_li(f"/xxgk/nb/n{n}_{i}.html", f"{name}关于第{n}批第{i}项政务信息的说明", f"2022-{n:02d}-01")
                 for i in range(2)]
        if n == 1:
            items.insert(0, _li("/xxgk/nb/2023/r2022.html", f"{name}2022年政府信息公开工作年度报告", "2023-01-18"))
        if n == CHAIN_PAGES:
            items.append(_li("/xxgk/nb/2020/r2019.html", f"{name}2019年政府信息公开工作年度报告", "2020-01-18"))
        pager = "" if n == 1 else f"<a href='list_{n - 1}.html'>上一页</a> "
        pager += f"<a href='list_{n + 1}.html'>下一页</a>" if n < CHAIN_PAGES else ""
        s.add(f"/xxgk/nb/list_{n}.html", page("政府信息公开年报", f"<ul>{''.join(items)}</ul><div class='pg'>{pager}</div>"))
        for i in range(2):
            s.add(f"/xxgk/nb/n{n}_{i}.html", page("说明", "<p>略。</p>"))
    s.add("/xxgk/nb/2023/r2022.html", page(f"{name}2022年政府信息公开工作年度报告", r_new))
    s.add("/xxgk/nb/2020/r2019.html", page(f"{name}2019年政府信息公开工作年度报告", r_old))
    s.add("/index.html", page(name, "<a href='/xxgk/index.html'>政府信息公开</a>"))
    s.add("/xxgk/index.html", page("政府信息公开", "<a href='/xxgk/nb/list_1.html'>政府信息公开年报</a>"))
    s.add("/zwgk/", page("政务公开", "<a href='/xxgk/index.html'>政府信息公开</a>"))
    s.home = "/index.html"
    col = "/xxgk/nb/list_1.html"
    s.reports = [{"path": "/xxgk/nb/2023/r2022.html", "agency": name, "year": 2022, "parse_status": "ok", "column": col},
                 {"path": "/xxgk/nb/2020/r2019.html", "agency": name, "year": 2019, "parse_status": "ok", "column": col}]
    return s


def _with_homes(sites: list[Site]) -> list[Site]:
    """Home pages for the column-started sites (a crawl from the home page walks down to the
    column), and each expected report's column."""
    for s in sites:
        if s.id in ("demo_trs", "demo_hanweb") and "/" not in s.pages:
            site = "演示县人民政府" if s.id == "demo_hanweb" else "演示市人民政府门户网站"
            s.add("/", _chrome(site, f"<p>欢迎访问</p><a href='{s.start_path}'>政府信息公开年报</a>", site=site))
            s.add("/zwgk/", _chrome("政务公开", f"<a href='{s.start_path}'>政府信息公开年报</a>", site=site))
            s.home = "/"
        elif s.id == "demo_js" and "/" not in s.pages:
            s.add("/", "<!DOCTYPE html><html><head><meta charset='utf-8'><title>演示区人民政府</title></head><body>"
                       "<a href='/xxgk/'>政府信息公开</a></body></html>")
            s.add("/xxgk/", "<!DOCTYPE html><html><head><meta charset='utf-8'><title>政府信息公开</title></head><body>"
                            f"<a href='{s.start_path}'>政府信息公开年报</a></body></html>")
            s.home = "/"
        elif s.id == "demo_gbk":
            s.home = s.start_path
            for r in s.reports:
                r.setdefault("column", "/zwgk/xxgk/nb/list_1.html")
        elif not hasattr(s, "home"):
            s.home = s.start_path
        for r in s.reports:
            r.setdefault("column", s.start_path)
    return sites


def demo_sites() -> list[Site]:
    return _with_homes([trs_site(), hanweb_site(), js_site(), gbk_site(), jsapi_site(), dept_site(), chain_site(),
                        broken_site(), down_site()])


def discovery_sites() -> list[Site]:
    """The demo portals and, when demo/variants.py exists, its CMS variants."""
    sites = demo_sites()
    try:
        from .variants import variant_sites
    except ImportError:
        return sites
    return sites + _with_homes(list(variant_sites()))
