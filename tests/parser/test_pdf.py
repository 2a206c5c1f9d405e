"""PDFs with a text layer read like their HTML: the real report, and the real pages printed to PDF.

The comparison is of whole cell maps, as in test_samples.py: a missing key, an extra key or
one wrong number fails. The derived PDFs (tests/samples/derived/make_pdf.py) are the real HTML
samples printed by Chromium and LibreOffice, some on pages short enough that the tables of
sections 二 and 三 are cut mid-table, one with the header rows repeated on every page.
"""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zfxxgk.pipelines.parser import OK, PARTIAL, UNREADABLE, parse_document
from zfxxgk.pipelines.parser.pdf import NO_TEXT_LAYER, read_pdf

from tests.conftest import SAMPLES

DERIVED = SAMPLES / "derived"
HONGZE = (SAMPLES / "js_hongze_2023.pdf").read_bytes()


def _expected(stem: str) -> dict:
    return json.loads((SAMPLES / f"{stem}.expected.json").read_text(encoding="utf-8"))["cells"]


def test_real_pdf_reads_every_cell_as_printed():
    report = parse_document(HONGZE, url="file://js_hongze_2023.pdf")
    assert report.parse_status == OK, report.reason
    assert report.source_format == "pdf"
    assert report.values() == _expected("js_hongze_2023")
    assert report.year == 2023
    # the report names itself 洪泽区人民政府 in its title (its two centred title lines, joined)
    assert report.title == "洪泽区人民政府2023年政府信息公开工作年度报告"
    assert report.agency == "洪泽区人民政府"


def test_real_pdf_reports_its_printed_totals_as_identity_violations():
    report = parse_document(HONGZE)
    bad = {(c.id, c.column): (c.lhs, c.rhs) for c in report.identity_violations}
    # 行政复议 总计 printed 0 over 10 + 1 + 0 + 0; 复议后起诉 总计 0 over 5 + 0 + 0 + 0
    assert bad == {("I4", "admin_review"): (0, 11), ("I6", "litigation_after_review"): (0, 5)}
    assert report.cells["appeals.admin_review.total"].value == 0  # recorded as printed, not corrected
    assert "2 identity violations as printed" in report.reason


def test_real_pdf_quirks_the_label_matcher_has_to_survive():
    report = parse_document(HONGZE)
    # "2.其他法律行政止公开" (sic) is still the 其他法律行政法规禁止公开 row
    assert report.cells["applications.natural_person.results.denied.law_prohibited"].raw == "0"
    # （六）其他处理 printed as one row, no 1/2/3 sub-rows
    assert "applications.total.results.other.total" in report.cells
    assert not any(k.startswith("applications.total.results.other.") and not k.endswith(".total")
                   for k in report.cells)
    # the label cell 三、本年度办理结果 and （四）无法提供 run over the page break from p3 to p4:
    # the row at the top of page 4 is still a 无法提供 row
    cell = report.cells["applications.natural_person.results.unable.unclear_after_correction"]
    assert cell.origin == "p4 t2 r1 c4" and cell.value == 0


def test_cell_origins_carry_the_page():
    report = parse_document(HONGZE)
    assert report.cells["active.regulations.issued"].origin == "p2 t1 r3 c2"
    assert report.cells["active.fees.amount_wan_yuan"].origin == "p3 t1 r6 c2"  # T2 goes on to page 3
    assert report.cells["applications.natural_person.new_received"].origin == "p3 t2 r4 c4"
    assert report.cells["appeals.admin_review.upheld"].origin == "p4 t3 r4 c1"
    assert all(c.origin and c.origin.startswith("p") for c in report.cells.values())


def test_sections_and_text_come_from_the_text_layer():
    report = parse_document(HONGZE)
    assert report.sections["overview"].startswith("2023年，洪泽区人民政府坚持以习近平")
    assert "依申请公开受理渠" in report.sections["overview"]  # wrapped lines joined, no break
    assert "信息处理费0元" in report.sections["other"]
    assert "- 1 -" not in report.text  # page numbers are not report text


# Printed from the real HTML samples; every one must read to the same cells as its source.
FAITHFUL = [
    "sh_govoffice_2019.chromium.pdf",  # A4: the wide table shrinks to the page, T2 cut p2 -> p3
    "sh_govoffice_2019.chromium_short.pdf",  # T2 and T3 cut mid-table, rules not closed at the cut
    "sh_govoffice_2019.chromium_thead.pdf",  # T3's header rows repeated on each page
    "fj_putian_ptcg_2022.chromium.pdf",  # the whole portal page; T3 and T4 cut by page breaks
    "fj_putian_ptcg_2022.chromium_short.pdf",
    "fj_putian_ptcg_2022.chromium_thead.pdf",
    "fj_putian_ptcg_2022.soffice.pdf",  # LibreOffice: a T4 header row split in two over the break
]


@pytest.mark.parametrize("name", FAITHFUL, ids=lambda n: n.removesuffix(".pdf"))
def test_printed_html_reads_to_the_same_cells(name):
    stem = name.split(".")[0]
    report = parse_document((DERIVED / name).read_bytes(), url=f"file://{name}")
    assert report.parse_status == OK, report.reason
    assert report.source_format == "pdf"
    assert report.values() == _expected(stem)
    html = parse_document((SAMPLES / f"{stem}.html").read_bytes())
    assert report.format_version == html.format_version
    assert report.year == html.year and report.agency == html.agency
    assert {c.id for c in report.identity_violations} == {c.id for c in html.identity_violations}


def test_tables_cut_by_page_breaks_are_one_table():
    report = parse_document((DERIVED / "sh_govoffice_2019.chromium_short.pdf").read_bytes())
    pages = {c.origin.split()[0] for k, c in report.cells.items() if k.startswith("applications.")}
    assert len(pages) >= 2  # T3 runs over at least two pages
    tables = {c.origin.split()[1] for k, c in report.cells.items() if k.startswith("applications.")}
    assert len(tables) == 1  # ... and is read as one table
    assert "t3_columns_by_position" not in report.warnings


def test_libreoffice_clipped_table_reads_what_is_printed_and_says_what_is_missing():
    """LibreOffice cuts a table wider than the page (sh's T3 loses its right-hand columns and
    the start of one label): nothing may be guessed, and the report must not pass as complete."""
    report = parse_document((DERIVED / "sh_govoffice_2019.soffice.pdf").read_bytes())
    expected = _expected("sh_govoffice_2019")
    assert report.parse_status == PARTIAL and "cells missing" in report.reason
    values = report.values()
    assert set(values) < set(expected)
    assert {k: v for k, v in values.items()} == {k: expected[k] for k in values}
    assert len(values) >= 110


# What parse.py then does with a PDF that has no usable text layer is OCR (ocr.py, tested
# there, and slow): here, the text-layer reader's side of it.

def test_scanned_pdf_has_no_text_layer():
    data = (DERIVED / "js_hongze_2023.scan.pdf").read_bytes()
    assert read_pdf(data) == ([], NO_TEXT_LAYER)
    assert "OCR" in NO_TEXT_LAYER


def test_cid_fonts_without_tounicode_are_no_text_layer_not_garbage():
    # the real PDF with its ToUnicode maps disabled (same length, so the xref still holds):
    # the glyph ids come back as control and stray characters
    assert read_pdf(HONGZE.replace(b"/ToUnicode", b"/ToUnicodX")) == ([], NO_TEXT_LAYER)


def test_truncated_download_is_unreadable():
    report = parse_document((DERIVED / "js_hongze_2023.truncated.pdf").read_bytes())
    assert report.parse_status == UNREADABLE and report.source_format == "pdf"
    assert report.reason.startswith("PDF") and report.cells == {}


def _stamp_watermark(data: bytes, text: str = "COPY 2024 0011 9") -> bytes:
    """The real PDF with a slanted watermark stamped over every page, as stamping tools do."""
    import ctypes
    import io
    import math

    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    doc = pdfium.PdfDocument(data)
    for i in range(len(doc)):
        page = doc[i]
        for k in range(4):
            obj = c.FPDFPageObj_NewTextObj(doc, b"Helvetica", 40.0)
            wide = ctypes.create_string_buffer((text + "\x00").encode("utf-16-le"))
            c.FPDFText_SetText(obj, ctypes.cast(wide, ctypes.POINTER(c.FPDF_WCHAR)))
            a = math.radians(35)
            c.FPDFPageObj_Transform(obj, math.cos(a), math.sin(a), -math.sin(a), math.cos(a), 60, 120 + k * 180)
            c.FPDFPage_InsertObject(page, obj)
        c.FPDFPage_GenerateContent(page)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_slanted_watermark_over_the_tables_is_not_read_into_cells():
    stamped = _stamp_watermark(HONGZE)
    report = parse_document(stamped)
    assert report.parse_status == OK, report.reason
    assert report.values() == _expected("js_hongze_2023")
    assert "COPY" not in report.text


def _turned(data: bytes, rotation: int) -> bytes:
    """The real PDF with each page's content turned and /Rotate set to turn it back: it looks
    the same, but its user space is landscape (how wide tables get printed on turned pages)."""
    import io

    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    doc = pdfium.PdfDocument(data)
    for i in range(len(doc)):
        page = doc[i]
        w, h = page.get_size()
        m, box = {90: ((0, 1, -1, 0, h, 0), (0, 0, h, w)), 180: ((-1, 0, 0, -1, w, h), (0, 0, w, h)),
                  270: ((0, -1, 1, 0, 0, w), (0, 0, h, w))}[rotation]
        for k in range(c.FPDFPage_CountObjects(page)):
            c.FPDFPageObj_Transform(c.FPDFPage_GetObject(page, k), *m)
        c.FPDFPage_GenerateContent(page)
        page.set_mediabox(*box)
        page.set_cropbox(*box)
        page.set_rotation(rotation)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_pages_with_rotate_read_as_displayed(rotation):
    report = parse_document(_turned(HONGZE, rotation))
    assert report.parse_status == OK, report.reason
    assert report.values() == _expected("js_hongze_2023")
    assert report.title == "洪泽区人民政府2023年政府信息公开工作年度报告"


def test_damaged_and_encrypted_pdfs_say_so():
    report = parse_document(HONGZE[:2000])
    assert report.parse_status == UNREADABLE and report.source_format == "pdf"
    assert report.reason.startswith("PDF")
    report = parse_document(b"%PDF-1.7\n" + b"\x00" * 100)
    assert report.parse_status == UNREADABLE and report.reason.startswith("PDF")


def test_pdf_is_fast_enough():
    parse_document(HONGZE)
    n, start = 0, time.perf_counter()
    while n < 5:
        parse_document(HONGZE)
        n += 1
    per = (time.perf_counter() - start) / n
    assert per < 1.0, per  # bench/parse_bench.py measures it properly; this catches a 10x regression


# ---- fuzz ----------------------------------------------------------------------------------

FUZZ = settings(max_examples=40, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
STATUSES = {"ok", "partial", "no_tables", "not_a_report", "unreadable", "unsupported_format"}


def _sane(data: bytes) -> None:
    blocks, why = read_pdf(data)  # the reader itself: never raises (an exception fails here)
    assert blocks or why
    if why == NO_TEXT_LAYER:
        return  # parse.py hands these to OCR, whose time ocr.py bounds (a page takes seconds)
    report = parse_document(data)
    assert report.parse_status in STATUSES, (report.parse_status, report.reason)
    if not report.is_report:
        assert report.reason
    report.to_dict()


@FUZZ
@given(st.floats(0, 1))
def test_truncated_real_pdf(fraction):
    _sane(HONGZE[: int(len(HONGZE) * fraction)])


@FUZZ
@given(st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=16)), min_size=1, max_size=20))
def test_mutated_real_pdf(edits):
    data = bytearray(HONGZE)
    for where, blob in edits:
        i = int((len(data) - 1) * where)
        data[i:i + len(blob)] = blob
    _sane(bytes(data))


@FUZZ
@given(st.lists(st.integers(0, len(HONGZE) - 1), min_size=1, max_size=200))
def test_flipped_bytes_of_real_pdf(positions):
    data = bytearray(HONGZE)
    for i in positions:
        data[i] ^= 0xFF
    _sane(bytes(data))
