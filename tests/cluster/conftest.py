"""The cluster's test fixtures: Debian's redis-server on 127.0.0.1 (stopped by its pid), `zfxxgk
worker` processes, and a snapshot of a database's content by natural keys, to compare a merged
database with a single-machine one (integer ids differ between them by design)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port, wait_for

HANG = 120  # seconds: only ever the bound on a hang


class Redis:
    def __init__(self, folder: Path):
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server is not installed (make redis installs Debian's)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([server, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                      "--appendonly", "no", "--dir", str(folder), "--protected-mode", "yes"],
                                     stdout=open(folder / "redis.log", "w"), stderr=subprocess.STDOUT)
        import redis

        self.client = redis.Redis.from_url(self.url)

        def answers():
            try:
                return self.client.ping()
            except redis.ConnectionError:
                assert self.proc.poll() is None, (folder / "redis.log").read_text()
                return False

        wait_for(answers, timeout=HANG)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=HANG)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = Redis(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


class Worker:
    """`zfxxgk worker` in its own process, as an operator starts one."""

    def __init__(self, name: str, broker: str, data: Path, log: Path, env: dict | None = None):
        self.name = name
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "zfxxgk.cli", "worker", "--data", str(data), "--name", name],
            cwd=ROOT, env={**os.environ, **(env or {}), "ZFXXGK_BROKER": broker},
            stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)

    def descendants(self) -> list[int]:
        import psutil

        try:
            return [c.pid for c in psutil.Process(self.proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)  # warm shutdown: ends after its current task
            try:
                self.proc.wait(timeout=HANG)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def ready_workers(redis_url: str, names: list[str]) -> None:
    """Wait until every named worker answers a ping through the broker."""
    from zfxxgk import cluster

    cluster.connect(redis_url)
    wait_for(lambda: set(names) <= set(cluster.app.control.inspect(timeout=1).ping() or {}), timeout=HANG)


def snapshot(db: Path) -> dict[str, set]:
    """What a database says, by natural keys: a report is (agency, year, content hash), wherever
    its row id; everything hung off a report is keyed by its content hash."""
    conn = sqlite3.connect(db)
    try:
        def rows(sql):
            return set(conn.execute(sql).fetchall())

        r = "JOIN reports r ON r.id = x.report_id"
        cols = {t: [c[1] for c in conn.execute(f"PRAGMA table_info({t})") if c[1] != "report_id"]
                for t in ("report_cells", "identity_checks", "report_totals", "report_applicants", "report_texts")}
        out = {
            "reports": rows("SELECT agency, agency_id, year, content_hash, version, is_latest, url, title, parse_status, "
                            "cell_count, identity_violations, document_sha256, format_version FROM reports"),
            "sightings": rows(f"SELECT r.content_hash, x.portal_id, x.url, x.document_sha256 FROM report_sightings x {r}"),
            "attachments": rows(f"SELECT r.content_hash, x.url, x.sha256, x.parse_status FROM attachments x {r}"),
            "documents": rows("SELECT sha256, size, format FROM documents"),
            # an agency's region is read with the first portal that named it as the hint: which one
            # was first depends on the order portals were crawled in, on one machine as on many
            "agencies": rows("SELECT id, name, parent_id FROM agencies"),
            "url_verdicts": rows("SELECT url, verdict FROM url_verdicts"),
            "portals": rows("SELECT id, name, start_url FROM portals"),
        }
        for table, cs in cols.items():
            out[table] = rows(f"SELECT r.content_hash, {', '.join('x.' + c for c in cs)} FROM {table} x {r}")
        return out
    finally:
        conn.close()


def table_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'report_search%' AND name NOT LIKE 'sqlite_%'")]
        return {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables}
    finally:
        conn.close()
