"""The nightly cycle on a cluster of three `zfxxgk worker`s on this machine, one SIGKILLed while it
crawls a bucket of portals: every report fetched and stored once, no portal fetched by two
workers at once, and the merged database equal to a single-machine crawl of the same portals;
then a re-parse spread over the workers, equal to the local one.

Everything is real: Debian's redis-server (started here on 127.0.0.1, stopped by its pid),
generated portals each on its own loopback address (127.0.0.2 ...) with the demo server's
request log, Celery workers in their own processes, the cycle as `python scheduler.py --once`.
The worker is killed at a moment the test holds it in, not guessed at: one report of its portal
is held by the demo server (answered only when the test releases it) until the crawl has
stored other reports and asked for the held one.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from urllib.parse import urlsplit

import psutil
import pytest

from tests.cluster.conftest import HANG, Worker, ready_workers, snapshot, table_counts
from tests.conftest import ROOT, NetworkProcess, crawl, query, wait_for, zfxxgk

HELD_PORTAL = "gen_000"
# 3 buckets for the 6 portals, so that a crawl task crawls several portals in one process:
# sha1 puts gen_000, gen_001, gen_004 in one, gen_002, gen_003 in another, gen_005 alone
SHARDS = 3
HELD_BUCKET = "0-of-3"
HELD_BUCKET_PORTALS = ["gen_000", "gen_001", "gen_004"]
WORKER_ENV = {
    # a dead worker's bucket lock expires after 4 s and the cycle sends its task again; the
    # broker's redelivery (after the visibility timeout) is for a cycle that died too
    "ZFXXGK_BUCKET_LOCK_TTL": "4",
    "ZFXXGK_VISIBILITY_TIMEOUT": "3600",
    "ZFXXGK_DOWNLOAD_TIMEOUT": "120",  # the held request must not time out before the kill
    "ZFXXGK_PARSE_WORKERS": "1",  # 3 workers x 1 crawl x 1 parser on this 2-core machine
}


@pytest.fixture(scope="module")
def world(tmp_path_factory, redis_server):
    tmp = tmp_path_factory.mktemp("cluster")
    net = NetworkProcess(["zfxxgk.demo", "serve", "--generated", "6", "--reports-per-portal", "6", "--latency-ms", "150",
                          "--spread", "--request-log", str(tmp / "requests.jsonl")], tmp / "net")
    workers = []
    try:
        # the single-machine crawl of the same network, into the same shared archive (blobs are
        # content-addressed; its WARC files have names of their own)
        ref = tmp / "single" / "zfxxgk.db"
        done = crawl(net, ref, tmp / "data" / "archive")
        assert done.returncode == 0, done.stderr
        workers = [Worker(f"w{i}@test", redis_server.url, tmp / "data", tmp / f"w{i}.log", WORKER_ENV)
                   for i in (1, 2, 3)]
        ready_workers(redis_server.url, [w.name for w in workers])
        yield {"tmp": tmp, "net": net, "ref": ref, "workers": workers, "redis": redis_server}
    finally:
        for w in workers:
            w.stop()
        net.stop()


def _log(path, after: int = 0) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[after:]]


def _demo(net, portal: str, action: str, path: str) -> str:
    p = net.manifest["portals"][portal]
    method = "GET" if action == "seen" else "POST"
    req = urllib.request.Request(f"http://{p['host']}:{p['port']}/__demo__/{action}?path={path}", method=method)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.read().decode()


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_cycle_on_three_workers_survives_a_sigkilled_worker(world):
    tmp, net, redis = world["tmp"], world["net"], world["redis"]
    from zfxxgk.cluster import buckets

    portals = sorted(net.manifest["portals"])
    assert buckets(portals, SHARDS)[HELD_BUCKET] == HELD_BUCKET_PORTALS
    data, shard = tmp / "data", tmp / "data" / "shards" / HELD_BUCKET / "zfxxgk.db"
    held_url = [r["url"] for r in net.manifest["reports"] if r["portal"] == HELD_PORTAL][-1]
    held = urlsplit(held_url).path
    _demo(net, HELD_PORTAL, "hold", held)
    log_start = len(_log(tmp / "requests.jsonl"))
    env = {**os.environ, "ZFXXGK_BROKER": redis.url, "ZFXXGK_SHARDS": str(SHARDS)}
    cycle = subprocess.Popen([sys.executable, "scheduler.py", "--once", "--data", str(data), "--portals",
                              str(net.registry), "--delay", "0"], cwd=ROOT, env=env,
                             stdout=open(tmp / "cycle.log", "w"), stderr=subprocess.STDOUT)
    try:
        # the worker crawling the held portal's bucket, once it holds the bucket's lock, has stored
        # a report of the held portal in the bucket's shard, and has asked for the held one
        def crawling():
            holder = redis.client.get("zfxxgk:lock:bucket:" + HELD_BUCKET)
            if not holder or not shard.exists() or _demo(net, HELD_PORTAL, "seen", held) == "0":
                return None
            if query(shard, "SELECT count(*) FROM report_sightings WHERE portal_id = ?", HELD_PORTAL)[0][0] < 1:
                return None
            return holder.decode().split(" ")[0]

        name = wait_for(crawling, timeout=HANG, interval=0.2)
        victim = next(w for w in world["workers"] if w.name == name)
        doomed = victim.descendants()
        assert len(doomed) >= 2  # its crawl child (and the crawl's parser workers)
        os.kill(victim.proc.pid, signal.SIGKILL)
        victim.proc.wait(timeout=HANG)
        died = time.time()
        wait_for(lambda: all(_gone(p) for p in doomed), timeout=HANG)  # nothing of it runs on
        stored_before = {u for (u,) in query(shard, "SELECT url FROM report_sightings")}
        assert stored_before and held_url not in stored_before
        _demo(net, HELD_PORTAL, "release", held)

        assert cycle.wait(timeout=HANG * 3) == 0, (tmp / "cycle.log").read_text()
    finally:
        if cycle.poll() is None:
            cycle.kill()
            cycle.wait()

    merged = data / "zfxxgk.db"
    # the same database as one machine's crawl of the same network
    expected = snapshot(world["ref"])
    assert snapshot(merged) == expected
    assert len(expected["reports"]) == len(net.manifest["reports"]) == 36

    # every report stored once, and fetched once: but the held one, which the killed crawl asked
    # for and never got, and those of its bucket in flight when it died (fetched, not yet stored)
    for r in net.manifest["reports"]:
        assert query(merged, "SELECT count(*) FROM report_sightings WHERE url = ?", r["url"]) == [(1,)], r["url"]
    requests = [q for q in _log(tmp / "requests.jsonl", log_start) if not q["path"].startswith("/__demo__/")]
    gets = defaultdict(int)
    for q in requests:
        gets[(q["site"], q["path"])] += q["method"] == "GET"
    for r in net.manifest["reports"]:
        n = gets[(r["portal"], urlsplit(r["url"]).path)]
        if r["portal"] not in HELD_BUCKET_PORTALS or r["url"] in stored_before:
            assert n == 1, (r["url"], n)
        else:
            assert n in (1, 2), (r["url"], n)
    assert gets[(HELD_PORTAL, held)] == 2

    # one crawl of a portal at a time across the cluster: its bucket's shard's runs (the killed one
    # ending when its worker died) follow each other without overlap, and every request the
    # portal answered falls within one of them
    from zfxxgk.pipelines.db import parse_utc

    from zfxxgk.cluster import bucket_of

    for site in net.manifest["portals"]:
        runs = [(parse_utc(a).timestamp(), parse_utc(b).timestamp() if b else died) for a, b in query(
            data / "shards" / bucket_of(site, SHARDS) / "zfxxgk.db",
            "SELECT started_at, finished_at FROM crawl_runs ORDER BY id")]
        assert len(runs) == (2 if site in HELD_BUCKET_PORTALS else 1)
        assert all(a[1] <= b[0] for a, b in zip(runs, runs[1:])), (site, runs)
        answered = [q["start"] for q in requests if q["site"] == site]
        assert answered and all(any(a <= t <= b for a, b in runs) for t in answered), site

    steps = json.loads(query(merged, "SELECT steps FROM cycles ORDER BY id DESC LIMIT 1")[0][0])
    assert steps["crawl"]["tasks"] == 3 and steps["crawl"]["redelivered"] == HELD_BUCKET_PORTALS
    assert steps["merge"]["shards"] == 3 and steps["merge"]["shard_runs"] == 4  # the killed run too
    assert query(merged, "SELECT status, count(*) FROM portal_runs GROUP BY status") == [("ok", 6)]

    status = zfxxgk("status", "--db", merged, env=env)
    assert "cluster: 2 workers; 0 tasks queued" in status.stdout, status.stdout
    assert "redelivered (1):" in status.stdout, status.stdout
    assert f"bucket {HELD_BUCKET} (portals {', '.join(HELD_BUCKET_PORTALS)}) worker" in status.stdout

    # merging the shards again adds nothing
    from zfxxgk.pipelines.merge import merge_shards, shard_paths

    counts = table_counts(merged)
    again = merge_shards(merged, shard_paths(data / "shards"))
    assert again.run_id is None and again.shard_runs == 0 and again.new_reports == 0
    assert table_counts(merged) == counts

    # the other two workers are still there, each with nothing running
    alive = [w for w in world["workers"] if w is not victim]
    assert all(w.proc.poll() is None and w.descendants() == [] for w in alive)


def test_reparse_on_the_cluster_gives_the_local_reparse(world, monkeypatch):
    """Both start from the single-machine database with every parsed table emptied and every
    report marked as read by an older parser; both must rebuild the same tables."""
    from zfxxgk.pipelines.reparse import reparse

    from zfxxgk import cluster

    tmp = world["tmp"]
    archive = tmp / "data" / "archive"
    dbs = {}
    for way in ("local", "cluster"):
        db = tmp / "reparse" / way / "zfxxgk.db"
        db.parent.mkdir(parents=True)
        shutil.copy(world["ref"], db)
        conn = sqlite3.connect(db)
        for table in ("report_cells", "identity_checks", "report_totals", "report_applicants", "report_texts"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("UPDATE reports SET parser_version = '0.0', parse_status = 'error', cell_count = 0")
        conn.commit()
        conn.close()
        dbs[way] = db
    monkeypatch.setenv("ZFXXGK_BROKER", world["redis"].url)
    local = reparse(dbs["local"], archive, only_outdated=True)
    spread = reparse(dbs["cluster"], archive, only_outdated=True, parse_all=cluster.parse_on_cluster)
    assert local.reports == spread.reports == 36 and local.missing_blobs == spread.missing_blobs == []
    assert snapshot(dbs["cluster"]) == snapshot(dbs["local"]) == snapshot(world["ref"])


def test_without_a_coordinator_the_broker_redelivers_a_dead_workers_task(world):
    """The fallback when the cycle is gone too: a crawl task sent alone, its worker SIGKILLed
    mid-crawl, is delivered again by Redis once the visibility timeout has passed (late
    acknowledgement), to another worker that finishes the bucket from its shard."""
    from zfxxgk import cluster

    tmp, net, redis = world["tmp"], world["net"], world["redis"]
    for w in world["workers"]:
        w.stop()  # their data folder is another one
    data = tmp / "data-fallback"
    env = {**WORKER_ENV, "ZFXXGK_VISIBILITY_TIMEOUT": "8"}
    workers = [Worker(f"f{i}@test", redis.url, data, tmp / f"f{i}.log", env) for i in (1, 2)]
    try:
        ready_workers(redis.url, [w.name for w in workers])
        portal = "gen_001"
        shard = data / "shards" / HELD_BUCKET / "zfxxgk.db"
        urls = [r["url"] for r in net.manifest["reports"] if r["portal"] in HELD_BUCKET_PORTALS]
        held = urlsplit([r["url"] for r in net.manifest["reports"] if r["portal"] == portal][-1]).path
        _demo(net, portal, "hold", held)
        task = cluster.crawl_bucket.apply_async((HELD_BUCKET, HELD_BUCKET_PORTALS),
                                                {"registry": str(net.registry), "delay": 0})

        def crawling():
            holder = redis.client.get("zfxxgk:lock:bucket:" + HELD_BUCKET)
            if holder and shard.exists() and _demo(net, portal, "seen", held) != "0" \
                    and query(shard, "SELECT count(*) FROM report_sightings WHERE portal_id = ?", portal)[0][0] >= 1:
                return holder.decode().split(" ")[0]

        victim = next(w for w in workers if w.name == wait_for(crawling, timeout=HANG, interval=0.2))
        doomed = victim.descendants()
        os.kill(victim.proc.pid, signal.SIGKILL)
        victim.proc.wait(timeout=HANG)
        wait_for(lambda: all(_gone(p) for p in doomed), timeout=HANG)
        _demo(net, portal, "release", held)

        result = task.get(timeout=HANG)
        (survivor,) = [w for w in workers if w is not victim]
        assert (result["status"], result["worker"], result["redelivered"]) == ("ok", survivor.name, True)
        assert sorted(u for (u,) in query(shard, "SELECT url FROM report_sightings")) == sorted(urls)
        assert query(shard, "SELECT status FROM crawl_runs ORDER BY id") == [("killed",), ("ok",)]
    finally:
        for w in workers:
            w.stop()
