"""HTML exported from Word, WPS or LibreOffice ("save as web page").

tests/samples/derived/word_*.html (made by word_make.py there): the real samples opened in
LibreOffice, saved as DOCX and saved back as HTML (StarWriter and XHTML filters); and the
structure Word itself writes, with fj_putian_ptcg_2022's labels and values, where value cells
do not line up one-to-one with the header cells. Each must read to its source's whole
expected cell map.
"""

from __future__ import annotations

import json
import re

import pytest

from zfxxgk.pipelines.parser import OK, parse_document
from zfxxgk.pipelines.parser.document import GridCell
from zfxxgk.pipelines.parser.tables import _align
from tests.conftest import SAMPLES

DERIVED = SAMPLES / "derived"
WORD = sorted(p.name for p in DERIVED.glob("word_*.html"))


def _source(name: str) -> str:
    return name.removeprefix("word_").split(".")[0]


def test_the_derived_pages_are_there():
    assert {"word_fj_putian_ptcg_2022.msword.html", "word_fj_putian_ptcg_2022.soffice.html",
            "word_fj_putian_ptcg_2022.soffice_xhtml.html", "word_sh_govoffice_2019.soffice.html",
            "word_sh_govoffice_2019.soffice_xhtml.html"} <= set(WORD)


@pytest.mark.parametrize("name", WORD)
def test_word_exported_html_reads_to_the_sources_whole_cell_map(name):
    data = json.loads((SAMPLES / f"{_source(name)}.expected.json").read_text(encoding="utf-8"))
    report = parse_document((DERIVED / name).read_bytes(), url=f"file://{name}")
    assert report.parse_status == OK, report.reason
    assert report.values() == data["cells"]
    assert report.year == data["_meta"]["year"]
    assert report.agency == data["_meta"]["body"].split(" (")[0]
    for key, cell in report.cells.items():
        assert cell.origin and re.fullmatch(r"t\d+ r\d+ c\d+", cell.origin), (key, cell.origin)


def test_the_word_page_has_words_misaligned_grid():
    """The hand-written page is what the test claims: Word's markup, cells off the header grid."""
    text = (DERIVED / "word_fj_putian_ptcg_2022.msword.html").read_bytes().decode("gb18030")
    assert 'content="Microsoft Word 15"' in text and "mso-cell-special:placeholder" in text
    assert "<![if !supportMisalignedColumns]>" in text
    assert re.search(r"<td width=\d+ colspan=2 valign=center style='width:[\d.]+pt;border:solid", text)
    report = parse_document(text.encode("gb18030"))
    # 商业企业's value sits in a cell that also covers 自然人's second grid column
    c = report.cells["applications.legal.commercial.new_received"]
    assert c.origin == "t2 r4 c6"  # grid column 6: the header's 商业企业 column


def test_xhtml_with_an_xml_declaration_is_read():
    """LibreOffice's XHTML opens with <?xml … encoding="UTF-8"?>; it used to read as no text."""
    data = (DERIVED / "word_sh_govoffice_2019.soffice_xhtml.html").read_bytes()
    assert data.startswith(b"<?xml")
    assert parse_document(data).parse_status == OK


def _cells(spans: list[tuple[int, int]], texts: list[str]) -> list[GridCell]:
    return [GridCell(text=t, key="", origin=i, col=c, colspan=n) for i, ((c, n), t) in enumerate(zip(spans, texts))]


def test_align_follows_column_boundaries_not_cell_order():
    # header: A [0,0] B [1,2] C [3,4]; values: 1 [0,1] 2 [2,2] 3 [3,4] plus a placeholder [5,5]
    cols = [("A", 0, 0, None), ("B", 1, 2, None), ("C", 3, 4, None)]
    values = _cells([(0, 2), (2, 1), (3, 2), (5, 1)], ["1", "2", "3", ""])
    assert [(c[0], v.text) for c, v in _align(cols, values)] == [("A", "1"), ("B", "2"), ("C", "3")]
    # a spacer cell between the label and the values takes no column
    cols = [("A", 1, 1, None), ("B", 2, 3, None), ("C", 4, 5, None)]
    values = _cells([(0, 1), (1, 2), (3, 1), (4, 2)], ["", "4", "5", "6"])
    assert [(c[0], v.text) for c, v in _align(cols, values)] == [("A", "4"), ("B", "5"), ("C", "6")]
    # one cell across several header columns (a row cut by a page break) is nobody's value
    values = _cells([(0, 5)], [""])
    assert _align(cols, values) == []
