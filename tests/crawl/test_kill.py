"""A crawl killed with SIGKILL mid-run leaves a consistent database and a readable archive.

The crawl runs slowly (politeness delay on) so the kill lands while reports are being
written; the rerun must complete the archive without duplicating anything.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import psutil
import pytest

from tests.conftest import ROOT, DemoNetwork, crawl, wait_for

pytestmark = pytest.mark.slow


def _count(db, sql):
    try:
        conn = sqlite3.connect(db, timeout=5)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def test_sigkill_mid_crawl_then_rerun(tmp_path):
    net = DemoNetwork(tmp_path / "demo")
    db, archive = tmp_path / "zfxxgk.db", tmp_path / "archive"
    try:
        proc = subprocess.Popen([sys.executable, "-m", "zfxxgk.cli", "crawl", "--portals", str(net.registry),
                                 "--db", str(db), "--archive", str(archive), "--delay", "0.4",
                                 "--log-level", "ERROR"], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: _count(db, "SELECT count(*) FROM reports") >= 3, timeout=120)
        helpers = psutil.Process(proc.pid).children(recursive=True)  # the parser worker, its forkserver
        assert helpers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # nothing of the killed run is left running (a pool worker would otherwise wait forever)
        wait_for(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in helpers),
                 timeout=15)
        stored_before = _count(db, "SELECT count(*) FROM reports")
        assert 3 <= stored_before < len(net.manifest["reports"])  # really mid-run
        assert list((archive / "warc").rglob("*.warc.gz.open"))  # a WARC file was left open

        rerun = crawl(net, db, archive)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr

        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        urls = [u for (u,) in conn.execute("SELECT url FROM reports")]
        assert sorted(urls) == sorted(r["url"] for r in net.manifest["reports"])  # each exactly once
        # every report's cells were written with it, or not at all
        partial = conn.execute("SELECT count(*) FROM reports r WHERE r.cell_count > 0 AND r.cell_count != "
                               "(SELECT count(*) FROM report_cells c WHERE c.report_id = r.id)").fetchone()[0]
        assert partial == 0
        runs = conn.execute("SELECT status FROM crawl_runs ORDER BY id").fetchall()
        assert runs[0][0] == "killed" and runs[1][0] == "partial"
        conn.close()

        # the dead run's WARC file was finished: complete records kept, torn tail set aside
        assert not list((archive / "warc").rglob("*.open"))
        for f in (archive / "warc").rglob("*.warc.gz"):
            check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(f)], capture_output=True)
            assert check.returncode == 0, f
    finally:
        net.stop()
