"""The nightly job: APScheduler runs one cycle (crawl, re-parse, index, publish) every night.

    python scheduler.py                 # run forever; a cycle at 02:00 Asia/Shanghai
    python scheduler.py --at 03:30      # another time (or ZFXXGK_AT=03:30)
    python scheduler.py --cron "0 2 * * 1-5" --timezone Asia/Shanghai   (or ZFXXGK_CRON, ZFXXGK_TZ)
    python scheduler.py --once          # one cycle now; exit 0 ok / 1 failed / 2 busy / 143 stopped

The schedule lives in a SQLite job store beside the data (not in the archive database), under
a fixed job id replaced at every start, so a restart keeps one schedule, never two. Missed
runs (the machine was down at 02:00) run when it is back, within hours, and collapse into one.
One cycle at a time: max_instances=1 here, and the run lock across processes.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import signal
import sys
import threading
import time
from pathlib import Path

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from zfxxgk.config import Paths
from zfxxgk.cycle import CycleConfig, request_stop, run_cycle

JOB_ID = "zfxxgk-nightly-cycle"
MISFIRE_GRACE = 6 * 3600  # a machine back by 08:00 still runs the 02:00 cycle
log = logging.getLogger("zfxxgk.scheduler")
RUNNING = threading.Event()


def setup_logging(logs: Path, level: str = "INFO") -> None:
    logs.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    rotating = logging.handlers.RotatingFileHandler(logs / "zfxxgk.log", maxBytes=10 * 2**20, backupCount=10,
                                                    encoding="utf-8")
    stdout = logging.StreamHandler(sys.stdout)
    root = logging.getLogger()
    root.setLevel(level)
    for h in (rotating, stdout):
        h.setFormatter(fmt)
        root.addHandler(h)


def nightly(config: dict) -> int:
    """The scheduled job. Plain-data arguments: the job store pickles them."""
    RUNNING.set()
    try:
        cfg = CycleConfig(paths=Paths(Path(config["data"])),
                          portals=Path(config["portals"]) if config.get("portals") else None,
                          crawl_timeout=float(config.get("crawl_timeout", 6 * 3600)),
                          delay=float(config["delay"]) if config.get("delay") is not None else None)
        result = run_cycle(cfg)
        log.info("cycle %s (exit %s): %s", result.status, result.exit_code, result.message)
        return result.exit_code
    finally:
        RUNNING.clear()


_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def cron_day_of_week(field: str) -> str:
    """A crontab day-of-week field in APScheduler's terms.

    crontab counts 0 (and 7) = Sunday; APScheduler 3's cron trigger counts 0 = Monday, so
    "1-5" would silently mean Tuesday to Saturday. Numbers become day names.
    """
    if field == "*" or not any(ch.isdigit() for ch in field):
        return field
    days: set[int] = set()
    for part in field.split(","):
        rng, _, step = part.partition("/")
        step_n = int(step) if step else 1
        if rng == "*":
            lo, hi = 0, 6
        elif "-" in rng:
            lo, hi = (int(x) for x in rng.split("-"))
        else:
            lo = hi = int(rng)
        days.update(d % 7 for d in range(lo, hi + 1, step_n))
    return ",".join(_DAYS[d] for d in sorted(days))


def trigger_from(at: str | None, cron: str | None, tz: str) -> CronTrigger:
    if cron:
        minute, hour, day, month, dow = cron.split()
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=cron_day_of_week(dow),
                           timezone=tz)
    hour, minute = (at or "02:00").split(":")
    return CronTrigger(hour=int(hour), minute=int(minute), timezone=tz)


def build_scheduler(config: dict, trigger: CronTrigger, jobs_db: Path, scheduler_cls=BlockingScheduler):
    jobs_db.parent.mkdir(parents=True, exist_ok=True)
    scheduler = scheduler_cls(timezone=trigger.timezone,
                              jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{jobs_db}")},
                              job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE})
    # by textual reference: the persistent store keeps "zfxxgk.schedule:nightly", not a pickled function
    scheduler.add_job("zfxxgk.schedule:nightly", trigger, args=[config], id=JOB_ID,
                      name="crawl, re-parse, index, publish", replace_existing=True)

    def on_event(event):
        if event.code == EVENT_JOB_ERROR:
            log.error("cycle raised: %s", event.exception)
        elif event.code == EVENT_JOB_MISSED:
            log.error("cycle missed its time %s (machine down longer than the grace time?)", event.scheduled_run_time)
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            log.error("cycle skipped: the previous one is still running")

    scheduler.add_listener(on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    return scheduler


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="The zfxxgk-archive nightly scheduler.")
    ap.add_argument("--once", action="store_true", help="run one cycle now and exit with its status")
    ap.add_argument("--at", default=os.environ.get("ZFXXGK_AT", "02:00"), help="daily time HH:MM (default 02:00)")
    ap.add_argument("--cron", default=os.environ.get("ZFXXGK_CRON"), help="crontab expression; overrides --at")
    ap.add_argument("--timezone", default=os.environ.get("ZFXXGK_TZ", "Asia/Shanghai"))
    ap.add_argument("--data", default=os.environ.get("ZFXXGK_DATA", "data"), help="data folder (default data/)")
    ap.add_argument("--portals", default=os.environ.get("ZFXXGK_PORTALS"), help="registry CSV (default: shipped)")
    ap.add_argument("--crawl-timeout", type=float, default=float(os.environ.get("ZFXXGK_CRAWL_TIMEOUT", 6 * 3600)),
                    help="seconds before a crawl is stopped (default 6 h)")
    ap.add_argument("--delay", type=float, default=None, help="politeness delay passed to the crawl")
    ap.add_argument("--log-level", default=os.environ.get("ZFXXGK_LOG_LEVEL", "INFO"))
    args = ap.parse_args(argv)
    paths = Paths.from_env(args.data)
    setup_logging(paths.logs, args.log_level)
    config = {"data": str(paths.data), "portals": args.portals, "crawl_timeout": args.crawl_timeout,
              "delay": args.delay}
    signal.signal(signal.SIGTERM, request_stop)
    if args.once:
        signal.signal(signal.SIGINT, request_stop)
        return nightly(config)
    trigger = trigger_from(args.at, args.cron, args.timezone)
    scheduler = build_scheduler(config, trigger, paths.jobs)

    def stop(signum, frame):
        request_stop()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler started: %s; data in %s", trigger, paths.data)
    scheduler.start()  # blocks until stopped
    if RUNNING.is_set():
        log.info("waiting for the running cycle to stop cleanly")
        while RUNNING.is_set():
            time.sleep(0.5)
    log.info("scheduler stopped")
    return 0

