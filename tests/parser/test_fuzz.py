"""Bad input never raises and never hangs: random bytes, cut and mutated real pages, hostile tables.

`deadline` bounds each example's time; the parser's own caps (rows, columns, spans,
blocks, repair combinations) are what keep it there.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zfxxgk.pipelines.parser import Report, parse_document, sniff
from zfxxgk.pipelines.parser.model import ERROR
from tests.conftest import sample_bytes

STATUSES = {"ok", "partial", "no_tables", "not_a_report", "unreadable", "unsupported_format"}
REAL = [sample_bytes(n) for n in ("sh_govoffice_2019.html", "fj_putian_ptcg_2022.html", "zhumadian_2020.txt")]
FUZZ = settings(max_examples=60, deadline=3000, suppress_health_check=[HealthCheck.too_slow])


def _sane(report: Report) -> None:
    assert isinstance(report, Report)
    assert report.parse_status in STATUSES, (report.parse_status, report.reason)
    assert report.parse_status != ERROR
    if not report.is_report:
        assert report.reason
    report.to_dict()  # serialisable


@FUZZ
@given(st.binary(max_size=20000))
def test_random_bytes(data):
    _sane(parse_document(data))


@FUZZ
@given(st.sampled_from(REAL), st.floats(0, 1))
def test_truncated_real_pages(page, fraction):
    _sane(parse_document(page[: int(len(page) * fraction)]))


@FUZZ
@given(st.sampled_from(REAL), st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=0, max_size=40)),
                                        min_size=1, max_size=25))
def test_mutated_real_pages(page, edits):
    data = bytearray(page)
    for where, blob in edits:
        i = int(len(data) * where)
        data[i:i + len(blob) // 2] = blob
    _sane(parse_document(bytes(data)))


_span = st.one_of(st.integers(-3, 5), st.sampled_from([0, 1000, 65535, 10**9]))


@st.composite
def hostile_tables(draw):
    depth = draw(st.integers(1, 30))
    rows = draw(st.integers(1, 12))
    cols = draw(st.integers(1, 12))
    cell_text = st.sampled_from(["自然人", "总计", "1", "", "信息内容", "规章", "一、本年新收政府信息公开申请数量",
                                 "行政复议", "结果维持", "（三）不予公开", "9", "—", "x" * 50])
    inner = "".join(
        "<tr>" + "".join(
            f'<td rowspan="{draw(_span)}" colspan="{draw(_span)}">{draw(cell_text)}</td>' for _ in range(cols))
        + "</tr>" for _ in range(rows))
    html = "<table><tr><td>" * depth + f"<table>{inner}</table>" + "</td></tr></table>" * depth
    return f"<html><body><p>一、总体情况</p>{html}<p>六、其他需要报告的事项</p></body></html>".encode()


@FUZZ
@given(hostile_tables())
def test_nested_tables_with_absurd_spans(data):
    _sane(parse_document(data))


def test_enormous_table_is_bounded():
    row = "<tr>" + "<td>自然人</td><td>1</td>" * 40 + "</tr>"
    data = ("<html><body><p>三、收到和处理政府信息公开申请情况</p><table>" + row * 20000
            + "</table></body></html>").encode()
    _sane(parse_document(data))


def test_deeply_nested_markup():
    data = ("<div>" * 50000 + "一、总体情况" + "</div>" * 50000).encode()
    report = parse_document(data)
    _sane(report)
    assert report.parse_status == "unreadable" and "nested more than 2048 elements deep" in report.reason


DOCX = sample_bytes("template_2021_blank.docx")
_CENTRAL_DIRECTORY = DOCX.find(b"PK\x01\x02")


def test_docx_claiming_an_unknown_zip_version_is_a_zip_not_an_error():
    data = bytearray(DOCX)
    data[_CENTRAL_DIRECTORY + 6] = 92  # "version needed to extract": 9.2, which zipfile refuses
    assert sniff(bytes(data)) == "zip"  # the crawl calls sniff directly: it must not raise either
    assert parse_document(bytes(data)).parse_status == "unsupported_format"


@FUZZ
@given(st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=4)), min_size=1, max_size=12))
def test_mutated_docx(edits):
    data = bytearray(DOCX)
    for where, blob in edits:  # mostly in the central directory, where zipfile reads first
        i = _CENTRAL_DIRECTORY + int((len(data) - _CENTRAL_DIRECTORY - 1) * where)
        data[i:i + len(blob)] = blob
    sniff(bytes(data))
    _sane(parse_document(bytes(data)))


def test_not_bytes_and_empty():
    assert parse_document(b"").parse_status == "unreadable"
    assert parse_document(b"   \n ").parse_status == "unreadable"
    assert parse_document("text".encode("utf-16")).parse_status in STATUSES
