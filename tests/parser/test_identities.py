"""Printed numbers that do not add up are kept as printed and flagged, never corrected."""

from __future__ import annotations

from zfxxgk.pipelines.parser import OK, parse_document
from tests.conftest import sample_bytes


def _with(name: str, old: str, new: str) -> bytes:
    text = sample_bytes(name).decode("utf-8")
    assert text.count(old) >= 1
    return text.replace(old, new, 1).encode("utf-8")


def test_section_four_total_that_does_not_add_up():
    # 洪泽2023 printed 复议 总计 0 beside 10 + 1; rebuild that error in 上海's table (7 -> 0)
    text = sample_bytes("sh_govoffice_2019.html").decode("utf-8")
    t4 = text.index("结果维持")
    head, tail = text[:t4], text[t4:]
    tail = tail.replace('<td style="width:43px;"><p>7</p>', '<td style="width:43px;"><p>0</p>', 1)
    report = parse_document((head + tail).encode("utf-8"))
    assert report.parse_status == OK
    assert report.cells["appeals.admin_review.total"].value == 0  # as printed
    bad = [(c.id, c.column, c.lhs, c.rhs) for c in report.identity_violations]
    assert bad == [("I4", "admin_review", 0, 7)]


def test_row_total_and_column_identity_violations_are_all_reported():
    # 莆田's 一、本年新收 row: natural person 8 -> 9 breaks I2 on that row and I1 in that column
    text = sample_bytes("fj_putian_ptcg_2022.html").decode("utf-8")
    row = text.index("一、本年新收政府信息公开申请数量")
    cut = text.index(">8<", row)
    data = (text[:cut] + ">9<" + text[cut + 3:]).encode("utf-8")
    report = parse_document(data)
    assert report.cells["applications.natural_person.new_received"].value == 9
    bad = {(c.id, c.column, c.lhs, c.rhs) for c in report.identity_violations}
    assert bad == {("I2", "new_received", 8, 9), ("I1", "natural_person", 9, 8)}
    assert "1 identity violations" not in report.reason and "2 identity violations" in report.reason


def test_every_identity_is_checked_on_a_complete_2021_report():
    report = parse_document(sample_bytes("fj_putian_ptcg_2022.html"))
    ids = [c.id for c in report.checks]
    assert ids.count("I1") == 7 and ids.count("I3") == 7 and ids.count("I2") == 25
    assert {"I4", "I5", "I6"} <= set(ids)
    assert all(c.ok for c in report.checks)
