"""The report page: the three tables as the report prints them, numbers linked to where they
were read, identity violations explained, links to versions, sightings and other years."""

from __future__ import annotations

import re
from urllib.parse import quote

from tests.conftest import expected_cells


async def test_report_page_lays_out_the_three_tables_with_every_number_linked(ds, sample_archive):
    rid = sample_archive["ids"]["sh"]
    page = await ds.client.get(f"/-/report/{rid}")
    assert page.status_code == 200
    html = page.text
    for caption in ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"):
        assert caption in html
    assert "（三）不予公开 1.属于国家秘密" in html and "自然人" in html and "行政复议" in html  # Chinese labels
    numbers = [int(n) for n in re.findall(r'<a href="/-/archive/[0-9a-f]{64}" title="[^"]*">(\d+)</a>', html)]
    expected = [v for v in expected_cells("sh_govoffice_2019").values() if v is not None]
    assert sorted(numbers) == sorted(int(v) for v in expected if float(v).is_integer())
    assert "位置 · at t" in html  # where each number was read
    assert f'href="/-/report/{rid}">版本 · version 1</a>' in html


async def test_identity_violations_are_highlighted_and_explained_with_both_sides(ds, sample_archive):
    rid = sample_archive["ids"]["fj_v2"]
    html = (await ds.client.get(f"/-/report/{rid}")).text
    assert "勾稽关系不符 · Identities that do not hold (1 of" in html
    assert "行政复议：总计 = 各项结果之和 · administrative review: total = its outcomes" in html
    assert "左边 · left side <strong>3</strong>" in html and "右边 · right side <strong>0</strong>" in html
    assert html.count('class="number violation"') >= 2  # the cells of that identity
    other_years = re.findall(r'<a href="/-/report/(\d+)">(\d{4})</a>', html)
    assert ("2021" in {y for _, y in other_years})  # the same body's 2021 report


async def test_report_ids_link_to_the_report_page_everywhere(ds, sample_archive):
    ids = set(sample_archive["ids"].values())
    for path in ("/zfxxgk/report_overview", "/zfxxgk/identity_checks", "/zfxxgk/report_cells",
                 "/zfxxgk/identity_violations"):  # a view, two tables, a canned query
        html = (await ds.client.get(path)).text
        linked = {int(i) for i in re.findall(r'<a href="/-/report/(\d+)"', html)}
        assert linked and linked <= ids, path
    assert (await ds.client.get("/-/report/999999")).status_code == 404


async def test_every_page_links_the_about_page(ds):
    for path in ("/", "/zfxxgk", "/zfxxgk/report_overview", "/zfxxgk/applications_by_region_year?province="):
        assert '<a href="/about">关于本档案 · About this archive</a>' in (await ds.client.get(path)).text, path


async def test_chinese_labels_are_what_a_reader_sees_first(ds, sample_archive):
    home = (await ds.client.get("/")).text
    first_link = re.search(r'<a href="(/zfxxgk/[^"]+)"', home.split("</h1>", 1)[1]).group(1)
    assert first_link.endswith("报告概览")  # the first link on the home page
    page = await ds.client.get(ds.urls.table("zfxxgk", "报告概览", format="json") + "?_shape=objects")
    rows = page.json()["rows"]
    assert rows and list(rows[0])[:4] == ["报告编号", "报告主体", "年度", "省份"]
    assert {r["报告主体"] for r in rows} >= {"上海市人民政府办公厅", "莆田市城市管理局"}
    html = (await ds.client.get(quote("/zfxxgk/报告概览"), follow_redirects=True)).text  # as the home page links it
    assert re.search(r'<a href="/-/report/\d+"', html)  # ids lead to the report page
    cells = (await ds.client.get(ds.urls.table("zfxxgk", "单元格明细", format="json") + "?_shape=objects&"
                                 + quote("键") + "=applications.total.new_received")).json()
    assert {c["项目"] for c in cells["rows"]} == {"三、依申请公开 一、本年新收政府信息公开申请数量·总计"}
