"""The nightly work spread over machines: a Celery app on a Redis broker, its tasks, and what
`zfxxgk status` shows of it. Imported only when ZFXXGK_BROKER is set: the single-machine path
never imports Celery.

- **Crawl, sharded by bucket of portals.** A portal's bucket is a stable hash of its id (sha1,
  not Python's per-process hash()) modulo a fixed number of buckets (ZFXXGK_SHARDS, default
  64): one `zfxxgk crawl` process per portal cost more CPU in start-up than a small portal's
  crawl, so `crawl_bucket` crawls a whole bucket in one process, holding the bucket's lock in
  Redis (`lock.ClusterLock`) for the whole crawl: each portal is crawled by one worker at a
  time and its concurrency and delay hold across the cluster. It runs the normal `zfxxgk crawl
  --only <id> --only <id> ...` as a child process (Twisted's reactor cannot be restarted), into
  the bucket's shard database on the shared data folder (data/shards/<bucket>/zfxxgk.db) and the
  shared archive. The shard keeps its portals' whole crawl state (verdicts, validators, listing
  memory), whichever worker crawls it next, so crawls stay incremental, and a task redelivered
  after its worker died skips every report already stored. The bucket's name carries the count
  ("7-of-64"): changing ZFXXGK_SHARDS moves portals into new shards, where each crawls once in
  full; the merge goes by natural keys, so the merged database stays right.
- **Delivery.** Late acknowledgement with one task prefetched: a task is acknowledged only when
  it has finished, and the task of a worker that died (SIGKILL, power) is delivered again once
  the broker's visibility timeout has passed (ZFXXGK_VISIBILITY_TIMEOUT). It has to exceed the
  longest crawl of one bucket, since Redis then redelivers a task that is still running too: a
  second delivery waits for the bucket's lock and, finding the task done, returns its result.
  The coordinator does not wait that long: a task whose bucket lock expired while it was
  crawling lost its worker, and is sent again at once (`_resend_orphans`).
- **Dying together.** The crawl child is killed by the kernel when its worker dies
  (PR_SET_PDEATHSIG), and its parser workers end with it: a dead worker leaves nothing running,
  and nothing writing the shard once another worker takes the bucket over.
- **Re-parse, sharded by document.** `reparse_report` parses one report's document and
  attachments from the shared blob store and returns the result as JSON (no pickles: a worker
  that accepted them would run whatever the broker sent it); the coordinator stores them in
  order with pipelines.reparse's own store step.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from celery import Celery

from .config import Paths
from .lock import HELD_BY_PARENT, ClusterLock, broker_url, redis_client

log = logging.getLogger("zfxxgk.cluster")

QUEUE = "zfxxgk"
TASKS_KEY = "zfxxgk:tasks"  # task id -> what it is doing (for `zfxxgk status`)
DONE_KEY = "zfxxgk:done:"  # + task id: the result of a crawl task that finished
BUCKET_LOCK = "zfxxgk:lock:bucket:"  # + bucket name


def visibility_timeout() -> float:
    """Seconds before Redis delivers an unacknowledged task again (default 7 h: above the longest
    crawl of one bucket, since Redis cannot tell a running task from a dead worker's)."""
    return float(os.environ.get("ZFXXGK_VISIBILITY_TIMEOUT", "25200"))


def bucket_lock_ttl() -> float:
    return float(os.environ.get("ZFXXGK_BUCKET_LOCK_TTL", "60"))


def shard_count() -> int:
    """How many buckets the portals are spread over (ZFXXGK_SHARDS): fixed, not portals per
    bucket, so a portal stays in its bucket (and its crawl state in its shard) as the registry
    grows; enough buckets for every worker to have some, few enough that each holds several
    portals to share one crawl process's start-up."""
    return int(os.environ.get("ZFXXGK_SHARDS", "64"))


def bucket_of(portal_id: str, shards: int) -> str:
    """The portal's bucket: the same on every machine and in every process."""
    return f"{int(hashlib.sha1(portal_id.encode()).hexdigest(), 16) % shards}-of-{shards}"


def buckets(portal_ids: list[str], shards: int) -> dict[str, list[str]]:
    """The non-empty buckets and their portals, each in the order given."""
    out: dict[str, list[str]] = {}
    for pid in portal_ids:
        out.setdefault(bucket_of(pid, shards), []).append(pid)
    return out


app = Celery("zfxxgk", set_as_current=False)


def connect(url: str | None = None) -> Celery:
    """The app, configured for the broker at `url` (default ZFXXGK_BROKER)."""
    url = url or broker_url()
    if not url:
        raise RuntimeError("no broker configured: set ZFXXGK_BROKER=redis://HOST:6379/0")
    app.conf.update(
        broker_url=url, result_backend=url, task_default_queue=QUEUE,
        # acknowledged when done, one task reserved at a time: a killed worker's task stays in
        # Redis's unacknowledged set and is delivered again after the visibility timeout (the
        # workers run threads, so there is no pool child whose loss Celery could reject on)
        task_acks_late=True, worker_prefetch_multiplier=1,
        result_expires=7 * 86400, broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility_timeout(),
            # look for the unacknowledged tasks of dead workers every few seconds, not every 100
            "unacked_restore_interval": max(1, min(10, int(visibility_timeout() / 4))), "unacked_restore_throttle": 1,
        },
        result_backend_transport_options={"visibility_timeout": visibility_timeout()},
    )
    return app


# -- what the worker does ------------------------------------------------------------------------

# The crawl child's first code on Linux: have the kernel SIGKILL it when its worker dies, even by
# SIGKILL (PR_SET_PDEATHSIG, kept across exec), then become `zfxxgk crawl`. A crawl is safe to
# kill at any moment (WARC recovery, one transaction per report), and a graceful stop could
# still be writing the shard when another worker takes the portal over. If the worker is
# already gone, the crawl does not start.
DIE_WITH_WORKER = """\
import ctypes, os, sys
ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)
os.execv(sys.argv[2], sys.argv[2:])
"""


def _note(client, task_id: str, **fields) -> None:
    """Record what a task is doing, for `zfxxgk status` (only that task's deliveries write its entry)."""
    raw = client.hget(TASKS_KEY, task_id)
    client.hset(TASKS_KEY, task_id, json.dumps({**(json.loads(raw) if raw else {}), **fields}, ensure_ascii=False))


@app.task(bind=True, name="zfxxgk.crawl_bucket")
def crawl_bucket(self, bucket: str, portal_ids: list[str], registry: str | None = None, delay: float | None = None,
                 trigger: str = "cluster", crawl_args: list[str] | tuple = (), timeout: float = 6 * 3600) -> dict:
    client = redis_client(app.conf.broker_url)
    task_id = self.request.id
    worker = self.request.hostname or socket.gethostname()
    earlier = json.loads(client.hget(TASKS_KEY, task_id) or "{}")  # a delivery of this task before
    redelivered = bool((self.request.delivery_info or {}).get("redelivered")) or bool(earlier)
    _note(client, task_id, bucket=bucket, portals=list(portal_ids), worker=worker,
          state="waiting for the bucket's lock", redelivered=redelivered,
          deliveries=earlier.get("deliveries", 0) + 1, since=time.time())
    with ClusterLock(client, BUCKET_LOCK + bucket, f"{worker} task {task_id}", ttl=bucket_lock_ttl(),
                     wait=timeout + bucket_lock_ttl()) as lock:
        done = client.get(DONE_KEY + task_id)
        if done:  # a second delivery of a task that finished meanwhile
            result = json.loads(done)
        else:
            _note(client, task_id, state="crawling", since=time.time())
            result = _crawl(bucket, list(portal_ids), registry, delay, trigger, list(crawl_args), timeout, lock)
            result.update(task=task_id, worker=worker, redelivered=redelivered)
            client.set(DONE_KEY + task_id, json.dumps(result, ensure_ascii=False), ex=7 * 86400)
        # still under the lock: a task seen crawling without its lock is one whose worker died
        _note(client, task_id, state="done", status=result["status"], since=time.time())
    return result


def _crawl(bucket: str, portal_ids: list[str], registry, delay, trigger: str, crawl_args: list[str],
           timeout: float, lock: ClusterLock) -> dict:
    from zfxxgk.pipelines.db import open_db

    paths = Paths.from_env()
    shard = paths.shard(bucket)
    shard.parent.mkdir(parents=True, exist_ok=True)
    only = [a for pid in portal_ids for a in ("--only", pid)]
    cmd = [sys.executable, "-m", "zfxxgk.cli", "crawl", *only, "--db", str(shard), "--archive", str(paths.archive),
           "--trigger", trigger, "--log-level", "WARNING", "--no-progress", *crawl_args]
    if registry:
        cmd += ["--portals", str(registry)]
    if delay is not None:
        cmd += ["--delay", str(delay)]
    # the bucket's lock is this crawl's: the child does not take the shard's run lock again
    env = {**os.environ, HELD_BY_PARENT: str(Paths(shard.parent).lock.resolve())}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", DIE_WITH_WORKER, str(os.getpid()), *cmd], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    relay = threading.Thread(target=_relay, args=(proc, bucket), daemon=True)
    relay.start()
    outcome: int | str
    while True:
        try:
            outcome = proc.wait(timeout=1)
            break
        except subprocess.TimeoutExpired:
            pass
        if lock.lost.is_set() or time.monotonic() - started > timeout:
            proc.kill()
            proc.wait()
            outcome = "lock lost" if lock.lost.is_set() else "timeout"
            break
    relay.join(timeout=5)
    db = open_db(shard)
    try:
        run = db.execute("SELECT id, status, summary FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        db.conn.close()
    run_id, status, summary = run or (None, "failed", "the crawl did not start")
    if isinstance(outcome, str):
        status, summary = "failed", f"crawl stopped: {outcome}"
    return {"bucket": bucket, "portals": portal_ids, "exit_code": outcome, "run_id": run_id, "status": status,
            "summary": summary, "seconds": round(time.monotonic() - started, 1)}


def _relay(proc, bucket: str) -> None:
    for line in proc.stdout:
        log.info("crawl of bucket %s: %s", bucket, line.rstrip())


@app.task(name="zfxxgk.reparse_report")
def reparse_report(job: dict) -> dict:
    """Parse one archived report (document and attachments) from the shared archive."""
    from zfxxgk.pipelines.reparse import Job, parse_job

    return parse_job(Paths.from_env().archive, Job.from_json(job)).to_json()


def run_worker(name: str | None, concurrency: int, loglevel: str = "INFO") -> None:
    """A Celery worker on this machine: threads, so the control commands (`zfxxgk status`'s ping
    and active) are answered while a crawl runs; one crawl child per thread."""
    connect()
    app.worker_main(["worker", "--pool", "threads", "--concurrency", str(concurrency), "--queues", QUEUE,
                     "--hostname", name or f"zfxxgk-{os.getpid()}@{socket.gethostname()}",
                     "--loglevel", loglevel, "--without-gossip", "--without-mingle"])


# -- what the coordinator does ---------------------------------------------------------------------

def crawl_on_cluster(portal_ids: list[str], *, registry: Path | None, delay: float | None, trigger: str,
                     crawl_args: list[str], timeout: float, stop: threading.Event) -> list[dict]:
    """One crawl task per non-empty bucket of the portals (ZFXXGK_SHARDS buckets); wait until all
    are done (or the time limit, or `stop`).

    Returns one result per bucket, with its portals; a bucket whose task raised or did not
    finish has status 'error' and the reason.
    """
    connect()
    client = redis_client(app.conf.broker_url)
    client.delete(TASKS_KEY)  # `zfxxgk status` shows the tasks of this cycle
    options = {"registry": str(registry) if registry else None, "delay": delay, "trigger": trigger,
               "crawl_args": crawl_args, "timeout": timeout}
    groups = buckets(portal_ids, shard_count())
    pending = {b: crawl_bucket.apply_async((b, pids), options) for b, pids in groups.items()}
    deadline = time.monotonic() + timeout
    while not all(r.ready() for r in pending.values()) and not stop.is_set() and time.monotonic() < deadline:
        _resend_orphans(client, groups, pending, options)
        time.sleep(1)
    results = []
    for b, r in pending.items():
        if not r.ready():
            results.append({"bucket": b, "portals": groups[b], "status": "error", "summary": "not finished"})
        elif r.successful():
            results.append(r.result)
        else:
            results.append({"bucket": b, "portals": groups[b], "status": "error",
                            "summary": f"{type(r.result).__name__}: {r.result}"})
    return results


def _resend_orphans(client, groups: dict[str, list[str]], pending: dict, options: dict) -> None:
    """Send again, under the same id, each crawl task whose worker died: it was crawling and its
    bucket's lock has expired (nobody renews it). Its bucket is taken over a lock's time to live
    after the death, not a visibility timeout later (which must exceed the longest crawl); the
    broker's own redelivery stays the fallback when the coordinator is gone too, and a second
    copy of a task that finished returns its result without crawling."""
    for b, r in pending.items():
        raw = client.hget(TASKS_KEY, r.id)
        if r.ready() or not raw or json.loads(raw).get("state") != "crawling" or client.exists(BUCKET_LOCK + b):
            continue
        log.warning("bucket %s: the worker crawling it is gone; sending its task again", b)
        _note(client, r.id, state="sent again: its worker died")
        crawl_bucket.apply_async((b, groups[b]), options, task_id=r.id)


def parse_on_cluster(jobs, timeout: float = 3600):
    """pipelines.reparse's parse_all on the cluster: one task per report, results in order."""
    from zfxxgk.pipelines.reparse import Parsed

    connect()
    pending = [reparse_report.apply_async((job.to_json(),)) for job in jobs]
    for r in pending:
        parsed = Parsed.from_json(r.get(timeout=timeout))
        r.forget()
        yield parsed


def status(timeout: float = 1.0) -> dict:
    """Workers and what they run, queue depth, bucket locks, and the tasks redelivered or stuck."""
    connect()
    client = redis_client(app.conf.broker_url)
    inspect = app.control.inspect(timeout=timeout)
    workers = sorted(inspect.ping() or {})
    active = inspect.active() or {}
    locks = {}
    for key in client.scan_iter(BUCKET_LOCK + "*"):
        value = client.get(key)
        if value:
            locks[key.decode()[len(BUCKET_LOCK):]] = value.decode(errors="replace")
    tasks = {tid.decode(): json.loads(v) for tid, v in client.hgetall(TASKS_KEY).items()}
    # the portals a bucket lock covers: those of this cycle's task for the bucket
    portals = {t["bucket"]: t.get("portals", []) for t in tasks.values() if t.get("bucket")}
    return {
        "workers": {w: [f"{t['name']}{tuple(t.get('args') or ())}" for t in active.get(w, [])] for w in workers},
        "queued": client.llen(QUEUE),
        "unacknowledged": client.hlen("unacked"),  # delivered, not finished (kombu's Redis transport)
        "bucket_locks": {b: {"holder": who, "portals": portals.get(b, [])} for b, who in locks.items()},
        "redelivered": {tid: t for tid, t in tasks.items() if t.get("deliveries", 0) > 1 or t.get("redelivered")},
        # crawling, but nobody holds its bucket's lock: its worker died; waits for redelivery
        "stuck": {tid: t for tid, t in tasks.items() if t.get("state") == "crawling" and t.get("bucket") not in locks},
        "tasks": tasks,
    }
