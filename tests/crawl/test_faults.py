"""Faults: one crawl of a network of misbehaving portals (tests/crawl/faultnet.py).

Every portal has one fault; a sentinel server on 127.0.0.2 stands for "another host" and logs
every request it gets. After ONE crawl (download timeout 3 s, no retry backoff) the database
must show: each fault recorded in crawl_events with its kind and reason; the portals whose
fault blocks everything not 'ok' and saying why; every report the faults leave reachable
stored, with its exact cells (nothing lost), and nothing else; and not one request at the
sentinel, nor any of its URLs in the archive.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import NetworkProcess, expected_cells, zfxxgk
from tests.conftest import query as q
from tests.crawl import faultnet
from tests.crawl.faultnet import PORTALS, SENTINEL_HOST

pytestmark = [pytest.mark.slow, pytest.mark.browser]

DOWNLOAD_TIMEOUT = 3  # ZFXXGK_DOWNLOAD_TIMEOUT for the crawl
HOLD = DOWNLOAD_TIMEOUT + 5  # what a never-answering URL holds its connection for
CRAWL_BOUND = 150  # seconds: 23 portals at --delay 0, the slow ones give up after 4 x 3 s
BLOCKING = [p for p, spec in PORTALS.items() if spec["blocks"]]
WITH_EVENTS = [p for p, spec in PORTALS.items() if spec["events"]]
ROBOTS = [p for p in PORTALS if p.startswith("robots_")]


class FaultNetwork(NetworkProcess):
    """`python -m tests.crawl.faultnet` in a subprocess, stopped by its pid."""

    def __init__(self, out: Path, hold: float):
        super().__init__(["tests.crawl.faultnet", "--hold", str(hold)], out)
        self.sentinel_log = Path(self.manifest["sentinel"]["log"])
        self.requests_log = Path(self.manifest["requests_log"])

    def listening(self) -> list[tuple[str, int]]:
        """(host, port) of every server that should accept connections."""
        ports = [(faultnet.PORTAL_HOST, p["port"]) for p in self.manifest["portals"].values() if p["listen"]]
        return ports + [(SENTINEL_HOST, self.manifest["sentinel"]["port"])]


def read_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    # whole lines only (a request being logged as we read is in the next read); split on
    # "\n" alone: header values decoded as latin-1 may hold characters splitlines() breaks on
    lines = path.read_text(encoding="utf-8").split("\n")[:-1]
    return [json.loads(line) for line in lines if line.strip()]


def connects(host: str, port: int) -> bool:
    """A TCP connect, no HTTP request (so it leaves no line in any request log)."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("faults")
    net = FaultNetwork(base / "net", HOLD)
    try:
        # the harness, before the crawl: every server listens, the refused port does not
        down = [hp for hp in net.listening() if not connects(*hp)]
        assert not down, f"fault network servers not accepting connections: {down}"
        assert not connects(faultnet.PORTAL_HOST, net.manifest["portals"]["refused"]["port"])
        assert read_log(net.sentinel_log) == []
        db, archive = base / "zfxxgk.db", base / "archive"
        env = {**os.environ, "ZFXXGK_DOWNLOAD_TIMEOUT": str(DOWNLOAD_TIMEOUT), "ZFXXGK_RETRY_BACKOFF": "0"}
        started = time.monotonic()
        result = zfxxgk("crawl", "--portals", net.registry, "--db", db, "--archive", archive, "--delay", "0",
                        "--log-level", "WARNING", timeout=600, env=env)
        seconds = time.monotonic() - started
        (base / "crawl.log").write_text(f"exit {result.returncode} after {seconds:.1f}s\n--- stdout ---\n"
                                        f"{result.stdout}\n--- stderr ---\n{result.stderr}", encoding="utf-8")
        # the harness, after the crawl: the sentinel still answers and its log records a request;
        # everything else in its log came from the crawl (the crawl and its browser are gone)
        probe = urllib.request.Request(net.manifest["sentinel"]["url"] + "/__probe__",
                                       headers={"X-Faultnet-Probe": "1"})
        with urllib.request.urlopen(probe, timeout=5) as r:
            assert r.status == 200
        after = read_log(net.sentinel_log)
        probes = [e for e in after if e["headers"].get("X-Faultnet-Probe") == "1"]
        assert [e["path"] for e in probes] == ["/__probe__"], "the sentinel log does not work"
        sentinel = [e for e in after if e not in probes]
        yield {"net": net, "manifest": net.manifest, "db": db, "archive": archive, "result": result,
               "seconds": seconds, "sentinel": sentinel, "requests": read_log(net.requests_log),
               "log": base / "crawl.log"}
    finally:
        net.stop()


def events(world, portal: str | None = None) -> list[tuple]:
    """(portal_id, kind, url, reason) of the run's crawl_events."""
    if not q(world["db"], "SELECT 1 FROM sqlite_master WHERE name = 'crawl_events'"):
        pytest.fail("the database has no crawl_events table")
    sql = "SELECT portal_id, kind, url, reason FROM crawl_events"
    return q(world["db"], sql + " WHERE portal_id = ?", portal) if portal else q(world["db"], sql)


def stored(world, portal: str) -> dict[str, int]:
    """url -> report id of the portal's stored reports."""
    return dict(q(world["db"], "SELECT url, report_id FROM report_sightings WHERE portal_id = ?", portal))


def cells(world, report_id: int) -> dict:
    return dict(q(world["db"], "SELECT key, value FROM report_cells WHERE report_id = ?", report_id))


def crawl_output(world, tail: int = 3000) -> str:
    r = world["result"]
    return f"exit {r.returncode}; stdout: {r.stdout[-tail:]}\nstderr: {r.stderr[-tail:]}"


# -- the run ---------------------------------------------------------------------------------------

def test_crawl_exits_0_within_bound(world):
    assert world["result"].returncode == 0, crawl_output(world)
    assert world["seconds"] < CRAWL_BOUND, f"crawl took {world['seconds']:.0f}s (bound {CRAWL_BOUND}s)"
    # every portal was crawled and has its portal_runs row
    runs = dict(q(world["db"], "SELECT portal_id, status FROM portal_runs"))
    assert set(runs) == set(PORTALS), crawl_output(world)


# -- each fault recorded with its reason -----------------------------------------------------------

@pytest.mark.parametrize("portal", WITH_EVENTS)
def test_fault_recorded_with_its_reason(world, portal):
    want = PORTALS[portal]["events"]
    got = events(world, portal)
    for kind in want:
        rows = [(k, u, r) for _, k, u, r in got if k == kind]
        assert rows, f"{portal} ({PORTALS[portal]['fault']}): no '{kind}' event; events: {got}"
        assert all((r or "").strip() for _, _, r in rows), f"{portal}: '{kind}' event without a reason: {rows}"
        assert all((u or "").strip() for _, u, _ in rows), f"{portal}: '{kind}' event without a url: {rows}"


@pytest.mark.parametrize("portal", BLOCKING)
def test_blocked_portal_is_not_ok_and_says_why(world, portal):
    rows = q(world["db"], "SELECT status, error_sample FROM portal_runs WHERE portal_id = ?", portal)
    assert rows, f"{portal}: no portal_runs row"
    status, sample = rows[0]
    assert status != "ok", f"{portal} ({PORTALS[portal]['fault']}) ran 'ok'; error_sample: {sample!r}"
    assert (sample or "").strip() not in ("", "[]"), f"{portal}: status {status} with no error_sample"


def test_healthy_portal_is_ok_with_no_events(world):
    (status,) = q(world["db"], "SELECT status FROM portal_runs WHERE portal_id = 'healthy'")[0]
    assert status == "ok"
    assert events(world, "healthy") == []


# -- nothing lost, nothing extra -------------------------------------------------------------------

def test_healthy_report_has_exactly_the_expected_cells(world):
    (url, stem), = world["manifest"]["portals"]["healthy"]["reports"].items()
    reports = stored(world, "healthy")
    assert url in reports, f"healthy report not stored: {reports}"
    assert cells(world, reports[url]) == expected_cells(stem)


@pytest.mark.parametrize("portal", [p for p in PORTALS if p != "url_spellings"])
def test_portal_stored_exactly_its_reachable_reports(world, portal):
    want = world["manifest"]["portals"][portal]["reports"]
    got = stored(world, portal)
    assert set(got) == set(want), f"{portal} ({PORTALS[portal]['fault']})"
    for url, stem in want.items():
        if stem:
            assert cells(world, got[url]) == expected_cells(stem), f"{portal}: cells of {url}"


def test_url_spellings_store_one_report(world):
    rows = q(world["db"], "SELECT url, report_id FROM report_sightings WHERE portal_id = 'url_spellings'")
    assert len(rows) == 1, f"{len(rows)} reports stored for one report under 20 spellings: {[u for u, _ in rows]}"
    assert cells(world, rows[0][1]) == expected_cells("sh_govoffice_2019")


def test_deep_chain_stores_both_reports(world):
    want = world["manifest"]["portals"]["deep_chain"]["reports"]
    got = stored(world, "deep_chain")
    assert set(got) == set(want), f"page 1 and page {faultnet.DEEP_PAGES} reports; stored: {sorted(got)}"


@pytest.mark.parametrize("portal", ["gbk_header_utf8", "gbk_meta_utf8"])
def test_gbk_report_decoded_and_charset_recorded(world, portal):
    (url, stem), = world["manifest"]["portals"][portal]["reports"].items()
    got = stored(world, portal)
    assert url in got, f"{portal}: report not stored; stored: {sorted(got)}"
    assert cells(world, got[url]) == expected_cells(stem)
    kinds = {k for _, k, _, _ in events(world, portal)}
    assert "charset" in kinds, f"{portal}: events {kinds}"


def test_attachment_archived_with_its_report(world):
    a = world["manifest"]["attachment"]
    got = stored(world, "attachment")
    assert a["report_url"] in got, f"report page not stored: {sorted(got)}"
    rows = q(world["db"], "SELECT url, sha256 FROM attachments WHERE report_id = ?", got[a["report_url"]])
    assert rows == [(a["url"], a["sha256"])]


def test_slow_report_is_a_timeout_and_the_listing_was_read(world):
    spec = world["manifest"]["portals"]["slow_report"]
    slow = spec["start_url"].rsplit("/xxgk/", 1)[0] + faultnet.SH_PATH
    listing = q(world["db"], "SELECT status FROM fetches WHERE url = ? AND status = 200", spec["start_url"])
    assert listing, "the slow_report listing was not read"
    network = [(u, r) for _, k, u, r in events(world, "slow_report") if k == "network"]
    assert any(u == slow for u, _ in network), f"no network event for {slow}: {network}"


# -- the other host --------------------------------------------------------------------------------

def test_sentinel_received_not_one_request(world):
    leaked = [f"{r['method']} {r['path']} (UA {r['headers'].get('User-Agent', '?')[:40]})" for r in world["sentinel"]]
    assert not leaked, f"{len(leaked)} requests reached the sentinel host: {leaked}"


def test_nothing_stored_from_the_other_host(world):
    like = f"%{SENTINEL_HOST}%"
    found = {table: q(world["db"], f"SELECT {col} FROM {table} WHERE {col} LIKE ?", like)
             for table, col in (("reports", "url"), ("documents", "first_url"), ("fetches", "url"),
                                ("attachments", "url"), ("url_state", "url"))}
    assert not any(found.values()), {t: rows for t, rows in found.items() if rows}


@pytest.mark.parametrize("portal", ROBOTS)
def test_robots_refused_portal_was_asked_only_for_robots_txt(world, portal):
    paths = [r["path"] for r in world["requests"] if r["portal"] == portal]
    assert "/robots.txt" in paths, f"{portal}: robots.txt never asked for"
    assert set(paths) == {"/robots.txt"}, f"{portal}: requested past its robots.txt: {paths}"


def test_status_shows_every_blocked_portal_and_why(world):
    shown = zfxxgk("status", "--db", world["db"])
    lines = shown.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("events of run"))
    listed: dict[str, set[str]] = {}
    for line in lines[start + 1:]:
        if line.startswith("  ") and len(line.split()) > 1:
            listed.setdefault(line.split()[0], set()).add(line.split()[1])
    for portal in BLOCKING:
        assert set(PORTALS[portal]["events"]) <= listed.get(portal, set()), \
            f"{portal}: {PORTALS[portal]['events']} not shown by `zfxxgk status`:\n{shown.stdout}"
