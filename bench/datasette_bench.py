"""Datasette benchmark: latency of the published archive at national scale (issue 12).

    python bench/datasette_bench.py [--reports 100000] [--requests 30] [--work DIR] [--skip-publish]
                                    [--only LABEL ...]

Builds a generated archive of N reports (about 10,500 bodies x years 2019-2028 by default, about
200 cells each: 20 million cells, texts and the bigram search index) with the crawl's own storing
code (save_report, the verdicts, refresh_search), beside the registry and ten nights of crawl
records per portal; publishes it as the nightly cycle does (zfxxgk.publish: VACUUM INTO, reader
indexes and tables, checks, exports), checks that the published views give the working views'
rows, serves it with `zfxxgk serve --immutable`, and prints p50/p95 latency over HTTP for every
canned query, every table with configured facets, the search box, the Chinese views, coverage
and continuity, the dashboards' chart queries and the report page, then the five slowest again.
Build and publish times, database sizes and the load average are printed. Target: p95 < 300 ms.

The reports are derived from the real samples by `demo.reports.vary` (identities kept, some
carry-over mismatches and printed errors added), with the samples' own texts; ~1% are corrected
re-publications (a second version), ~3% are also seen on a second portal, ~3% of body-years are
missing and ~10% are published late. --work keeps the folder (the build is reused when its
database is there).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zfxxgk.demo.reports import vary  # noqa: E402
from zfxxgk.pipelines.db import ensure_portals, ensure_schema, open_db, transaction  # noqa: E402
from zfxxgk.pipelines.ingest import record_verdict  # noqa: E402
from zfxxgk.pipelines.parser import parse_document  # noqa: E402
from zfxxgk.pipelines.parser.identities import check  # noqa: E402
from zfxxgk.pipelines.parser.model import OK, Cell, Report  # noqa: E402
from zfxxgk.pipelines.regions import PROVINCES, province_of  # noqa: E402
from zfxxgk.pipelines.store import record_document, refresh_search, save_report  # noqa: E402
from zfxxgk.publish import READER_TABLES, publish  # noqa: E402
from zfxxgk.serve import metadata as config  # noqa: E402

SAMPLES = ROOT / "tests" / "samples"
LEVELS = ["county"] * 7 + ["city"] * 2 + ["town"]
YEARS = list(range(2019, 2029))
RUNS = 10  # nightly crawl runs recorded per portal (portal_health reads them)
APPLICANT_COLUMNS = ("natural_person", "legal.commercial", "legal.research", "legal.public_interest",
                     "legal.legal_service", "legal.other")
SEEN = "2026-01-01T00:00:00.000000Z"


def _report(base, tpl: str, values: dict, name: str, year: int, published_at: str) -> Report:
    """A parsed report as the parser returns it: cells with their place in the page, checks, texts."""
    _, _, text, sections, sample_agency = base
    cells = {k: Cell(v, str(v), "number", origin=f"t{i // 60 + 1} r{i % 60 // 8 + 2} c{i % 8 + 2}")
             for i, (k, v) in enumerate(values.items())}
    checks = check(cells)
    return Report(parse_status=OK, reason=f"{len(cells)} cells", source_format="html", format_version=tpl,
                  title=f"{name}{year}年政府信息公开工作年度报告", year=year, agency=name,
                  published_at=published_at,
                  sections={k: (v or "").replace(sample_agency, name) for k, v in sections.items()},
                  cells=cells, checks=checks, text=text.replace(sample_agency, name))


def build(db_path: Path, n_reports: int) -> float:
    """N report rows stored by the crawl's own code (record_document, save_report, the verdict, the
    search index), ~1% of them second versions of a corrected report and ~3% also seen on a
    second portal, beside the registry and RUNS nights of crawl records per portal."""
    start = time.perf_counter()
    db = open_db(db_path)
    ensure_schema(db)
    conn = db.conn
    samples = {}
    for name, tpl in (("sh_govoffice_2019.html", "2019"), ("fj_putian_ptcg_2022.html", "2021"),
                      ("zhumadian_2020.txt", "2019")):
        r = parse_document((SAMPLES / name).read_bytes())
        samples[name] = (tpl, r.values(), r.text, r.sections, r.agency)
    rnd = random.Random(7)
    # ~3% of body-years are not published at all, so a few more bodies than N / years; the last
    # ones may have no report (registry portals whose column was never found)
    n_bodies = max(1, n_reports // len(YEARS) + n_reports // 200)
    codes = list(PROVINCES)
    portals = []
    for i in range(n_bodies):
        code = f"{rnd.choice(codes)}{rnd.randint(1, 20):02d}{rnd.randint(1, 30):02d}"
        portals.append({"id": f"p{i:05d}", "name": f"生成{i:05d}县人民政府", "level": rnd.choice(LEVELS),
                        "region_code": code, "province": province_of(code), "render": "auto",
                        "start_url": f"http://p{i:05d}.example.gov.cn/", "url_status": "generated"})
    with transaction(db):
        ensure_portals(db, portals, SEEN)
        for run in range(1, RUNS + 1):
            at = f"2026-01-{run:02d}T18:00:00.000000Z"
            conn.execute("INSERT INTO crawl_runs (id, started_at, finished_at, status, trigger, portals) "
                         "VALUES (?, ?, ?, 'partial', 'schedule', ?)", [run, at, at, len(portals)])
            rows = []
            for p in portals:
                status = rnd.choices(["ok", "failed", "empty"], [95, 3, 2])[0]
                rows.append((run, p["id"], status, 0 if status == "failed" else 12, 3 if status == "failed" else 0,
                             "HTTP 500 " + p["start_url"] if status == "failed" else None, at))
            conn.executemany("INSERT INTO portal_runs (run_id, portal_id, status, pages, errors, error_sample, "
                             "finished_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    names = list(samples)
    stored = seq = committed = 0

    def store(pid: str, url: str, report: Report) -> None:
        nonlocal stored, seq
        seq += 1
        body = f"{url} {seq}".encode()
        sha = hashlib.sha256(body).hexdigest()
        record_document(db, sha256=sha, body=body, url=url, content_type="text/html", fmt="html", seen_at=SEEN)
        saved = save_report(db, portal_id=pid, url=url, link_title=report.title, document_sha256=sha,
                            report=report, run_id=RUNS, seen_at=SEEN)
        conn.execute("INSERT INTO fetches (run_id, portal_id, url, method, status, content_type, length, sha256, "
                     "fetched_at, kind, rendered, warc_file, warc_offset, warc_length) VALUES "
                     "(?, ?, ?, 'GET', 200, 'text/html', ?, ?, ?, 'report', 0, 'zfxxgk-00001.warc.gz', ?, 4096)",
                     [RUNS, pid, url, len(body), sha, SEEN, seq * 4096])
        record_verdict(db, url, "report", SEEN)
        stored += saved.new_report or saved.new_version

    conn.execute("BEGIN IMMEDIATE")
    for b, p in enumerate(portals):
        sample = names[b % len(names)]
        prev_forward = None
        for year in YEARS:
            if rnd.random() < 0.03:
                continue
            tpl = "2021" if year >= 2021 else "2019"
            base = samples["fj_putian_ptcg_2022.html" if tpl == "2021" else sample]
            values = vary(base[1], tpl, seed=stored, carried_over=prev_forward if rnd.random() > 0.05 else None)
            prev_forward = {a: values[f"applications.{a}.carried_forward"] for a in APPLICANT_COLUMNS}
            if rnd.random() < 0.03:  # a printed total that does not add up
                values["appeals.admin_review.total"] = (values.get("appeals.admin_review.total") or 0) + 1
            url = f"{p['start_url']}xxgk/{year}.html"
            published = f"{year + 1}-01-{rnd.randint(5, 31):02d}" if rnd.random() < 0.9 else f"{year + 1}-03-15"
            report = _report(base, tpl, values, p["name"], year, published)
            store(p["id"], url, report)
            if rnd.random() < 0.03:  # republished by the next portal (a parent government's column)
                other = portals[(b + 1) % len(portals)]
                store(other["id"], f"{other['start_url']}xxgk/sub/{p['id']}-{year}.html", report)
            if rnd.random() < 0.01 and stored < n_reports:  # corrected later: a second version at the URL
                values["applications.natural_person.results.granted"] += 1
                values["applications.natural_person.results.total"] += 1
                values["applications.total.results.granted"] += 1
                values["applications.total.results.total"] += 1
                store(p["id"], url, _report(base, tpl, values, p["name"], year, published))
            if seq - committed >= 200:
                committed = seq
                conn.execute("COMMIT")
                print(f"  {stored} reports, {time.perf_counter() - start:.0f} s", end="\r", flush=True)
                conn.execute("BEGIN IMMEDIATE")
            if stored >= n_reports:
                break
        if stored >= n_reports:
            break
    conn.execute("COMMIT")
    print(f"  {stored} reports stored in {time.perf_counter() - start:.0f} s; indexing ...", flush=True)
    refresh_search(db)  # as a crawl does after storing its reports
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - start


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(base: str, path: str, n: int) -> tuple[float, float, int]:
    times = []
    status = 0
    for _ in range(n):
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(base + path, timeout=60) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as exc:  # a query Datasette cut at its time limit answers 400 or 500
            exc.read()
            status = exc.code
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)], status


def requests(conn: sqlite3.Connection, metadata: dict) -> list[tuple[str, str]]:
    """What a visitor and a researcher load: every canned query (HTML, and JSON as an API user gets
    it), every table or view page with its configured facets (and a facet clicked), the search box,
    the Chinese views, coverage and continuity, the dashboards' chart queries and the report page.
    Parameters are real values of the generated archive."""
    q = urllib.parse.quote
    agency, report_id = conn.execute(
        "SELECT agency, id FROM reports WHERE is_latest = 1 AND identity_violations > 0 ORDER BY id LIMIT 1").fetchone()
    versioned = conn.execute("SELECT max(id) FROM reports WHERE version > 1").fetchone()[0]
    portal = conn.execute("SELECT portal_id FROM reports WHERE id = ?", [report_id]).fetchone()[0]
    key = "applications.total.new_received"
    params = {"search": ["", "公开", "上海", "复议", "政府信息公开", "不存在的词语"],
              "applications_by_region_year": ["", "福建省"], "outcomes_for_body": ["", agency]}
    urls = []
    for name, query in metadata["databases"]["zfxxgk"]["queries"].items():
        names = sorted(set(re.findall(r":(\w+)", query["sql"])))
        for value in params.get(name, [""]) if names else [None]:
            qs = "" if value is None else "?" + "&".join(f"{n}={q(value)}" for n in names)
            shown = "" if value is None else f" {value or '(empty)'}"
            urls.append((f"canned {name}{shown}", f"/zfxxgk/{q(name)}{qs}"))
            urls.append((f"canned {name}{shown} .json", f"/zfxxgk/{q(name)}.json{qs}"))
    for table, meta in metadata["databases"]["zfxxgk"]["tables"].items():
        if meta.get("facets"):
            urls.append((f"facets {table} ({', '.join(meta['facets'])})", f"/zfxxgk/{q(table)}"))
    urls += [
        ("facet clicked: report_overview province", f"/zfxxgk/report_overview?province={q('福建省')}"),
        ("facet clicked: report_overview province, year", f"/zfxxgk/report_overview?province={q('福建省')}&year=2022"),
        ("facet clicked: 报告概览 省份", f"/zfxxgk/{q('报告概览')}?{q('省份')}={q('福建省')}"),
        ("facet clicked: coverage status missing", "/zfxxgk/coverage?status=missing"),
        ("search box: report_overview 复议", f"/zfxxgk/report_overview?_search={q('复议')}"),
        ("search box: report_overview 公开 (every report)", f"/zfxxgk/report_overview?_search={q('公开')}"),
        ("search box: report_overview 年度报告", f"/zfxxgk/report_overview?_search={q('年度报告')}"),
        ("search box: report_overview 复议 .json", f"/zfxxgk/report_overview.json?_search={q('复议')}"),
        ("search box: 报告概览 公开", f"/zfxxgk/{q('报告概览')}?_search={q('公开')}"),
        ("search box: reports 行政复议", f"/zfxxgk/reports?_search={q('行政复议')}"),
        ("view 单元格明细 (every cell)", f"/zfxxgk/{q('单元格明细')}"),
        ("view 单元格明细, one report", f"/zfxxgk/{q('单元格明细')}?{q('报告编号')}={report_id}"),
        ("view 单元格明细, one key, one year", f"/zfxxgk/{q('单元格明细')}?{q('键')}={key}&{q('年度')}=2022"),
        ("view cells_long (every cell)", "/zfxxgk/cells_long"),
        ("view cells_long, one key, one year", f"/zfxxgk/cells_long?key={key}&year=2022"),
        ("view cells_long, one key, one year .json", f"/zfxxgk/cells_long.json?key={key}&year=2022"),
        ("view applicant_breakdown, natural persons 2021",
         "/zfxxgk/applicant_breakdown?applicant=natural_person&year=2021"),
        ("view coverage, one portal", f"/zfxxgk/coverage?portal_id={portal}"),
        ("view continuity_checks, one body", f"/zfxxgk/continuity_checks?agency={q(agency)}"),
        ("report page /-/report/<id>", f"/-/report/{report_id}"),
        ("report page, a corrected report", f"/-/report/{versioned}"),
        ("row page /zfxxgk/reports/<id>", f"/zfxxgk/reports/{report_id}"),
        ("database page /zfxxgk", "/zfxxgk"),
        ("home page /", "/"),
    ]
    for board, spec in metadata["plugins"]["datasette-dashboards"].items():
        urls.append((f"dashboard {board} page", f"/-/dashboards/{board}"))
        for chart, c in spec["charts"].items():
            # unfiltered, as the page first loads: the [[ ... ]] filter parts drop out
            sql = re.sub(r"\[\[.*?\]\]", "", c["query"])
            urls.append((f"dashboard {board}: {chart}", f"/zfxxgk.json?sql={q(sql)}&_shape=array"))
    return urls


def same_rows(working: Path, published: Path) -> dict[str, bool]:
    """Whether each view the published copy answers from a reader table (zfxxgk.publish.READER_TABLES)
    gives the rows the working database's plain view gives: counted, and an order-free digest."""
    out = {}
    a = sqlite3.connect(f"file:{working}?mode=ro", uri=True)
    b = sqlite3.connect(f"file:{published}?immutable=1", uri=True)
    for view in READER_TABLES:
        digests = [sum(map(hash, c.execute(f"SELECT * FROM [{view}]"))) % 2**64 for c in (a, b)]
        out[view] = digests[0] == digests[1]
    a.close()
    b.close()
    return out


def _load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=30, help="requests per URL")
    ap.add_argument("--work", type=Path, help="work folder, kept: the database is built there unless it "
                    "holds one already (then only published and measured again)")
    ap.add_argument("--skip-publish", action="store_true", help="measure the published copy already in --work")
    ap.add_argument("--only", nargs="+", help="measure only the requests whose label contains one of these")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="zfxxgk-dsbench-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "zfxxgk.db"
    published = work / "published" / "zfxxgk.db"
    if not db_path.exists():
        print(f"building {args.reports} reports in {db_path} ({_load()}) ...")
        print(f"built in {build(db_path, args.reports):.0f} s")
    conn = sqlite3.connect(db_path)
    n_reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    n_cells = conn.execute("SELECT count(*) FROM report_cells").fetchone()[0]
    conn.close()
    print(f"{n_reports} reports, {n_cells} cells; working database {db_path.stat().st_size / 1e9:.2f} GB")
    if not args.skip_publish:
        t = time.perf_counter()
        pub = publish(db_path, published)
        print(f"published in {time.perf_counter() - t:.0f} s (VACUUM INTO, reader indexes, ANALYZE, checks, "
              f"exports; {_load()}): {pub.size / 1e9:.2f} GB")
        t = time.perf_counter()
        same = same_rows(db_path, published)
        print(f"reader tables give the plain views' rows ({time.perf_counter() - t:.0f} s): "
              + ", ".join(f"{v} {'yes' if ok else 'NO'}" for v, ok in same.items()))
    print(f"published copy {published.stat().st_size / 1e9:.2f} GB, exports "
          f"{sum(f.stat().st_size for f in (published.parent / 'exports').iterdir()) / 1e6:.0f} MB")
    metadata = config()
    conn = sqlite3.connect(f"file:{published}?immutable=1", uri=True)
    urls = [u for u in requests(conn, metadata) if not args.only or any(o in u[0] for o in args.only)]
    conn.close()
    port = _free_port()
    t = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "zfxxgk.cli", "serve", "--db", str(published), "--archive",
                               str(work / "archive"), "--port", str(port), "--immutable"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    print(f"Datasette answering after {time.perf_counter() - t:.0f} s")
    print(f"\nlatency over HTTP, {args.requests} requests each (after one warm-up), "
          f"{n_reports} reports / {n_cells} cells, {os.cpu_count()} cores, {_load()}")
    print(f"  {'request':58} {'p50 ms':>8} {'p95 ms':>8} {'status':>6}")
    results = []
    try:
        for label, path in urls:
            measure(base, path, 1)
            p50, p95, status = measure(base, path, args.requests)
            results.append((p95, label, path))
            print(f"  {label:58} {p50:8.1f} {p95:8.1f} {status:>6}", flush=True)
        # the slowest again, once the rest is measured: a neighbour's burst of load shows as one bad pass
        print(f"\nthe five slowest again ({_load()}):")
        for _, label, path in sorted(results, reverse=True)[:5]:
            p50, p95, status = measure(base, path, args.requests)
            print(f"  {label:58} {p50:8.1f} {p95:8.1f} {status:>6}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if results:
        worst = max(results)
        print(f"\nworst p95 of the first pass: {worst[0]:.0f} ms, {worst[1]} (target < 300 ms); {_load()}")
    if not args.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
