"""Six things a researcher comes to do, each from the home page in a few clicks, in a real
Chromium against `zfxxgk serve`; screenshots in test-artifacts/browser/tasks-*.png."""

from __future__ import annotations

import gzip
import re
import sqlite3

import pytest

from tests.conftest import expected_cells

from .conftest import BROWSER_ARTIFACTS as ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _shot(page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"tasks-{name}.png", full_page=True)


def test_1_a_body_s_applications_and_how_many_were_granted(served, page):
    base, _ = served
    page.goto(base + "/")
    page.click("text=报告概览")
    page.fill("input[name=_search]", "驻马店")
    page.press("input[name=_search]", "Enter")
    page.wait_for_load_state("networkidle")
    header = [(h.inner_text().split() or [""])[0] for h in page.locator("table.rows-and-columns thead th").all()]
    row = [c.inner_text().strip() for c in page.locator("table.rows-and-columns tbody tr").first.locator("td").all()]
    got = dict(zip(header, row))
    cells = expected_cells("zhumadian_2020")
    assert got["报告主体"] == "驻马店市人民政府" and got["年度"] == "2020"
    assert got["本年新收申请"] == str(cells["applications.total.new_received"]) == "372"
    assert got["予以公开"] == str(cells["applications.total.results.granted"])
    _shot(page, "1-applications")


def test_2_reports_whose_numbers_do_not_add_up_and_why(served, page):
    base, archive = served
    page.goto(base + "/")
    page.click("text=数字不相符的报告")
    page.wait_for_load_state("networkidle")
    assert "行政复议：总计 = 各项结果之和" in page.content()
    _shot(page, "2-violations")
    page.click(f'a[href="/-/report/{archive["ids"]["fj_v2"]}"]')
    page.wait_for_load_state("networkidle")
    text = page.inner_text("body")
    assert "勾稽关系不符" in text and "左边 · left side 3" in text and "右边 · right side 0" in text
    assert page.locator("td.violation").count() >= 2  # the cells involved, highlighted
    _shot(page, "2-report-with-violation")


def test_3_one_body_across_the_years(served, page):
    base, archive = served
    page.goto(f"{base}/-/report/{archive['ids']['fj_v2']}")
    page.click("h2:has-text('同一主体其他年度') + ul a:text-is('2021')")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/-/report/{archive['ids']['fj21']}")
    assert "莆田市城市管理局" in page.inner_text("h1") + page.inner_text("main, .content, body")
    _shot(page, "3-other-year")


def test_4_download_every_cell(served, page, tmp_path):
    base, archive = served
    page.goto(base + "/")
    with page.expect_download() as download:
        page.click("text=cells.csv.gz")
    path = tmp_path / "cells.csv.gz"
    download.value.save_as(path)
    lines = gzip.decompress(path.read_bytes()).decode("utf-8-sig").strip().splitlines()
    conn = sqlite3.connect(archive["db"])
    assert len(lines) - 1 == conn.execute("SELECT count(*) FROM cells_long WHERE is_latest = 1").fetchone()[0]


def test_5_from_a_number_to_the_original(served, page):
    base, archive = served
    page.goto(f"{base}/-/report/{archive['ids']['sh']}")
    number = page.locator("td.number a").first
    printed, title = number.inner_text(), number.get_attribute("title")
    assert re.search(r"位置 · at t\d+ r\d+ c\d+", title)
    number.click()
    page.wait_for_load_state("networkidle")
    assert "/-/archive/" in page.url and printed in page.content()  # the archived original holds it
    _shot(page, "5-original")


def test_6_which_portals_failed(served, page):
    base, _ = served
    page.goto(base + "/")
    page.click("text=门户抓取健康")
    page.wait_for_load_state("networkidle")
    first = page.locator("table.rows-and-columns tbody tr").first.inner_text()
    assert "shanghai" in first and "503" in first
    _shot(page, "6-portal-health")


def test_7_a_body_s_outcomes_picked_from_the_list_of_bodies(served, page):
    base, _ = served
    page.goto(base + "/zfxxgk")
    page.click("text=某机关历年办理结果")
    page.wait_for_load_state("networkidle")
    # the empty form: what to enter, the bodies to choose from, no "0 results"
    assert "请在上面选择或填写" in page.inner_text("p.form-hint")
    assert page.locator("text=0 results").count() == 0
    listed = page.locator("#qp1-choices option[value='驻马店市人民政府']")
    assert listed.count() == 1 and listed.get_attribute("label") == "2020"
    _shot(page, "7-bodies")
    page.click("td.col-agency a:text-is('驻马店市人民政府')")
    page.wait_for_load_state("networkidle")
    assert page.input_value("#qp1") == "驻马店市人民政府"
    header = [h.inner_text().strip() for h in page.locator("table.rows-and-columns thead th").all()]
    rows = page.locator("table.rows-and-columns tbody tr").all()
    assert len(rows) == 1
    got = dict(zip(header, [c.inner_text().strip() for c in rows[0].locator("td").all()]))
    cells = expected_cells("zhumadian_2020")
    assert got["year"] == "2020"
    assert got["results_total"] == str(cells["applications.total.results.total"]) == "374"
    assert got["granted"] == str(cells["applications.total.results.granted"])
    assert got["granted_pct"] == str(round(100 * cells["applications.total.results.granted"] / 374, 1))
    _shot(page, "7-outcomes")
