"""The SQLite schema, created and upgraded by one idempotent call: `ensure_schema(db)`.

Schema changes are sqlite-utils `Migrations`, applied in order and recorded in
`_sqlite_migrations`, each in its own transaction; a database from any earlier version is
brought up to date by the same call the crawler, the re-parser and the server make at start.

Tables, in the order data flows through them:
  portals          one row per portal of the registry
  crawl_runs       one row per crawl run: start, end, outcome, stats
  portal_runs      one row per portal per run: what it yielded, what failed
  fetches          every HTTP response the crawl received, with its place in the WARC files
  url_state        per URL: validators (ETag, Last-Modified) and body sha256 of the last 200
  url_verdicts     per candidate report URL: report / rejected / incomplete, so nightly runs skip them
  crawl_events     every refusal, fault and limit of a run, with its portal, URL and reason
  documents        the content-addressed blob store's manifest (sha256 -> size, format)
  reports          one row per version of a report (a changed re-publication is a new row)
  attachments      files linked from report pages (PDF, DOC ...), archived with the report
  report_cells     the long table: report x canonical cell key -> value, raw text, status
  identity_checks  every evaluated accounting identity, held or not
  report_totals    one row per report with the headline numbers (for views and charts)
  report_applicants  one row per report x applicant type
  report_texts     sections 一/五/六 and the full text
  report_search    FTS5 index over titles and text, tokenised as CJK bigrams (see cjk.py)
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("zfxxgk")

TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"  # every *_at column: UTC, sorts as text


def utcnow() -> str:
    return datetime.now(timezone.utc).strftime(TIMESTAMP)


def parse_utc(text: str | None) -> datetime | None:
    """A stored timestamp (with or without fractions of a second), or None if it is not one."""
    for fmt in (TIMESTAMP, "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
        except (TypeError, ValueError):
            continue
    return None


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the archive database in WAL mode with a busy timeout.

    WAL lets Datasette read while a crawl writes; synchronous=NORMAL is durable against a
    killed process (only power loss can drop the last transactions, never corrupt).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=60, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=60000")
    return sqlite_utils.Database(conn)


@contextmanager
def transaction(db: sqlite_utils.Database):
    """A write transaction that takes the write lock up front (BEGIN IMMEDIATE).

    The crawl and its parser workers write to the same database. A deferred transaction
    that reads, then writes, fails with SQLITE_BUSY when another process committed in
    between (its snapshot is stale, so no waiting helps); taking the lock first makes the
    busy timeout apply and the writers simply queue.
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def ensure_schema(db: sqlite_utils.Database) -> None:
    migrations.apply(db)
    refresh_vocabulary(db)


def refresh_vocabulary(db: sqlite_utils.Database) -> None:
    """`cell_keys` and `identity_definitions` as the vocabulary file says now (pipelines/keys.py).

    Written again whenever that vocabulary changes (its hash is kept in `_vocabulary`), not
    frozen in the migration that first created them; a database already current costs one read.
    """
    import hashlib
    import json

    from .keys import all_keys, identity_rows

    tables = {"cell_keys": (all_keys(), "key"), "identity_definitions": (identity_rows(), "identity")}
    digest = hashlib.sha256(json.dumps({t: rows for t, (rows, _) in tables.items()}, ensure_ascii=False,
                                       sort_keys=True).encode()).hexdigest()
    if db["_vocabulary"].exists() and db.execute("SELECT digest FROM _vocabulary").fetchone() == (digest,):
        return
    with transaction(db):
        for table, (rows, pk) in tables.items():
            if db[table].exists():
                db.execute(f"DELETE FROM [{table}]")
            db[table].insert_all(rows, pk=pk, replace=True)
        db.execute("CREATE TABLE IF NOT EXISTS _vocabulary (digest TEXT)")
        db.execute("DELETE FROM _vocabulary")
        db.execute("INSERT INTO _vocabulary (digest) VALUES (?)", [digest])


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db["portals"].create({
        "id": str, "name": str, "level": str, "region_code": str, "province": str,
        "start_url": str, "render": str, "cms": str, "url_status": str, "notes": str,
        "added_at": str, "updated_at": str,
    }, pk="id")
    db["crawl_runs"].create({
        "id": int, "started_at": str, "finished_at": str, "status": str, "trigger": str,
        "pid": int, "portals": int, "pages": int, "bytes": int, "not_modified": int,
        "reports_found": int, "new_reports": int, "new_versions": int, "errors": int,
        "finish_reason": str, "stats_json": str, "summary": str,
    }, pk="id")
    db["portal_runs"].create({
        "run_id": int, "portal_id": str, "status": str, "pages": int, "bytes": int,
        "reports_found": int, "new_reports": int, "new_versions": int, "errors": int,
        "error_sample": str, "finished_at": str,
    }, pk=("run_id", "portal_id"), foreign_keys=[("run_id", "crawl_runs", "id"), ("portal_id", "portals", "id")])
    db["fetches"].create({
        "id": int, "run_id": int, "portal_id": str, "url": str, "method": str, "status": int,
        "content_type": str, "length": int, "sha256": str, "fetched_at": str, "kind": str,
        "rendered": int, "warc_file": str, "warc_offset": int, "warc_length": int,
        "note": str,
    }, pk="id", foreign_keys=[("run_id", "crawl_runs", "id")])
    db["url_state"].create({
        "url": str, "kind": str, "etag": str, "last_modified": str, "sha256": str,
        "content_type": str, "status": int, "verdict": str, "checked_at": str, "changed_at": str,
    }, pk="url")
    db["documents"].create({
        "sha256": str, "size": int, "format": str, "content_type": str, "first_seen_at": str,
        "first_url": str,
    }, pk="sha256")
    db["reports"].create({
        "id": int, "portal_id": str, "url": str, "version": int, "link_title": str, "title": str,
        "agency": str, "year": int, "published_at": str, "format_version": str,
        "parse_status": str, "parse_reason": str, "parser_version": str, "source_format": str,
        "document_sha256": str, "content_hash": str, "cell_count": int,
        "identity_violations": int, "warnings": str, "repairs": str, "first_seen_at": str,
        "last_seen_at": str, "run_id": int, "is_latest": int,
    }, pk="id", foreign_keys=[("portal_id", "portals", "id"), ("document_sha256", "documents", "sha256")])
    db["attachments"].create({
        "id": int, "report_id": int, "url": str, "link_text": str, "sha256": str, "format": str,
        "size": int, "parse_status": str, "parse_reason": str, "fetched_at": str,
    }, pk="id", foreign_keys=[("report_id", "reports", "id"), ("sha256", "documents", "sha256")])
    db["report_cells"].create({
        "report_id": int, "key": str, "table_name": str, "row_key": str, "column_key": str,
        "value": float, "raw": str, "status": str, "unit": str, "note": str,
    }, pk=("report_id", "key"), foreign_keys=[("report_id", "reports", "id")])
    db["identity_checks"].create({
        "report_id": int, "identity": str, "column_key": str, "lhs": float, "rhs": float, "ok": int,
    }, pk=("report_id", "identity", "column_key"), foreign_keys=[("report_id", "reports", "id")])
    db["report_texts"].create({
        "report_id": int, "overview": str, "problems": str, "other": str, "full_text": str,
    }, pk="report_id", foreign_keys=[("report_id", "reports", "id")])

    db["reports"].create_index(["url", "content_hash"], unique=True)
    db["reports"].create_index(["portal_id", "year"])
    db["reports"].create_index(["agency", "year"])
    db["reports"].create_index(["year"])
    db["reports"].create_index(["parse_status"])
    db["reports"].create_index(["document_sha256"])
    db["fetches"].create_index(["run_id", "portal_id"])
    db["fetches"].create_index(["url"])
    db["attachments"].create_index(["report_id", "url", "sha256"], unique=True)
    db["report_cells"].create_index(["key", "value"])
    db["identity_checks"].create_index(["ok", "identity"])
    db["portal_runs"].create_index(["portal_id", "run_id"])


@migrations()
def m002_report_summaries(db: sqlite_utils.Database) -> None:
    """Headline numbers per report and per applicant type, written with the cells.

    Views that pivot six million cells on every page load are slow; these two small tables
    are filled from the same Report in the same transaction, so they can never disagree.
    """
    db["report_totals"].create({
        "report_id": int,
        "applications_received": float, "applications_carried_over": float,
        "granted": float, "partially_granted": float, "denied": float, "unable": float,
        "not_processed": float, "other_processing": float, "results_total": float,
        "carried_forward": float,
        "admin_review_total": float, "litigation_direct_total": float,
        "litigation_after_review_total": float,
        "normative_docs_new_made": float, "normative_docs_issued": float, "normative_docs_in_force": float,
        "licensing_decisions": float, "penalty_decisions": float, "coercion_decisions": float,
        "fees_amount_wan_yuan": float, "procurement_amount_wan_yuan": float,
    }, pk="report_id", foreign_keys=[("report_id", "reports", "id")])
    db["report_applicants"].create({
        "report_id": int, "applicant": str, "new_received": float, "carried_over": float,
        "granted": float, "partially_granted": float, "denied": float, "unable": float,
        "not_processed": float, "other_processing": float, "results_total": float,
        "carried_forward": float,
    }, pk=("report_id", "applicant"), foreign_keys=[("report_id", "reports", "id")])


@migrations()
def m003_search(db: sqlite_utils.Database) -> None:
    """Full-text search for Chinese: an FTS5 table over CJK-bigram tokens (see pipelines/cjk.py).

    rowid = reports.id. Stored tokens (not an external-content table) because the indexed
    form is the bigram text, which no user-facing table should have to carry.
    """
    db.execute("CREATE VIRTUAL TABLE report_search USING fts5(title, body, tokenize='unicode61 remove_diacritics 0')")


def ensure_portals(db: sqlite_utils.Database, portals: list[dict], now: str) -> None:
    """Upsert the registry rows (the registry CSV is the source of truth for them), each with the
    id of the government body the portal is (its name), for the coverage view."""
    from .agencies import agency_id, normalize

    for p in portals:
        row = {k: p.get(k) for k in ("id", "name", "level", "region_code", "province", "start_url",
                                      "render", "cms", "url_status", "notes")}
        row["agency_id"] = agency_id(normalize(p.get("name") or ""))
        row["updated_at"] = now
        if db["portals"].count_where("id = ?", [p["id"]]):
            db["portals"].update(p["id"], row)
        else:
            db["portals"].insert({**row, "added_at": now})


@migrations()
def m004_researcher_views(db: sqlite_utils.Database) -> None:
    """The views researchers query, and the dictionary of cell keys."""
    from .keys import all_keys

    db["cell_keys"].insert_all(all_keys(), pk="key", replace=True)
    db.execute("""
        CREATE VIEW report_overview AS
        SELECT r.id AS report_id, r.portal_id, p.name AS portal_name, p.level, p.province,
               CASE WHEN length(p.region_code) = 6 THEN substr(p.region_code, 1, 4) || '00' END AS city_code,
               p.region_code, r.agency, r.year, r.published_at, r.format_version, r.parse_status,
               r.version, r.is_latest, r.title, r.url, r.document_sha256 AS archived_copy,
               t.applications_received, t.applications_carried_over, t.granted, t.partially_granted,
               t.denied, t.unable, t.not_processed, t.other_processing, t.results_total,
               t.carried_forward, t.admin_review_total, t.litigation_direct_total,
               t.litigation_after_review_total, t.normative_docs_new_made, t.normative_docs_issued,
               t.normative_docs_in_force, t.licensing_decisions, t.penalty_decisions,
               t.coercion_decisions, t.fees_amount_wan_yuan, t.procurement_amount_wan_yuan,
               r.identity_violations, r.cell_count, r.first_seen_at
        FROM reports r
        JOIN portals p ON p.id = r.portal_id
        LEFT JOIN report_totals t ON t.report_id = r.id""")
    db.execute("""
        CREATE VIEW applicant_breakdown AS
        SELECT a.report_id, r.agency, r.year, p.province, p.region_code, p.level, r.format_version,
               r.is_latest, a.applicant, k.label_zh AS applicant_zh, a.new_received, a.carried_over,
               a.granted, a.partially_granted, a.denied, a.unable, a.not_processed,
               a.other_processing, a.results_total, a.carried_forward
        FROM report_applicants a
        JOIN reports r ON r.id = a.report_id
        JOIN portals p ON p.id = r.portal_id
        LEFT JOIN cell_keys k ON k.key = 'applications.' || a.applicant || '.new_received'""")
    db.execute("""
        CREATE VIEW cells_long AS
        SELECT c.report_id, r.agency, r.year, p.province, p.region_code, p.level,
               r.format_version AS template, r.is_latest, c.key, c.table_name, c.row_key, c.column_key,
               c.value, c.raw, c.status, c.unit
        FROM report_cells c
        JOIN reports r ON r.id = c.report_id
        JOIN portals p ON p.id = r.portal_id""")
    db.execute("""
        CREATE VIEW portal_health AS
        SELECT p.id AS portal_id, p.name, p.level, p.province, p.region_code, p.start_url, p.url_status,
               (SELECT max(cr.started_at) FROM portal_runs pr JOIN crawl_runs cr ON cr.id = pr.run_id
                 WHERE pr.portal_id = p.id AND pr.status = 'ok') AS last_success,
               (SELECT pr.status FROM portal_runs pr WHERE pr.portal_id = p.id
                 ORDER BY pr.run_id DESC LIMIT 1) AS last_status,
               (SELECT count(*) FROM portal_runs pr WHERE pr.portal_id = p.id AND pr.status IN ('failed', 'empty')
                 AND pr.run_id > coalesce((SELECT max(q.run_id) FROM portal_runs q
                                           WHERE q.portal_id = p.id AND q.status = 'ok'), 0)) AS consecutive_failures,
               (SELECT pr.reports_found FROM portal_runs pr WHERE pr.portal_id = p.id
                 ORDER BY pr.run_id DESC LIMIT 1) AS reports_found_last_run,
               (SELECT count(*) FROM reports r WHERE r.portal_id = p.id AND r.is_latest = 1) AS reports_archived,
               (SELECT pr.error_sample FROM portal_runs pr WHERE pr.portal_id = p.id
                 ORDER BY pr.run_id DESC LIMIT 1) AS last_errors
        FROM portals p""")
    db["report_applicants"].create_index(["applicant"], if_not_exists=True)
    db["reports"].create_index(["is_latest", "year"], if_not_exists=True)


@migrations()
def m005_cycles(db: sqlite_utils.Database) -> None:
    """The nightly cycles: crawl, re-parse, index, publish, each recorded with its outcome."""
    db["cycles"].create({
        "id": int, "started_at": str, "finished_at": str, "status": str, "trigger": str, "pid": int,
        "crawl_run_id": int, "new_reports": int, "new_versions": int, "reparsed": int, "indexed": int,
        "published_at": str, "steps": str, "message": str,
    }, pk="id")


@migrations()
def m006_identity_failures_index(db: sqlite_utils.Database) -> None:
    """Failed checks are few among millions: a partial index finds them without a scan."""
    db.execute("CREATE INDEX IF NOT EXISTS identity_checks_failed ON identity_checks(report_id) WHERE ok = 0")


@migrations()
def m007_cells_by_key_only_in_published_copy(db: sqlite_utils.Database) -> None:
    """The (key, value) index on report_cells moves to the published copy (zfxxgk/publish.py).

    Every report adds ~200 cells under ~200 different keys, so that index touches ~200 pages per
    report: nearly half of what storing a report costs. Readers need it; the crawl does not.
    """
    db.execute("DROP INDEX IF EXISTS idx_report_cells_key_value")


@migrations()
def m008_events_and_verdicts(db: sqlite_utils.Database) -> None:
    """What stopped or bent the crawl, and the verdicts on candidate report URLs, in tables of their own.

    `crawl_events` keeps every refusal, fault and limit with its reason and URL (an off-site
    redirect, robots.txt, a decompression bomb, a wrong charset label, a page limit), so a
    portal that yields nothing says why. Verdicts move out of `url_state`, which now holds only
    HTTP validators (written by the conditional-request middleware), into `url_verdicts`
    (written with the report they judge, in the same transaction): one owner for each.
    """
    db["crawl_events"].create({
        "id": int, "run_id": int, "portal_id": str, "kind": str, "url": str, "reason": str, "at": str,
    }, pk="id", foreign_keys=[("run_id", "crawl_runs", "id")])
    db["crawl_events"].create_index(["run_id", "portal_id"])
    db["url_verdicts"].create({"url": str, "verdict": str, "checked_at": str}, pk="url")
    db.execute("INSERT OR IGNORE INTO url_verdicts (url, verdict, checked_at) "
               "SELECT url, verdict, checked_at FROM url_state WHERE verdict IS NOT NULL")
    db["url_state"].transform(drop={"verdict"})


@migrations()
def m009_cell_origin(db: sqlite_utils.Database) -> None:
    """Where each cell was read: its document (NULL: the report's own document; an attachment's
    sha256 otherwise) and its place in it ('p3 t2 r5 c4', 't2 r5 c4', 'l123'), so a number in
    Datasette leads back to the spot in the original it came from."""
    db["report_cells"].add_column("document_sha256", str)
    db["report_cells"].add_column("origin", str)


@migrations()
def m010_discovery(db: sqlite_utils.Database) -> None:
    """What discovery learnt per portal, and the way each report was reached.

    `listing_memory`: per portal and listing URL, how its report links were read ('static',
    'rendered': in the browser, 'api': in the browser, from a JSON API it fetched), the static
    page's sha256, each API the browser saw it fetch (api_json: url, sha256, content_type),
    and the report links read (links_json). A later run whose static read and API answers are unchanged uses the links
    read before instead of rendering the page again.
    `report_sources`: per portal and report URL, the listing that linked it, and the
    department page that led there (部门信息公开 -> the department), when one did.
    """
    db["listing_memory"].create({
        "portal_id": str, "url": str, "method": str, "static_sha256": str, "api_json": str,
        "links_json": str, "browser_pages": int, "run_id": int, "updated_at": str,
    }, pk=("portal_id", "url"))
    db["report_sources"].create({
        "portal_id": str, "url": str, "listing_url": str, "department": str, "department_url": str,
        "method": str, "run_id": int, "seen_at": str,
    }, pk=("portal_id", "url"))
    db["report_sources"].create_index(["department"])


@migrations()
def m011_whole_numbers(db: sqlite_utils.Database) -> None:
    """Counts are whole numbers: INTEGER affinity stores 372.0 as 372 (and 25.1 万元 stays 25.1),
    so tables, JSON and CSV show what the report printed, not `372.0`."""
    db["report_cells"].transform(types={"value": int})
    db["identity_checks"].transform(types={"lhs": int, "rhs": int})
    for table in ("report_totals", "report_applicants"):
        db[table].transform(types={c.name: int for c in db[table].columns if c.type in ("FLOAT", "REAL")})


@migrations()
def m012_report_sightings(db: sqlite_utils.Database) -> None:
    """Every place a report was seen: portal, URL, document, first and last time.

    A report republished by another portal (departments' and subordinates' reports are, all
    the time), or linked under another URL, is one report with several sightings, so
    aggregates count it once; the reports table keeps one row per version.
    """
    db["report_sightings"].create({
        "report_id": int, "portal_id": str, "url": str, "document_sha256": str, "first_seen_at": str,
        "last_seen_at": str, "run_id": int,
    }, pk=("report_id", "portal_id", "url"), foreign_keys=[("report_id", "reports", "id")])
    db["report_sightings"].create_index(["url"])
    db["report_sightings"].create_index(["portal_id"])
    db.execute("INSERT OR IGNORE INTO report_sightings SELECT id, portal_id, url, document_sha256, first_seen_at, "
               "last_seen_at, run_id FROM reports")


@migrations()
def m013_agencies(db: sqlite_utils.Database) -> None:
    """Issuing bodies: `agencies` (a stable id per body, its level, its region from its own name,
    its government), `agency_aliases` (other names of a renamed body), `reports.agency_id`;
    the researcher views take a report's region from its body, not from the portal that
    carried it (see pipelines/agencies.py)."""
    from .store import assign_agency

    db["agencies"].create({
        "id": str, "name": str, "normalized": str, "level": str, "region_code": str, "province": str,
        "parent_id": str, "first_seen_at": str,
    }, pk="id")
    db["agencies"].create_index(["region_code"])
    db["agency_aliases"].create({"alias": str, "agency_id": str, "note": str}, pk="alias")
    db["reports"].add_column("agency_id", str)
    db["reports"].create_index(["agency_id", "year"])
    for rid, agency, portal_id, seen in db.execute(
            "SELECT id, agency, portal_id, first_seen_at FROM reports WHERE agency IS NOT NULL").fetchall():
        db.execute("UPDATE reports SET agency_id = ? WHERE id = ?", [assign_agency(db, agency, portal_id, seen), rid])
    for view in ("report_overview", "applicant_breakdown", "cells_long"):
        db.execute(f"DROP VIEW IF EXISTS {view}")
    region = "coalesce(a.region_code, p.region_code)"
    db.execute(f"""
        CREATE VIEW report_overview AS
        SELECT r.id AS report_id, r.portal_id, p.name AS portal_name, coalesce(a.level, p.level) AS level,
               coalesce(a.province, p.province) AS province,
               CASE WHEN length({region}) = 6 THEN substr({region}, 1, 4) || '00' END AS city_code,
               {region} AS region_code, r.agency, r.agency_id, r.year, r.published_at, r.format_version,
               r.parse_status, r.version, r.is_latest, r.title, r.url, r.document_sha256 AS archived_copy,
               t.applications_received, t.applications_carried_over, t.granted, t.partially_granted,
               t.denied, t.unable, t.not_processed, t.other_processing, t.results_total,
               t.carried_forward, t.admin_review_total, t.litigation_direct_total,
               t.litigation_after_review_total, t.normative_docs_new_made, t.normative_docs_issued,
               t.normative_docs_in_force, t.licensing_decisions, t.penalty_decisions,
               t.coercion_decisions, t.fees_amount_wan_yuan, t.procurement_amount_wan_yuan,
               r.identity_violations, r.cell_count, r.first_seen_at
        FROM reports r
        JOIN portals p ON p.id = r.portal_id
        LEFT JOIN agencies a ON a.id = r.agency_id
        LEFT JOIN report_totals t ON t.report_id = r.id""")
    db.execute(f"""
        CREATE VIEW applicant_breakdown AS
        SELECT ap.report_id, r.agency, r.agency_id, r.year, coalesce(a.province, p.province) AS province,
               {region} AS region_code, coalesce(a.level, p.level) AS level, r.format_version, r.is_latest,
               ap.applicant, k.label_zh AS applicant_zh, ap.new_received, ap.carried_over, ap.granted,
               ap.partially_granted, ap.denied, ap.unable, ap.not_processed, ap.other_processing,
               ap.results_total, ap.carried_forward
        FROM report_applicants ap
        JOIN reports r ON r.id = ap.report_id
        JOIN portals p ON p.id = r.portal_id
        LEFT JOIN agencies a ON a.id = r.agency_id
        LEFT JOIN cell_keys k ON k.key = 'applications.' || ap.applicant || '.new_received'""")
    db.execute(f"""
        CREATE VIEW cells_long AS
        SELECT c.report_id, r.agency, r.agency_id, r.year, coalesce(a.province, p.province) AS province,
               {region} AS region_code, coalesce(a.level, p.level) AS level,
               r.format_version AS template, r.is_latest, c.key, c.table_name, c.row_key, c.column_key,
               c.value, c.raw, c.status, c.unit
        FROM report_cells c
        JOIN reports r ON r.id = c.report_id
        JOIN portals p ON p.id = r.portal_id
        LEFT JOIN agencies a ON a.id = r.agency_id""")


@migrations()
def m014_chinese_views(db: sqlite_utils.Database) -> None:
    """Views for reading in Chinese: 报告概览, 申请人分布, 单元格明细.

    The English views stay for SQL users; these carry Chinese column names, the current version
    of each report only, and the columns a reader looks at first (report_overview is 40 columns
    wide), each cell with its label as the report prints it."""
    db.execute("""
        CREATE VIEW 报告概览 AS
        SELECT report_id AS 报告编号, agency AS 报告主体, year AS 年度, province AS 省份, level AS 层级,
               format_version AS 模板, parse_status AS 解析状态, applications_received AS 本年新收申请,
               applications_carried_over AS 上年结转, granted AS 予以公开, partially_granted AS 部分公开,
               denied AS 不予公开, unable AS 无法提供, not_processed AS 不予处理, other_processing AS 其他处理,
               results_total AS 办理总计, carried_forward AS 结转下年度, admin_review_total AS 行政复议,
               coalesce(litigation_direct_total, 0) + coalesce(litigation_after_review_total, 0) AS 行政诉讼,
               identity_violations AS 勾稽不符, published_at AS 发布日期, url AS 原文链接
        FROM report_overview WHERE is_latest = 1""")
    db.execute("""
        CREATE VIEW 申请人分布 AS
        SELECT report_id AS 报告编号, agency AS 报告主体, year AS 年度, province AS 省份,
               coalesce(applicant_zh, applicant) AS 申请人, new_received AS 本年新收, carried_over AS 上年结转,
               granted AS 予以公开, partially_granted AS 部分公开, denied AS 不予公开, unable AS 无法提供,
               not_processed AS 不予处理, other_processing AS 其他处理, results_total AS 办理总计,
               carried_forward AS 结转下年度
        FROM applicant_breakdown WHERE is_latest = 1""")
    db.execute("""
        CREATE VIEW 单元格明细 AS
        SELECT c.report_id AS 报告编号, r.agency AS 报告主体, r.year AS 年度, k.label_zh AS 项目, c.value AS 数值,
               c.raw AS 原文, c.status AS 状态, coalesce(c.unit, k.unit) AS 单位, c.origin AS 位置, c.key AS 键
        FROM report_cells c
        JOIN reports r ON r.id = c.report_id
        LEFT JOIN cell_keys k ON k.key = c.key
        WHERE r.is_latest = 1""")


@migrations()
def m015_coverage_and_continuity(db: sqlite_utils.Database) -> None:
    """Research views: who published what when, and whether the years join up.

    `coverage`: every government body of the registry (a portal's own government, its
    `portals.agency_id`) for every report year the archive holds: published or not, when, and
    whether by the legal deadline (31 January of the next year, 条例 第五十条).
    `continuity_checks`: beside I1-I6, the cross-year identity: 结转下年度继续办理 of year Y equals
    上年结转 of year Y+1, per applicant column, for every body with both years archived.
    """
    from .agencies import agency_id, normalize

    db["portals"].add_column("agency_id", str)
    for pid, name in db.execute("SELECT id, name FROM portals").fetchall():
        db.execute("UPDATE portals SET agency_id = ? WHERE id = ?", [agency_id(normalize(name or "")), pid])
    db.execute("""
        CREATE VIEW coverage AS
        WITH RECURSIVE years(year) AS (
            SELECT min(year) FROM reports WHERE year BETWEEN 2008 AND 2100
            UNION ALL SELECT year + 1 FROM years WHERE year < (SELECT max(year) FROM reports WHERE year <= 2100))
        SELECT p.id AS portal_id, p.name AS body, p.agency_id, p.province, p.region_code, p.level, y.year,
               r.id AS report_id, r.published_at, r.first_seen_at,
               CASE WHEN r.id IS NULL THEN 'missing'
                    WHEN r.published_at IS NULL THEN 'published, date unknown'
                    WHEN r.published_at <= printf('%04d-01-31', y.year + 1) THEN 'on_time'
                    ELSE 'late' END AS status
        FROM portals p CROSS JOIN years y
        LEFT JOIN reports r ON r.id = (SELECT max(id) FROM reports q WHERE q.agency_id = p.agency_id
                                       AND q.year = y.year AND q.is_latest = 1)""")
    db.execute("""
        CREATE VIEW continuity_checks AS
        SELECT a.agency_id, a.agency, a.year, b.year AS next_year, a.id AS report_id, b.id AS next_report_id,
               substr(ca.key, 14, length(ca.key) - 13 - length('.carried_forward')) AS applicant,
               ca.value AS carried_forward, cb.value AS next_carried_over,
               CASE WHEN ca.value IS NULL OR cb.value IS NULL THEN NULL ELSE ca.value = cb.value END AS ok
        FROM reports a
        JOIN reports b ON b.agency_id = a.agency_id AND b.year = a.year + 1 AND b.is_latest = 1
        JOIN report_cells ca ON ca.report_id = a.id AND ca.key LIKE 'applications.%.carried_forward'
        JOIN report_cells cb ON cb.report_id = b.id
             AND cb.key = substr(ca.key, 1, length(ca.key) - length('carried_forward')) || 'carried_over'
        WHERE a.is_latest = 1""")


@migrations()
def m016_cell_confidence(db: sqlite_utils.Database) -> None:
    """The OCR engine's confidence (0-1) for a number read from a scanned page; NULL otherwise."""
    db["report_cells"].add_column("confidence", float)


@migrations()
def m017_merged_runs(db: sqlite_utils.Database) -> None:
    """Which crawl runs of the cluster's shard databases are merged in, and as which run here.

    A worker crawls a portal into a shard of its own (data/shards/<portal>/zfxxgk.db);
    pipelines/merge.py carries each shard run's rows (fetches, events, portal runs) into this
    database once, recorded here, so merging a shard again adds nothing.
    """
    db["merged_runs"].create({"shard": str, "shard_run_id": int, "run_id": int, "merged_at": str},
                             pk=("shard", "shard_run_id"), foreign_keys=[("run_id", "crawl_runs", "id")])


@migrations()
def m018_merged_reports(db: sqlite_utils.Database) -> None:
    """Which report each shard report became here. A report merged once keeps its row, even
    after a re-parse here has changed its content hash, which the shard's copy still has."""
    db["merged_reports"].create({"shard": str, "shard_report_id": int, "report_id": int},
                                pk=("shard", "shard_report_id"), foreign_keys=[("report_id", "reports", "id")])


@migrations()
def m019_reports_by_content_hash(db: sqlite_utils.Database) -> None:
    """store.save_report looks a report up by its content hash (same content = the same report,
    wherever it was seen): without an index every stored report read every report, and storing
    slowed from 190 to 35-50 reports/s by 100,000 reports."""
    db["reports"].create_index(["content_hash"], index_name="reports_by_content_hash", if_not_exists=True)


@migrations()
def m020_report_bodies(db: sqlite_utils.Database) -> None:
    """Every issuing body with reports, and their years: what a researcher picks a body from
    (outcomes_for_body's list, the query forms' choices). A body is its agencies id, however
    its reports print its name; `agency` is the first of those names."""
    db.execute("""
        CREATE VIEW report_bodies AS
        SELECT agency_id, min(agency) AS agency, group_concat(year, ' ') AS years, count(*) AS report_years
        FROM (SELECT agency_id, min(agency) AS agency, year FROM reports
              WHERE is_latest = 1 AND agency_id IS NOT NULL
              GROUP BY agency_id, year ORDER BY agency_id, year)
        GROUP BY agency_id""")


@migrations()
def m021_region_years(db: sqlite_utils.Database) -> None:
    """Applications per region and year (current report versions): what applications_by_region_year
    lists, and what the published copy keeps sorted (every region-year grouped and sorted on
    each visit was most of that query's time at national scale)."""
    db.execute("""
        CREATE VIEW region_years AS
        SELECT province, region_code, year, count(*) AS reports,
               sum(applications_received) AS applications_received,
               sum(results_total) AS results_total,
               sum(carried_forward) AS carried_forward
        FROM report_overview
        WHERE is_latest = 1
        GROUP BY province, region_code, year""")
