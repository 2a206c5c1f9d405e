"""Scanned reports read by OCR (pipelines/parser/ocr.py), held to the sources' whole cell maps.

The scans in tests/samples/derived/scan_* are real reports rasterised into image-only PDFs
(make_scans.py): clean 150 dpi, bilevel 300 dpi, and a rotated, noisy, blurred 150 dpi copy.
For every expected cell the value read is right or the cell is flagged (`ocr_suspect:<key>`);
nothing wrong goes unflagged, and at least 99% are right.
"""

from __future__ import annotations

import json
import socket

import pytest
from zfxxgk.pipelines.parser import ocr, parse_document
from zfxxgk.pipelines.parser.model import Cell, IdentityCheck, Report

from tests.conftest import SAMPLES

DERIVED = SAMPLES / "derived"
SCANS = {
    "scan_js_hongze_2023_150.pdf": "js_hongze_2023",
    "scan_sh_govoffice_2019_300.pdf": "sh_govoffice_2019",
    "scan_fj_putian_ptcg_2022_150_skew.pdf": "fj_putian_ptcg_2022",
}

_CACHE: dict[str, Report] = {}


def _parsed(name: str) -> Report:
    if name not in _CACHE:
        _CACHE[name] = parse_document((DERIVED / name).read_bytes(), url=f"file://{name}")
    return _CACHE[name]


def _expected(stem: str) -> dict:
    return json.loads((SAMPLES / f"{stem}.expected.json").read_text(encoding="utf-8"))


def _suspects(report: Report) -> set[str]:
    return {w.split(":", 1)[1].split(" ", 1)[0] for w in report.warnings if w.startswith("ocr_suspect:")}


def _score(report: Report, expected: dict) -> tuple[list[str], list[str], list[str]]:
    """(right, flagged and not right, wrong and not flagged) expected keys."""
    flagged = _suspects(report)
    right, flagged_wrong, unflagged_wrong = [], [], []
    for key, value in expected.items():
        cell = report.cells.get(key)
        if cell is not None and cell.value == value:
            right.append(key)
        elif key in flagged:
            flagged_wrong.append(key)
        else:
            unflagged_wrong.append(f"{key}: expected {value}, read {cell.value if cell else 'nothing'}")
    return right, flagged_wrong, unflagged_wrong


@pytest.mark.slow
@pytest.mark.parametrize("scan", sorted(SCANS), ids=lambda s: s.removeprefix("scan_").removesuffix(".pdf"))
def test_scan_reads_the_sources_cells(scan):
    exp = _expected(SCANS[scan])
    expected, meta = exp["cells"], exp["_meta"]
    report = _parsed(scan)
    assert report.source_format == "pdf"
    assert report.warnings[0].startswith("ocr:")
    right, flagged_wrong, unflagged_wrong = _score(report, expected)
    # every expected cell is right or flagged: no misread is silently trusted
    assert unflagged_wrong == []
    assert len(right) >= 0.99 * len(expected), flagged_wrong
    # no cells the source does not have
    assert set(report.cells) - set(expected) == set()
    assert report.year == meta["year"]
    # suspects leave the report partial, never ok
    if _suspects(report):
        assert report.parse_status == "partial" and "OCR" in report.reason
    else:
        assert report.parse_status == "ok", report.reason
    # OCR'd numbers are marked as such, with the engine's confidence
    numbers = [c for c in report.cells.values() if c.value is not None]
    assert numbers and all(c.status == "ocr" for c in numbers)
    assert all(c.confidence is not None and 0 < c.confidence <= 1 for c in numbers)
    assert all(c.origin and c.origin.startswith("p") for c in numbers)
    assert report.cells[next(iter(expected))].to_dict()["confidence"] > 0


@pytest.mark.slow
def test_publisher_errors_in_a_scan_are_flagged_not_trusted():
    # js_hongze prints 行政复议 总计 0 beside 10 + 1 + 0 + 0: a real publisher error. From a scan
    # the parser cannot tell that from a misread, so those values are flagged.
    report = _parsed("scan_js_hongze_2023_150.pdf")
    suspects = _suspects(report)
    assert {"appeals.admin_review.total", "appeals.admin_review.upheld", "appeals.admin_review.corrected"} <= suspects
    assert report.parse_status == "partial"
    # and the text around the tables is there for the metadata and the sections
    assert report.title and "2023年政府信息公开工作年度报告" in report.title
    assert report.agency == "洪泽区人民政府"
    assert "overview" in report.sections and "problems" in report.sections


@pytest.mark.slow
def test_rotated_noisy_scan_is_deskewed():
    report = _parsed("scan_fj_putian_ptcg_2022_150_skew.pdf")
    angles = [float(w.split()[-1].removesuffix("deg")) for w in report.warnings if w.startswith("ocr_deskewed:")]
    # pages were turned 1.5 degrees one way and 1.2 the other; the correction is the opposite turn
    assert any(abs(a + 1.5) < 0.3 for a in angles) and any(abs(a - 1.2) < 0.3 for a in angles)


def test_page_image_reads_its_table_with_no_network(monkeypatch):
    """A PNG page (the page with 三) read with every socket refused: no model download at run time."""

    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    report = parse_document((DERIVED / "scan_js_hongze_2023_p3.png").read_bytes())
    assert report.source_format == "image"
    expected = _expected("js_hongze_2023")["cells"]
    t3 = {k: v for k, v in expected.items() if k.startswith("applications.")}
    read = {k: c.value for k, c in report.cells.items() if k.startswith("applications.")}
    assert read, report.reason
    # the page holds T3 down to (四) 2: every cell read is the source's
    wrong = {k: (v, t3.get(k)) for k, v in read.items() if t3.get(k) != v and k not in _suspects(report)}
    assert wrong == {}
    # 14 rows of 7 columns: 一, 二, (一), (二), (三) 1-8, (四) 1-2
    assert len(read) == 7 * 14
    assert read["applications.total.results.unable.needs_creation"] == 3
    # T3 continues on the next page: the report is partial, not ok
    assert report.parse_status == "partial"


def test_misread_breaking_an_identity_is_flagged():
    # The HTML sample's cells as if OCR'd, with one digit misread: 13 read as 18.
    html = parse_document((SAMPLES / "fj_putian_ptcg_2022.html").read_bytes())
    assert html.parse_status == "ok"
    key = next(k for k, c in html.cells.items() if k.startswith("applications.natural_person.") and c.value)
    html.cells[key].value += 5
    from zfxxgk.pipelines.parser import identities

    html.checks = identities.check(html.cells)
    scan = ocr.ScanResult(pages=1, confidence={c.origin: 0.99 for c in html.cells.values() if c.origin})
    suspects = ocr.mark_cells(html, scan)
    assert key in suspects
    assert f"ocr_suspect:{key}" in " ".join(html.warnings)
    assert html.parse_status == "partial"
    assert html.cells[key].status == "ocr" and html.cells[key].confidence == 0.99


def test_low_confidence_and_unreadable_values_are_flagged():
    report = Report(parse_status="ok", reason="1 cells")
    report.cells = {
        "active.licensing.decisions": Cell(550, "550", "number", origin="p2 t1 r9 c2"),
        "active.punishment.decisions": Cell(4119, "4119", "number", origin="p2 t1 r12 c2"),
        "active.coercion.decisions": Cell(None, "l95", "text", origin="p2 t1 r13 c2"),
        "appeals.review.upheld": Cell(None, "", "blank", origin="p4 t3 r5 c1"),
    }
    report.checks = [IdentityCheck(id="I4", column="review", lhs=0, rhs=0, ok=True)]
    scan = ocr.ScanResult(pages=1, confidence={"p2 t1 r9 c2": 0.999, "p2 t1 r12 c2": 0.62, "p2 t1 r13 c2": 0.8})
    suspects = ocr.mark_cells(report, scan)
    assert suspects == ["active.punishment.decisions", "active.coercion.decisions"] or set(suspects) == {
        "active.punishment.decisions", "active.coercion.decisions"}
    assert report.cells["active.licensing.decisions"].status == "ocr"
    assert report.cells["appeals.review.upheld"].status == "blank"
    assert report.cells["appeals.review.upheld"].confidence is None
    assert report.parse_status == "partial"


@pytest.mark.parametrize("raw, clean", [
    ("5.", "5"), (".12", "12"), ("|0", "0"), ("21。", "21"), ("7730.28", "7730.28"), ("-58", "-58"),
    ("0", "0"), ("总计", "总计"), ("", ""), ("1,234", "1,234"),
])
def test_stray_punctuation_around_numbers_is_dropped(raw, clean):
    assert ocr._clean_value(raw) == clean


def test_strip_reading_goes_back_to_its_crops_by_position():
    # three crops at x 10-30, 60-100, 140-160 of a 200 px strip read in 50 time steps
    spans = [(0, 45), (45, 120), (120, 200)]
    txt, confs = "0 12 5", [0.9, 0.5, 0.99, 0.8, 0.5, 0.7]
    cols = [5, 18, 20, 37]  # x = 22, 74, 82, 150
    assert ocr._split_by_position(txt, confs, cols, 50, 200, spans) == [("0", 0.9), ("12", 0.8), ("5", 0.7)]
    # a crop read as nothing stays empty: the readings after it do not shift
    assert ocr._split_by_position("12 5", [0.99, 0.8, 0.5, 0.7], [18, 20, 37], 50, 200, spans) == [
        ("", 0.0), ("12", 0.8), ("5", 0.7)]
    # no positions: not split at all
    assert ocr._split_by_position(txt, confs, None, 50, 200, spans) is None


def test_engine_missing_is_unsupported_not_an_error(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    png = (DERIVED / "scan_js_hongze_2023_p3.png").read_bytes()
    report = parse_document(png)
    assert report.parse_status == "unsupported_format"
    assert "rapidocr" in report.reason


def test_broken_image_is_unreadable():
    report = parse_document(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    assert report.parse_status == "unreadable"
