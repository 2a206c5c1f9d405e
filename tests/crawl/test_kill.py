"""A crawl killed with SIGKILL at any moment leaves a consistent database and a readable
archive, and one rerun completes it: every report with all its attachments, exactly once.

The moments are chosen by observing the crawl, never by sleeping: after a few reports are
stored, after a number of responses are recorded, and while a report's attachment is being
downloaded (the demo server holds that request until the test has killed the crawl).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import urllib.request

import psutil
import pytest

from zfxxgk.archive import BlobStore
from tests.conftest import ROOT, DemoNetwork, crawl, wait_for

pytestmark = pytest.mark.slow

ATTACHMENT = "/zwgk/zfxxgknb/202401/P020240118573304.pdf"  # of demo_trs's attachment-only 2023 report


def _count(db, sql):
    try:
        conn = sqlite3.connect(db, timeout=5)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def _demo(net: DemoNetwork, portal: str, action: str, path: str) -> str:
    url = f"http://127.0.0.1:{net.port(portal)}/__demo__/{action}?path={path}"
    method = "GET" if action == "seen" else "POST"
    with urllib.request.urlopen(urllib.request.Request(url, method=method, data=b"" if method == "POST" else None),
                                timeout=10) as r:
        return r.read().decode()


@pytest.mark.parametrize("moment", ["reports_stored", "responses_recorded", "attachment_in_flight"])
def test_sigkill_then_one_rerun_completes_everything(tmp_path, moment):
    net = DemoNetwork(tmp_path / "demo")
    db, archive = tmp_path / "zfxxgk.db", tmp_path / "archive"
    try:
        if moment == "attachment_in_flight":
            _demo(net, "demo_trs", "hold", ATTACHMENT)
        proc = subprocess.Popen([sys.executable, "-m", "zfxxgk.cli", "crawl", "--portals", str(net.registry),
                                 "--db", str(db), "--archive", str(archive), "--delay", "0.4",
                                 "--log-level", "ERROR"], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if moment == "reports_stored":
            wait_for(lambda: _count(db, "SELECT count(*) FROM report_sightings") >= 3, timeout=120)
        elif moment == "responses_recorded":
            wait_for(lambda: _count(db, "SELECT count(*) FROM fetches") >= 12, timeout=120)
        else:
            wait_for(lambda: _demo(net, "demo_trs", "seen", ATTACHMENT) != "0", timeout=120)
        wait_for(lambda: psutil.Process(proc.pid).children(recursive=True), timeout=60)
        helpers = psutil.Process(proc.pid).children(recursive=True)  # parser workers, their forkserver
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if moment == "attachment_in_flight":
            _demo(net, "demo_trs", "release", ATTACHMENT)
        # nothing of the killed run is left running (a pool worker would otherwise wait forever)
        wait_for(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in helpers),
                 timeout=15)
        stored_before = _count(db, "SELECT count(*) FROM report_sightings")
        assert stored_before < len(net.manifest["reports"])  # really mid-run
        if moment == "attachment_in_flight":
            # the report whose attachment was in flight is not stored without it
            assert _count(db, "SELECT count(*) FROM report_sightings WHERE url LIKE '%t20240118_100004.htm'") == 0

        rerun = crawl(net, db, archive)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr

        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        urls = [u for (u,) in conn.execute("SELECT url FROM report_sightings")]
        assert sorted(urls) == sorted(r["url"] for r in net.manifest["reports"])  # each exactly once
        attachments = dict(conn.execute(
            "SELECT s.url, count(a.id) FROM report_sightings s LEFT JOIN attachments a ON a.report_id = s.report_id "
            "GROUP BY s.url"))
        assert attachments == {r["url"]: r.get("attachments", 0) for r in net.manifest["reports"]}
        assert conn.execute("SELECT count(*) FROM attachments a LEFT JOIN documents d ON d.sha256 = a.sha256 "
                            "WHERE d.sha256 IS NULL").fetchone()[0] == 0
        # every report's cells were written with it, or not at all
        partial = conn.execute("SELECT count(*) FROM reports r WHERE r.cell_count > 0 AND r.cell_count != "
                               "(SELECT count(*) FROM report_cells c WHERE c.report_id = r.id)").fetchone()[0]
        assert partial == 0
        runs = conn.execute("SELECT status FROM crawl_runs ORDER BY id").fetchall()
        assert runs[0][0] == "killed" and runs[1][0] == "partial"
        blobs = BlobStore(archive)
        assert all(blobs.exists(sha) for (sha,) in conn.execute("SELECT sha256 FROM documents"))
        conn.close()

        # the dead run's WARC file was finished: complete records kept, torn tail set aside
        assert not list((archive / "warc").rglob("*.open"))
        for f in (archive / "warc").rglob("*.warc.gz"):
            check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(f)], capture_output=True)
            assert check.returncode == 0, f
    finally:
        net.stop()

