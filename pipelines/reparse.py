"""Re-parsing the whole archive: every report's document, read again from the blob store.

No network: the raw archive is the source of truth, so a parser improvement reaches every
report ever crawled. One transaction per report: an interrupted reparse leaves each report
either re-parsed or as it was, and running it again finishes the job.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from zfxxgk.archive import BlobStore

from .db import ensure_schema, open_db, transaction
from .parser import PARSER_VERSION, parse_document
from .store import content_hash, refresh_search, replace_parse

log = logging.getLogger(__name__)


@dataclass
class ReparseResult:
    reports: int = 0
    changed_status: int = 0
    missing_blobs: list[str] = field(default_factory=list)
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
            result.missing_blobs.append(sha)
            log.error("report %s: document %s is not in the archive", rid, sha)
            continue
        report = parse_document(blobs.get(sha), url=url, content_type=content_type)
        if not report.is_report and old_status == "unsupported_format":
            # identified by its link title at crawl time; keep what was known then
            report.title, report.year, report.agency = title, year, agency
        new_hash = content_hash(report, sha)
        with transaction(db):
            replace_parse(db, rid, report)
            if new_hash != old_hash and not db.execute(
                    "SELECT 1 FROM reports WHERE url = ? AND content_hash = ? AND id != ?", [url, new_hash, rid]).fetchone():
                db.execute("UPDATE reports SET content_hash = ? WHERE id = ?", [new_hash, rid])
        result.reports += 1
        result.changed_status += report.parse_status != old_status
    refresh_search(db)
    result.seconds = time.perf_counter() - start
    return result
