"""Taking one fetched candidate report into the archive: parse, judge, store, as one unit.

A candidate is a page together with the attachments it links (PDF, DOC ...), fetched before
it gets here: the page, its attachments and the verdict that lets the next run skip the URL
are committed in one transaction, so a crawl killed half-way leaves either all of them or
none (and the next run fetches the page again). A report whose attachments could not all be
fetched is stored with what it has and judged `incomplete`, which makes the next run fetch it
again rather than wait for the 30-day re-check.

This runs in a worker process beside the crawl (`scraper.context.CrawlContext.in_worker`), so
the CPU work of parsing and writing never stalls the downloads; it also runs in-process
where that is simpler (tests, `ZFXXGK_PARSE_WORKERS=0`). It is a plain function of plain
data, so it pickles across the process boundary and needs no Scrapy.

The verdict comes from the content: a page is a report if the parser finds a report in it
and its own title is not a notice about reports; a PDF/DOC the parser cannot read yet, or a
page whose tables are only in its attachments (详见附件), is a report if the link that led
to it said so.
"""

from __future__ import annotations

import os
import select
import threading
import time
from dataclasses import dataclass, field

from zfxxgk.archive import BlobStore
from zfxxgk.archive.warc import pid_alive

from .db import open_db, transaction
from .parser import parse_document, sniff
from .parser.combine import combine
from .parser.meta import is_decoy_title, parse_title
from .parser.sniff import BINARY_FORMATS
from .store import content_hash, record_document, save_attachment, save_report

REPORT, REJECTED, INCOMPLETE = "report", "rejected", "incomplete"


@dataclass
class Attachment:
    """A file linked from a candidate page, as fetched."""

    url: str
    link_text: str
    body: bytes
    content_type: str
    fetched_at: str


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
    attachments: list[Attachment] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # attachment URLs that could not be fetched


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
    attachments: int = 0
    warnings: list[str] = field(default_factory=list)


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
    decoy = bool(report.title and is_decoy_title(report.title))
    if not report.is_report and not decoy and (fmt in BINARY_FORMATS or c.attachments or c.missing):
        # a document the parser cannot read (yet), or a page whose tables are in its
        # attachments: a report if the link that led to it said so
        if not c.link_says_report:
            return _reject(c, f"{fmt} document behind a link that does not name a report: {report.reason}")
        parsed = parse_title(c.link_title)
        if parsed:
            report.year = report.year or parsed[0]
            report.agency = report.agency or parsed[1]
        report.title = report.title or c.link_title
        report.reason += "; identified as a report by its link title"
    elif not report.is_report:
        return _reject(c, f"{report.parse_status}: {report.reason}")
    elif decoy:
        return _reject(c, f"decoy: {report.title}")

    db = _db(c.db_path)
    blobs = BlobStore(c.archive)
    sha, _ = blobs.put(c.body)
    stored = [(a, blobs.put(a.body)[0], sniff(a.body, a.url, a.content_type),
               parse_document(a.body, url=a.url, content_type=a.content_type)) for a in c.attachments]
    report = combine(report, [(a_sha, parsed) for _, a_sha, _, parsed in stored])
    chash = content_hash(report, sha)
    verdict = INCOMPLETE if c.missing else REPORT
    with transaction(db):
        record_document(db, sha256=sha, body=c.body, url=c.url, content_type=c.content_type, fmt=fmt,
                        seen_at=c.fetched_at)
        saved = save_report(db, portal_id=c.portal_id, url=c.url, link_title=c.link_title, document_sha256=sha,
                            report=report, run_id=c.run_id, seen_at=c.fetched_at, chash=chash)
        for a, a_sha, a_fmt, parsed in stored:
            record_document(db, sha256=a_sha, body=a.body, url=a.url, content_type=a.content_type, fmt=a_fmt,
                            seen_at=a.fetched_at)
            save_attachment(db, saved.report_id, url=a.url, link_text=a.link_text, sha256=a_sha, fmt=a_fmt,
                            size=len(a.body), parsed=parsed, fetched_at=a.fetched_at)
        record_verdict(db, c.url, verdict, c.fetched_at)
    return Outcome(verdict, report.reason, chash, saved.report_id, saved.new_report, saved.new_version,
                   report.parse_status, report.source_format, report.agency, report.year, len(report.cells),
                   len(stored), list(report.warnings))


def _reject(c: Candidate, reason: str) -> Outcome:
    db = _db(c.db_path)
    with transaction(db):
        record_verdict(db, c.url, REJECTED, c.fetched_at)
    return Outcome(REJECTED, reason)


def record_verdict(db, url: str, verdict: str, now: str) -> None:
    """Remember what a candidate URL turned out to be, so later runs need not fetch it again."""
    db.conn.execute(
        "INSERT INTO url_verdicts (url, verdict, checked_at) VALUES (?, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET verdict = excluded.verdict, checked_at = excluded.checked_at",
        [url, verdict, now])
