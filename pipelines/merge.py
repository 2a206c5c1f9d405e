"""Merging the cluster's shard databases into the one working database.

Each cluster worker crawls a bucket of portals into that bucket's own shard
(data/shards/<bucket>/zfxxgk.db, one worker at a time), so no two machines ever write one
SQLite file. A portal lives in one bucket until ZFXXGK_SHARDS changes; then its next crawl, in
its new bucket's shard, is a full one, and the natural keys below make it merge as a re-crawl
would (older shards, already merged, add nothing). The publish step first merges every shard into
data/zfxxgk.db, one transaction per shard, through natural keys, never through the shards'
integer ids (every shard counts its runs and reports from 1):

- documents by sha256 and agencies by id (the first seen wins, as on one machine), url_state / url_verdicts / listing_memory /
  report_sources by their keys (the newer row wins, so a portal's crawl state travels with it);
- reports by the rules `store.save_report` applies: the same content (content hash) already
  here is the same report, and the shard's report adds its sightings and attachments; otherwise
  it is a new report, or a new version of the line last seen at its URL, with its cells, checks,
  summaries and texts. `merged_reports` remembers which report each became: a later re-parse
  here changes content hashes, never the shard's, and must not make old reports look new;
- crawl runs: the shard runs merged by one call become one run here (`merged_runs` records which,
  so fetches, events and portal runs are carried exactly once); a portal crawled twice in it
  (a worker died, its task was redelivered) keeps its last run's record.

Merging a shard twice adds nothing. The result equals a single-machine crawl of the same
portals: the same reports, cells, checks, sightings and verdicts (the search index is built
afterwards, as after a crawl).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from .db import ensure_schema, open_db, transaction, utcnow

# rows copied with their report, keyed by report_id
_PARSED = ("report_cells", "identity_checks", "report_totals", "report_applicants", "report_texts")
_COUNTERS = ("pages", "bytes", "reports_found", "errors")


@dataclass
class MergeResult:
    run_id: int | None = None  # the run the new shard runs became (None: nothing new to merge)
    status: str | None = None
    summary: str | None = None
    shards: int = 0
    shard_runs: int = 0
    new_reports: int = 0
    new_versions: int = 0
    sightings: int = 0
    seconds: float = 0.0
    failed_portals: list[str] = field(default_factory=list)


def shard_paths(shards_dir: Path) -> list[Path]:
    """Every shard database under data/shards/, in a stable order."""
    return sorted(Path(shards_dir).glob("*/zfxxgk.db"))


def merge_shards(db_path: Path, shards: list[Path], trigger: str = "cluster") -> MergeResult:
    start = time.perf_counter()
    db = open_db(db_path)
    ensure_schema(db)
    result = MergeResult()
    for shard in shards:
        s = open_db(shard)
        ensure_schema(s)  # a shard from an older version gets the same columns
        s.conn.close()
        db.execute("ATTACH DATABASE ? AS shard", [str(shard)])
        try:
            with transaction(db):
                _merge_one(db, shard.parent.name, trigger, result)
        finally:
            db.execute("DETACH DATABASE shard")
        result.shards += 1
    if result.run_id is not None:
        with transaction(db):
            _finish_run(db, result)
    result.seconds = time.perf_counter() - start
    return result


def _columns(db, table: str, schema: str = "main") -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA {schema}.table_info([{table}])")]


def _common(db, table: str, drop: tuple = ()) -> list[str]:
    shard = set(_columns(db, table, "shard"))
    return [c for c in _columns(db, table) if c in shard and c not in drop]


def _merge_one(db, key: str, trigger: str, result: MergeResult) -> None:
    conn = db.conn
    cols = _common(db, "portals", ("added_at",))
    updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != "id")
    conn.execute(f"INSERT INTO portals ({', '.join(cols)}, added_at) SELECT {', '.join(cols)}, added_at "
                 f"FROM shard.portals WHERE true ON CONFLICT(id) DO UPDATE SET {updates}")
    # documents and agencies keep what was first seen of them (URL; region, from the first portal's hint)
    for table, pk in (("documents", "sha256"), ("agencies", "id")):
        cols = _common(db, table)
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != pk)
        conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM shard.{table} WHERE true "
                     f"ON CONFLICT({pk}) DO UPDATE SET {updates} WHERE excluded.first_seen_at < {table}.first_seen_at")
    cols = ", ".join(_common(db, "agency_aliases"))
    conn.execute(f"INSERT OR IGNORE INTO agency_aliases ({cols}) SELECT {cols} FROM shard.agency_aliases")

    # runs of the shard not merged before become the run of this merge
    new_runs = [r for (r,) in conn.execute(
        "SELECT id FROM shard.crawl_runs WHERE id NOT IN (SELECT shard_run_id FROM merged_runs WHERE shard = ?) "
        "ORDER BY id", [key])]
    if new_runs:
        if result.run_id is None:
            result.run_id = conn.execute(
                "INSERT INTO crawl_runs (started_at, status, trigger, pid) VALUES (?, 'running', ?, ?)",
                [utcnow(), trigger, None]).lastrowid
        conn.execute("UPDATE crawl_runs SET started_at = min(started_at, (SELECT min(started_at) FROM shard.crawl_runs "
                     f"WHERE id IN ({', '.join('?' * len(new_runs))}))) WHERE id = ?", [*new_runs, result.run_id])
        conn.executemany("INSERT INTO merged_runs (shard, shard_run_id, run_id, merged_at) VALUES (?, ?, ?, ?)",
                         [(key, r, result.run_id, utcnow()) for r in new_runs])
        result.shard_runs += len(new_runs)
    # shard run id -> run id here, for every run ever merged from this shard
    conn.execute("DROP TABLE IF EXISTS temp.run_map")
    conn.execute("CREATE TEMP TABLE run_map AS SELECT shard_run_id AS shard_run, run_id FROM merged_runs "
                 "WHERE shard = ?", [key])
    mapped = "(SELECT run_id FROM temp.run_map WHERE shard_run = x.run_id)"
    fresh = f"x.run_id IN ({', '.join('?' * len(new_runs))})" if new_runs else "0"

    for table in ("fetches", "crawl_events"):
        cols = _common(db, table, ("id", "run_id"))
        conn.execute(f"INSERT INTO {table} (run_id, {', '.join(cols)}) SELECT {mapped}, "
                     f"{', '.join('x.' + c for c in cols)} FROM shard.{table} x WHERE {fresh} ORDER BY x.id", new_runs)
    cols = _common(db, "portal_runs", ("run_id",))
    conn.execute(f"INSERT OR REPLACE INTO portal_runs (run_id, {', '.join(cols)}) SELECT {mapped}, "
                 f"{', '.join('x.' + c for c in cols)} FROM shard.portal_runs x WHERE {fresh} ORDER BY x.run_id",
                 new_runs)

    # crawl state: the newer row wins
    for table, pk, stamp in (("url_state", ("url",), "checked_at"), ("url_verdicts", ("url",), "checked_at"),
                             ("listing_memory", ("portal_id", "url"), "updated_at"),
                             ("report_sources", ("portal_id", "url"), "seen_at")):
        cols = _common(db, table)
        values = ", ".join(mapped if c == "run_id" else f"x.{c}" for c in cols)
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in pk)
        conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {values} FROM shard.{table} x WHERE true "
                     f"ON CONFLICT({', '.join(pk)}) DO UPDATE SET {updates} "
                     f"WHERE coalesce(excluded.{stamp}, '') > coalesce({table}.{stamp}, '')")

    _merge_reports(db, key, result, mapped)


def _merge_reports(db, key: str, result: MergeResult, mapped: str) -> None:
    conn = db.conn
    cols = _common(db, "reports", ("id",))
    # shard report id -> report id here, for the reports merged before
    ids: dict[int, int] = dict(conn.execute(
        "SELECT shard_report_id, report_id FROM merged_reports WHERE shard = ?", [key]).fetchall())
    for row in conn.execute(f"SELECT id, {', '.join(cols)} FROM shard.reports ORDER BY id").fetchall():
        sid, r = row[0], dict(zip(cols, row[1:]))
        same = None if sid in ids else conn.execute(
            "SELECT id FROM reports WHERE content_hash = ? ORDER BY is_latest DESC, id DESC LIMIT 1",
            [r["content_hash"]]).fetchone()
        if sid in ids or same:
            rid = ids.setdefault(sid, same[0] if same else None)
            conn.execute("UPDATE reports SET last_seen_at = max(last_seen_at, ?) WHERE id = ?", [r["last_seen_at"], rid])
        else:
            rid = ids[sid] = _insert_report(db, sid, r, ids, result)
        conn.execute("INSERT OR IGNORE INTO merged_reports (shard, shard_report_id, report_id) VALUES (?, ?, ?)",
                     [key, sid, rid])
        sighting_cols = _common(db, "report_sightings", ("report_id", "run_id"))
        cur = conn.execute(
            f"INSERT INTO report_sightings (report_id, run_id, {', '.join(sighting_cols)}) SELECT ?, {mapped}, "
            f"{', '.join('x.' + c for c in sighting_cols)} FROM shard.report_sightings x WHERE x.report_id = ? "
            "ON CONFLICT(report_id, portal_id, url) DO UPDATE SET "
            "first_seen_at = min(report_sightings.first_seen_at, excluded.first_seen_at), "
            "last_seen_at = max(report_sightings.last_seen_at, excluded.last_seen_at), "
            "document_sha256 = CASE WHEN excluded.last_seen_at > report_sightings.last_seen_at "
            "THEN excluded.document_sha256 ELSE report_sightings.document_sha256 END "
            "WHERE excluded.first_seen_at < report_sightings.first_seen_at "
            "OR excluded.last_seen_at > report_sightings.last_seen_at", [rid, sid])
        result.sightings += cur.rowcount
        att = _common(db, "attachments", ("id", "report_id"))
        conn.execute(
            f"INSERT INTO attachments (report_id, {', '.join(att)}) SELECT ?, {', '.join('x.' + c for c in att)} "
            "FROM shard.attachments x WHERE x.report_id = ? ORDER BY x.id ON CONFLICT(report_id, url, sha256) "
            "DO UPDATE SET parse_status = excluded.parse_status, parse_reason = excluded.parse_reason",
            [rid, sid])


def _insert_report(db, sid: int, r: dict, ids: dict[int, int], result: MergeResult) -> int:
    """A report new here: the next version of the line last seen at its URL (as save_report
    decides), or the first of a new line; with its parsed rows."""
    conn = db.conn
    line = None
    if r["version"] and r["version"] > 1:  # its previous version in the shard leads to the line here
        prev = conn.execute("SELECT id FROM shard.reports WHERE url = ? AND version = ?",
                            [r["url"], r["version"] - 1]).fetchone()
        if prev and prev[0] in ids:
            line = conn.execute("SELECT url FROM reports WHERE id = ?", [ids[prev[0]]]).fetchone()
    if line is None:
        line = conn.execute("SELECT r.url FROM report_sightings s JOIN reports r ON r.id = s.report_id "
                            "WHERE s.url = ? ORDER BY r.version DESC, r.id DESC LIMIT 1", [r["url"]]).fetchone()
    line_url = line[0] if line else r["url"]
    prev_version = conn.execute("SELECT max(version) FROM reports WHERE url = ?", [line_url]).fetchone()[0]
    conn.execute("UPDATE reports SET is_latest = 0 WHERE url = ?", [line_url])
    row = {**r, "url": line_url, "version": (prev_version or 0) + 1, "is_latest": 1}
    run = conn.execute("SELECT run_id FROM temp.run_map WHERE shard_run = ?", [r["run_id"]]).fetchone()
    row["run_id"] = run[0] if run else None
    rid = conn.execute(f"INSERT INTO reports ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                       list(row.values())).lastrowid
    for table in _PARSED:
        cols = _common(db, table, ("report_id",))
        conn.execute(f"INSERT INTO {table} (report_id, {', '.join(cols)}) SELECT ?, {', '.join(cols)} "
                     f"FROM shard.{table} WHERE report_id = ?", [rid, sid])
    if row["version"] == 1:
        result.new_reports += 1
    else:
        result.new_versions += 1
    return rid


def _finish_run(db, result: MergeResult) -> None:
    """The merged run's record: its portals' outcomes, totals and summary, as a crawl's run log writes them."""
    conn = db.conn
    run_id = result.run_id
    statuses = dict(conn.execute("SELECT portal_id, status FROM portal_runs WHERE run_id = ?", [run_id]).fetchall())
    totals = dict(zip(_COUNTERS, conn.execute(
        f"SELECT {', '.join(f'coalesce(sum({c}), 0)' for c in _COUNTERS)} FROM portal_runs WHERE run_id = ?",
        [run_id]).fetchone()))
    not_modified = conn.execute("SELECT count(*) FROM fetches WHERE run_id = ? AND status = 304", [run_id]).fetchone()[0]
    result.failed_portals = sorted(p for p, s in statuses.items() if s == "failed")
    failed = len(result.failed_portals)
    if not statuses:
        status = "failed"  # every crawl died before recording its portal
    elif failed == len(statuses):
        status = "failed"
    elif failed:
        status = "partial"
    else:
        status = "ok"
    summary = (f"{len(statuses)} portals ({failed} failed); {totals['pages']} pages, {not_modified} not modified; "
               f"{totals['reports_found']} report links, {result.new_reports} new reports, "
               f"{result.new_versions} new versions; {totals['errors']} errors")
    conn.execute(
        "UPDATE crawl_runs SET finished_at = ?, status = ?, finish_reason = ?, portals = ?, pages = ?, "
        "bytes = ?, not_modified = ?, reports_found = ?, new_reports = ?, new_versions = ?, errors = ?, "
        "stats_json = ?, summary = ? WHERE id = ?",
        [utcnow(), status, "finished" if status != "failed" else "merged", len(statuses), totals["pages"],
         totals["bytes"], not_modified, totals["reports_found"],
         result.new_reports, result.new_versions, totals["errors"],
         json.dumps({"shard_runs": result.shard_runs, "shards": result.shards}), summary, run_id])
    result.status, result.summary = status, summary
