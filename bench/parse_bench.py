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
    office_lines(args.seconds)
    pdf_lines(args.seconds)
    ocr_lines()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.1f} MiB")



# ---- Word and spreadsheet files (pipelines/parser/office.py, convert.py) ------------------------
# Each line runs in a fresh interpreter (spawn), so its peak RSS is that format's own: the
# parser's, and for DOC LibreOffice's (RUSAGE_CHILDREN: soffice.bin and its launcher).
# Targets: DOCX >= 50 documents/s on one core. DOC pays a LibreOffice start per call.

DERIVED = SAMPLES / "derived"
OFFICE_DOCS = ["fj_putian_ptcg_2022.docx", "sh_govoffice_2019.xlsx"]


def _office_child(name: str, seconds: float) -> str:
    data = (DERIVED / name).read_bytes()
    status = parse_document(data).parse_status
    n, elapsed = bench(data, seconds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (f"{name:28} {len(data) / 1024:6.1f} {n / elapsed:10.1f} {1000 * elapsed / n:10.2f} {status}"
            f"  (peak RSS {peak:.0f} MiB)")


def _doc_child(name: str, seconds: float) -> str:
    from zfxxgk.pipelines.parser.convert import convert_many, find_soffice

    if find_soffice() is None:
        return f"{name + ' via LibreOffice':28} skipped: LibreOffice not installed (make office)"
    data = (DERIVED / name).read_bytes()
    n, start = 0, time.perf_counter()
    status = None
    while n < 2 or time.perf_counter() - start < seconds:
        status = parse_document(data, url="http://x/a.doc").parse_status  # one soffice per document
        n += 1
    one = (time.perf_counter() - start) / n
    batch = 10
    start = time.perf_counter()
    for docx in convert_many([data] * batch, "doc", timeout=300):  # one soffice for ten
        parse_document(docx)
    many = (time.perf_counter() - start) / batch
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    soffice = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return (f"{name + ' via LibreOffice':28} {len(data) / 1024:6.1f} {1 / one:10.2f} {1000 * one:10.0f} {status}"
            f"  (10 per soffice call: {1000 * many:.0f} ms/doc; peak RSS parser {own:.0f} MiB,"
            f" soffice {soffice:.0f} MiB)")


def office_lines(seconds: float) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    jobs = [(_office_child, name) for name in OFFICE_DOCS] + [(_doc_child, "sh_govoffice_2019.doc")]
    for fn, name in jobs:
        with ctx.Pool(1) as pool:
            print(pool.apply(fn, (name, seconds)), flush=True)


# ---- PDF with a text layer (pipelines/parser/pdf.py) -------------------------------------------
# Each document in a fresh interpreter (spawn), so the peak RSS is that line's own: pdfium's
# and the parser's. Target: >= 5 reports/s on one core.

PDF_DOCS = [SAMPLES / "js_hongze_2023.pdf",  # the real report, 5 pages (WPS, CID fonts)
            SAMPLES / "derived" / "sh_govoffice_2019.chromium_short.pdf",  # 10 short pages, tables cut
            SAMPLES / "derived" / "fj_putian_ptcg_2022.chromium.pdf"]  # a whole portal page, 8 pages


def _pdf_child(path: str, seconds: float) -> str:
    data = Path(path).read_bytes()
    status = parse_document(data).parse_status
    n, elapsed = bench(data, seconds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (f"{Path(path).name:28} {len(data) / 1024:6.1f} {n / elapsed:10.1f} {1000 * elapsed / n:10.2f} {status}"
            f"  (peak RSS {peak:.0f} MiB)")


def pdf_lines(seconds: float) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    for path in PDF_DOCS:
        with ctx.Pool(1) as pool:
            print(pool.apply(_pdf_child, (str(path), seconds)), flush=True)


# ---- Scans read by OCR (pipelines/parser/ocr.py) -----------------------------------------------
# Each scan once, in a fresh interpreter (spawn): seconds per page (engine load included in the
# first) and that line's own peak RSS (rapidocr's onnxruntime sessions and the page images).
# Target: <= 10 s/page on 2 cores.

OCR_SCANS = ["scan_js_hongze_2023_150.pdf", "scan_sh_govoffice_2019_300.pdf",
             "scan_fj_putian_ptcg_2022_150_skew.pdf"]


def _ocr_child(name: str) -> str:
    from zfxxgk.pipelines.parser import ocr

    if not ocr.available():
        return f"{name:38} skipped: {ocr.ENGINE_MISSING}"
    data = (SAMPLES / "derived" / name).read_bytes()
    start = time.perf_counter()
    report = parse_document(data)
    elapsed = time.perf_counter() - start
    pages = next((int(w.split(":")[1].split()[0]) for w in report.warnings if w.startswith("ocr:")), 0)
    suspects = sum(1 for w in report.warnings if w.startswith("ocr_suspect:"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (f"{name:38} {len(data) / 1024:6.0f} KiB {pages} pages {elapsed / max(pages, 1):6.2f} s/page "
            f"{report.parse_status} ({len(report.cells)} cells, {suspects} suspect)  (peak RSS {peak:.0f} MiB)")


def ocr_lines() -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    for name in OCR_SCANS:
        with ctx.Pool(1) as pool:
            print(pool.apply(_ocr_child, (name,)), flush=True)


if __name__ == "__main__":
    main()
