"""Writing parsed reports into the database, one transaction per report.

`save_report` is the only way a report enters the database: the crawl pipeline and
`zfxxgk reparse` both call it, so a crawled report and a re-parsed one are stored the same way.
A report is identified by (url, content_hash): the same content fetched again is the same
row (its last_seen_at moves), changed content at the same URL is a new version beside the
old one. content_hash hashes what the parser read (cells and text), not the bytes, so a
page whose visit counter or timestamp changes is not mistaken for a re-publication.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlite_utils

from . import cjk
from .parser.labels import APPLICANTS
from .parser.model import PARSER_VERSION, Report

_DENIED = "results.denied."
_UNABLE = "results.unable."
_NOT_PROCESSED = "results.not_processed."


@dataclass
class Saved:
    report_id: int
    new_report: bool  # first version of this URL
    new_version: bool  # a further version of a URL already archived


def content_hash(report: Report, document_sha256: str) -> str:
    """Hash of what the report says: its cells and its text, normalised by the parser.

    A document the parser cannot read yet (a PDF) says nothing it can hash: its bytes are then
    what identifies it.
    """
    if not report.text and not report.cells:
        return "sha256:" + document_sha256
    h = hashlib.sha256()
    h.update(json.dumps(sorted((k, c.value, c.status) for k, c in report.cells.items()),
                        ensure_ascii=False).encode())
    h.update(report.text.encode("utf-8"))
    h.update(f"{report.title}|{report.year}|{report.agency}".encode())
    return h.hexdigest()


def save_report(db: sqlite_utils.Database, *, portal_id: str, url: str, link_title: str | None,
                document_sha256: str, report: Report, run_id: int | None, seen_at: str,
                chash: str | None = None) -> Saved:
    """Insert or refresh one report (call inside `db.atomic()` with its attachments)."""
    chash = chash or content_hash(report, document_sha256)
    existing = db.execute("SELECT id FROM reports WHERE url = ? AND content_hash = ?", [url, chash]).fetchone()
    if existing:
        db.execute("UPDATE reports SET last_seen_at = ? WHERE id = ?", [seen_at, existing[0]])
        return Saved(existing[0], False, False)
    prev = db.execute("SELECT max(version) FROM reports WHERE url = ?", [url]).fetchone()[0]
    version = (prev or 0) + 1
    db.execute("UPDATE reports SET is_latest = 0 WHERE url = ?", [url])
    row = _report_row(report)
    row.update({
        "portal_id": portal_id, "url": url, "version": version, "link_title": link_title,
        "document_sha256": document_sha256, "content_hash": chash, "first_seen_at": seen_at,
        "last_seen_at": seen_at, "run_id": run_id, "is_latest": 1,
    })
    report_id = db["reports"].insert(row).last_pk
    _write_parsed(db, report_id, report)
    return Saved(report_id, version == 1, version > 1)


def replace_parse(db: sqlite_utils.Database, report_id: int, report: Report) -> None:
    """Swap in a new parse of an archived report (reparse): same row, new cells."""
    db["reports"].update(report_id, _report_row(report))
    for table in ("report_cells", "identity_checks", "report_totals", "report_applicants", "report_texts"):
        db.execute(f"DELETE FROM {table} WHERE report_id = ?", [report_id])
    db.execute("DELETE FROM report_search WHERE rowid = ?", [report_id])
    _write_parsed(db, report_id, report)


def _report_row(report: Report) -> dict:
    return {
        "title": report.title, "agency": report.agency, "year": report.year,
        "published_at": report.published_at, "format_version": report.format_version,
        "parse_status": report.parse_status, "parse_reason": report.reason,
        "parser_version": PARSER_VERSION, "source_format": report.source_format,
        "cell_count": len(report.cells), "identity_violations": len(report.identity_violations),
        "warnings": json.dumps(report.warnings, ensure_ascii=False) if report.warnings else None,
        "repairs": json.dumps(report.repairs, ensure_ascii=False) if report.repairs else None,
    }


def split_key(key: str) -> tuple[str, str, str]:
    """'applications.legal.commercial.results.granted' -> (applications, results.granted, legal.commercial)."""
    table, rest = key.split(".", 1)
    if table == "applications":
        for a in APPLICANTS:
            if rest.startswith(a + "."):
                return table, rest[len(a) + 1:], a
    if table in ("active", "appeals"):
        row, _, col = rest.rpartition(".")
        return table, row, col
    return table, rest, ""


def _write_parsed(db: sqlite_utils.Database, report_id: int, report: Report) -> None:
    cells = []
    for key, c in report.cells.items():
        table, row, col = split_key(key)
        cells.append({"report_id": report_id, "key": key, "table_name": table, "row_key": row,
                      "column_key": col, "value": c.value, "raw": c.raw, "status": c.status,
                      "unit": c.unit, "note": c.note})
    if cells:
        db["report_cells"].insert_all(cells)
    checks = [{"report_id": report_id, "identity": c.id, "column_key": c.column, "lhs": c.lhs,
               "rhs": c.rhs, "ok": int(c.ok)} for c in report.checks]
    if checks:
        db["identity_checks"].insert_all(checks, replace=True)
    values = {k: c.value for k, c in report.cells.items()}
    if report.cells:
        db["report_totals"].insert(_totals(report_id, values), replace=True)
        apps = [_applicant_row(report_id, a, values) for a in APPLICANTS
                if f"applications.{a}.new_received" in values]
        if apps:
            db["report_applicants"].insert_all(apps, replace=True)
    db["report_texts"].insert({"report_id": report_id, **{k: report.sections.get(k) for k in
                                                          ("overview", "problems", "other")},
                               "full_text": report.text}, replace=True)
    db.execute("INSERT INTO report_search (rowid, title, body) VALUES (?, ?, ?)",
               [report_id, cjk.tokens(" ".join(filter(None, [report.title, report.agency]))),
                cjk.tokens(report.text)])


def _sum(values: dict, prefix: str) -> float | None:
    parts = [v for k, v in values.items() if k.startswith(prefix) and not k.endswith(".subtotal")]
    nums = [v for v in parts if v is not None]
    return sum(nums) if nums else None


def _applicant_row(report_id: int, a: str, values: dict) -> dict:
    p = f"applications.{a}."
    other = values.get(p + "results.other.total")
    if other is None:
        other = _sum(values, p + "results.other.")
    return {
        "report_id": report_id, "applicant": a,
        "new_received": values.get(p + "new_received"),
        "carried_over": values.get(p + "carried_over"),
        "granted": values.get(p + "results.granted"),
        "partially_granted": values.get(p + "results.partially_granted"),
        "denied": _sum(values, p + _DENIED),
        "unable": _sum(values, p + _UNABLE),
        "not_processed": _sum(values, p + _NOT_PROCESSED),
        "other_processing": other,
        "results_total": values.get(p + "results.total"),
        "carried_forward": values.get(p + "carried_forward"),
    }


def _totals(report_id: int, values: dict) -> dict:
    t = _applicant_row(report_id, "total", values)
    return {
        "report_id": report_id,
        "applications_received": t["new_received"],
        "applications_carried_over": t["carried_over"],
        "granted": t["granted"], "partially_granted": t["partially_granted"],
        "denied": t["denied"], "unable": t["unable"], "not_processed": t["not_processed"],
        "other_processing": t["other_processing"], "results_total": t["results_total"],
        "carried_forward": t["carried_forward"],
        "admin_review_total": values.get("appeals.admin_review.total"),
        "litigation_direct_total": values.get("appeals.litigation_direct.total"),
        "litigation_after_review_total": values.get("appeals.litigation_after_review.total"),
        # 2019's 本年新制作 and 2021's 本年制发 are defined differently (spec 7.1): not merged
        "normative_docs_new_made": values.get("active.normative_docs.new_made"),
        "normative_docs_issued": values.get("active.normative_docs.issued"),
        "normative_docs_in_force": values.get("active.normative_docs.in_force"),
        "licensing_decisions": values.get("active.licensing.decisions"),
        "penalty_decisions": values.get("active.penalty.decisions"),
        "coercion_decisions": values.get("active.coercion.decisions"),
        "fees_amount_wan_yuan": values.get("active.fees.amount_wan_yuan"),
        "procurement_amount_wan_yuan": values.get("active.procurement.amount_wan_yuan"),
    }
