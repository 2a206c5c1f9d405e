"""The web UI in a real headless Chromium (Playwright), against `zfxxgk serve` on 127.0.0.1.

Home page, a Chinese search from Datasette's own search box, a report's row page, its archived
copy (sandboxed: the archived page's scripts must not run), and the charts. Screenshots go to
test-artifacts/browser/ for a person to look at.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

from zfxxgk.scraper.settings import _chromium_launch_options
from tests.conftest import ROOT

from .conftest import build_archive

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = ROOT / "test-artifacts" / "browser"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The sample archive published (a checked copy with its CSV exports), served as the nightly
    cycle serves it: `zfxxgk serve --immutable`."""
    from zfxxgk.publish import publish

    base_dir = tmp_path_factory.mktemp("browser")
    archive = build_archive(base_dir)
    published = base_dir / "published" / "zfxxgk.db"
    publish(archive["db"], published)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "zfxxgk.cli", "serve", "--db", str(published), "--immutable",
                             "--archive", str(archive["archive"]), "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("zfxxgk serve did not start")
            time.sleep(0.3)
    yield base, archive
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def page():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(**_chromium_launch_options())
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        yield context.new_page()
        browser.close()


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
