"""`scrapy list` and `scrapy crawl portals` work as in any Scrapy project (settings by -s)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from tests.conftest import ROOT, DemoNetwork


def _scrapy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)


def test_scrapy_list_names_the_spider():
    out = _scrapy("list")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["portals"]


def test_scrapy_crawl_archives_the_chosen_portals(tmp_path):
    net = DemoNetwork(tmp_path / "demo")
    try:
        db = tmp_path / "x.db"
        out = _scrapy("crawl", "portals", "-s", f"ZFXXGK_DB={db}", "-s", f"ZFXXGK_ARCHIVE={tmp_path / 'archive'}",
                      "-s", f"ZFXXGK_PORTALS={net.registry}", "-s", "ZFXXGK_ONLY=demo_trs,demo_hanweb",
                      "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO")
        assert out.returncode == 0, out.stderr[-3000:]
        # Scrapy 2.19 runs an HTTP server that executes Python sent to it unless it is disabled
        # (ours is, like the telnet console): nothing of it starts
        assert "Remote control" not in out.stderr and "Telnet console" not in out.stderr
        assert "scrapy.extensions.remote_control.RemoteControl" not in out.stderr
        conn = sqlite3.connect(db)
        found = dict(conn.execute("SELECT portal_id, count(*) FROM report_sightings GROUP BY portal_id"))
        expected = {p: sum(1 for r in net.manifest["reports"] if r["portal"] == p) for p in ("demo_trs", "demo_hanweb")}
        assert found == expected
        assert conn.execute("SELECT status FROM crawl_runs").fetchall() == [("ok",)]
        assert list((tmp_path / "archive" / "warc").rglob("*.warc.gz"))
    finally:
        net.stop()
