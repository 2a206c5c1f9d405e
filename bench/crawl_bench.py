"""Crawl benchmark: the full pipeline against a bare Scrapy spider, and the nightly re-crawl.

    python bench/crawl_bench.py [--portals 200] [--reports 20] [--latency-ms 0 150]

For each latency (0 = loopback at full speed; 150 ms = a portal across the country):
1. serves a generated network of N portals on 127.0.0.1 (python -m zfxxgk.demo serve --generated N);
2. runs the full pipeline (`zfxxgk crawl`: fetch, WARC, blobs, parse, SQLite) and records
   pages/s, reports/s and peak memory (RSS of the crawl and its parser worker, sampled);
3. runs a bare Scrapy spider over exactly the requests the crawl made, same concurrency;
4. runs the crawl again (incremental) and compares its time and bytes with the first.

Rates use the crawling time Scrapy measures (spider open to close) for both spiders, so
process start-up is left out of both; whole-command wall times are printed beside them.
Targets: full pipeline >= 80% of the bare rate at a portal's response time (150 ms);
incremental <= 10% of the first run. At 0 ms nothing waits on the network and the comparison
is of CPU: a spider that discards its pages against one that parses and stores them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, peak RSS MiB of it and its children, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    return time.perf_counter() - start, peak / 2**20, proc.stdout.read()


def _seconds(conn, run_id: int) -> float:
    a, b = conn.execute("SELECT started_at, finished_at FROM crawl_runs WHERE id = ?", [run_id]).fetchone()
    f = "%Y-%m-%dT%H:%M:%S.%fZ"
    return (datetime.strptime(b, f) - datetime.strptime(a, f)).total_seconds()


def bench(portals: int, reports: int, latency_ms: float) -> dict:
    work = Path(tempfile.mkdtemp(prefix="zfxxgk-bench-"))
    net = subprocess.Popen([sys.executable, "-m", "zfxxgk.demo", "serve", "--generated", str(portals),
                            "--reports-per-portal", str(reports), "--latency-ms", str(latency_ms),
                            "--out", str(work / "net")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert "ready" in net.stdout.readline()
    db, archive = work / "zfxxgk.db", work / "archive"
    crawl = [sys.executable, "-m", "zfxxgk.cli", "crawl", "--portals", str(work / "net" / "portals.csv"),
             "--db", str(db), "--archive", str(archive), "--delay", "0", "--log-level", "ERROR"]
    try:
        wall1, mem1, _ = timed(crawl)
        conn = sqlite3.connect(db)
        pages1, bytes1 = conn.execute("SELECT count(*), sum(length) FROM fetches WHERE run_id = 1").fetchone()
        n_reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        with open(work / "requests.jsonl", "w", encoding="utf-8") as fh:
            for url, method in conn.execute("SELECT url, method FROM fetches WHERE run_id = 1 AND status IS NOT NULL"):
                body = None
                if method == "POST":  # the Hanweb dataproxy form of the generated columns
                    body = "appid=1&webid=1&path=/&columnid=1229&unitid=77&webname=gen&permissiontype=0&col=1"
                fh.write(json.dumps({"url": url, "method": method, "body": body}) + "\n")
        wallb, memb, out = timed([sys.executable, "bench/bare_spider.py", str(work / "requests.jsonl")])
        bare = json.loads(out.strip().splitlines()[-1])
        wall2, mem2, _ = timed(crawl)
        pages2, bytes2 = conn.execute("SELECT count(*), coalesce(sum(length), 0) FROM fetches WHERE run_id = 2").fetchone()
        new2 = conn.execute("SELECT new_reports + new_versions FROM crawl_runs WHERE id = 2").fetchone()[0]
        t1, t2 = _seconds(conn, 1), _seconds(conn, 2)
        conn.close()
    finally:
        os.kill(net.pid, signal.SIGTERM)
        net.wait()
    return {"latency": latency_ms, "t1": t1, "wall1": wall1, "pages1": pages1, "bytes1": bytes1, "mem1": mem1,
            "reports": n_reports, "tb": bare["seconds"], "wallb": wallb, "pagesb": bare["responses"],
            "bytesb": bare["bytes"], "memb": memb, "t2": t2, "wall2": wall2, "pages2": pages2, "bytes2": bytes2,
            "mem2": mem2, "new2": new2, "work": str(work)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--portals", type=int, default=200)
    ap.add_argument("--reports", type=int, default=20, help="reports per portal")
    ap.add_argument("--latency-ms", type=float, nargs="+", default=[0, 150])
    args = ap.parse_args()
    print(f"generated network: {args.portals} portals x {args.reports} reports (+4 decoys each) on 127.0.0.1; "
          f"{os.cpu_count()} cores")
    for latency in args.latency_ms:
        r = bench(args.portals, args.reports, latency)
        print(f"\nlatency {latency:g} ms per response")
        print(f"  {'run':32} {'crawl s':>8} {'wall s':>7} {'pages':>6} {'pages/s':>8} {'reports/s':>9} "
              f"{'MB recv':>8} {'peak RSS':>9}")
        print(f"  {'full pipeline, first crawl':32} {r['t1']:8.1f} {r['wall1']:7.1f} {r['pages1']:6d} "
              f"{r['pages1'] / r['t1']:8.1f} {r['reports'] / r['t1']:9.1f} {r['bytes1'] / 1e6:8.2f} {r['mem1']:7.0f}MB")
        print(f"  {'bare Scrapy, same requests':32} {r['tb']:8.1f} {r['wallb']:7.1f} {r['pagesb']:6d} "
              f"{r['pagesb'] / r['tb']:8.1f} {'':9} {r['bytesb'] / 1e6:8.2f} {r['memb']:7.0f}MB")
        print(f"  {'incremental re-crawl':32} {r['t2']:8.1f} {r['wall2']:7.1f} {r['pages2']:6d} "
              f"{r['pages2'] / r['t2']:8.1f} {'':9} {r['bytes2'] / 1e6:8.2f} {r['mem2']:7.0f}MB")
        target = "target >= 80%" if latency >= 100 else "no network wait: a comparison of CPU, see the README"
        print(f"  full pipeline: {100 * (r['pages1'] / r['t1']) / (r['pagesb'] / r['tb']):.0f}% of the bare rate "
              f"({target}); {r['reports']} reports archived")
        print(f"  incremental: {100 * r['t2'] / r['t1']:.1f}% of the first crawl's time "
              f"({100 * r['wall2'] / r['wall1']:.1f}% wall), {100 * r['bytes2'] / r['bytes1']:.2f}% of its bytes, "
              f"{r['new2']} new (target <= 10%)")


if __name__ == "__main__":
    main()
