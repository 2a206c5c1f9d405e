"""Taking one fetched candidate report into the archive: parse, judge, store.

This runs in a worker process beside the crawl (see `scraper.spiders.base.PortalSpider`), so
the CPU work of parsing and writing never stalls the downloads; it also runs in-process
where that is simpler (tests, `ZFXXGK_PARSE_WORKERS=0`). It is a plain function of plain
data, so it pickles across the process boundary and needs no Scrapy.

The verdict comes from the content: a page is a report if the parser finds a report in it
and its own title is not a notice about reports; a PDF/DOC the parser cannot read yet is a
report if the link that led to it said so.
"""

from __future__ import annotations

import os
import select
import threading
import time
from dataclasses import dataclass

from archive import BlobStore
from archive.warc import pid_alive

from .db import open_db, transaction
from .parser import parse_document, sniff
from .parser.meta import is_decoy_title, parse_title
from .parser.sniff import BINARY_FORMATS
from .store import content_hash, record_document, save_report

REPORT, REJECTED = "report", "rejected"


@dataclass
class Candidate:
    db_path: str
    archive: str
    portal_id: str
    url: str
    link_title: str
    body: bytes
    content_type: str
    run_id: int | None
    fetched_at: str
    link_says_report: bool


@dataclass
class Outcome:
    verdict: str  # report | rejected
    reason: str
    content_hash: str | None = None
    report_id: int | None = None
    new_report: bool = False
    new_version: bool = False
    parse_status: str | None = None
    source_format: str | None = None
    agency: str | None = None
    year: int | None = None
    cells: int = 0


_local = threading.local()


def worker_init(crawl_pid: int) -> None:
    """Set up a parser worker of the crawl process `crawl_pid`.

    Its CPU priority is lowered: parsing can wait and catch up, but a crawl process kept
    off the CPU answers its responses late and holds every download slot longer. And it
    ends as soon as the crawl process is gone (see `exit_with`).
    """
    try:
        os.nice(10)
    except OSError:
        pass
    exit_with(crawl_pid)


def exit_with(pid: int) -> None:
    """End this process as soon as process `pid` is gone.

    A process-pool worker waits on its task queue forever, and a killed crawl (SIGKILL, the
    scheduler's time limit) cannot tell it to stop: every such run would leave an idle worker
    and its forkserver behind. A pidfd becomes readable when its process exits; where there
    is none (kernels before 5.3), the pid is polled.
    """
    def watch():
        try:
            poller = select.poll()
            poller.register(os.pidfd_open(pid), select.POLLIN)
            poller.poll()
        except (AttributeError, OSError):
            while pid_alive(pid):
                time.sleep(2)
        os._exit(0)  # a transaction left open is rolled back by SQLite, as for any killed writer

    threading.Thread(target=watch, name="exit-with-crawl", daemon=True).start()


def _db(path: str):
    """One connection per worker process (and thread) and database."""
    cache = getattr(_local, "dbs", None)
    if cache is None:
        cache = _local.dbs = {}
    if path not in cache:
        cache[path] = open_db(path)
    return cache[path]


def ingest(c: Candidate) -> Outcome:
    fmt = sniff(c.body, c.url, c.content_type)
    report = parse_document(c.body, url=c.url, content_type=c.content_type)
    if fmt in BINARY_FORMATS:
        if not c.link_says_report:
            return _reject(c, f"{fmt} file behind a link that does not name a report")
        parsed = parse_title(c.link_title)
        if parsed:
            report.year = report.year or parsed[0]
            report.agency = report.agency or parsed[1]
        report.title = report.title or c.link_title
        report.reason += "; identified as a report by its link title"
    elif not report.is_report:
        return _reject(c, f"{report.parse_status}: {report.reason}")
    elif report.title and is_decoy_title(report.title):
        return _reject(c, f"decoy: {report.title}")

    db = _db(c.db_path)
    sha, _ = BlobStore(c.archive).put(c.body)
    chash = content_hash(report, sha)
    with transaction(db):
        record_document(db, sha256=sha, body=c.body, url=c.url, content_type=c.content_type, fmt=fmt,
                        seen_at=c.fetched_at)
        saved = save_report(db, portal_id=c.portal_id, url=c.url, link_title=c.link_title, document_sha256=sha,
                            report=report, run_id=c.run_id, seen_at=c.fetched_at, chash=chash)
        record_verdict(db, c.url, REPORT, c.fetched_at)
    return Outcome(REPORT, report.reason, chash, saved.report_id, saved.new_report, saved.new_version,
                   report.parse_status, report.source_format, report.agency, report.year, len(report.cells))


def _reject(c: Candidate, reason: str) -> Outcome:
    db = _db(c.db_path)
    with transaction(db):
        record_verdict(db, c.url, REJECTED, c.fetched_at)
    return Outcome(REJECTED, reason)


def record_verdict(db, url: str, verdict: str, now: str) -> None:
    """Remember what a candidate URL turned out to be, so later runs need not fetch it again."""
    db.conn.execute(
        "INSERT INTO url_state (url, kind, verdict, checked_at) VALUES (?, 'report', ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET verdict = excluded.verdict, checked_at = excluded.checked_at",
        [url, verdict, now])
