"""Parser throughput on one core: reports per second and peak memory.

    python bench/parse_bench.py [--seconds 5]

Parses each bundled real report repeatedly in this single process (one core) and prints,
per document, reports/s and ms/report, then the peak resident memory of the process.
The target for pages like sh_govoffice_2019.html is >= 100 reports/s.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from zfxxgk.pipelines.parser import parse_document

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "samples"
DOCS = ["sh_govoffice_2019.html", "fj_putian_ptcg_2022.html", "zhumadian_2020.txt"]


def bench(data: bytes, seconds: float) -> tuple[int, float]:
    parse_document(data)  # warm caches (label keys, OpenCC) as a long crawl would have them
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        parse_document(data)
        n += 1
    return n, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="time per document")
    args = ap.parse_args()
    print(f"{'document':28} {'KiB':>6} {'reports/s':>10} {'ms/report':>10} status")
    for name in DOCS:
        data = (SAMPLES / name).read_bytes()
        status = parse_document(data).parse_status
        n, elapsed = bench(data, args.seconds)
        print(f"{name:28} {len(data) / 1024:6.1f} {n / elapsed:10.1f} {1000 * elapsed / n:10.2f} {status}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.1f} MiB")


if __name__ == "__main__":
    main()
