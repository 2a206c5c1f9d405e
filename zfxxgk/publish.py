"""Publishing: a checked copy of the working database, swapped in whole.

Datasette never sees a database being written: the working database is copied with
VACUUM INTO (a consistent snapshot, compacted), given the indexes only readers need, checked
(integrity, a smoke query over every view, and every canned query compiled), and only then
renamed over the published file - an atomic step. A Datasette serving the published file picks the new one up
(datasette/plugins/zfxxgk_published.py) and keeps answering from the old one until then.
"""

from __future__ import annotations

import io
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from zfxxgk.pipelines import cjk

from .serve import DATABASE_NAME, metadata

VIEWS = ("report_overview", "applicant_breakdown", "cells_long", "portal_health")

# Indexes only readers need, too costly to keep up while crawling (see pipelines/db.py m007)
READER_INDEXES = (
    "CREATE INDEX IF NOT EXISTS report_cells_by_key ON report_cells(key, value)",
    # changed_reports groups every report by URL: from this index alone, without reading the rows
    "CREATE INDEX IF NOT EXISTS reports_by_url_seen ON reports(url, first_seen_at, agency, year)",
    # the identity facet of identity_checks (millions of rows) counts from an index, in its order
    "CREATE INDEX IF NOT EXISTS identity_checks_by_identity ON identity_checks(identity, ok)",
    # the full-text index as one b-tree instead of the segments indexing left: a word in every
    # report reads one doclist, not one per segment
    "INSERT INTO report_search(report_search) VALUES ('optimize')",
)

# Views whose rows the published copy holds in a table of its own (`_<view>_rows`, the view then
# reading it), indexed on what their pages sort, filter and facet on. Computed on each request
# they are too slow at national scale (100,000 reports, bench/datasette_bench.py): a facet page
# evaluates its view once for the rows, once for the count and once per facet, and the
# cross-year join of continuity_checks reads every report's cells. The published copy never
# changes, so its rows are computed once per publish; the view keeps its name, columns and rows
# (the working database keeps the plain views). Dependent views (报告概览 reads report_overview)
# are listed after what they read.
READER_TABLES = {
    "report_overview": (("report_id",), ("year",), ("province",), ("level",), ("format_version",),
                        ("parse_status",), ("agency", "year"), ("agency_id", "year"), ("portal_id",),
                        # the dashboards' sums by year and body, region_years' grouping and the
                        # overview dashboard's outcome shares, each read from one index
                        ("is_latest", "year", "agency", "applications_received"),
                        ("is_latest", "province", "region_code", "year", "applications_received", "results_total",
                         "carried_forward"),
                        ("is_latest", "granted", "partially_granted", "denied", "unable", "not_processed",
                         "other_processing")),
    "报告概览": (("报告编号",), ("年度",), ("省份",), ("层级",), ("解析状态",), ("报告主体", "年度")),
    "applicant_breakdown": (("report_id",), ("applicant", "year"), ("year",), ("province",), ("level",),
                            ("agency", "year")),
    "申请人分布": (("报告编号",), ("申请人", "年度"), ("年度",), ("省份",), ("报告主体", "年度")),
    "coverage": (("portal_id",), ("status", "year"), ("year",), ("province",), ("level",), ("agency_id",)),
    "continuity_checks": (("ok",), ("year",), ("applicant", "year"), ("agency", "year"), ("agency_id", "year"),
                          ("report_id",)),
    # seven subqueries per portal over its crawl runs, for every portal (portals_by_health sorts them all)
    "portal_health": (("portal_id",),),
    # every body's years, grouped from every report: listed by name in outcomes_for_body and the forms
    "report_bodies": (("agency",), ("agency_id",)),
    # applications_by_region_year, read in its order from the index alone (all provinces, or one:
    # `:province = '' or province = :province` cannot use an index on province)
    "region_years": (("year", "applications_received", "province", "region_code", "reports", "results_total",
                      "carried_forward"),),
}


class PublishError(RuntimeError):
    pass


@dataclass
class Published:
    path: Path
    reports: int
    size: int


def check(path: Path) -> int:
    """Raise PublishError unless the database at `path` is sound and answers; returns #reports."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise PublishError(f"integrity check failed: {result}")
        reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        for view in VIEWS:
            conn.execute(f"SELECT * FROM {view} LIMIT 1").fetchall()
        queries = metadata()["databases"][DATABASE_NAME]["queries"]
        cjk.register_sql_functions(conn)
        for name, q in queries.items():
            try:
                conn.execute("EXPLAIN " + q["sql"], {p: "" for p in _params(q["sql"])}).fetchall()
            except sqlite3.Error as exc:
                raise PublishError(f"canned query {name} does not run: {exc}") from exc
        return reports
    finally:
        conn.close()


def _params(sql: str) -> set[str]:
    return set(re.findall(r":(\w+)", sql))


# The row count of every table and view of the published copy, and the value counts of every
# facet metadata.yml configures, as Datasette shows them on a page with no filter (column_name ''
# holds the row count). Datasette 0.65 counts them again on each page view: at national scale
# that was most of the time of the big tables' pages (identity_checks, 4 million rows, 452 ms at
# p95; the every-cell views, 20 million rows, cut at 3 s). A published copy never changes, so they
# are counted once here; datasette/plugins/zfxxgk_counts.py answers those queries from them.
PAGE_COUNTS = "_page_counts"


def _count_pages(conn: sqlite3.Connection) -> None:
    tables = metadata()["databases"][DATABASE_NAME]["tables"]
    names = [r[0] for r in conn.execute(  # before the table itself exists: it is not counted
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name")]
    conn.execute(f"CREATE TABLE {PAGE_COUNTS} (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
                 "value, count INTEGER NOT NULL)")  # value: no affinity, each keeps its column's type
    for name in names:
        conn.execute(f"INSERT INTO {PAGE_COUNTS} SELECT ?, '', NULL, count(*) FROM [{name}]", [name])
        for column in (tables.get(name) or {}).get("facets") or ():
            if not isinstance(column, str):  # {array: ...}, {date: ...}: Datasette computes those
                continue
            conn.execute(f"INSERT INTO {PAGE_COUNTS} SELECT ?, ?, [{column}], count(*) FROM [{name}] "
                         f"WHERE [{column}] IS NOT NULL GROUP BY [{column}]", [name, column])
    conn.execute(f"CREATE INDEX {PAGE_COUNTS}_by_page ON {PAGE_COUNTS} (table_name, column_name, count DESC)")


def _materialize(conn: sqlite3.Connection, view: str, indexes: tuple[tuple[str, ...], ...]) -> None:
    table = f"_{view}_rows"
    conn.execute(f"CREATE TABLE [{table}] AS SELECT * FROM [{view}]")
    conn.execute(f"DROP VIEW [{view}]")
    conn.execute(f"CREATE VIEW [{view}] AS SELECT * FROM [{table}]")
    for columns in indexes:
        conn.execute(f"CREATE INDEX [{table}_by_{'_'.join(columns)}] ON [{table}] "
                     f"({', '.join(f'[{c}]' for c in columns)})")


def publish(db: Path, published: Path) -> Published:
    published.parent.mkdir(parents=True, exist_ok=True)
    tmp = published.with_name(published.name + ".new")
    if tmp.exists():
        tmp.unlink()  # our own half-made copy from an interrupted publish
    src = sqlite3.connect(db)
    try:
        src.execute("VACUUM INTO ?", [str(tmp)])
    finally:
        src.close()
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode=DELETE")  # a read-only copy: no -wal beside it
    for sql in READER_INDEXES:
        conn.execute(sql)
    for view, indexes in READER_TABLES.items():
        _materialize(conn, view, indexes)
    _count_pages(conn)
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    try:
        reports = check(tmp)
    except PublishError:
        tmp.rename(tmp.with_name(published.name + ".rejected"))
        raise
    os.replace(tmp, published)
    dir_fd = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    write_exports(published, published.parent / "exports")
    return Published(published, reports, published.stat().st_size)


# Bulk downloads built with each published copy: the current version of every report, and every
# cell of them (gzipped: millions of rows). UTF-8 with a BOM, so Excel reads the Chinese.
EXPORTS = {
    "reports.csv": "SELECT * FROM report_overview WHERE is_latest = 1 ORDER BY report_id",
    "cells.csv.gz": "SELECT * FROM cells_long WHERE is_latest = 1 ORDER BY report_id, key",
}


def write_exports(published: Path, folder: Path) -> dict[str, int]:
    """CSV files of the published copy, each written beside its final name and renamed into place
    (a download under way keeps reading the previous file), and the same rows as Parquet where
    pyarrow is installed (the `parquet` extra). Returns rows per file."""
    import csv
    import gzip
    from importlib.util import find_spec

    folder.mkdir(parents=True, exist_ok=True)
    parquet = find_spec("pyarrow") is not None
    conn = sqlite3.connect(f"file:{published}?immutable=1", uri=True)
    counts = {}
    try:
        for name, sql in EXPORTS.items():
            tmp = folder / f".{name}.tmp"
            raw = open(tmp, "wb")
            out = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if name.endswith(".gz") else raw
            try:
                out.write("\ufeff".encode("utf-8"))
                text = io.TextIOWrapper(out, encoding="utf-8", newline="")
                cur = conn.execute(sql)
                writer = csv.writer(text)
                writer.writerow([d[0] for d in cur.description])
                n = 0
                for rows in iter(lambda: cur.fetchmany(10_000), []):
                    writer.writerows(rows)
                    n += len(rows)
                text.flush()
                text.detach()
            finally:
                if out is not raw:
                    out.close()
                raw.close()
            pq_name = name.split(".")[0] + ".parquet"
            pq_tmp = folder / f".{pq_name}.tmp"
            try:
                if parquet:
                    counts[pq_name] = _write_parquet(conn, sql, pq_tmp)
            except BaseException:
                # the new CSV is not put in place either, and no Parquet stays that would
                # disagree with the CSV beside it
                for leftover in (tmp, pq_tmp, folder / pq_name):
                    leftover.unlink(missing_ok=True)
                raise
            os.replace(tmp, folder / name)
            counts[name] = n
            if parquet:
                os.replace(pq_tmp, folder / pq_name)
            else:  # one left by a publish that had pyarrow would no longer match its CSV
                (folder / pq_name).unlink(missing_ok=True)
    finally:
        conn.close()
    return counts


def _write_parquet(conn: sqlite3.Connection, sql: str, tmp: Path, batch: int = 10_000) -> int:
    """The rows of `sql` as a Parquet file (zstd) at `tmp`, typed as SQLite stored them: a column holding
    any text is text (its numbers written as the CSV writes them), else one holding any real is
    float64, else int64. SQLite's types are per value, so one pass over the rows finds them
    first (about 5 s per million cells); the rows are then written in batches, never held whole."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cur = conn.execute(sql)
    names = [d[0] for d in cur.description]
    quoted = ['"' + n.replace('"', '""') + '"' for n in names]
    kinds = conn.execute("SELECT " + ", ".join(
        f"max(typeof({q}) IN ('text', 'blob')), max(typeof({q}) = 'real'), max(typeof({q}) = 'integer')"
        for q in quoted) + f" FROM ({sql})").fetchone()
    types = []
    for i in range(len(names)):
        text, real, integer = kinds[3 * i:3 * i + 3]
        types.append(pa.string() if text or not (real or integer) else pa.float64() if real else pa.int64())
    schema = pa.schema(list(zip(names, types)))
    n = 0
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for rows in iter(lambda: cur.fetchmany(batch), []):
            columns = []
            for values, kind in zip(zip(*rows), types):
                if kind == pa.string() and not all(v is None or isinstance(v, str) for v in values):
                    values = [None if v is None else str(v) for v in values]
                columns.append(pa.array(values, type=kind))
            writer.write_batch(pa.record_batch(columns, schema=schema))
            n += len(rows)
    return n
