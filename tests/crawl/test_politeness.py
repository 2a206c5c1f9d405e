"""Politeness on the wire: a real crawl of the demo portals never has more than
CONCURRENT_REQUESTS_PER_DOMAIN (2) requests in flight to one portal, counted by the portals
themselves, browser requests included.

The demo portals, and one whose JavaScript listing loads several scripts (Chromium fetches them
side by side unless held back), each on its own loopback address, answer every request after
LATENCY seconds, so requests started together overlap on the server; the demo server's request
log gives each request's start (its request line arrived) and end (its response flushed), both on
the server's clock. A kept-alive connection idling between requests is not counted, and a client
sees a request in flight at least as long as the server does, so what the log shows is a lower
bound of what the crawl had in flight.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from tests.conftest import query, zfxxgk
from zfxxgk.demo.__main__ import write_outputs
from zfxxgk.demo.server import Network, Site
from zfxxgk.demo.sites import demo_sites

pytestmark = [pytest.mark.slow, pytest.mark.browser]

LIMIT = 2  # CONCURRENT_REQUESTS_PER_DOMAIN
LATENCY = 0.15  # seconds before every answer
SCRIPTS = 4  # more than the limit: fetched side by side, they alone would break it


def scripts_site() -> Site:
    s = Site("demo_scripts", "演示县人民政府（多脚本列表）", "county", "350322", "/xxgk/nb/index.html", render="js",
             notes="test: a rendered listing whose page loads several scripts")
    for i in range(SCRIPTS):
        s.add(f"/js/part{i}.js", f"window.part{i} = {i};", "application/javascript")
    scripts = "".join(f"<script src='/js/part{i}.js'></script>" for i in range(SCRIPTS))
    s.add(s.start_path, "<!DOCTYPE html><html><head><meta charset='utf-8'><title>政府信息公开年报</title>"
          f"{scripts}</head><body><h2>政府信息公开年报</h2><ul id='list'></ul></body></html>")
    return s


def most_in_flight(requests: list[dict]) -> dict[tuple[str, int], int]:
    """Per host:port, the most requests the server was answering at one moment (a response
    flushed at the instant the next request arrives does not overlap it: ends sort first)."""
    events = defaultdict(list)
    for r in requests:
        events[(r["host"], r["port"])] += [(r["start"], 1), (r["end"], -1)]
    most = {}
    for portal, evs in events.items():
        now = top = 0
        for _t, step in sorted(evs):
            now += step
            top = max(top, now)
        most[portal] = top
    return most


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("politeness")
    sites = demo_sites() + [scripts_site()]
    for site in sites:
        site.latency = LATENCY
    net = Network(sites, spread=True, request_log=tmp / "requests.jsonl").start()
    try:
        write_outputs(net, tmp / "net")
        db = tmp / "zfxxgk.db"
        done = zfxxgk("crawl", "--portals", tmp / "net" / "portals.csv", "--db", db, "--archive", tmp / "archive",
                      "--delay", "0", "--log-level", "WARNING")
    finally:
        net.stop()
    assert done.returncode == 0, done.stdout + done.stderr
    requests = [json.loads(line) for line in (tmp / "requests.jsonl").read_text(encoding="utf-8").splitlines()]
    return {"net": net, "db": db, "requests": requests}


def test_no_portal_ever_has_more_than_two_requests_in_flight(crawled):
    most = most_in_flight(crawled["requests"])
    assert max(most.values()) <= LIMIT, {f"{h}:{p}": n for (h, p), n in most.items() if n > LIMIT}
    # the limit was used, not avoided by fetching one at a time
    assert LIMIT in most.values(), most
    # and the crawl did its work: every report of the demo portals stored
    expected = {r["url"] for r in crawled["net"].manifest()["reports"]}
    stored = {u for (u,) in query(crawled["db"], "SELECT url FROM report_sightings")}
    assert expected <= stored, sorted(expected - stored)


def test_the_browsers_requests_were_counted(crawled):
    """Every script of the rendered listing was fetched by the browser, within the limit."""
    site = crawled["net"].sites[-1]
    fetched = [r for r in crawled["requests"] if r["site"] == site.id and r["path"].startswith("/js/")]
    assert sorted(r["path"] for r in fetched) == [f"/js/part{i}.js" for i in range(SCRIPTS)]
    assert most_in_flight(fetched)[(site.host, site.port)] == 1
