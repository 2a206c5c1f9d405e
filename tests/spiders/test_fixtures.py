"""Spider callbacks on saved pages, one folder per CMS family (City Scrapers / juriscraper style).

Each fixture is the page's bytes as served (`.body`, GBK ones included) and its URL and
Content-Type (`.meta.json`). What the spider makes of it - the requests it issues and the
items it yields - is compared with `.expected.json` beside it. A fixture without an expected
file gets one written from the current output and the test fails until someone has read it
and committed it: golden files are reviewed, never trusted blindly.

A folder is one portal (PORTALS: its id, start URL and registry `cms`). Besides the demo
families' folders there are the variants real deployments differ by (trs_*, hanweb_*,
jsonapi_*, ucap_*: see each `.meta.json` note, REAL ones are bytes as published), and the fixtures of
per-portal overrides, kept beside them in scraper/spiders/overrides/fixtures/<portal_id>/.
A `.meta.json` may give the request that fetched the page: `method`, `body` and
`request_meta` (e.g. a dataproxy POST's group, a JSON API's flag).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from scrapy.http import Request
from scrapy.responsetypes import responsetypes

from zfxxgk.pipelines.ingest import REJECTED, ingest
from zfxxgk.scraper.items import CandidateItem
from tests.conftest import saved_page_spider

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OVERRIDE_FIXTURES = Path(__file__).resolve().parents[2] / "scraper" / "spiders" / "overrides" / "fixtures"
CASES = sorted(p.with_suffix("") for root in (FIXTURES, OVERRIDE_FIXTURES) for p in root.rglob("*.body"))
PORTALS = {  # fixture folder: (portal id, start URL, registry cms)
    "trs": ("demo_trs", "http://www.demo-trs.gov.cn/zwgk/zfxxgknb/index.htm", ""),
    "hanweb": ("demo_hanweb", "http://www.demo-hanweb.gov.cn/col/col1229/index.html", ""),
    "js": ("demo_js", "http://www.demo-js.gov.cn/xxgk/ndbg/index.html", ""),
    "gbk": ("demo_gbk", "http://www.demo-gbk.gov.cn/index.html", ""),
    "trs_ordos": ("nm_ordos_egb", "http://egb.ordos.gov.cn/xxgk/xxgknb/index.html", ""),
    "trs_vars": ("v_trs_vars", "http://www.demo-county.gov.cn/zwgk/zfxxgknb/index.shtml", ""),
    "trs_container": ("v_trs_container", "https://www.demo-city.gov.cn/xxgk/ndbg/index.html", ""),
    "hanweb_initdata": ("v_hanweb_initdata", "http://www.demo-nt.gov.cn/col/col30067/index.html", ""),
    "hanweb_paramvar": ("v_hanweb_param", "https://www.demo-ministry.gov.cn/col/col104/index.html", ""),
    "hanweb_bare": ("v_hanweb_bare", "http://www.demo-district.gov.cn/zwgk/xxgknb/index.html", ""),
    "hanweb_forced": ("v_hanweb_forced", "http://www.demo-town.gov.cn/col/col2001/index.html", "hanweb"),
    "jsonapi_sanming": ("fj_sanming_api", "https://www.sm.gov.cn/smsrmzfbgs/smsrmzf/zfxxgkndbg/index.htm", ""),
    "jsonapi_script": ("v_jsonapi_script", "https://www.demo-fj.gov.cn/zwgk/xxgk/zfxxgkndbg/index.htm", ""),
    "jsonapi_dataurl": ("v_jsonapi_dataurl", "http://www.demo-api.gov.cn/xxgk/ndbg/index.html", ""),
    "jsonapi_post": ("v_jsonapi_post", "https://rsj.demo-sd.gov.cn/zwgk/ndbg/index.html", ""),
    "dept_platform": ("v_dept_platform", "http://zfxxgk.demo-hd.gov.cn/", ""),
    "ucap_static": ("v_ucap_static", "http://kjj.demo-sq.gov.cn/sqkjj/gknb/xxgk_list.shtml", "ucap"),
    "ucap_iframe": ("v_ucap_iframe", "http://www.demo-qu.gov.cn/xxgk/gknb/index.shtml", ""),
    "ucap_search": ("v_ucap_search", "https://wjw.demo-js.gov.cn/wjw/c100212/common_list.shtml", ""),
    "query_pager": ("v_query_pager", "http://www.demo-xy.gov.cn/info/iList.jsp?site_id=CMSdemo&cat_id=22333", ""),
    "dept_select": ("v_dept_select", "http://www.demo-yz.gov.cn/", ""),
    # overrides/fixtures/<portal_id>/: the portal whose override it is
    "fj_sanming": ("fj_sanming", "https://www.sm.gov.cn/smsrmzfbgs/smsrmzf/zfxxgkndbg/index.htm", ""),
}
# folders saved by `zfxxgk probe` say which portal they are in a portal.json of their own
PORTALS.update({d.name: (info["id"], info["start_url"], info.get("cms", "")) for d in FIXTURES.iterdir()
                if (d / "portal.json").is_file() for info in [json.loads((d / "portal.json").read_text("utf-8"))]})


@pytest.fixture(scope="module")
def spider(tmp_path_factory):
    return saved_page_spider(tmp_path_factory.mktemp("spider"), PORTALS)


def _response(case: Path, meta: dict):
    info = json.loads(case.with_suffix(".meta.json").read_text(encoding="utf-8"))
    body = case.with_suffix(".body").read_bytes()
    headers = {"Content-Type": info["content_type"]}
    cls = responsetypes.from_args(headers=headers, url=info["url"], body=body)
    flags = ["playwright"] if case.name.endswith("_rendered") else []
    request = Request(info["url"], meta={**meta, **info.get("request_meta", {})}, method=info.get("method", "GET"),
                      body=info.get("body"))
    return cls(url=info["url"], body=body, headers=headers, flags=flags, request=request)


def _describe(output) -> list:
    out = []
    for x in output:
        if isinstance(x, Request):
            out.append({"request": x.url, "method": x.method, "callback": x.callback.__name__,
                        "kind": x.meta.get("kind"), "render": bool(x.meta.get("playwright")),
                        **({"form": x.body.decode()} if x.method == "POST" else {}),
                        **({"link_title": x.meta["link_title"]} if "link_title" in x.meta else {})})
        elif isinstance(x, CandidateItem):
            outcome = ingest(x.candidate)  # what the item pipeline makes of it
            if outcome.verdict == REJECTED:
                out.append({"RejectedItem": x.candidate.url, "reason": outcome.reason})
            else:
                out.append({"report": x.candidate.url, "agency": outcome.agency, "year": outcome.year,
                            "parse_status": outcome.parse_status, "cells": outcome.cells})
    return out


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_spider_on_saved_page(spider, case):
    family = case.parent.name
    portal_id = PORTALS[family][0]
    is_report = case.name.startswith(("report", "decoy"))
    meta = {"portal": portal_id, "kind": "report" if is_report else "listing", "nav_depth": 0,
            "link_title": "2021年度政府信息公开工作年度报告" if is_report else None}
    spider.report_urls.clear()
    spider.listing_pages.clear()
    spider.nav_pages.clear()
    response = _response(case, meta)
    if is_report:
        # the attachments the callback would fetch, then the candidate it yields (without them:
        # the end-to-end crawl tests fetch them for real)
        requests = spider.attachment_requests(spider.portal(response), response)
        spider.attachment_requests = lambda portal, response: []
        try:
            async def collect():
                return [x async for x in spider.parse_report(response)]

            got = _describe(asyncio.run(collect())) + _describe(requests)
        finally:
            del spider.attachment_requests
    else:
        got = _describe(spider.parse_page(response))
    expected_path = case.with_suffix(".expected.json")
    if not expected_path.exists():
        expected_path.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        pytest.fail(f"wrote {expected_path.name}: review it, then commit it")
    assert got == json.loads(expected_path.read_text(encoding="utf-8"))
