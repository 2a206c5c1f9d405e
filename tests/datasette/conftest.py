"""A small real archive built from the samples, stored the way the crawl stores reports.

Reports: 上海 2019, 驻马店 2020, 莆田 2022 (published, then re-published with a section-四
total that does not add up), and a 莆田 2021 made from the 2022 page whose 结转下年度 (2)
does not match 2022's 上年结转 (0). Crawl runs give one portal three failed nights in a row.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import lxml.html
import pytest
from lxml import etree
from zfxxgk.archive import BlobStore
from zfxxgk.pipelines.db import ensure_portals, ensure_schema, open_db, transaction
from zfxxgk.pipelines.parser import parse_document, sniff
from zfxxgk.pipelines.store import (
    content_hash,
    record_document,
    refresh_search,
    save_report,
)

from tests.conftest import ROOT, free_port, sample_bytes

FJ_URL = "http://www.putian.gov.cn/zfxxgk/bmzfxxgk/ptcg/zfxxgk/zfxxgknb/202301/t20230113_1794760.htm"
FJ21_URL = "http://www.putian.gov.cn/zfxxgk/bmzfxxgk/ptcg/zfxxgk/zfxxgknb/202201/t20220120_1697903.htm"
SH_URL = "https://www.shanghai.gov.cn/nw12344/20200131/0001-12344_62669.html"
ZMD_URL = "http://www.zhumadian.gov.cn/html/site_gov/articles/202103/126165.html"
PDF_URL = "http://www.putian.gov.cn/zfxxgk/bmzfxxgk/ptcg/zfxxgk/zfxxgknb/202301/P020230113577394383487.pdf"


def edit_cell(page: bytes, row_label: str | None, col: int, value: str, table_has: str = "自然人") -> bytes:
    """Change one printed value: the col-th cell of the row whose first cell has row_label
    (row_label None: the last row of the table containing `table_has`)."""
    tree = lxml.html.document_fromstring(page.decode("utf-8"))
    table = next(t for t in tree.iter("table") if table_has in t.text_content())
    rows = list(table.iter("tr"))
    row = rows[-1] if row_label is None else next(r for r in rows if row_label in r.text_content())
    cells = [td for td in row if td.tag == "td"]
    target = cells[col]
    for p in target.iter("p"):
        p.text = value
    return etree.tostring(tree, encoding="unicode", method="html").encode("utf-8")


def _store(db, blobs, *, portal, url, body, run_id, seen_at, content_type="text/html"):
    sha, _ = blobs.put(body)
    record_document(db, sha256=sha, body=body, url=url, content_type=content_type,
                    fmt=sniff(body, url, content_type), seen_at=seen_at)
    report = parse_document(body, url=url, content_type=content_type)
    with transaction(db):
        return save_report(db, portal_id=portal, url=url, link_title=report.title, document_sha256=sha,
                           report=report, run_id=run_id, seen_at=seen_at, chash=content_hash(report, sha))


def build_archive(base: Path) -> dict:
    db_path, archive = base / "zfxxgk.db", base / "archive"
    db = open_db(db_path)
    ensure_schema(db)
    blobs = BlobStore(archive)
    ensure_portals(db, [
        {"id": "fj_putian", "name": "莆田市人民政府", "level": "city", "region_code": "350300", "province": "福建省",
         "start_url": "http://www.putian.gov.cn/zfxxgk/zfxxgkndbg/", "render": "auto", "url_status": "unverified"},
        {"id": "shanghai", "name": "上海市人民政府", "level": "province", "region_code": "310000", "province": "上海市",
         "start_url": "https://www.shanghai.gov.cn/nw12344/", "render": "auto", "url_status": "unverified"},
        {"id": "zhumadian", "name": "驻马店市人民政府", "level": "city", "region_code": "411700", "province": "河南省",
         "start_url": "http://www.zhumadian.gov.cn/", "render": "auto", "url_status": "unverified"},
    ], "2026-01-01T00:00:00Z")
    for i in range(1, 5):
        db["crawl_runs"].insert({"id": i, "started_at": f"2026-01-0{i}T02:00:00Z", "finished_at": f"2026-01-0{i}T02:10:00Z",
                                 "status": "ok" if i == 1 else "partial", "trigger": "scheduler"})
        for portal, status, found in (("fj_putian", "ok", 2), ("zhumadian", "ok", 1),
                                      ("shanghai", "ok" if i == 1 else "failed", 1 if i == 1 else 0)):
            db["portal_runs"].insert({"run_id": i, "portal_id": portal, "status": status, "pages": 3,
                                      "reports_found": found, "errors": 0 if status == "ok" else 1,
                                      "error_sample": None if status == "ok" else "HTTP 503 https://www.shanghai.gov.cn/nw12344/"})

    fj = sample_bytes("fj_putian_ptcg_2022.html")
    fj21 = fj.replace("2022年度政府信息公开工作年度报告".encode(), "2021年度政府信息公开工作年度报告".encode())
    fj21 = edit_cell(fj21, "一、本年新收", 1, "10")
    fj21 = edit_cell(fj21, "一、本年新收", 7, "10")
    fj21 = edit_cell(fj21, "四、结转下年度", 1, "2")
    fj21 = edit_cell(fj21, "四、结转下年度", 7, "2")
    fj_v2 = edit_cell(fj, None, 4, "3", table_has="行政复议")  # 复议 总计 3 beside 0+0+0+0

    saved = {
        "sh": _store(db, blobs, portal="shanghai", url=SH_URL, body=sample_bytes("sh_govoffice_2019.html"), run_id=1,
                     seen_at="2026-01-01T02:01:00Z"),
        "zmd": _store(db, blobs, portal="zhumadian", url=ZMD_URL, body=sample_bytes("zhumadian_2020.txt"), run_id=1,
                      seen_at="2026-01-01T02:02:00Z", content_type="text/plain; charset=utf-8"),
        "fj21": _store(db, blobs, portal="fj_putian", url=FJ21_URL, body=fj21, run_id=1, seen_at="2026-01-01T02:03:00Z"),
        "fj": _store(db, blobs, portal="fj_putian", url=FJ_URL, body=fj, run_id=1, seen_at="2026-01-01T02:04:00Z"),
        "fj_v2": _store(db, blobs, portal="fj_putian", url=FJ_URL, body=fj_v2, run_id=3, seen_at="2026-01-03T02:04:00Z"),
    }
    pdf = sample_bytes("js_hongze_2023.pdf")
    sha, _ = blobs.put(pdf)
    db["documents"].insert({"sha256": sha, "size": len(pdf), "format": "pdf", "content_type": "application/pdf",
                            "first_seen_at": "2026-01-01T02:05:00Z", "first_url": PDF_URL})
    db["attachments"].insert({"report_id": saved["fj"].report_id, "url": PDF_URL, "link_text": "年报.pdf",
                              "sha256": sha, "format": "pdf", "size": len(pdf), "parse_status": "unsupported_format", "parse_reason": "pdf documents are archived but not parsed yet (0 cells)"})
    # a page whose own scripts must never run on our origin
    evil = b"<html><body><p>x</p><script>document.title='pwned'</script></body></html>"
    evil_sha, _ = blobs.put(evil)
    db["documents"].insert({"sha256": evil_sha, "size": len(evil), "format": "html", "content_type": "text/html"})
    refresh_search(db)
    return {"db": db_path, "archive": archive, "ids": {k: v.report_id for k, v in saved.items()},
            "pdf_sha": sha, "evil_sha": evil_sha}


def make_datasette(archive: dict, immutable: Path | None = None, **settings):
    """Datasette configured as `zfxxgk serve` configures it (metadata, plugins, templates,
    SETTINGS, with `settings` on top), over a built archive; over a published copy of it
    instead, served immutable as `zfxxgk serve --immutable` does, if `immutable` is its path."""
    import os

    import yaml
    from datasette.app import Datasette

    from zfxxgk.serve import CONFIG_DIR, SETTINGS

    os.environ["ZFXXGK_ARCHIVE"] = str(archive["archive"])
    metadata = yaml.safe_load((CONFIG_DIR / "metadata.yml").read_text(encoding="utf-8"))
    merged = {k: (v if k not in ("suggest_facets", "allow_download") else v == "on") for k, v in SETTINGS.items()}
    files = {"immutables": [str(immutable)]} if immutable else {}
    return Datasette([] if immutable else [str(archive["db"])], **files, metadata=metadata,
                     plugins_dir=str(CONFIG_DIR / "plugins"),
                     template_dir=str(CONFIG_DIR / "templates"), settings={**merged, **settings},
                     static_mounts=[("assets", str(CONFIG_DIR / "static"))])


@pytest.fixture(scope="session")
def sample_archive(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("datasette"))


@pytest.fixture
def metadata():
    import yaml

    from zfxxgk.serve import CONFIG_DIR

    return yaml.safe_load((CONFIG_DIR / "metadata.yml").read_text(encoding="utf-8"))


def rows_of(payload) -> list[dict]:
    return payload if isinstance(payload, list) else json.loads(payload)


@pytest.fixture(scope="module")
def ds(sample_archive):
    """Datasette over the sample archive, configured as `zfxxgk serve` configures it."""
    return make_datasette(sample_archive)


# -- the web UI in a real Chromium (test_browser.py, test_researcher_tasks.py) ---------------------

BROWSER_ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The sample archive published (a checked copy with its CSV exports), served as the nightly
    cycle serves it: `zfxxgk serve --immutable`."""
    from zfxxgk.publish import publish

    base_dir = tmp_path_factory.mktemp("browser")
    archive = build_archive(base_dir)
    published = base_dir / "published" / "zfxxgk.db"
    publish(archive["db"], published)
    port = free_port()
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
    BROWSER_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright
    from zfxxgk.scraper.settings import _chromium_launch_options

    with sync_playwright() as p:
        browser = p.chromium.launch(**_chromium_launch_options())
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        yield context.new_page()
        browser.close()
