"""Re-parsing the whole archive: every report's document and its attachments, read again from
the blob store.

No network: the raw archive is the source of truth, so a parser improvement reaches every
report ever crawled (attachments stored by earlier crawls as unreadable PDFs or DOCs
included). One transaction per report: an interrupted reparse leaves each report either
re-parsed or as it was, and running it again finishes the job.

The work is split in three so it can be spread over machines: `plan` lists the reports to
re-parse from the database (`Job`s, plain data), `parse_job` reads one job's blobs and parses
them (the CPU- and OCR-heavy part, no database: a cluster worker runs it, `zfxxgk.cluster`),
and `store_parsed` writes one result in its own transaction. Jobs and results travel as JSON
(`to_json`/`from_json`), so a worker never has to accept pickles. `reparse` runs all three here,
or with another `parse_all` (the cluster's), parses elsewhere and stores here in the same
order, so both give the same database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from zfxxgk.archive import BlobStore

from .db import ensure_schema, open_db, transaction
from .parser import PARSER_VERSION, parse_document
from .parser.combine import combine
from .parser.model import Cell, IdentityCheck, Report
from .store import content_hash, refresh_search, replace_parse, save_attachment

log = logging.getLogger(__name__)


@dataclass
class ReparseResult:
    reports: int = 0
    changed_status: int = 0
    missing_blobs: list[str] = field(default_factory=list)  # each missing document once, however many use it
    seconds: float = 0.0


@dataclass
class Job:
    """One archived report to parse again, as the database knows it."""

    report_id: int
    url: str
    sha256: str
    old_status: str | None
    old_hash: str | None
    content_type: str | None
    title: str | None
    year: int | None
    agency: str | None
    # (url, link_text, sha256, format, size, fetched_at, content_type) of each attachment
    attachments: list[tuple] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> "Job":
        return cls(**{**d, "attachments": [tuple(a) for a in d["attachments"]]})


@dataclass
class Parsed:
    """What parsing one job gave: the combined report (None if its document is missing), each
    attachment's own parse, and the blobs that were not in the archive."""

    job: Job
    report: Report | None
    attachments: list[tuple[tuple, Report]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"job": self.job.to_json(), "report": asdict(self.report) if self.report else None,
                "attachments": [[list(a), asdict(r)] for a, r in self.attachments], "missing": self.missing}

    @classmethod
    def from_json(cls, d: dict) -> "Parsed":
        return cls(Job.from_json(d["job"]), _report(d["report"]) if d["report"] else None,
                   [(tuple(a), _report(r)) for a, r in d["attachments"]], d["missing"])


def _report(d: dict) -> Report:
    return Report(**{**d, "cells": {k: Cell(**c) for k, c in d["cells"].items()},
                     "checks": [IdentityCheck(**c) for c in d["checks"]]})


def plan(db, only_outdated: bool = False) -> list[Job]:
    where = "WHERE r.parser_version IS NOT ?" if only_outdated else ""
    rows = db.execute(
        f"SELECT r.id, r.url, r.document_sha256, r.parse_status, r.content_hash, d.content_type, r.title, r.year, "
        f"r.agency FROM reports r LEFT JOIN documents d ON d.sha256 = r.document_sha256 {where} ORDER BY r.id",
        [PARSER_VERSION] if only_outdated else []).fetchall()
    jobs = [Job(*row) for row in rows]
    for job in jobs:
        job.attachments = [tuple(a) for a in db.execute(
            "SELECT a.url, a.link_text, a.sha256, a.format, a.size, a.fetched_at, d.content_type "
            "FROM attachments a LEFT JOIN documents d ON d.sha256 = a.sha256 "
            "WHERE a.report_id = ? ORDER BY a.id", [job.report_id]).fetchall()]
    return jobs


def parse_job(archive: Path | str, job: Job) -> Parsed:
    """Parse one report's document and attachments from the blob store (no database)."""
    blobs = BlobStore(archive)
    if not blobs.exists(job.sha256):
        log.error("report %s: document %s is not in the archive", job.report_id, job.sha256)
        return Parsed(job, None, missing=[job.sha256])
    report = parse_document(blobs.get(job.sha256), url=job.url, content_type=job.content_type)
    attachments, missing = [], []
    for a in job.attachments:
        if not blobs.exists(a[2]):
            missing.append(a[2])
            log.error("report %s: attachment %s is not in the archive", job.report_id, a[2])
            continue
        attachments.append((a, parse_document(blobs.get(a[2]), url=a[0], content_type=a[6])))
    report = combine(report, [(a[2], parsed) for a, parsed in attachments])
    if not report.is_report:
        # identified by its link title at crawl time; keep what was known then
        report.title = report.title or job.title
        report.year = report.year or job.year
        report.agency = report.agency or job.agency
    return Parsed(job, report, attachments, missing)


def store_parsed(db, parsed: Parsed, result: ReparseResult) -> None:
    """Write one re-parsed report (one transaction) and count it in `result`."""
    for sha in parsed.missing:
        if sha not in result.missing_blobs:
            result.missing_blobs.append(sha)
    job, report = parsed.job, parsed.report
    if report is None:
        return
    new_hash = content_hash(report, job.sha256)
    with transaction(db):
        replace_parse(db, job.report_id, report)
        for (a_url, link_text, a_sha, fmt, size, fetched_at, _ctype), a_parsed in parsed.attachments:
            save_attachment(db, job.report_id, url=a_url, link_text=link_text, sha256=a_sha, fmt=fmt, size=size,
                            parsed=a_parsed, fetched_at=fetched_at)
        if new_hash != job.old_hash and not db.execute(
                "SELECT 1 FROM reports WHERE url = ? AND content_hash = ? AND id != ?",
                [job.url, new_hash, job.report_id]).fetchone():
            db.execute("UPDATE reports SET content_hash = ? WHERE id = ?", [new_hash, job.report_id])
    result.reports += 1
    result.changed_status += report.parse_status != job.old_status


ParseAll = Callable[[list[Job]], Iterable[Parsed]]


def parse_here(archive: Path | str) -> ParseAll:
    def parse_all(jobs: list[Job]) -> Iterator[Parsed]:
        return (parse_job(archive, job) for job in jobs)

    return parse_all


def reparse(db_path: Path, archive: Path, only_outdated: bool = False, parse_all: ParseAll | None = None) -> ReparseResult:
    """Re-parse the archive's reports; `parse_all` parses the jobs (default: here, one by one)
    and must yield them in the order given, so every way of parsing stores alike."""
    db = open_db(db_path)
    ensure_schema(db)
    result = ReparseResult()
    start = time.perf_counter()
    jobs = plan(db, only_outdated)
    for parsed in (parse_all or parse_here(archive))(jobs):
        store_parsed(db, parsed, result)
    refresh_search(db)
    result.seconds = time.perf_counter() - start
    return result
