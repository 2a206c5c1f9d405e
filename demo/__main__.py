"""python -m zfxxgk.demo serve [--base-port N] [--out DIR] [--generated N | --discovery] [--spread] [--request-log F]"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

from .server import Network, serve_until_signalled
from .sites import demo_sites, discovery_sites

FIELDS = ["id", "name", "level", "region_code", "start_url", "render", "cms", "url_status",
          "seen_report_url", "notes"]


def write_outputs(net: Network, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "portals.csv.tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(net.registry_rows())
    os.replace(tmp, out / "portals.csv")
    (out / "manifest.json").write_text(json.dumps(net.manifest(), ensure_ascii=False, indent=1), encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m zfxxgk.demo")
    sub = ap.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve", help="serve the demo portals until stopped")
    serve.add_argument("--base-port", type=int, default=0, help="first port (default: free ports)")
    serve.add_argument("--out", type=Path, default=Path("data/demo"), help="where to write portals.csv")
    serve.add_argument("--generated", type=int, default=0,
                       help="serve this many generated portals instead of the demo set (benchmarks)")
    serve.add_argument("--reports-per-portal", type=int, default=5)
    serve.add_argument("--discovery", action="store_true",
                       help="the demo portals plus demo/variants.py's CMS variants, when that module exists")
    serve.add_argument("--latency-ms", type=float, default=0, help="delay every answer (a distant portal)")
    serve.add_argument("--spread", action="store_true", help="each portal on its own loopback address (127.0.0.2 ...)")
    serve.add_argument("--request-log", type=Path, help="append one JSON line per request answered to this file")
    args = ap.parse_args(argv)
    if args.generated:
        from .generated import generated_sites

        sites = generated_sites(args.generated, args.reports_per_portal)
    elif args.discovery:
        sites = discovery_sites()
    else:
        sites = demo_sites()
    for site in sites:
        site.latency = args.latency_ms / 1000
    net = Network(sites, base_port=args.base_port, spread=args.spread, request_log=args.request_log).start()
    write_outputs(net, args.out)
    return serve_until_signalled(net, f"demo portals ready: {len(sites)} portals, registry {args.out / 'portals.csv'}")


if __name__ == "__main__":
    sys.exit(main())
