"""End to end: a real Scrapy crawl over 127.0.0.1 of the demo portal network.

One network, crawled twice (the second run is the nightly re-crawl), then once more after a
report is re-published with changed content. Each test reads what the runs left behind: the
database, the WARC files, the blob store.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import sqlite3
import subprocess
import sys
import urllib.request

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import DemoNetwork, crawl, expected_cells, sample_bytes
from zfxxgk.demo.sites import DOCX_ONLY_REPORT
from zfxxgk.pipelines.parser import parse_document
from tests.conftest import query as q

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("crawl")
    net = DemoNetwork(base / "demo")
    db, archive = base / "zfxxgk.db", base / "archive"
    first = crawl(net, db, archive)
    second = crawl(net, db, archive)
    yield {"net": net, "db": db, "archive": archive, "first": first, "second": second}
    net.stop()


def test_first_crawl_finds_every_report_and_no_decoy(world):
    first = world["first"]
    assert first.returncode == 0, first.stdout + first.stderr
    manifest = world["net"].manifest
    stored = {url: (agency, year, status) for url, agency, year, status in
              q(world["db"], "SELECT s.url, r.agency, r.year, r.parse_status FROM report_sightings s "
                             "JOIN reports r ON r.id = s.report_id")}
    expected = {r["url"]: (r["agency"], r["year"], r["parse_status"]) for r in manifest["reports"]}
    assert stored == expected
    # the same report published on two portals is one report seen twice, counted once
    twice = q(world["db"], "SELECT r.agency, r.year, group_concat(s.portal_id) FROM reports r "
                           "JOIN report_sightings s ON s.report_id = r.id GROUP BY r.id HAVING count(*) > 1")
    assert [(a, y, sorted(p.split(","))) for a, y, p in twice] == [("上海市人民政府办公厅", 2019, ["demo_js", "demo_trs"])]
    assert q(world["db"], "SELECT count(*) FROM report_overview WHERE agency = '上海市人民政府办公厅'")[0][0] == 1
    decoys = {d["url"] for d in manifest["decoys"]}
    assert not decoys & set(stored)
    # the decoy whose title looks like a report was fetched, read, and rejected by its content
    rejected = {u for (u,) in q(world["db"], "SELECT url FROM url_verdicts WHERE verdict = 'rejected'")}
    assert rejected and rejected <= decoys
    # nothing behind robots.txt Disallow was requested
    assert not q(world["db"], "SELECT url FROM fetches WHERE url LIKE '%/private/%'")


def test_real_samples_crawled_from_portals_keep_their_exact_cells(world):
    for r in world["net"].manifest["reports"]:
        if "sample" not in r:
            continue
        (rid,) = q(world["db"], "SELECT report_id FROM report_sightings WHERE url = ?", r["url"])[0]
        cells = dict(q(world["db"], "SELECT key, value FROM report_cells WHERE report_id = ?", rid))
        assert cells == expected_cells(r["sample"]), r["url"]


def test_department_reports_record_their_issuing_body(world):
    rows = q(world["db"], "SELECT r.agency, r.year FROM report_sightings s JOIN reports r ON r.id = s.report_id "
                          "WHERE s.portal_id = 'demo_hanweb' ORDER BY r.agency")
    assert ("演示县教育局", 2022) in rows and ("演示县人民政府", 2022) in rows


def test_broken_portals_fail_alone_and_are_recorded(world):
    status = dict(q(world["db"], "SELECT portal_id, status FROM portal_runs WHERE run_id = 1"))
    assert status["demo_broken"] == "failed" and status["demo_down"] == "failed"
    assert all(status[p] == "ok" for p in ("demo_trs", "demo_hanweb", "demo_js", "demo_gbk"))
    errors = dict(q(world["db"], "SELECT portal_id, error_sample FROM portal_runs WHERE run_id = 1"))
    assert "500" in errors["demo_broken"] and "refused" in errors["demo_down"].lower()
    assert q(world["db"], "SELECT status FROM crawl_runs WHERE id = 1")[0] == ("partial",)
    events = q(world["db"], "SELECT portal_id, kind, reason FROM crawl_events WHERE run_id = 1 "
                            "AND portal_id IN ('demo_broken', 'demo_down')")
    assert sorted((p, k) for p, k, _ in events) == [
        ("demo_broken", "robots"), ("demo_down", "network"), ("demo_down", "robots")]
    assert all("nothing is fetched from this site this run" in r for _, k, r in events if k == "robots")
    # robots.txt answering 5xx was retried with backoff before giving up (1 + RETRY_TIMES
    # requests), then meant "disallow all" (RFC 9309): the listing was never requested
    fetched = dict(q(world["db"], "SELECT kind, count(*) FROM fetches WHERE portal_id = 'demo_broken' "
                                  "AND run_id = 1 GROUP BY kind"))
    assert fetched == {"robots": 4}


def test_every_response_is_in_valid_warc_files(world):
    files = sorted((world["archive"] / "warc").rglob("*.warc.gz"))
    assert files and not list((world["archive"] / "warc").rglob("*.open"))
    for f in files:
        check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(f)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    # every fetch with a response points at a record of that URL
    rows = q(world["db"], "SELECT url, status, warc_file, warc_offset FROM fetches WHERE warc_file IS NOT NULL")
    assert len(rows) > 40
    for url, status, warc_file, offset in rows:
        with open(world["archive"] / warc_file, "rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_headers.get_header("WARC-Target-URI") == url
            if record.rec_type == "response":
                assert record.http_headers.get_statuscode() == str(status)
    types = set()
    for f in files:
        with open(f, "rb") as fh:
            types |= {r.rec_type for r in ArchiveIterator(fh)}
    assert {"warcinfo", "request", "response", "resource", "revisit"} <= types


def test_warc_keeps_bodies_as_sent_and_blobs_as_decoded(world):
    # demo_trs serves gzip: the WARC response carries the compressed bytes with their header
    url, warc_file, offset = q(world["db"], "SELECT url, warc_file, warc_offset FROM fetches WHERE portal_id = "
                                            "'demo_trs' AND kind = 'report' AND status = 200 LIMIT 1")[0]
    with open(world["archive"] / warc_file, "rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        assert record.http_headers.get_header("Content-Encoding") == "gzip"
        raw = record.raw_stream.read()
    (sha,) = q(world["db"], "SELECT document_sha256 FROM report_sightings WHERE url = ?", url)[0]
    blob = (world["archive"] / "blobs" / "sha256" / sha[:2] / sha[2:4] / sha).read_bytes()
    assert gzip.decompress(raw) == blob


def test_js_listing_rendered_only_where_needed(world):
    rendered = q(world["db"], "SELECT DISTINCT portal_id FROM fetches WHERE rendered = 1 AND run_id = 1 ORDER BY 1")
    assert rendered == [("demo_js",), ("demo_jsapi",)]  # the JSON-file list, the JSON-API list behind chrome links
    assert q(world["db"], "SELECT count(*) FROM report_sightings WHERE portal_id = 'demo_js'")[0][0] == 3


def test_attachments_archived_and_parsed_with_their_report(world):
    rows = q(world["db"], "SELECT r.url, a.format, a.parse_status, a.sha256 FROM attachments a "
                          "JOIN reports r ON r.id = a.report_id")
    assert len(rows) == sum(r.get("attachments", 0) for r in world["net"].manifest["reports"])
    pdf = sample_bytes("js_hongze_2023.pdf")
    parsed = parse_document(pdf)  # each attachment row says what its own parse found
    assert {(f, s) for _, f, s, _ in rows} == {("pdf", parsed.parse_status), ("docx", "ok")}
    # the page that only says 详见附件 takes its cells from its attachment when that has tables,
    # every cell pointing at the attachment's bytes
    page = [r for r in world["net"].manifest["reports"] if r["url"].endswith("t20240118_100004.htm")][0]
    (rid, cells_from), = q(world["db"], "SELECT r.id, (SELECT group_concat(DISTINCT coalesce(c.document_sha256, '-')) "
                                        "FROM report_cells c WHERE c.report_id = r.id) FROM report_sightings s "
                                        "JOIN reports r ON r.id = s.report_id WHERE s.url = ?",
                          page["url"])
    if parsed.cells:
        assert cells_from == hashlib.sha256(pdf).hexdigest()
        stored = dict(q(world["db"], "SELECT key, value FROM report_cells WHERE report_id = ?", rid))
        assert stored == {k: c.value for k, c in parsed.cells.items()}
    else:
        assert cells_from is None
    # the direct PDF link is a report of its own, with what the parser read of it
    direct = q(world["db"], "SELECT parse_status, parse_reason, source_format FROM reports WHERE url LIKE '%.pdf'")
    assert direct and direct[0][0] == parsed.parse_status and direct[0][2] == "pdf"


def test_a_report_only_in_a_docx_attachment_keeps_every_cell_with_its_place_in_the_attachment(world):
    net = world["net"]
    (report,) = [r for r in net.manifest["reports"] if r.get("attachment", "").endswith(".docx")]
    docx = sample_bytes(DOCX_ONLY_REPORT)
    sha = hashlib.sha256(docx).hexdigest()
    (rid, agency, status), = q(world["db"], "SELECT r.id, r.agency, r.parse_status FROM report_sightings s "
                                            "JOIN reports r ON r.id = s.report_id WHERE s.url = ?", report["url"])
    assert (agency, status) == (report["agency"], "ok")
    attachment_url = report["url"].rsplit("/", 1)[0] + "/" + report["attachment"].rsplit("/", 1)[1]
    assert q(world["db"], "SELECT url, format, parse_status, sha256 FROM attachments WHERE report_id = ?", rid) == [
        (attachment_url, "docx", "ok", sha)]
    blob = world["archive"] / "blobs" / "sha256" / sha[:2] / sha[2:4] / sha
    assert blob.read_bytes() == docx  # the archived attachment is the bytes served
    cells = q(world["db"], "SELECT key, value, status, document_sha256, origin FROM report_cells WHERE report_id = ?",
              rid)
    # the source sample's whole cell map, every cell from the attachment, at the table, row and
    # column of the DOCX it was read from
    assert {k: v for k, v, _, _, _ in cells} == expected_cells(report["sample"])
    origins = {k: c.origin for k, c in parse_document(docx).cells.items()}
    for key, _, status, doc, origin in cells:
        assert doc == sha, key
        if status != "derived":
            assert re.fullmatch(r"t\d+ r\d+ c\d+", origin or "") and origin == origins[key], (key, origin)


def test_second_crawl_is_incremental(world):
    second = world["second"]
    assert second.returncode == 0, second.stdout + second.stderr
    runs = q(world["db"], "SELECT id, pages, bytes, not_modified, new_reports, new_versions, reports_found, "
                          "started_at, finished_at FROM crawl_runs ORDER BY id")
    first, again = runs[0], runs[1]
    assert again[4] == 0 and again[5] == 0  # nothing new
    # the first listing page of every portal was still read (its links seen), and no further
    # pages where it showed nothing new
    assert 0 < again[6] < first[6]
    found = dict(q(world["db"], "SELECT portal_id, reports_found FROM portal_runs WHERE run_id = 2"))
    assert all(found[p] > 0 for p in ("demo_trs", "demo_hanweb", "demo_js", "demo_gbk"))
    assert again[3] >= 5  # listings answered 304
    # robots.txt read a minute ago is not asked for again (RFC 9309 allows a day)
    assert q(world["db"], "SELECT count(*) FROM fetches WHERE run_id = 2 AND kind = 'robots' AND status = 200")[0][0] == 0
    assert again[2] < first[2] * 0.05  # bytes
    assert q(world["db"], "SELECT count(*) FROM fetches WHERE run_id = 2 AND kind = 'report'")[0][0] == 0
    assert q(world["db"], "SELECT count(*) FROM report_sightings")[0][0] == len(world["net"].manifest["reports"])
    assert "0 new reports" in second.stdout


def test_republished_report_becomes_a_new_version(world, tmp_path):
    net = world["net"]
    report = next(r for r in net.manifest["reports"] if r["portal"] == "demo_trs" and r["year"] == 2021)
    path = report["url"].split(str(net.port("demo_trs")), 1)[1]
    urllib.request.urlopen(urllib.request.Request(
        f"http://127.0.0.1:{net.port('demo_trs')}/__demo__/republish?path={path}", method="POST")).read()
    third = crawl(net, world["db"], world["archive"], "--only", "demo_trs", "--recheck-days", "0",
                  "--log-level", "INFO")
    assert third.returncode == 0, third.stdout + third.stderr
    # a crawl of static portals never starts Playwright (its driver is a Node.js process)
    log = third.stdout + third.stderr
    assert "run 3 " in log and "Starting download handler" not in log
    versions = q(world["db"], "SELECT version, is_latest, content_hash FROM reports WHERE url = ? ORDER BY version",
                 report["url"])
    assert [(v, latest) for v, latest, _ in versions] == [(1, 0), (2, 1)]
    assert versions[0][2] != versions[1][2]
    # the unchanged reports of that portal were re-checked (304) and not duplicated
    assert q(world["db"], "SELECT count(*) FROM report_sightings WHERE portal_id = 'demo_trs'")[0][0] == \
        sum(1 for r in net.manifest["reports"] if r["portal"] == "demo_trs") + 1
    (new_versions,) = q(world["db"], "SELECT new_versions FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    assert new_versions == 1


def test_reparse_rebuilds_every_parsed_table_from_the_archive(world, tmp_path):
    import shutil

    from tests.conftest import zfxxgk

    db = tmp_path / "zfxxgk.db"
    src = sqlite3.connect(world["db"])
    src.execute(f"VACUUM INTO '{db}'")
    before = src.execute("SELECT report_id, key, value, raw, status FROM report_cells ORDER BY 1, 2").fetchall()
    src.close()
    conn = sqlite3.connect(db)
    for table in ("report_cells", "identity_checks", "report_totals", "report_applicants", "report_texts",
                  "report_search"):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("UPDATE reports SET parse_status = 'error', cell_count = 0")
    conn.commit()
    conn.close()
    archive = tmp_path / "archive"
    shutil.copytree(world["archive"], archive)
    (n_reports,) = q(db, "SELECT count(*) FROM reports")[0]
    result = zfxxgk("reparse", "--db", db, "--archive", archive)
    assert result.returncode == 0, result.stderr
    assert f"re-parsed {n_reports} reports" in result.stdout
    conn = sqlite3.connect(db)
    after = conn.execute("SELECT report_id, key, value, raw, status FROM report_cells ORDER BY 1, 2").fetchall()
    assert after == before
    assert conn.execute("SELECT count(*) FROM report_search").fetchone()[0] == n_reports
    assert conn.execute("SELECT count(*) FROM reports WHERE parse_status = 'error'").fetchone()[0] == 0
    conn.close()
    # a blob missing from the archive is reported, not skipped silently, once however many use
    # it: the PDF is a report of its own and the attachment of two pages
    (sha,) = q(db, "SELECT a.sha256 FROM attachments a JOIN reports r ON r.document_sha256 = a.sha256 LIMIT 1")[0]
    victim = archive / "blobs" / "sha256" / sha[:2] / sha[2:4] / sha
    victim.chmod(0o644)
    victim.unlink()
    result = zfxxgk("reparse", "--db", db, "--archive", archive)
    assert result.returncode == 1 and "1 documents missing" in result.stdout
