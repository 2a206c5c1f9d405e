"""Deeply nested pages: Word exports wrap reports in hundreds of <span>/<font>s, and portals
put layout tables inside layout tables.

libxml2 stops at depth 256 by default, and what lies deeper used to vanish silently (the
page became `not_a_report`). Each variant here is first checked to be too deep for that
default, so the test really covers the limit. Then the whole cell map must equal the
sample's expected file. Past libxml2's hard limit (2048), the report must say that it was
cut short.
"""

from __future__ import annotations

import re
import time
import tracemalloc

import lxml.html
import pytest
from lxml import etree

from zfxxgk.pipelines.parser import OK, PARTIAL, UNREADABLE, parse_document
from tests.conftest import expected_cells, sample_bytes

HTML_SAMPLES = ["sh_govoffice_2019.html", "fj_putian_ptcg_2022.html"]


def _wrap_body(name: str, open_: str, close: str, n: int) -> str:
    text = sample_bytes(name).decode("utf-8")
    start = re.search(r"<body[^>]*>", text, re.IGNORECASE).end()
    end = text.lower().rindex("</body>")
    return text[:start] + open_ * n + text[start:end] + close * n + text[end:]


def _wrap_report_tables(name: str, n: int) -> str:
    """Each report table inside its own n nested layout tables."""
    text = sample_bytes(name).decode("utf-8")
    return re.sub(r"(?is)<table\b.*?</table>",
                  lambda m: "<table><tr><td>" * n + m.group(0) + "</td></tr></table>" * n, text)


def _too_deep_for_default_libxml2(text: str) -> bool:
    parser = etree.HTMLParser()
    lxml.html.document_fromstring(text, parser=parser)
    return any(e.level_name == "FATAL" and "depth" in e.message for e in parser.error_log)


def _assert_whole_report(name: str, text: str):
    assert _too_deep_for_default_libxml2(text), "variant is not deep enough to test the limit"
    report = parse_document(text.encode("utf-8"), url=f"file://{name}")
    assert report.parse_status == OK, report.reason
    assert report.values() == expected_cells(name)
    assert not any(w.startswith("html_truncated") for w in report.warnings)
    return report


@pytest.mark.parametrize("tag", ["span", "font"])
@pytest.mark.parametrize("name", HTML_SAMPLES)
def test_report_inside_300_inline_wrappers(name, tag):
    _assert_whole_report(name, _wrap_body(name, f"<{tag}>", f"</{tag}>", 300))


@pytest.mark.parametrize("name", HTML_SAMPLES)
def test_report_inside_120_nested_tables(name):
    report = _assert_whole_report(name, _wrap_body(name, "<table><tr><td>", "</td></tr></table>", 120))
    assert report.sections["overview"]


@pytest.mark.parametrize("name", HTML_SAMPLES)
def test_each_report_table_inside_120_layout_tables(name):
    _assert_whole_report(name, _wrap_report_tables(name, 120))


@pytest.mark.parametrize("name", HTML_SAMPLES)
def test_thousands_of_unclosed_fonts_beyond_the_hard_limit(name):
    """Word-style <font> tags never closed nest past even huge_tree's 2048. They hold no
    structure, so the page is read again without its inline formatting tags."""
    report = _assert_whole_report(name, _wrap_body(name, '<font face="宋体">', "", 3000))
    assert report.text == parse_document(sample_bytes(name)).text


def test_too_deep_after_the_report_is_partial_and_says_so():
    name = "sh_govoffice_2019.html"
    text = sample_bytes(name).decode("utf-8")
    end = text.lower().rindex("</body>")
    report = parse_document((text[:end] + "<div>" * 3000 + "评论" + "</div>" * 3000 + text[end:]).encode())
    assert report.values() == expected_cells(name)  # everything before the cut is read
    assert report.parse_status == PARTIAL
    assert "nested more than 2048 elements deep" in report.reason
    assert any(w.startswith("html_truncated:") for w in report.warnings)


def test_too_deep_around_the_report_is_unreadable_not_silently_not_a_report():
    text = _wrap_body("fj_putian_ptcg_2022.html", "<div>", "</div>", 3000)
    report = parse_document(text.encode())
    assert report.parse_status == UNREADABLE
    assert "nested more than 2048 elements deep" in report.reason
    assert "line" in report.reason  # where to look


def test_deep_and_wide_stays_small_and_fast():
    """Depth must not multiply the cost of every block (a stack copy per block did:
    300 MiB for this 216 KiB page)."""
    data = ("<html><body>" + "<div>" * 2000 + "<p>一、总体情况</p>" + "<p>x</p>" * 25000
            + "</div>" * 2000 + "</body></html>").encode()
    start = time.perf_counter()
    assert parse_document(data).reason
    elapsed = time.perf_counter() - start
    assert elapsed < 3, elapsed
    tracemalloc.start()
    try:
        parse_document(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MiB"
