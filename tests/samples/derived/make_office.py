"""Make the derived Word and spreadsheet documents in this folder from the real samples.

    .venv/bin/python tests/samples/derived/make_office.py      (needs LibreOffice and openpyxl)

For each real HTML sample (and the flattened-text one, for Word):
- <stem>.docx, <stem>.doc (and .rtf for the HTML ones): LibreOffice Writer's HTML (or text)
  import, exported as Word 2007 XML, Word 97 and RTF; tables keep their rowspan/colspan as
  vMerge/gridSpan.
- <stem>.xlsx: the report as someone pastes it into Excel: every paragraph of the report body
  a row of column A, every table laid out below with its merged cells as merged ranges, and
  every cell that prints a plain number stored as a number (13, 72.22); "251000元" stays text.
  Built with openpyxl from an lxml walk of the page written here (not the parser's grid code).
- <stem>.xls: that workbook saved by LibreOffice Calc as Excel 97 (BIFF8, merges kept).
And template_2021_filled_fj.docx: the official blank template (../template_2021_blank.docx)
with every value cell filled at the XML level with fj_putian_ptcg_2022's printed values.

The outputs are committed; the tests read them and compare with the sources' expected files.
LibreOffice is run through the parser's own sandboxed converter (its own profile and HOME).
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

import lxml.html
from lxml import etree

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent
sys.path.insert(0, str(SAMPLES.parent.parent))

from zfxxgk.pipelines.parser.convert import convert_many  # noqa: E402

HTML_SAMPLES = ["sh_govoffice_2019", "fj_putian_ptcg_2022"]
TEXT_SAMPLES = ["zhumadian_2020"]
TEMPLATE_SOURCE = "fj_putian_ptcg_2022"  # 2021 template, like the blank template
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "center", "section", "article", "blockquote"}


def word(stem: str, suffix: str) -> None:
    src = SAMPLES / f"{stem}.{suffix}"
    kind = "html" if suffix == "html" else "txt"
    infilter = "HTML (StarWriter)" if kind == "html" else "Text (encoded):UTF8,LF,,"
    for target, flt in (("docx", "MS Word 2007 XML"), ("doc", "MS Word 97"), ("rtf", "Rich Text Format")):
        if target == "rtf" and kind != "html":
            continue
        [out] = convert_many([src.read_bytes()], kind, target, filter_options=flt, infilter=infilter, timeout=120)
        (HERE / f"{stem}.{target}").write_bytes(out)
        print(f"{stem}.{target}: {len(out)} bytes")


# ---- HTML -> workbook ------------------------------------------------------------------------

def _text(el) -> str:
    return re.sub(r"\s+", " ", "".join(el.itertext()).replace("\u00a0", " ")).strip()


def _report_container(root):
    """The deepest element holding every table and the 一、总体情况 heading."""
    tables = [t for t in root.iter("table") if not list(t.iter("table"))[1:]]
    heading = next(el for el in root.iter() if isinstance(el.tag, str) and el.text and "总体情况" in el.text)
    box = heading
    while not all(box in t.iterancestors() or box is t for t in tables):
        box = box.getparent()
    return box


def _walk(el, out: list, buf: list) -> None:
    """Paragraph strings and table elements of the container, in order."""
    def flush():
        t = re.sub(r"\s+", " ", "".join(buf).replace("\u00a0", " ")).strip()
        buf.clear()
        if t:
            out.append(t)
    for child in el:
        if not isinstance(child.tag, str):
            if child.tail:
                buf.append(child.tail)
            continue
        tag = child.tag.lower()
        if tag in ("script", "style"):
            pass
        elif tag == "table":
            flush()
            out.append(child)
        else:
            if tag in BLOCK:
                flush()
            if child.text:
                buf.append(child.text)
            _walk(child, out, buf)
            if tag in BLOCK:
                flush()
        if child.tail:
            buf.append(child.tail)


def _table_rows(table):
    """[(row, col, rowspan, colspan, text)] with the HTML table's spans laid out on a grid."""
    taken: set[tuple[int, int]] = set()
    cells = []
    for r, tr in enumerate(table.iter("tr")):
        c = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                continue
            while (r, c) in taken:
                c += 1
            rs, cs = int(td.get("rowspan", 1) or 1), int(td.get("colspan", 1) or 1)
            for dr in range(rs):
                for dc in range(cs):
                    taken.add((r + dr, c + dc))
            cells.append((r, c, rs, cs, _text(td)))
            c += cs
    return cells


def workbook(stem: str) -> bytes:
    from openpyxl import Workbook

    page = (SAMPLES / f"{stem}.html").read_text(encoding="utf-8")
    root = lxml.html.document_fromstring(page)
    items: list = []
    _walk(_report_container(root), items, [])
    wb = Workbook()
    ws = wb.active
    ws.title = "年度报告"
    row = 1
    for item in items:
        if isinstance(item, str):
            ws.cell(row=row, column=1, value=item)
            row += 1
            continue
        cells = _table_rows(item)
        for r, c, rs, cs, text in cells:
            value = (float(text) if "." in text else int(text)) if NUMBER.match(text) else (text or None)
            ws.cell(row=row + r, column=1 + c, value=value)
            if rs > 1 or cs > 1:
                ws.merge_cells(start_row=row + r, start_column=1 + c, end_row=row + r + rs - 1,
                               end_column=c + cs)
        row += max(r + rs for r, c, rs, cs, _ in cells) + 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheets(stem: str) -> None:
    data = workbook(stem)
    (HERE / f"{stem}.xlsx").write_bytes(data)
    [xls] = convert_many([data], "xlsx", "xls", filter_options="MS Excel 97", timeout=120)
    (HERE / f"{stem}.xls").write_bytes(xls)
    print(f"{stem}.xlsx: {len(data)} bytes; {stem}.xls: {len(xls)} bytes")


# ---- the blank template, filled --------------------------------------------------------------

def _q(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _grid(tbl) -> list[list]:
    """The template table as rows of (grid col, w:tc, continues-a-vertical-merge)."""
    rows = []
    for tr in tbl.findall(_q("tr")):
        col, row = 0, []
        for tc in tr.findall(_q("tc")):
            pr = tc.find(_q("tcPr"))
            span = 1
            cont = False
            if pr is not None:
                gs = pr.find(_q("gridSpan"))
                span = int(gs.get(_q("val"))) if gs is not None else 1
                vm = pr.find(_q("vMerge"))
                cont = vm is not None and vm.get(_q("val"), "continue") == "continue"
            row.append((col, tc, cont))
            col += span
        rows.append(row)
    return rows


def _html_grid(table) -> dict[tuple[int, int], str]:
    return {(r, c): text for r, c, rs, cs, text in _table_rows(table)}


def filled_template() -> bytes:
    src = (SAMPLES / "template_2021_blank.docx").read_bytes()
    zin = zipfile.ZipFile(io.BytesIO(src))
    doc = etree.fromstring(zin.read("word/document.xml"))
    page = lxml.html.document_fromstring((SAMPLES / f"{TEMPLATE_SOURCE}.html").read_text(encoding="utf-8"))
    html_tables = [t for t in page.iter("table") if not list(t.iter("table"))[1:]]
    tpl_tables = doc.findall(f".//{_q('tbl')}")
    assert len(tpl_tables) == len(html_tables) == 3
    filled = 0
    for tbl, html in zip(tpl_tables, html_tables, strict=True):
        values = _html_grid(html)
        for r, row in enumerate(_grid(tbl)):
            for col, tc, cont in row:
                text = "".join(t.text or "" for t in tc.iter(_q("t")))
                if cont or text.strip("\u3000 "):
                    continue  # a label, or the continuation of a merged label
                value = values.get((r, col))
                if value is None or not NUMBER.match(value):
                    continue
                ts = list(tc.iter(_q("t")))
                if ts:
                    ts[0].text = value
                    for t in ts[1:]:
                        t.text = ""
                else:
                    p = tc.find(_q("p"))
                    run = etree.SubElement(p, _q("r"))
                    etree.SubElement(run, _q("t")).text = value
                filled += 1
    # the title says whose report it is, as a filled-in template does
    for t in doc.iter(_q("t")):
        if t.text == "政府信息公开工作年度报告格式模板":
            t.text = "莆田市城市管理局2022年政府信息公开工作年度报告"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                data = etree.tostring(doc, xml_declaration=True, encoding="UTF-8", standalone=True)
            zout.writestr(info, data)
    print(f"template_2021_filled_fj.docx: {filled} value cells filled")
    return out.getvalue()


def main() -> None:
    for stem in HTML_SAMPLES:
        word(stem, "html")
        sheets(stem)
    for stem in TEXT_SAMPLES:
        word(stem, "txt")
    (HERE / "template_2021_filled_fj.docx").write_bytes(filled_template())


if __name__ == "__main__":
    main()
