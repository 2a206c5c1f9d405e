"""Word and spreadsheet reports: derived documents read to their sources' whole cell maps.

tests/samples/derived/ holds the real samples converted by LibreOffice (DOCX, DOC), laid out
as a workbook (XLSX, and that saved as XLS) and the official blank template filled with
fj_putian_ptcg_2022's values (make_office.py there makes them). Each must parse to exactly
the cells of its source's expected file, as the sources do in test_samples.py.

DOC goes through LibreOffice (convert.py): the converter is tested with a real soffice and
with fake soffice scripts that hang or fail, as real subprocesses.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zfxxgk.pipelines.parser import NOT_A_REPORT, OK, UNREADABLE, UNSUPPORTED, parse_document
from zfxxgk.pipelines.parser.convert import ConvertError, convert, convert_many, find_soffice
from zfxxgk.pipelines.parser.office import cell_text, docx_blocks, sheet_blocks
from tests.conftest import SAMPLES

DERIVED = SAMPLES / "derived"
SOURCES = {"sh_govoffice_2019": "sh_govoffice_2019", "fj_putian_ptcg_2022": "fj_putian_ptcg_2022",
           "zhumadian_2020": "zhumadian_2020", "template_2021_filled_fj": "fj_putian_ptcg_2022"}
DOCUMENTS = sorted(p.name for p in DERIVED.iterdir() if p.suffix in (".docx", ".doc", ".xlsx", ".xls", ".rtf"))
STATUSES = {"ok", "partial", "no_tables", "not_a_report", "unreadable", "unsupported_format"}
ORIGIN = {".docx": r"t\d+ r\d+ c\d+", ".doc": r"t\d+ r\d+ c\d+", ".rtf": r"t\d+ r\d+ c\d+", ".xlsx": r"s\d+ r\d+ c\d+",
          ".xls": r"s\d+ r\d+ c\d+"}


def _expected(source: str) -> tuple[dict, dict]:
    data = json.loads((SAMPLES / f"{source}.expected.json").read_text(encoding="utf-8"))
    return data["cells"], data["_meta"]


def _needs_soffice():
    if find_soffice() is None:  # a test that skips proves nothing: `make test` installs it
        pytest.fail("LibreOffice is not installed: `make office` (part of `make test`) installs it")


def test_every_source_has_its_derived_documents():
    names = set(DOCUMENTS)
    for stem in ("sh_govoffice_2019", "fj_putian_ptcg_2022"):
        assert {f"{stem}.docx", f"{stem}.doc", f"{stem}.rtf", f"{stem}.xlsx", f"{stem}.xls"} <= names
    assert {"zhumadian_2020.docx", "zhumadian_2020.doc", "template_2021_filled_fj.docx"} <= names


@pytest.mark.parametrize("name", DOCUMENTS)
def test_derived_document_reads_to_the_sources_whole_cell_map(name):
    if name.endswith((".doc", ".rtf")):
        _needs_soffice()
    stem, suffix = name.rsplit(".", 1)
    expected, meta = _expected(SOURCES[stem])
    report = parse_document((DERIVED / name).read_bytes(), url=f"file://{name}")
    assert report.source_format == suffix
    assert report.parse_status == OK, report.reason
    assert report.values() == expected
    assert report.year == meta["year"]
    if stem == "zhumadian_2020":
        return  # flattened text, one cell a paragraph: read by the text reader, which has no grid places
    # every cell read from a table says where: table (sheet), row, column
    for key, cell in report.cells.items():
        if cell.status != "derived":
            assert cell.origin and re.fullmatch(ORIGIN["." + suffix], cell.origin), (key, cell.origin)


def test_docx_merged_cells_are_one_origin_in_every_slot():
    blocks = docx_blocks((DERIVED / "fj_putian_ptcg_2022.docx").read_bytes())
    t3 = [b.grid for b in blocks if b.kind == "table"][1]
    # 三、本年度办理结果 is one vMerge'd cell down 22 rows; the header's 申请人情况 spans 7 columns
    column0 = {id(t3.rows[r][0]) for r in range(5, 27)}
    assert len(column0) == 1 and t3.rows[5][0].text.startswith("三、本年度办理结果")
    assert len({id(c) for c in t3.rows[0][3:10]}) == 1 and t3.rows[0][3].colspan == 7
    assert t3.width == 10


def _rewrite_docx(data: bytes, edit) -> bytes:
    from lxml import etree

    src = zipfile.ZipFile(io.BytesIO(data))
    root = etree.fromstring(src.read("word/document.xml"))
    edit(root)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            part = src.read(info.filename)
            z.writestr(info, etree.tostring(root) if info.filename == "word/document.xml" else part)
    return out.getvalue()


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"


def test_report_inside_a_layout_table_and_a_heading_in_a_text_box():
    """The whole report nested in a one-cell layout table, 一、总体情况 in a text box (its
    mc:Choice and its VML mc:Fallback copy): the same 200 cells, the heading read once."""
    from lxml import etree

    def edit(root):
        body = root.find(f"{W}body")
        heading = next(p for p in body.iter(f"{W}p") if "".join(t.text or "" for t in p.iter(f"{W}t")).strip()
                       .endswith("一、总体情况"))
        anchor = etree.Element(f"{W}p")
        run = etree.SubElement(anchor, f"{W}r")
        alt = etree.SubElement(run, f"{MC}AlternateContent")
        for branch in ("Choice", "Fallback"):
            box = etree.SubElement(etree.SubElement(etree.SubElement(alt, f"{MC}{branch}"), f"{W}pict"),
                                   f"{W}txbxContent")
            box.append(etree.fromstring(etree.tostring(heading)))
        heading.addprevious(anchor)
        body.remove(heading)
        layout = etree.Element(f"{W}tbl")
        cell = etree.SubElement(etree.SubElement(layout, f"{W}tr"), f"{W}tc")
        for child in list(body):
            if child.tag != f"{W}sectPr":
                cell.append(child)
        body.insert(0, layout)

    data = _rewrite_docx((DERIVED / "fj_putian_ptcg_2022.docx").read_bytes(), edit)
    report = parse_document(data)
    expected, _ = _expected("fj_putian_ptcg_2022")
    assert report.parse_status == OK, report.reason
    assert report.values() == expected
    assert report.text.count("一、总体情况") == 1
    assert report.sections["overview"].startswith("2022年，我局以习近平")


def test_value_cells_prefilled_with_ideographic_spaces_read_blank():
    blocks = docx_blocks((SAMPLES / "template_2021_blank.docx").read_bytes())
    grids = [b.grid for b in blocks if b.kind == "table"]
    assert len(grids) == 3
    assert [c.text for c in grids[0].row_cells(2)] == ["规章", "", "", ""]


def test_blank_template_is_not_a_report_but_has_the_skeleton():
    """Decided: the template as distributed (tables, no values, no year) is not a report.

    Its tables still read in full, so every cell of the 2021 template is there, blank: the
    structure is the same as a filled-in report's, minus 四's value row, which has no label.
    """
    report = parse_document((SAMPLES / "template_2021_blank.docx").read_bytes())
    assert report.parse_status == NOT_A_REPORT
    assert "blank report template" in report.reason
    assert report.source_format == "docx" and report.format_version == "2021" and report.year is None
    assert {c.status for c in report.cells.values()} == {"blank"}
    fj, _ = _expected("fj_putian_ptcg_2022")
    assert set(report.cells) == {k for k in fj if not k.startswith("appeals.")}


def test_spreadsheet_numbers_print_as_written():
    assert [cell_text(v) for v in (13.0, 0.0, -58.0, 72.22, 25.1, 1e20, "251000元", "013", None, True)] == [
        "13", "0", "-58", "72.22", "25.1", "100000000000000000000", "251000元", "013", "", "TRUE"]
    blocks = sheet_blocks((DERIVED / "fj_putian_ptcg_2022.xlsx").read_bytes())
    fees = next(b.grid for b in blocks if b.kind == "table" and any(
        c.text == "行政事业性收费" for row in b.grid.rows for c in row if c))
    row = next(r for r in fees.rows if r[0] and r[0].text == "行政事业性收费")
    assert row[1].text == "72.22"
    # the report's text around the tables comes back as paragraphs: headings are found
    paras = [b.text for b in blocks if b.kind == "para"]
    assert "一、总体情况" in paras and "六、其他需要报告的事项" in paras


def test_wps_named_by_its_url_is_read_through_libreoffice():
    """Kingsoft WPS writer files are Word 97 binaries in an OLE container: only the URL or the
    Content-Type says WPS, and they read as DOC does."""
    _needs_soffice()
    report = parse_document((DERIVED / "fj_putian_ptcg_2022.doc").read_bytes(), url="http://x/report.wps")
    assert (report.source_format, report.parse_status, len(report.cells)) == ("wps", OK, 200)
    assert "converted:wps->docx by LibreOffice" in report.warnings


def test_xls_without_a_url_is_told_from_doc_by_its_streams():
    report = parse_document((DERIVED / "sh_govoffice_2019.xls").read_bytes())
    assert report.source_format == "xls" and report.parse_status == OK


def test_a_sheet_starting_away_from_a1_keeps_its_cell_addresses():
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"], ws["E3"], ws["C4"], ws["E4"] = "label", 7, "merged", 2.5
    ws.merge_cells("C4:D4")
    buf = io.BytesIO()
    wb.save(buf)
    [block] = sheet_blocks(buf.getvalue())
    g = block.grid
    assert [c.text for c in g.row_cells(0)] == ["label", "", "7"]
    assert g.rows[1][0] is g.rows[1][1] and g.rows[1][0].text == "merged" and g.rows[1][2].text == "2.5"
    assert g.where(0, 2) == "s1 r3 c5"


# ---- the LibreOffice converter ----------------------------------------------------------------

def _fake_soffice(tmp_path, body: str):
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return str(script)


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] in ("Z", "X")  # a zombie has been killed
    except FileNotFoundError:
        return True


def test_hung_converter_is_killed_with_its_children(tmp_path):
    pids = tmp_path / "pids"
    soffice = _fake_soffice(tmp_path, f"sleep 300 & echo $! > {pids}\necho $$ >> {pids}\nsleep 300")
    start = time.monotonic()
    with pytest.raises(ConvertError, match=r"^doc: conversion timed out after 1 s$"):
        convert(b"\xd0\xcf\x11\xe0 not really a doc", "doc", timeout=1, soffice=soffice)
    assert time.monotonic() - start < 10
    deadline = time.monotonic() + 5
    spawned = [int(p) for p in pids.read_text().split()]
    assert len(spawned) == 2
    while not all(_gone(p) for p in spawned) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(p) for p in spawned), "a process of the conversion's group survived"


def test_hung_converter_through_the_parser_is_a_reason_not_an_exception(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFXXGK_SOFFICE", _fake_soffice(tmp_path, "sleep 300"))
    monkeypatch.setenv("ZFXXGK_CONVERT_TIMEOUT", "1")
    report = parse_document((DERIVED / "sh_govoffice_2019.doc").read_bytes(), url="http://x/a.doc")
    assert report.parse_status == UNREADABLE
    assert report.reason == "doc: conversion timed out after 1 s"
    assert report.source_format == "doc"


def test_missing_libreoffice_leaves_the_document_unsupported(monkeypatch, tmp_path):
    monkeypatch.setenv("ZFXXGK_SOFFICE", str(tmp_path / "no-such-soffice"))
    report = parse_document((DERIVED / "fj_putian_ptcg_2022.doc").read_bytes(), url="http://x/a.wps")
    assert report.parse_status == UNSUPPORTED and report.source_format == "wps"
    assert report.reason.startswith("wps: LibreOffice not installed")


def test_failing_converter_says_so(tmp_path):
    soffice = _fake_soffice(tmp_path, "echo 'Error: source file could not be loaded'; exit 1")
    with pytest.raises(ConvertError, match=r"doc: LibreOffice failed \(exit 1 .*could not be loaded"):
        convert(b"x", "doc", soffice=soffice)
    quiet = _fake_soffice(tmp_path, "exit 0")  # exits 0 and writes nothing, as soffice does on junk
    with pytest.raises(ConvertError, match=r"no docx came out"):
        convert(b"x", "doc", soffice=quiet)


def test_real_conversion_past_a_tiny_time_limit_is_killed():
    _needs_soffice()
    with pytest.raises(ConvertError, match="timed out after 0.05 s"):
        convert((DERIVED / "sh_govoffice_2019.doc").read_bytes(), "doc", timeout=0.05)


def test_concurrent_real_conversions_each_have_their_own_profile():
    _needs_soffice()
    doc = (DERIVED / "fj_putian_ptcg_2022.doc").read_bytes()
    results: list = []

    def run():
        try:
            results.append(convert(doc, "doc", timeout=120))
        except ConvertError as exc:  # pragma: no cover - what the assertion shows
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(r, bytes) and r[:2] == b"PK" for r in results), results
    report = parse_document(results[0])
    assert report.parse_status == OK and report.source_format == "docx"


def test_several_documents_in_one_call():
    _needs_soffice()
    docs = [(DERIVED / f"{s}.doc").read_bytes() for s in ("sh_govoffice_2019", "fj_putian_ptcg_2022")]
    out = convert_many(docs, "doc", timeout=120)
    assert [len(parse_document(d).cells) for d in out] == [198, 200]


def test_damaged_doc_through_libreoffice_never_raises():
    _needs_soffice()
    doc = (DERIVED / "sh_govoffice_2019.doc").read_bytes()
    for data in (doc[: len(doc) // 3], doc[:512] + bytes(range(256)) * 40):
        report = parse_document(data, url="http://x/a.doc")
        assert report.parse_status in STATUSES and report.parse_status != "error", report.reason
        assert report.reason


# ---- fuzz: damaged DOCX and XLSX never raise and never hang -----------------------------------

FUZZ = settings(max_examples=60, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
ZIPS = {n: (DERIVED / n).read_bytes() for n in ("fj_putian_ptcg_2022.docx", "sh_govoffice_2019.xlsx",
                                                  "template_2021_filled_fj.docx", "fj_putian_ptcg_2022.xlsx")}


def _sane(report) -> None:
    assert report.parse_status in STATUSES, (report.parse_status, report.reason)
    if not report.is_report:
        assert report.reason
    report.to_dict()


@FUZZ
@given(st.sampled_from(sorted(ZIPS)), st.floats(0, 1))
def test_truncated_office_files(name, fraction):
    data = ZIPS[name]
    _sane(parse_document(data[: int(len(data) * fraction)], url=f"http://x/{name}"))


@FUZZ
@given(st.sampled_from(sorted(ZIPS)), st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=8)),
                                               min_size=1, max_size=20))
def test_office_files_with_bytes_flipped(name, edits):
    data = bytearray(ZIPS[name])
    for where, blob in edits:
        i = int((len(data) - 1) * where)
        data[i:i + len(blob)] = blob
    _sane(parse_document(bytes(data)))


@FUZZ
@given(st.sampled_from(sorted(ZIPS)), st.data())
def test_office_files_with_a_zip_entry_corrupted(name, draw):
    """The container is sound, one part inside it is not: cut, overwritten or not XML."""
    src = zipfile.ZipFile(io.BytesIO(ZIPS[name]))
    infos = src.infolist()
    target = draw.draw(st.sampled_from([i.filename for i in infos]))
    edits = draw.draw(st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=0, max_size=30)), max_size=10))
    cut = draw.draw(st.floats(0, 1))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in infos:
            part = bytearray(src.read(info.filename))
            if info.filename == target:
                for where, blob in edits:
                    i = int(len(part) * where)
                    part[i:i + max(1, len(blob))] = blob
                part = part[: max(0, int(len(part) * cut))] if cut < 0.9 else part
            z.writestr(info.filename, bytes(part))
    _sane(parse_document(out.getvalue()))


def test_zip_bomb_part_is_refused_quickly():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<w:document xmlns:w='x'>" + b" " * (80 * 2**20) + b"</w:document>")
    start = time.monotonic()
    report = parse_document(out.getvalue())
    assert report.parse_status == UNREADABLE and "over the limit" in report.reason
    assert time.monotonic() - start < 5


def test_deeply_nested_word_tables_are_bounded():
    inner = "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>自然人</w:t></w:r></w:p>{}</w:tc></w:tr></w:tbl>"
    xml = "{}"
    for _ in range(200):
        xml = xml.format(inner)
    xml = xml.format("")
    doc = (f'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           f"<w:p><w:r><w:t>一、总体情况</w:t></w:r></w:p>{xml}</w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", doc)
    _sane(parse_document(out.getvalue()))
