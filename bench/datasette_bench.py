"""Datasette benchmark: latency of the published archive at full national scale.

    python bench/datasette_bench.py [--reports 30000] [--requests 30]

Builds a generated archive of N reports (3,000 bodies x years 2019-2028 by default: about
200 cells each, so about 6 million cells, texts and the bigram search index), publishes it
as the nightly cycle does (VACUUM INTO + checks), serves it with `zfxxgk serve --immutable`,
and prints p50/p95 latency over HTTP for every canned query, a facet page, the search box and
the long cells view. Target: p95 under 300 ms.

The reports are derived from the real samples by `demo.reports.vary` (identities kept, some
carry-over mismatches and printed errors added), with the samples' own texts.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zfxxgk.demo.reports import vary  # noqa: E402
from zfxxgk.pipelines.db import ensure_schema, open_db, transaction  # noqa: E402
from zfxxgk.pipelines.parser import parse_document  # noqa: E402
from zfxxgk.pipelines.parser.identities import check  # noqa: E402
from zfxxgk.pipelines.parser.model import Cell  # noqa: E402
from zfxxgk.pipelines.regions import PROVINCES, province_of  # noqa: E402
from zfxxgk.pipelines.parser.labels import split_key  # noqa: E402
from zfxxgk.pipelines.store import _applicant_rows, _totals, refresh_search  # noqa: E402
from zfxxgk.publish import publish  # noqa: E402

SAMPLES = ROOT / "tests" / "samples"
LEVELS = ["county"] * 7 + ["city"] * 2 + ["town"]


def build(db_path: Path, n_reports: int) -> float:
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
    years = list(range(2019, 2029))
    n_bodies = max(1, n_reports // len(years))
    codes = list(PROVINCES)
    portals = []
    for i in range(n_bodies):
        code = f"{rnd.choice(codes)}{rnd.randint(1, 20):02d}{rnd.randint(1, 30):02d}"
        portals.append((f"p{i:05d}", f"生成{i:05d}县人民政府", rnd.choice(LEVELS), code))
    with transaction(db):
        conn.executemany("INSERT INTO portals (id, name, level, region_code, province, start_url, render, url_status) "
                         "VALUES (?, ?, ?, ?, ?, ?, 'auto', 'generated')",
                         [(pid, name, level, code, province_of(code), f"http://{pid}.example.gov.cn/")
                          for pid, name, level, code in portals])
    rid = 0
    batch: dict[str, list] = {k: [] for k in ("reports", "cells", "checks", "totals", "apps", "texts", "docs")}

    def flush():
        with transaction(db):
            conn.executemany("INSERT INTO documents (sha256, size, format, content_type, first_seen_at, first_url) "
                             "VALUES (?, ?, 'html', 'text/html', '2026-01-01T00:00:00Z', ?)", batch["docs"])
            conn.executemany("INSERT INTO reports (id, portal_id, url, version, title, agency, year, published_at, "
                             "format_version, parse_status, parser_version, source_format, document_sha256, content_hash, "
                             "cell_count, identity_violations, first_seen_at, last_seen_at, is_latest) VALUES "
                             "(?, ?, ?, 1, ?, ?, ?, ?, ?, 'ok', '1.0', 'html', ?, ?, ?, ?, '2026-01-01T00:00:00Z', "
                             "'2026-01-01T00:00:00Z', 1)", batch["reports"])
            conn.executemany("INSERT INTO report_cells VALUES (?, ?, ?, ?, ?, ?, ?, 'number', NULL, NULL)", batch["cells"])
            conn.executemany("INSERT INTO identity_checks VALUES (?, ?, ?, ?, ?, ?)", batch["checks"])
            if batch["totals"]:
                cols = len(batch["totals"][0])
                conn.executemany(f"INSERT INTO report_totals VALUES ({', '.join('?' * cols)})", batch["totals"])
                conn.executemany("INSERT INTO report_applicants VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch["apps"])
            conn.executemany("INSERT INTO report_texts VALUES (?, ?, ?, ?, ?)", batch["texts"])
        for v in batch.values():
            v.clear()

    names = list(samples)
    for b, (pid, name, level, code) in enumerate(portals):
        sample = names[b % len(names)]
        prev_forward = None
        for year in years:
            rid += 1
            tpl = "2021" if year >= 2021 else "2019"
            base = samples["fj_putian_ptcg_2022.html" if tpl == "2021" else sample]
            values = vary(base[1], tpl, seed=rid, carried_over=prev_forward if rnd.random() > 0.05 else None)
            prev_forward = {a: values[f"applications.{a}.carried_forward"] for a in
                            ("natural_person", "legal.commercial", "legal.research", "legal.public_interest",
                             "legal.legal_service", "legal.other")}
            if rnd.random() < 0.03:  # a printed total that does not add up
                values["appeals.admin_review.total"] = (values.get("appeals.admin_review.total") or 0) + 1
            cells = {k: Cell(v, str(v), "number") for k, v in values.items()}
            checks = check(cells)
            text = base[2].replace(base[4] or "#", name)
            sha = f"{rid:064x}"
            title = f"{name}{year}年政府信息公开工作年度报告"
            batch["docs"].append((sha, len(text), f"http://{pid}.example.gov.cn/{year}.html"))
            batch["reports"].append((rid, pid, f"http://{pid}.example.gov.cn/{year}.html", title, name, year,
                                     f"{year + 1}-01-20", tpl, sha, sha, len(cells),
                                     sum(not c.ok for c in checks)))
            batch["cells"].extend((rid, k, *split_key(k), v, str(v)) for k, v in values.items())
            batch["checks"].extend((rid, c.id, c.column, c.lhs, c.rhs, int(c.ok)) for c in checks)
            apps = _applicant_rows(rid, values)
            batch["totals"].append(tuple(_totals(rid, values, apps.get("total")).values()))
            batch["apps"].extend(tuple(a.values()) for a in apps.values())
            batch["texts"].append((rid, base[3].get("overview"), base[3].get("problems"), base[3].get("other"), text))
            if rid % 500 == 0:
                flush()
                print(f"  {rid} reports", end="\r", flush=True)
            if rid >= n_reports:
                break
        if rid >= n_reports:
            break
    flush()
    refresh_search(db)  # as a crawl does after storing its reports
    conn.execute("ANALYZE")
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
        with urllib.request.urlopen(base + path, timeout=60) as r:
            r.read()
            status = r.status
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)], status


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=30000)
    ap.add_argument("--requests", type=int, default=30, help="requests per URL")
    ap.add_argument("--keep", action="store_true", help="keep the generated database")
    ap.add_argument("--reuse", type=Path, help="a work folder kept by --keep: measure again without building")
    args = ap.parse_args()
    if args.reuse:
        work, args.keep = args.reuse, True
        db_path = work / "zfxxgk.db"
        seconds = 0.0
    else:
        work = Path(tempfile.mkdtemp(prefix="zfxxgk-dsbench-"))
        db_path = work / "zfxxgk.db"
        print(f"building {args.reports} reports in {db_path} ...")
        seconds = build(db_path, args.reports)
    conn = sqlite3.connect(db_path)
    n_reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    n_cells = conn.execute("SELECT count(*) FROM report_cells").fetchone()[0]
    conn.close()
    t = time.perf_counter()
    pub = publish(db_path, work / "published" / "zfxxgk.db")
    print(f"\nbuilt {n_reports} reports, {n_cells} cells in {seconds:.0f} s; published "
          f"{pub.size / 2**20:.0f} MiB in {time.perf_counter() - t:.0f} s; work folder {work}")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "zfxxgk.cli", "serve", "--db", str(pub.path), "--archive",
                               str(work / "archive"), "--port", str(port), "--immutable"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    agency = "生成00001县人民政府"
    q = urllib.parse.quote
    urls = [
        ("canned: search 公开 (2 chars, every report)", f"/zfxxgk/search.json?q={q('公开')}"),
        ("canned: search 上海 (2 chars, some reports)", f"/zfxxgk/search.json?q={q('上海')}"),
        ("canned: search 政府信息公开 (6 chars)", f"/zfxxgk/search.json?q={q('政府信息公开')}"),
        ("canned: search 不存在的词语 (no match)", f"/zfxxgk/search.json?q={q('不存在的词语')}"),
        ("canned: applications_by_region_year", "/zfxxgk/applications_by_region_year.json?province="),
        ("canned: applications_by_region_year 福建省", f"/zfxxgk/applications_by_region_year.json?province={q('福建省')}"),
        ("canned: outcomes_for_body", f"/zfxxgk/outcomes_for_body.json?agency={q(agency)}"),
        ("canned: identity_violations", "/zfxxgk/identity_violations.json"),
        ("canned: carry_over_mismatches", "/zfxxgk/carry_over_mismatches.json"),
        ("canned: portals_by_health", "/zfxxgk/portals_by_health.json"),
        ("canned: changed_reports", "/zfxxgk/changed_reports.json"),
        ("facets: report_overview (3 default facets)", "/zfxxgk/report_overview.json"),
        ("facets: report_overview + template, status", "/zfxxgk/report_overview.json?_facet=format_version&_facet=parse_status"),
        ("facets: report_overview, HTML page", "/zfxxgk/report_overview"),
        ("search box: report_overview 复议", f"/zfxxgk/report_overview.json?_search={q('复议')}"),
        ("search box: report_overview 年度报告", f"/zfxxgk/report_overview.json?_search={q('年度报告')}"),
        ("cells_long: one key, one year", "/zfxxgk/cells_long.json?key=applications.total.new_received&year=2022"),
        ("applicant_breakdown: natural persons 2021",
         "/zfxxgk/applicant_breakdown.json?applicant=natural_person&year=2021"),
        ("report row page", f"/zfxxgk/reports/{n_reports // 2}"),
    ]
    print(f"\nlatency over HTTP, {args.requests} requests each (after one warm-up), "
          f"{n_reports} reports / {n_cells} cells, {os.cpu_count()} cores")
    print(f"  {'request':46} {'p50 ms':>8} {'p95 ms':>8} {'status':>6}")
    worst = 0.0
    try:
        for label, path in urls:
            measure(base, path, 1)
            p50, p95, status = measure(base, path, args.requests)
            worst = max(worst, p95)
            print(f"  {label:46} {p50:8.1f} {p95:8.1f} {status:>6}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\nworst p95: {worst:.0f} ms (target < 300 ms)")
    if not args.keep:
        import shutil

        shutil.rmtree(work)


if __name__ == "__main__":
    main()
