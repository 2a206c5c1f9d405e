"""Running one crawl: the Scrapy settings `zfxxgk crawl` builds, its output, and the run's summary.

A crawl runs in the calling process (Twisted's reactor cannot be restarted, so one process
runs one crawl; the scheduler starts `zfxxgk crawl` as a subprocess for each night).

Output: Scrapy's own log (start-up boilerplate, settings, the stats dump, tracebacks) goes to
a log file (data/logs/crawl-<time>.log next to the database, or --log-file). The terminal gets
the crawl's own messages, one line each (an expected failure, such as a refused connection or a
timeout, is one line, never a traceback), at WARNING unless --log-level says otherwise; an
unexpected error from Scrapy is one line pointing at the log file. On a terminal (stderr is a
TTY) a progress line is kept up to date: portals done of total, pages, reports found, errors,
pages rendered, elapsed time.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path


def crawl_settings(*, db: Path, archive: Path, portals: Path | None, only: list[str] | None,
                   delay: float | None, trigger: str, recheck_days: float | None, full: bool = False,
                   log_level: str | None = None, log_file: Path | None = None) -> dict:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "zfxxgk.scraper.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("ZFXXGK_DB", str(db))
    settings.set("ZFXXGK_ARCHIVE", str(archive))
    settings.set("ZFXXGK_PORTALS", str(portals) if portals else "")
    settings.set("ZFXXGK_ONLY", list(only or []))
    settings.set("ZFXXGK_TRIGGER", trigger)
    settings.set("ZFXXGK_FULL", full)
    if recheck_days is not None:
        settings.set("ZFXXGK_RECHECK_DAYS", recheck_days)
    if delay is not None:
        settings.set("DOWNLOAD_DELAY", delay)
        settings.set("AUTOTHROTTLE_START_DELAY", delay)
        settings.set("DOWNLOAD_DELAY_JITTER", 0.5 if delay > 0 else 0)
        if delay == 0:
            # local demo and test portals: no politeness delay, no backoff waits
            settings.set("AUTOTHROTTLE_ENABLED", False)
            settings.set("RETRY_BACKOFF_BASE", 0.2)
    # the log file takes everything from INFO (DEBUG when asked); the terminal what was asked
    settings.set("LOG_LEVEL", "DEBUG" if log_level == "DEBUG" else "INFO")
    settings.set("LOG_FILE", str(log_file or default_log_file(db)))
    settings.set("LOG_FILE_APPEND", True)
    settings.set("LOG_STDOUT", False)
    return settings


def default_log_file(db: Path) -> Path:
    logs = Path(db).resolve().parent / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return logs / f"crawl-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}-{os.getpid()}.log"


class _OneLine(logging.Formatter):
    """A record as one line: no traceback (it is in the log file), no embedded newlines."""

    def __init__(self, log_file: str):
        super().__init__("%(levelname)s %(message)s")
        self.log_file = log_file

    def format(self, record):
        message = " ".join(record.getMessage().split())
        if record.exc_info and record.exc_info[1] is not None:
            message += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]}; traceback in {self.log_file})"
        if record.name.startswith("scrapy") or record.name.startswith("twisted"):
            message = f"{message[:300]} (see {self.log_file})"
        return f"{record.levelname.lower()}: {message[:600]}"


class Terminal(logging.Handler):
    """The crawl's terminal: one line per message on stderr; on a TTY, a progress line below them."""

    def __init__(self, log_file: str, progress: bool):
        super().__init__()
        self.setFormatter(_OneLine(log_file))
        self.progress = progress
        self.status = ""

    def emit(self, record):
        try:
            line = self.format(record)
            if self.progress and self.status:
                sys.stderr.write("\r\033[K" + line + "\n" + self.status)
            else:
                sys.stderr.write(line + "\n")
            sys.stderr.flush()
        except Exception:  # noqa: BLE001
            self.handleError(record)

    def show(self, status: str) -> None:
        self.status = status
        sys.stderr.write("\r\033[K" + status)
        sys.stderr.flush()

    def done(self) -> None:
        if self.progress and self.status:
            sys.stderr.write("\n")
            sys.stderr.flush()


class Progress:
    """Portals done of total, pages, reports found, errors, rendered pages, elapsed.

    A portal is done when every request of it that the scheduler took has left the downloader
    (answered, failed or refused) and it had at least one.
    """

    def __init__(self, crawler, terminal: Terminal | None, interval: float):
        from scrapy import signals

        self.crawler = crawler
        self.terminal = terminal
        self.interval = interval
        self.started = time.monotonic()
        self.pending: dict[str, int] = {}
        self.task = None
        crawler.signals.connect(self.scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(self.left, signal=signals.request_left_downloader)
        crawler.signals.connect(self.dropped, signal=signals.request_dropped)
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    def scheduled(self, request, spider=None):
        pid = request.meta.get("portal")
        if pid:
            request.meta["zfxxgk_progress"] = True
            self.pending[pid] = self.pending.get(pid, 0) + 1

    def left(self, request, spider=None):
        pid = request.meta.get("portal")
        if pid and request.meta.pop("zfxxgk_progress", False):
            self.pending[pid] -= 1

    dropped = left

    def line(self, final: bool = False) -> str:
        from zfxxgk.scraper.context import context_for

        try:
            ctx = context_for(self.crawler)
        except Exception:  # noqa: BLE001 - not built yet
            return ""
        counters = [ctx.counters[p.id] for p in ctx.portals]
        done = len(ctx.portals) if final else sum(
            1 for p in ctx.portals if p.id in self.pending and self.pending[p.id] <= 0)
        elapsed = int(time.monotonic() - self.started)
        return (f"portals {done}/{len(ctx.portals)} done | pages {sum(c.pages for c in counters)} | "
                f"reports found {sum(c.reports_found for c in counters)} | errors {sum(c.errors for c in counters)} | "
                f"rendered {ctx.rendered_pages} | {elapsed // 60}:{elapsed % 60:02d}")

    def engine_started(self):
        import asyncio

        async def tick():
            while True:
                await asyncio.sleep(self.interval)
                status = self.line()
                if not status:
                    continue
                if self.terminal is not None and self.terminal.progress:
                    self.terminal.show(status)
                else:
                    logging.getLogger("zfxxgk.crawl").info("progress: %s", status)

        self.task = asyncio.get_event_loop().create_task(tick())

    def engine_stopped(self):
        if self.task is not None:
            self.task.cancel()
        if self.terminal is not None and self.terminal.progress:
            self.terminal.show(self.line(final=True))
            self.terminal.done()


# Scrapy's word that it got a signal and is closing: the terminal (and the cycle relaying the
# crawl's output) must see it
_SIGNAL = __import__("re").compile(r"Received SIG|shutting down gracefully|forcing unclean shutdown")


def _expected_failure(record) -> bool:
    """Scrapy's own lines about a failure the crawl records itself (a refused connection, a
    timeout, retries given up): the crawl's one-line event says it; Scrapy's stays in the file."""
    message = str(record.msg)
    return message.startswith(("Gave up retrying", "Error downloading")) or "Error downloading" in message


def attach_terminal(log_file: str, log_level: str | None, progress: bool) -> Terminal:
    terminal = Terminal(log_file, progress)
    terminal.setLevel(getattr(logging, log_level or "WARNING"))
    ours = logging.getLogger("zfxxgk")
    ours.addHandler(terminal)
    if ours.level == logging.NOTSET or ours.level > terminal.level:
        ours.setLevel(min(terminal.level, logging.INFO))
    # Scrapy's and Twisted's own errors: one line on the terminal, the rest in the log file
    scrapy_errors = Terminal(log_file, progress)
    scrapy_errors.setLevel(logging.INFO)
    scrapy_errors.addFilter(lambda r: not r.name.startswith("zfxxgk") and (
        r.levelno >= logging.ERROR and not _expected_failure(r) or _SIGNAL.search(str(r.msg))))
    scrapy_errors.status = ""
    logging.getLogger().addHandler(scrapy_errors)
    terminal.partner = scrapy_errors
    return terminal


def run_crawl(progress: bool | None = None, **kwargs) -> dict:
    """Run the `portals` spider to completion; returns the run's crawl_runs row (with
    "log_file": where Scrapy's own log went).

    progress: show a progress line on stderr (default: when stderr is a TTY).
    """
    from scrapy.crawler import AsyncCrawlerProcess

    from zfxxgk.pipelines.db import open_db
    from zfxxgk.pipelines.store import refresh_search

    settings = crawl_settings(**kwargs)
    log_file = settings.get("LOG_FILE")
    if progress is None:
        progress = sys.stderr.isatty()
    process = AsyncCrawlerProcess(settings)  # installs the log file as the root handler
    terminal = attach_terminal(log_file, kwargs.get("log_level"), progress)
    crawler = process.create_crawler("portals")
    meter = Progress(crawler, terminal, interval=0.5 if progress else 30.0)  # signals hold weak references
    process.crawl(crawler)
    try:
        process.start()
    finally:
        del meter
        terminal.done()
        logging.getLogger("zfxxgk").removeHandler(terminal)
        logging.getLogger().removeHandler(terminal.partner)
    run_id = crawler.stats.get_value("zfxxgk/run_id")
    db = open_db(kwargs["db"])
    if run_id is None:
        return {"status": "failed", "summary": f"the crawl did not start (see {log_file})", "log_file": log_file}
    indexed = refresh_search(db)
    run = dict(db["crawl_runs"].get(run_id))
    run["summary"] = f"{run['summary']}; {indexed} reports added to the search index"
    run["log_file"] = log_file
    return run
