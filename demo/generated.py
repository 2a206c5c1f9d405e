"""A generated network of many portals for the crawl benchmark.

Each portal is one of the static families (TRS paging, Hanweb datastore + dataproxy, plain
下一页 paging), lists its own reports (years 2008-2024 of the government and some of its
departments, generated from the real samples) ten to a page with a few decoys, and has
robots.txt, ETags and Last-Modified like the demo portals. JavaScript-built listings are left
out: a browser would measure Chromium, not the pipeline.
"""

from __future__ import annotations

import html
import json
import random
import zlib
from pathlib import Path

from .reports import report_body, vary
from .server import Page, Site

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "samples"
DEPARTMENTS = ["人民政府", "人民政府办公室", "发展和改革局", "教育局", "财政局", "自然资源局", "生态环境局",
               "住房和城乡建设局", "交通运输局", "卫生健康委员会", "市场监督管理局", "应急管理局"]
DECOYS = ["关于做好{y}年度政府信息公开工作年度报告编制发布工作的通知", "{n}政府信息公开指南",
          "{n}{y}年度法治政府建设年度报告", "{y}年{n}国民经济和社会发展统计公报"]
PER_PAGE = 10


def _cells(stem):
    return json.loads((SAMPLES / f"{stem}.expected.json").read_text(encoding="utf-8"))["cells"]


def _page(title: str, body: str) -> bytes:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><div class='nav'><a href='/'>首页</a></div><div id='zoom'>{body}</div>"
            f"<div class='footer'>版权所有</div></body></html>").encode("utf-8")


def generated_sites(n: int, reports_per_portal: int = 20, seed: int = 2026) -> list[Site]:
    rnd = random.Random(seed)
    base = {"2019": _cells("sh_govoffice_2019"), "2021": _cells("fj_putian_ptcg_2022")}
    bodies: dict[tuple, str] = {}  # a pool of report bodies, reused with other names and years
    sites = []
    for i in range(n):
        family = ("trs", "hanweb", "plain")[i % 3]
        code = f"{rnd.choice([11, 13, 32, 33, 35, 41, 44, 51, 61])}{rnd.randint(1, 17):02d}{rnd.randint(1, 30):02d}"
        county = f"生成{i:03d}县"
        site = Site(f"gen_{i:03d}", f"{county}人民政府", "county", code, "", cms=family if family != "plain" else "",
                    notes=f"generated ({family})")
        items = []
        for k in range(reports_per_portal):
            year = 2024 - k % 17
            dept = DEPARTMENTS[(k // 17 + i) % len(DEPARTMENTS)] if k >= 17 else "人民政府"
            tpl = "2021" if year >= 2021 else "2019"
            key = (tpl, (i + k) % 8)
            if key not in bodies:
                bodies[key] = json.dumps(vary(base[tpl], tpl, seed=zlib.crc32(repr(key).encode())), ensure_ascii=False)
            agency = f"{county}{dept}"
            body = report_body(agency, year, tpl, json.loads(bodies[key]), published=f"{year + 1}-01-20")
            path = f"/art/{year + 1}/1/20/art_{i}_{k}.html"
            site.add(path, _page(f"{agency}{year}年政府信息公开工作年度报告", body))
            items.append((path, f"{agency}{year}年政府信息公开工作年度报告"))
            site.reports.append({"path": path, "agency": agency, "year": year})
        for d, pattern in enumerate(DECOYS):
            path = f"/art/decoy/{d}.html"
            title = pattern.format(y=2022, n=county)
            site.add(path, _page(title, "<p>各单位：请做好相关工作。</p>"))
            items.insert(2 + d * 3, (path, title))
            site.decoys.append(path)
        _listing(site, family, items)
        sites.append(site)
    return sites


def _li(path: str, title: str) -> str:
    return f"<li><a href='{path}' title='{html.escape(title)}'>{html.escape(title)}</a></li>"


def _listing(site: Site, family: str, items: list[tuple[str, str]]) -> None:
    pages = [items[j:j + PER_PAGE] for j in range(0, len(items), PER_PAGE)]
    if family == "trs":
        col = "/zwgk/zfxxgknb/"
        site.start_path = col + "index.htm"
        for p, chunk in enumerate(pages):
            name = "index.htm" if p == 0 else f"index_{p}.htm"
            site.add(col + name, _page("年报", "<ul>" + "".join(_li(a, t) for a, t in chunk) + "</ul>"
                                       f"<script>createPageHTML({len(pages)}, {p}, \"index\", \"htm\");</script>"))
    elif family == "plain":
        site.start_path = "/xxgk/nb/list_1.html"
        for p, chunk in enumerate(pages, start=1):
            nxt = f"<a href='/xxgk/nb/list_{p + 1}.html'>下一页</a>" if p < len(pages) else ""
            site.add(f"/xxgk/nb/list_{p}.html", _page("年报", "<ul>" + "".join(_li(a, t) for a, t in chunk) + "</ul>" + nxt))
    else:
        site.start_path = "/col/col1229/index.html"
        perpage, first = PER_PAGE // 3 or 1, 3 * (PER_PAGE // 3 or 1)

        def records(lo, hi):
            return "".join(f"<record><![CDATA[{_li(a, t)}]]></record>" for a, t in items[lo:hi])

        params = "appid=1&webid=1&path=/&columnid=1229&unitid=77&webname=gen&permissiontype=0"
        store = (f"<datastore><nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=1&{params}\"></a>]]>"
                 f"</nextgroup><recordset>{records(0, first)}</recordset><totalrecord>{len(items)}</totalrecord></datastore>")
        site.add("/col/col1229/index.html", _page("年报", f"<div id='77'><script type='text/xml'>{store}</script></div>"
                                                       f"<script>var cfg = {{perpage:{perpage}}};</script>"))

        def proxy(query, form):
            lo, hi = int(query.get("startrecord", 1)) - 1, int(query.get("endrecord", 1))
            xml = f"<datastore><recordset>{records(lo, hi)}</recordset><totalrecord>{len(items)}</totalrecord></datastore>"
            return Page(xml.encode("utf-8"), "text/xml; charset=utf-8")

        site.post["/module/web/jpage/dataproxy.jsp"] = proxy


def publish_on_list_api(site: Site, path: str, title: str, body: str, date: str, prefix: str = "/api/nb/list_") -> None:
    """A report published on a listing filled from a paged JSON API (demo_jsapi's `prefix`N.json,
    records under data as link / name / date), as its CMS does it: the new record heads page 1 and
    every other one moves down a place; the static column page does not change. The API keeps its
    page count (the caller leaves room on the last page)."""
    site.add(path, body)
    pages = sorted((p for p in site.pages if p.startswith(prefix)), key=lambda p: int(p[len(prefix):].split(".")[0]))
    answers = [json.loads(site.pages[p].body) for p in pages]
    records = [{"link": path, "name": title, "date": date}] + [r for a in answers for r in a["data"]]
    per = len(answers[0]["data"])
    if len(records) > per * len(pages):
        raise ValueError(f"{site.id}: no room for another record on {len(pages)} API pages of {per}")
    for n, page in enumerate(pages):
        answer = {**answers[n], "totalRecord": len(records), "data": records[n * per:(n + 1) * per]}
        site.pages[page] = Page(json.dumps(answer, ensure_ascii=False).encode("utf-8"), site.pages[page].content_type)
