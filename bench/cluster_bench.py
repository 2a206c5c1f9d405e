"""Cluster benchmark: the crawl of N generated portals on 1, 2 and 3 workers of this machine.

    python bench/cluster_bench.py [--portals 200] [--reports 20] [--workers 1 2 3] [--latency-ms 0 150]
                                  [--concurrency 1] [--shards 64]

For each latency (0 = loopback at full speed; 150 ms = a portal across the country):
1. serves N generated portals, each on its own loopback address (python -m zfxxgk.demo serve
   --generated N --spread), and starts Debian's redis-server on a free port;
2. for each worker count, starts that many `zfxxgk worker`s on a fresh data folder, crawls every
   portal through the cluster (one task per non-empty bucket of portals, --shards buckets,
   zfxxgk.cluster.crawl_on_cluster, as the nightly cycle does), then merges the shards
   (pipelines.merge);
3. prints pages/s in total and per worker, reports stored, the crawl's wall time and the merge
   time.

Every crawl task starts a `zfxxgk crawl` process (Twisted's reactor cannot be restarted), so a
bucket costs its portals' crawl plus one start-up (1.5-2.5 s of CPU): with one portal per task
the start-up was most of the work on small portals; buckets share it among their portals.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError("condition not met in time")


def stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, sig)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def bench(work: Path, registry: Path, broker: str, workers: int, concurrency: int = 1) -> dict:
    """One crawl of every portal on `workers` workers; the buckets are ZFXXGK_SHARDS's (set by main)."""
    from zfxxgk.pipelines.merge import merge_shards, shard_paths

    from zfxxgk import cluster

    data = work / f"data-{workers}"
    os.environ["ZFXXGK_BROKER"] = broker  # this process is the coordinator, as the nightly cycle is
    procs = [subprocess.Popen([sys.executable, "-m", "zfxxgk.cli", "worker", "--data", str(data), "--name",
                               f"bench{i}@{socket.gethostname()}", "--concurrency", str(concurrency),
                               "--log-level", "WARNING"], cwd=ROOT,
                              env={**os.environ, "ZFXXGK_BROKER": broker}, stdout=subprocess.DEVNULL,
                              stderr=open(work / f"worker-{workers}-{i}.log", "w"))
             for i in range(workers)]
    try:
        app = cluster.connect(broker)
        wait_for(lambda: len(app.control.inspect(timeout=1).ping() or {}) == workers)
        from zfxxgk.scraper.registry import load

        ids = [p.id for p in load(registry)]
        start = time.perf_counter()
        results = cluster.crawl_on_cluster(ids, registry=registry, delay=0, trigger="bench", crawl_args=[],
                                           timeout=6 * 3600, stop=threading.Event())
        crawl_s = time.perf_counter() - start
        merged = merge_shards(data / "zfxxgk.db", shard_paths(data / "shards"), trigger="bench")
    finally:
        for p in procs:
            stop(p)
    conn = sqlite3.connect(data / "zfxxgk.db")
    pages, reports = conn.execute("SELECT (SELECT count(*) FROM fetches), (SELECT count(*) FROM reports)").fetchone()
    conn.close()
    failed = [p for r in results if r.get("status") not in ("ok", "empty") for p in r["portals"]]
    return {"workers": workers, "tasks": len(results), "pages": pages, "reports": reports, "crawl_s": crawl_s, "merge_s": merged.seconds,
            "pages_per_s": pages / crawl_s, "per_worker": pages / crawl_s / workers, "failed": len(failed)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--portals", type=int, default=200)
    ap.add_argument("--reports", type=int, default=20)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--latency-ms", type=float, nargs="+", default=[0, 150])
    ap.add_argument("--concurrency", type=int, default=1, help="crawl tasks at a time per worker")
    ap.add_argument("--shards", type=int, default=64, help="buckets the portals are spread over (ZFXXGK_SHARDS)")
    args = ap.parse_args()
    os.environ["ZFXXGK_SHARDS"] = str(args.shards)  # read by crawl_on_cluster, here the coordinator
    server = shutil.which("redis-server")
    if not server:
        sys.exit("redis-server is not installed (make redis)")
    # one Redis for the whole run: the Celery app keeps its broker connections
    redis_dir = Path(tempfile.mkdtemp(prefix="zfxxgk-cluster-bench-redis-"))
    port = free_port()
    redis = subprocess.Popen([server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                              "--dir", str(redis_dir)], stdout=subprocess.DEVNULL)
    try:
        for latency in args.latency_ms:
            work = Path(tempfile.mkdtemp(prefix="zfxxgk-cluster-bench-"))
            net = subprocess.Popen([sys.executable, "-m", "zfxxgk.demo", "serve", "--generated", str(args.portals),
                                    "--reports-per-portal", str(args.reports), "--latency-ms", str(latency), "--spread",
                                    "--out", str(work / "net")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
            try:
                assert "ready" in net.stdout.readline()
                print(f"{args.portals} portals x {args.reports} reports, latency {latency:.0f} ms, "
                      f"{args.shards} buckets, {args.concurrency} crawl(s) at a time per worker:", flush=True)
                print(f"  {'workers':>7} {'tasks':>5} {'pages':>6} {'reports':>7} {'crawl s':>8} {'pages/s':>8} {'per worker':>10} "
                      f"{'merge s':>8} {'failed':>6}", flush=True)
                for n in args.workers:
                    r = bench(work, work / "net" / "portals.csv", f"redis://127.0.0.1:{port}/0", n, args.concurrency)
                    print(f"  {r['workers']:>7} {r['tasks']:>5} {r['pages']:>6} {r['reports']:>7} {r['crawl_s']:>8.1f} "
                          f"{r['pages_per_s']:>8.1f} {r['per_worker']:>10.1f} {r['merge_s']:>8.2f} {r['failed']:>6}",
                          flush=True)
            finally:
                stop(net)
                shutil.rmtree(work, ignore_errors=True)
    finally:
        stop(redis)
        shutil.rmtree(redis_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
