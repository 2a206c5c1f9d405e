"""A report is a page plus its attachments (pipelines.parser.combine), on real samples."""

from __future__ import annotations

import hashlib

from tests.conftest import expected_cells, sample_bytes
from zfxxgk.pipelines.parser import parse_document
from zfxxgk.pipelines.parser.combine import combine

ATTACHMENT_ONLY_PAGE = ("<html><head><title>某区人民政府2019年政府信息公开工作年度报告</title></head><body>"
                        "<h1>某区人民政府2019年政府信息公开工作年度报告</h1><p>详见附件。</p>"
                        "<p>附件：<a href='report.pdf'>年度报告.pdf</a></p></body></html>").encode()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_page_without_tables_takes_the_cells_of_its_attachment():
    page = parse_document(ATTACHMENT_ONLY_PAGE)
    assert not page.cells
    doc = sample_bytes("sh_govoffice_2019.html")
    unreadable = b"%PDF-1.4 not really"
    got = combine(page, [(_sha(unreadable), parse_document(unreadable)), (_sha(doc), parse_document(doc))])
    assert {k: c.value for k, c in got.cells.items()} == expected_cells("sh_govoffice_2019")
    assert got.cells_from == _sha(doc) and got.is_report
    assert f"cells_from_attachment:{_sha(doc)[:12]}" in got.warnings
    assert got.title == page.title  # the page's own title and year stay


def test_page_and_attachment_that_disagree_are_both_kept_and_the_difference_recorded():
    html = sample_bytes("fj_putian_ptcg_2022.html")
    page = parse_document(html)
    key = "applications.natural_person.new_received"
    printed = page.cells[key].raw
    # the same report as an attachment in which one number differs
    altered = html.replace(f">{printed}<".encode(), f">{int(printed) + 1}<".encode(), 1)
    attachment = parse_document(altered)
    assert attachment.cells[key].value == int(printed) + 1
    got = combine(page, [(_sha(altered), attachment)])
    assert {k: c.value for k, c in got.cells.items()} == expected_cells("fj_putian_ptcg_2022")  # the page's
    assert got.cells_from is None
    disagreements = [w for w in got.warnings if w.startswith("attachment_disagrees:")]
    assert disagreements == [f"attachment_disagrees:{_sha(altered)[:12]}:1 of {len(attachment.cells)} cells differ "
                             f"(first {key}: page {printed}, attachment {int(printed) + 1})"]


def test_an_agreeing_attachment_adds_no_warning():
    html = sample_bytes("fj_putian_ptcg_2022.html")
    page = parse_document(html)
    got = combine(page, [(_sha(html), parse_document(html))])
    assert got.warnings == page.warnings and got.cells == page.cells
