"""One nightly cycle: crawl, re-parse what an older parser read, refresh the search index, publish.

The crawl runs as a child process (`zfxxgk crawl`) with a time limit: Twisted's reactor
cannot be restarted in one process, a hung crawl must not block the next night
(APScheduler will not kill a job), and a crash or a browser leak dies with the child. The
cycle holds the run lock throughout; SIGTERM is passed on to the crawl, which stops
gracefully and records itself as aborted, and the cycle records itself as interrupted.
Nothing is published from an interrupted or failed cycle.

With a broker (ZFXXGK_BROKER=redis://...), the same cycle runs on the cluster: one crawl task
per bucket of the registry's portals (a stable hash of the id, ZFXXGK_SHARDS buckets), each
worker crawling a bucket's portals in one process into the bucket's shard (zfxxgk/cluster.py);
then the shards are merged into the working database (pipelines/merge.py), the re-parse is
spread over the workers, and indexing and publishing go on here as before. The run lock is
then the cluster's (zfxxgk/lock.py). Without a broker nothing of Celery is imported.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from zfxxgk.pipelines.db import ensure_schema, open_db, transaction, utcnow
from zfxxgk.pipelines.reparse import reparse
from zfxxgk.pipelines.store import refresh_search

from .config import Paths
from .lock import LockBusy, RunLock, broker_url, cluster_parse_all
from .publish import PublishError, publish

log = logging.getLogger("zfxxgk.cycle")

EXIT_OK, EXIT_FAILED, EXIT_BUSY, EXIT_INTERRUPTED = 0, 1, 2, 143


@dataclass
class CycleConfig:
    paths: Paths
    portals: Path | None = None
    crawl_timeout: float = 6 * 3600
    delay: float | None = None
    trigger: str = "scheduler"
    crawl_args: list[str] = field(default_factory=list)


@dataclass
class CycleResult:
    status: str  # ok, nothing_new, failed, interrupted, busy
    message: str
    exit_code: int


STOP = threading.Event()


def request_stop(*_args) -> None:
    """Signal handler: finish the cycle cleanly (the crawl is told to stop)."""
    STOP.set()


def run_cycle(cfg: CycleConfig) -> CycleResult:
    try:
        with RunLock(cfg.paths.lock, "cycle") as lock:
            return _cycle(cfg, lock)
    except LockBusy as exc:
        log.warning("%s", exc)
        return CycleResult("busy", str(exc), EXIT_BUSY)


def _cycle(cfg: CycleConfig, lock: RunLock) -> CycleResult:
    paths = cfg.paths
    db = open_db(paths.db)
    ensure_schema(db)
    with transaction(db):
        cycle_id = db.conn.execute(
            "INSERT INTO cycles (started_at, status, trigger, pid) VALUES (?, 'running', ?, ?)",
            [utcnow(), cfg.trigger, os.getpid()]).lastrowid
    steps: dict = {}
    log.info("cycle %s: started", cycle_id)

    def at(step: str) -> None:
        """Record the step under way (crawl, reparse, index, publish) in the cycle's row.

        While a cycle runs, `steps` holds the steps done so far and "current", and `message`
        says what it is doing: `zfxxgk status` shows where a long cycle is, and a test can
        wait for a step instead of guessing how long the ones before it take.
        """
        with transaction(db):
            db.conn.execute("UPDATE cycles SET steps = ?, message = ? WHERE id = ?",
                            [json.dumps({**steps, "current": step}, ensure_ascii=False), f"{step} in progress",
                             cycle_id])

    def finish(status: str, message: str, code: int, **fields) -> CycleResult:
        with transaction(db):
            db.conn.execute(
                "UPDATE cycles SET finished_at = ?, status = ?, message = ?, steps = ?, crawl_run_id = ?, "
                "new_reports = ?, new_versions = ?, reparsed = ?, indexed = ?, published_at = ? WHERE id = ?",
                [utcnow(), status, message, json.dumps(steps, ensure_ascii=False), fields.get("crawl_run_id"),
                 fields.get("new_reports"), fields.get("new_versions"), fields.get("reparsed"),
                 fields.get("indexed"), fields.get("published_at"), cycle_id])
        log.info("cycle %s: %s: %s", cycle_id, status, message)
        return CycleResult(status, message, code)

    # 1. crawl, in a child process with a time limit (or on the cluster, then merged)
    at("crawl")
    started = time.monotonic()
    if broker_url():
        run, outcome = _crawl_on_cluster(cfg, steps, at)
    else:
        before = db.execute("SELECT coalesce(max(id), 0) FROM crawl_runs").fetchone()[0]
        cmd = [sys.executable, "-m", "zfxxgk.cli", "crawl", "--db", str(paths.db), "--archive", str(paths.archive),
               "--trigger", cfg.trigger, *cfg.crawl_args]
        if cfg.portals:
            cmd += ["--portals", str(cfg.portals)]
        if cfg.delay is not None:
            cmd += ["--delay", str(cfg.delay)]
        outcome = _run_child(cmd, lock.child_env(), cfg.crawl_timeout)
        steps["crawl"] = {"exit_code": outcome, "seconds": round(time.monotonic() - started, 1)}
        run = db.execute("SELECT id, status, new_reports, new_versions, summary FROM crawl_runs WHERE id > ? "
                         "ORDER BY id DESC LIMIT 1", [before]).fetchone()
    crawl_run_id, crawl_status, new_reports, new_versions, summary = run or (None, None, 0, 0, None)
    fields = {"crawl_run_id": crawl_run_id, "new_reports": new_reports, "new_versions": new_versions}
    if STOP.is_set():
        return finish("interrupted", "stopped by a signal during the crawl; nothing published", EXIT_INTERRUPTED, **fields)
    if outcome == "timeout":
        return finish("failed", f"crawl exceeded {cfg.crawl_timeout:.0f} s and was stopped; nothing published",
                      EXIT_FAILED, **fields)
    if run is None or crawl_status in ("failed", "aborted", "running"):
        return finish("failed", f"crawl {crawl_status or 'did not start'}: {summary or ''}; nothing published",
                      EXIT_FAILED, **fields)

    # 2. re-parse what an older parser version read; 3. index new texts
    at("reparse")
    result = reparse(paths.db, paths.archive, only_outdated=True, parse_all=cluster_parse_all())
    steps["reparse"] = {"reports": result.reports, "seconds": round(result.seconds, 1)}
    at("index")
    indexed = refresh_search(db)
    steps["index"] = {"added": indexed}
    fields.update(reparsed=result.reports, indexed=indexed)
    if STOP.is_set():
        return finish("interrupted", "stopped by a signal before publishing", EXIT_INTERRUPTED, **fields)

    # 4. publish, only if something changed (or nothing was ever published)
    changed = (new_reports or 0) + (new_versions or 0) + result.reports
    if changed == 0 and paths.published.exists():
        return finish("nothing_new", f"nothing new: {summary}; the published copy is unchanged", EXIT_OK, **fields)
    at("publish")
    try:
        pub = publish(paths.db, paths.published)
    except (PublishError, OSError) as exc:
        steps["publish"] = {"error": str(exc)}
        return finish("failed", f"publishing failed, the previous copy stays: {exc}", EXIT_FAILED, **fields)
    steps["publish"] = {"reports": pub.reports, "bytes": pub.size}
    fields["published_at"] = utcnow()
    return finish("ok", f"{summary}; published {pub.reports} reports", EXIT_OK, **fields)


def _crawl_on_cluster(cfg: CycleConfig, steps: dict, at) -> tuple[tuple | None, int | str]:
    """Crawl every portal of the registry on the cluster, bucket by bucket, then merge the shards here.

    Returns the merged run's (id, status, new reports, new versions, summary), or None if no
    shard had anything to merge, and "timeout" or 0 as the crawl's outcome.
    """
    from zfxxgk.pipelines.merge import merge_shards, shard_paths
    from zfxxgk.scraper.registry import RegistryError, load

    from .cluster import crawl_on_cluster

    started = time.monotonic()
    try:
        portal_ids = [p.id for p in load(cfg.portals)]
    except RegistryError as exc:
        steps["crawl"] = {"error": str(exc)}
        return None, 0
    results = crawl_on_cluster(portal_ids, registry=cfg.portals, delay=cfg.delay, trigger=cfg.trigger,
                               crawl_args=cfg.crawl_args, timeout=cfg.crawl_timeout, stop=STOP)
    unfinished = [r["bucket"] for r in results if r.get("summary") == "not finished"]
    steps["crawl"] = {"tasks": len(results), "seconds": round(time.monotonic() - started, 1),
                      "workers": sorted({r["worker"] for r in results if r.get("worker")}),
                      # the portals of the buckets whose task was delivered again
                      "redelivered": sorted(p for r in results if r.get("redelivered") for p in r["portals"]),
                      "errors": {r["bucket"]: r.get("summary") for r in results if r.get("status") == "error"}}
    at("merge")
    merged = merge_shards(cfg.paths.db, shard_paths(cfg.paths.shards), trigger=cfg.trigger)
    steps["merge"] = {"shards": merged.shards, "shard_runs": merged.shard_runs, "new_reports": merged.new_reports,
                      "new_versions": merged.new_versions, "seconds": round(merged.seconds, 1)}
    run = None
    if merged.run_id is not None:
        run = (merged.run_id, merged.status, merged.new_reports, merged.new_versions, merged.summary)
    return run, ("timeout" if unfinished and not STOP.is_set() else 0)


def _run_child(cmd: list[str], env: dict, timeout: float) -> int | str:
    """Run the crawl; pass SIGTERM on when asked to stop; stop it at the time limit."""
    log.info("running: %s", " ".join(cmd))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    reader = threading.Thread(target=_relay, args=(proc,), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    forwarded = False
    while proc.poll() is None:
        if STOP.is_set() and not forwarded:
            proc.send_signal(signal.SIGTERM)  # Scrapy finishes in-flight requests and closes cleanly
            forwarded = True
        if time.monotonic() > deadline:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            reader.join(timeout=5)
            return "timeout"
        time.sleep(0.2)
    reader.join(timeout=5)
    return proc.returncode


def _relay(proc) -> None:
    for line in proc.stdout:
        log.info("crawl: %s", line.rstrip())
