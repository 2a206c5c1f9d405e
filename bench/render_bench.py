"""Browser-fallback benchmark: listings that needed rendering, pages rendered per second, the
nightly re-run that renders nothing unchanged, and the run after a publication that reads the
JSON APIs the browser found directly.

    python bench/render_bench.py [--js 20] [--static 20]

Serves (in this process, on 127.0.0.1) --js copies of the demo's JSON-API listing behind a page
of chrome links (a column whose list an external script fetches from /api/nb/list_N.json, two
JavaScript pages behind 下一页) and of the demo's list.json listing, plus --static copies of the
12-page static 下一页 chain, then runs `zfxxgk crawl` twice on them; then a report is published
on every JSON-API copy's API (the column page unchanged) and `zfxxgk crawl` runs a third time.
Prints, per run: listings rendered, rendered page fetches, browser sub-responses archived, crawl
seconds, rendered pages per second of crawl time, reports found, new reports. Target: the
second run renders nothing (0 rendered fetches) and still sees every report; the third renders
nothing either and stores every published report (read from the remembered APIs).
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zfxxgk.demo.generated import publish_on_list_api  # noqa: E402
from zfxxgk.demo.reports import report_body, vary  # noqa: E402
from zfxxgk.demo.server import Network  # noqa: E402
from zfxxgk.demo.sites import chain_site, js_site, jsapi_site  # noqa: E402

SAMPLES = ROOT / "tests" / "samples"


def _publish(site, seed: int) -> None:
    """A 2023 report of the JSON-API copy, published on its API only."""
    name = "演示新区管理委员会"
    cells = json.loads((SAMPLES / "fj_putian_ptcg_2022.expected.json").read_text(encoding="utf-8"))["cells"]
    title = f"{name}2023年政府信息公开工作年度报告"
    body = report_body(name, 2023, "2021", vary(cells, "2021", seed), published="2024-01-26")
    publish_on_list_api(site, "/xxgk/nb/2024/0126/a4.html", title,
                        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>",
                        "2024-01-26")


def _seconds(conn, run_id: int) -> float:
    a, b = conn.execute("SELECT started_at, finished_at FROM crawl_runs WHERE id = ?", [run_id]).fetchone()
    f = "%Y-%m-%dT%H:%M:%S.%fZ"
    return (datetime.strptime(b, f) - datetime.strptime(a, f)).total_seconds()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--js", type=int, default=20, help="JavaScript-built listings of each kind")
    ap.add_argument("--static", type=int, default=20, help="static 12-page listings")
    args = ap.parse_args()
    sites = []
    for i in range(args.js):
        for make, stem in ((jsapi_site, "jsapi"), (js_site, "jsfile")):
            s = make()
            s.id = f"{stem}{i}"
            sites.append(s)
    for i in range(args.static):
        s = chain_site()
        s.id = f"chain{i}"
        sites.append(s)
    work = Path(tempfile.mkdtemp(prefix="zfxxgk-render-bench-"))
    net = Network(sites).start()
    try:
        registry = work / "portals.csv"
        with open(registry, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "name", "level", "region_code", "start_url"])
            for s in sites:
                w.writerow([s.id, s.name, s.level, s.region_code, s.url(s.start_path)])
        db, archive = work / "zfxxgk.db", work / "archive"
        cmd = [sys.executable, "-m", "zfxxgk.cli", "crawl", "--portals", str(registry), "--db", str(db),
               "--archive", str(archive), "--delay", "0", "--log-level", "ERROR", "--no-progress"]
        walls = []
        for run in range(3):
            if run == 2:
                for n, s in enumerate(x for x in sites if x.id.startswith("jsapi")):
                    _publish(s, 1000 + n)
            start = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls.append(time.perf_counter() - start)
        conn = sqlite3.connect(db)
        print(f"{len(sites)} portals: {2 * args.js} JavaScript-built listings ({args.js} JSON-API + chrome, "
              f"{args.js} list.json), {args.static} static 12-page chains; loopback, --delay 0")
        print(f"  {'run':14} {'listings rendered':>17} {'rendered fetches':>16} {'browser XHR':>11} "
              f"{'crawl s':>8} {'wall s':>7} {'rendered/s':>10} {'reports found':>13} {'new':>5}")
        for run in (1, 2, 3):
            rendered = conn.execute("SELECT count(*) FROM fetches WHERE run_id = ? AND rendered = 1", [run]).fetchone()[0]
            listings = conn.execute("SELECT count(DISTINCT url) FROM fetches WHERE run_id = ? AND rendered = 1",
                                    [run]).fetchone()[0]
            xhr = conn.execute("SELECT count(*) FROM fetches WHERE run_id = ? AND kind = 'browser'", [run]).fetchone()[0]
            found, new = conn.execute("SELECT reports_found, new_reports FROM crawl_runs WHERE id = ?", [run]).fetchone()
            t = _seconds(conn, run)
            label = ("first", "incremental", "after publish")[run - 1]
            print(f"  {label:14} {listings:17d} {rendered:16d} {xhr:11d} {t:8.1f} "
                  f"{walls[run - 1]:7.1f} {rendered / t:10.2f} {found:13d} {new:5d}")
        memory = dict(conn.execute("SELECT method, count(*) FROM listing_memory GROUP BY method").fetchall())
        print(f"  remembered: {memory}; work dir {work}")
        conn.close()
    finally:
        net.stop()


if __name__ == "__main__":
    main()
