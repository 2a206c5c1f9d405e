"""Shared fixtures: paths to the bundled real reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "samples"


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def expected_cells(name: str) -> dict:
    """Expected cells of a sample, by file name or stem."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return json.loads((SAMPLES / f"{stem}.expected.json").read_text(encoding="utf-8"))["cells"]


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


# -- the demo portal network and real crawls, for end-to-end tests ------------------------------

import os
import signal
import sqlite3
import subprocess
import sys
import time


class NetworkProcess:
    """A network of local test portals served by `python -m <module> ... --out DIR` in a
    subprocess (free 127.0.0.x ports), ready once it prints its 'ready' line, stopped by its pid."""

    def __init__(self, command: list[str], out_dir: Path):
        self.out = out_dir
        self.proc = subprocess.Popen([sys.executable, "-m", *command, "--out", str(out_dir)],
                                     cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        if "ready" not in line:
            rest = self.proc.stdout.read() if self.proc.poll() is not None else ""
            self.stop()
            raise RuntimeError(f"{command[0]} network did not start: {line}{rest}")
        self.registry = out_dir / "portals.csv"
        self.manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))

    def port(self, portal: str) -> int:
        return self.manifest["portals"][portal]["port"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class DemoNetwork(NetworkProcess):
    """The bundled demo portals (`python -m zfxxgk.demo serve`)."""

    def __init__(self, out_dir: Path, *extra: str):
        super().__init__(["demo", "serve", *extra], out_dir)


def query(db: Path, sql: str, *params) -> list[tuple]:
    """Rows of one query on a database file, with a connection of its own."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def zfxxgk(*args: str, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Run the zfxxgk command line as a user would, in its own process."""
    return subprocess.run([sys.executable, "-m", "zfxxgk.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, **kwargs)


def crawl(network: DemoNetwork, db: Path, archive: Path, *extra: str) -> subprocess.CompletedProcess:
    return zfxxgk("crawl", "--portals", network.registry, "--db", db, "--archive", archive,
                  "--delay", "0", "--log-level", "WARNING", *extra)


def wait_for(predicate, timeout: float = 30, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not met in time")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now, for a server a test starts."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def saved_page_spider(tmp: Path, portals: dict[str, tuple[str, str, str]]):
    """The portals spider over a registry of (id, start URL, cms) rows, with its crawl context
    but no engine: for calling its callbacks on saved pages (tests/spiders)."""
    from scrapy.utils.test import get_crawler

    from zfxxgk.scraper.spiders.portals import PortalsSpider

    registry = tmp / "portals.csv"
    registry.write_text("id,name,level,region_code,start_url,cms\n" + "".join(
        f"{pid},{name},county,350300,{url},\"{cms}\"\n" for name, (pid, url, cms) in portals.items()),
        encoding="utf-8")
    crawler = get_crawler(PortalsSpider, {
        "ZFXXGK_DB": str(tmp / "zfxxgk.db"), "ZFXXGK_ARCHIVE": str(tmp / "archive"),
        "ZFXXGK_PORTALS": str(registry), "ZFXXGK_PARSE_WORKERS": 0,
        "EXTENSIONS": {"zfxxgk.scraper.context.CrawlContext": 0}})
    crawler.spider = PortalsSpider.from_crawler(crawler)
    crawler._apply_settings()  # the extensions, the crawl context among them
    return crawler.spider
