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
from .agencies import describe
from .db import transaction
from .regions import province_of
from .parser.labels import APPLICANTS, split_key
from .parser.model import PARSER_VERSION, Report

_DENIED = "results.denied."
_UNABLE = "results.unable."
_NOT_PROCESSED = "results.not_processed."


@dataclass
class Saved:
    report_id: int
    new_report: bool  # first version of this report
    new_version: bool  # a further version of a report already archived
    new_sighting: bool = False  # a place (portal, URL) this report had not been seen at


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


def record_document(db: sqlite_utils.Database, *, sha256: str, body: bytes, url: str, content_type: str | None,
                    fmt: str, seen_at: str) -> None:
    """The manifest row of a blob, written once: the first URL and time it was seen stay."""
    db.conn.execute(
        "INSERT OR IGNORE INTO documents (sha256, size, format, content_type, first_seen_at, first_url) "
        "VALUES (?, ?, ?, ?, ?, ?)", [sha256, len(body), fmt, content_type or None, seen_at, url])


def save_report(db: sqlite_utils.Database, *, portal_id: str, url: str, link_title: str | None,
                document_sha256: str, report: Report, run_id: int | None, seen_at: str,
                chash: str | None = None) -> Saved:
    """Insert or refresh one report (call inside `db.transaction(db)`, with the report's document row).

    A report is what a body published, wherever it was seen: the same content (same content
    hash) under another URL or on another portal is a *sighting* of the report already stored,
    not a second report, so totals count it once. Changed content at a URL where a report was
    seen is a new version of that report. Every place is in `report_sightings`.
    """
    chash = chash or content_hash(report, document_sha256)
    same = db.execute("SELECT id FROM reports WHERE content_hash = ? ORDER BY is_latest DESC, id DESC LIMIT 1",
                      [chash]).fetchone()
    if same:
        db.execute("UPDATE reports SET last_seen_at = ? WHERE id = ?", [seen_at, same[0]])
        return Saved(same[0], False, False, _sighting(db, same[0], portal_id, url, document_sha256, seen_at, run_id))
    # the report line last seen at this URL, if any: changed content there is its next version
    line = db.execute("SELECT r.url FROM report_sightings s JOIN reports r ON r.id = s.report_id "
                      "WHERE s.url = ? ORDER BY r.version DESC, r.id DESC LIMIT 1", [url]).fetchone()
    line_url = line[0] if line else url
    prev = db.execute("SELECT max(version) FROM reports WHERE url = ?", [line_url]).fetchone()[0]
    version = (prev or 0) + 1
    db.execute("UPDATE reports SET is_latest = 0 WHERE url = ?", [line_url])
    row = _report_row(report)
    row.update({
        "agency_id": assign_agency(db, report.agency, portal_id, seen_at),
        "portal_id": portal_id, "url": line_url, "version": version, "link_title": link_title,
        "document_sha256": document_sha256, "content_hash": chash, "first_seen_at": seen_at,
        "last_seen_at": seen_at, "run_id": run_id, "is_latest": 1,
    })
    cur = db.conn.execute(f"INSERT INTO reports ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                          list(row.values()))
    report_id = cur.lastrowid
    _write_parsed(db, report_id, report)
    _sighting(db, report_id, portal_id, url, document_sha256, seen_at, run_id)
    return Saved(report_id, version == 1, version > 1, True)


def _sighting(db, report_id: int, portal_id: str, url: str, document_sha256: str, seen_at: str,
              run_id: int | None) -> bool:
    """Record that a report was seen at (portal, URL); True if it had not been seen there before."""
    cur = db.conn.execute(
        "INSERT INTO report_sightings (report_id, portal_id, url, document_sha256, first_seen_at, last_seen_at, "
        "run_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(report_id, portal_id, url) DO UPDATE SET "
        "last_seen_at = excluded.last_seen_at, document_sha256 = excluded.document_sha256 "
        "RETURNING first_seen_at = last_seen_at", [report_id, portal_id, url, document_sha256, seen_at, seen_at, run_id])
    return bool(cur.fetchone()[0])


def assign_agency(db: sqlite_utils.Database, name: str | None, portal_id: str | None, seen_at: str | None) -> str | None:
    """The id of the body that issued a report, its `agencies` row (and its government's)
    written if new. A name listed in `agency_aliases` is that body's (a renamed body)."""
    if not name:
        return None
    hint = db.execute("SELECT region_code FROM portals WHERE id = ?", [portal_id]).fetchone() if portal_id else None
    agency = describe(name, hint[0] if hint else None)
    alias = db.execute("SELECT agency_id FROM agency_aliases WHERE alias = ?", [agency.normalized]).fetchone()
    if alias:
        return alias[0]
    parent_id = None
    if agency.parent_name:
        parent = describe(agency.parent_name, agency.region_code)
        parent_id = parent.id
        _agency_row(db, parent, None, seen_at)
    _agency_row(db, agency, parent_id, seen_at)
    return agency.id


def _agency_row(db, agency, parent_id: str | None, seen_at: str | None) -> None:
    db.conn.execute(
        "INSERT OR IGNORE INTO agencies (id, name, normalized, level, region_code, province, parent_id, first_seen_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [agency.id, agency.name, agency.normalized, agency.level, agency.region_code,
         province_of(agency.region_code), parent_id, seen_at])


def save_attachment(db: sqlite_utils.Database, report_id: int, *, url: str, link_text: str | None, sha256: str,
                    fmt: str, size: int, parsed: Report, fetched_at: str | None) -> None:
    """An attachment's row with what its own parse found (call inside the report's transaction)."""
    db.conn.execute(
        "INSERT INTO attachments (report_id, url, link_text, sha256, format, size, parse_status, parse_reason, "
        "fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(report_id, url, sha256) DO UPDATE SET "
        "parse_status = excluded.parse_status, parse_reason = excluded.parse_reason",
        [report_id, url, link_text, sha256, fmt, size, parsed.parse_status,
         f"{parsed.reason} ({len(parsed.cells)} cells)", fetched_at])


def replace_parse(db: sqlite_utils.Database, report_id: int, report: Report) -> None:
    """Swap in a new parse of an archived report (reparse): same row, new cells."""
    row = _report_row(report)
    portal = db.execute("SELECT portal_id, first_seen_at FROM reports WHERE id = ?", [report_id]).fetchone()
    row["agency_id"] = assign_agency(db, report.agency, *(portal or (None, None)))
    db.conn.execute(f"UPDATE reports SET {', '.join(f'{k} = ?' for k in row)} WHERE id = ?",
                    [*row.values(), report_id])
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


def _insert_sql(table: str, columns: list[str]) -> str:
    return f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_CELL_COLUMNS = ["report_id", "key", "table_name", "row_key", "column_key", "value", "raw", "status", "unit", "note",
                 "document_sha256", "origin", "confidence"]
_CHECK_COLUMNS = ["report_id", "identity", "column_key", "lhs", "rhs", "ok"]


def _write_parsed(db: sqlite_utils.Database, report_id: int, report: Report) -> None:
    """Cells, checks, summaries, texts and the search entry of one report.

    Plain executemany with fixed statements: this runs for every report of every crawl and
    every reparse, where per-row table introspection would cost more than the parse.
    """
    conn = db.conn
    conn.executemany(_insert_sql("report_cells", _CELL_COLUMNS), [
        (report_id, key, *split_key(key), c.value, c.raw, c.status, c.unit, c.note, report.cells_from, c.origin,
         c.confidence)
        for key, c in report.cells.items()])
    conn.executemany(_insert_sql("identity_checks", _CHECK_COLUMNS), [
        (report_id, c.id, c.column, c.lhs, c.rhs, int(c.ok)) for c in report.checks])
    values = {k: c.value for k, c in report.cells.items()}
    if report.cells:
        apps = _applicant_rows(report_id, values)
        totals = _totals(report_id, values, apps.get("total"))
        conn.execute(_insert_sql("report_totals", list(totals)), list(totals.values()))
        if apps:
            rows = list(apps.values())
            conn.executemany(_insert_sql("report_applicants", list(rows[0])), [list(a.values()) for a in rows])
    conn.execute(_insert_sql("report_texts", ["report_id", "overview", "problems", "other", "full_text"]),
                 [report_id, *(report.sections.get(k) for k in ("overview", "problems", "other")), report.text])


def refresh_search(db: sqlite_utils.Database, chunk: int = 1000) -> int:
    """Index every report not yet in the full-text index; returns how many were added.

    Indexing is a separate step (after a crawl, after a reparse) rather than part of storing
    a report: FTS5 inserts cost more than the rest of the store, and the published copy is
    only swapped in once the index is complete. Texts are read a chunk at a time, so a full
    re-index of the archive does not hold every text in memory at once.
    """
    ids = [rid for (rid,) in db.execute(
        "SELECT id FROM reports WHERE id NOT IN (SELECT rowid FROM report_search) ORDER BY id")]
    with transaction(db):
        for i in range(0, len(ids), chunk):
            part = ids[i:i + chunk]
            rows = db.execute(
                "SELECT r.id, r.title, r.agency, t.full_text FROM reports r "
                f"LEFT JOIN report_texts t ON t.report_id = r.id WHERE r.id IN ({', '.join('?' * len(part))})",
                part).fetchall()
            db.conn.executemany("INSERT INTO report_search (rowid, title, body) VALUES (?, ?, ?)", [
                (rid, cjk.tokens(" ".join(filter(None, [title, agency]))), cjk.tokens(cjk.prose(text)))
                for rid, title, agency, text in rows])
    return len(ids)


_GROUPS = ("results.denied.", "results.unable.", "results.not_processed.", "results.other.")


def _applicant_rows(report_id: int, values: dict) -> dict[str, dict]:
    """Per applicant type: its headline rows and the sums of each result group, in one pass."""
    by_applicant: dict[str, dict] = {}
    sums: dict[tuple[str, str], float] = {}
    for key, v in values.items():
        if not key.startswith("applications."):
            continue
        _, row, applicant = split_key(key)
        by_applicant.setdefault(applicant, {})[row] = v
        if v is not None and not row.endswith(".subtotal") and row != "results.other.total":
            for g in _GROUPS:
                if row.startswith(g):
                    sums[(applicant, g)] = sums.get((applicant, g), 0) + v
    out = {}
    for a in APPLICANTS:
        rows = by_applicant.get(a)
        if rows is None or "new_received" not in rows:
            continue
        other = rows.get("results.other.total")
        out[a] = {
            "report_id": report_id, "applicant": a,
            "new_received": rows.get("new_received"), "carried_over": rows.get("carried_over"),
            "granted": rows.get("results.granted"), "partially_granted": rows.get("results.partially_granted"),
            "denied": sums.get((a, _GROUPS[0])), "unable": sums.get((a, _GROUPS[1])),
            "not_processed": sums.get((a, _GROUPS[2])),
            "other_processing": other if other is not None else sums.get((a, _GROUPS[3])),
            "results_total": rows.get("results.total"), "carried_forward": rows.get("carried_forward"),
        }
    return out


def _totals(report_id: int, values: dict, t: dict | None) -> dict:
    t = t or {}
    return {
        "report_id": report_id,
        "applications_received": t.get("new_received"),
        "applications_carried_over": t.get("carried_over"),
        "granted": t.get("granted"), "partially_granted": t.get("partially_granted"),
        "denied": t.get("denied"), "unable": t.get("unable"), "not_processed": t.get("not_processed"),
        "other_processing": t.get("other_processing"), "results_total": t.get("results_total"),
        "carried_forward": t.get("carried_forward"),
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
