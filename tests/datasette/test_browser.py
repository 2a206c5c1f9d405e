"""The web UI in a real headless Chromium (Playwright), against `zfxxgk serve` on 127.0.0.1.

Home page, a Chinese search from Datasette's own search box, a report's row page, its archived
copy (sandboxed: the archived page's scripts must not run), and the charts. Screenshots go to
test-artifacts/browser/ for a person to look at.
"""

from __future__ import annotations

import pytest

from .conftest import BROWSER_ARTIFACTS as ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]



def test_home_search_report_archive_and_charts(served, page):
    base, archive = served
    page.goto(base + "/")
    assert "政府信息公开工作年度报告档案" in page.content()
    page.screenshot(path=ARTIFACTS / "1-home.png", full_page=True)

    # a two-character Chinese search from Datasette's own search box
    page.goto(base + "/zfxxgk/report_overview")
    page.fill("input[name=_search]", "莆田")
    page.press("input[name=_search]", "Enter")
    page.wait_for_load_state("networkidle")
    assert "_search=" in page.url
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == 3  # 莆田 2021, and both versions of 2022
    assert "莆田市城市管理局" in rows.first.inner_text()
    page.screenshot(path=ARTIFACTS / "2-search.png", full_page=True)

    # a report's row page, then its archived copy
    rid = archive["ids"]["fj21"]
    page.goto(f"{base}/zfxxgk/reports/{rid}")
    assert "莆田市城市管理局" in page.content()
    page.screenshot(path=ARTIFACTS / "3-report.png", full_page=True)
    with page.expect_navigation():
        page.click("text=archived copy")
    assert "/-/archive/" in page.url
    assert "莆田市城市管理局" in page.content()
    page.screenshot(path=ARTIFACTS / "4-archived-copy.png", full_page=True)

    # an archived page's script does not run, even opened directly
    page.goto(f"{base}/-/archive/{archive['evil_sha']}")
    page.wait_for_timeout(300)
    assert page.title() != "pwned"
    assert page.evaluate("() => { try { return document.cookie, 'same-origin'; } catch (e) { return 'sandboxed'; } }") \
        == "sandboxed"

    # charts: vega-lite renders into the dashboard
    page.goto(base + "/-/dashboards/overview")
    page.wait_for_selector("#card-applications-by-year .vega-embed svg, #card-applications-by-year .vega-embed canvas",
                           timeout=30_000)
    page.wait_for_selector("#card-outcome-shares .vega-embed svg, #card-outcome-shares .vega-embed canvas")
    page.screenshot(path=ARTIFACTS / "5-charts.png", full_page=True)
