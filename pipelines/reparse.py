"""Re-parsing the whole archive: every report's document and its attachments, read again from
the blob store.

No network: the raw archive is the source of truth, so a parser improvement reaches every
report ever crawled (attachments stored by earlier crawls as unreadable PDFs or DOCs
included). One transaction per report: an interrupted reparse leaves each report either
re-parsed or as it was, and running it again finishes the job.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from zfxxgk.archive import BlobStore

from .db import ensure_schema, open_db, transaction
from .parser import PARSER_VERSION, parse_document
from .parser.combine import combine
from .store import content_hash, refresh_search, replace_parse, save_attachment

log = logging.getLogger(__name__)


@dataclass
class ReparseResult:
    reports: int = 0
    changed_status: int = 0
    missing_blobs: list[str] = field(default_factory=list)  # each missing document once, however many use it
    seconds: float = 0.0


def reparse(db_path: Path, archive: Path, only_outdated: bool = False) -> ReparseResult:
    db = open_db(db_path)
    ensure_schema(db)
    blobs = BlobStore(archive)
    result = ReparseResult()
    start = time.perf_counter()
    where = "WHERE r.parser_version IS NOT ?" if only_outdated else ""
    rows = db.execute(
        f"SELECT r.id, r.url, r.document_sha256, r.parse_status, r.content_hash, d.content_type, r.title, r.year, "
        f"r.agency FROM reports r LEFT JOIN documents d ON d.sha256 = r.document_sha256 {where} ORDER BY r.id",
        [PARSER_VERSION] if only_outdated else []).fetchall()
    for rid, url, sha, old_status, old_hash, content_type, title, year, agency in rows:
        if not blobs.exists(sha):
            if sha not in result.missing_blobs:
                result.missing_blobs.append(sha)
            log.error("report %s: document %s is not in the archive", rid, sha)
            continue
        report = parse_document(blobs.get(sha), url=url, content_type=content_type)
        attachments = []
        for a in db.execute("SELECT a.url, a.link_text, a.sha256, a.format, a.size, a.fetched_at, d.content_type "
                            "FROM attachments a LEFT JOIN documents d ON d.sha256 = a.sha256 "
                            "WHERE a.report_id = ? ORDER BY a.id", [rid]).fetchall():
            if not blobs.exists(a[2]):
                if a[2] not in result.missing_blobs:
                    result.missing_blobs.append(a[2])
                log.error("report %s: attachment %s is not in the archive", rid, a[2])
                continue
            attachments.append((a, parse_document(blobs.get(a[2]), url=a[0], content_type=a[6])))
        report = combine(report, [(a[2], parsed) for a, parsed in attachments])
        if not report.is_report:
            # identified by its link title at crawl time; keep what was known then
            report.title, report.year, report.agency = report.title or title, report.year or year, report.agency or agency
        new_hash = content_hash(report, sha)
        with transaction(db):
            replace_parse(db, rid, report)
            for (a_url, link_text, a_sha, fmt, size, fetched_at, _ctype), parsed in attachments:
                save_attachment(db, rid, url=a_url, link_text=link_text, sha256=a_sha, fmt=fmt, size=size,
                                parsed=parsed, fetched_at=fetched_at)
            if new_hash != old_hash and not db.execute(
                    "SELECT 1 FROM reports WHERE url = ? AND content_hash = ? AND id != ?", [url, new_hash, rid]).fetchone():
                db.execute("UPDATE reports SET content_hash = ? WHERE id = ?", [new_hash, rid])
        result.reports += 1
        result.changed_status += report.parse_status != old_status
    refresh_search(db)
    result.seconds = time.perf_counter() - start
    return result
