"""Cell values per spec section 6.3: what was printed, and what it means, kept apart."""

from __future__ import annotations

import pytest

from zfxxgk.pipelines.parser.values import parse_cell


@pytest.mark.parametrize("raw, value, status", [
    ("", None, "blank"),
    ("\u00a0", None, "blank"),
    (" \u3000 ", None, "blank"),
    ("/", None, "na_marker"),
    ("—", None, "na_marker"),
    ("--", None, "na_marker"),
    ("无", None, "na_marker"),
    ("不适用", None, "na_marker"),
    ("0", 0, "number"),
    (" 93", 93, "number"),
    ("１２３", 123, "number"),
    ("1,234", 1234, "number"),
    ("1，234", 1234, "number"),
    ("22（其中修订16件）", 22, "number"),
    ("55(含自然失效29件)", 55, "number"),
    ("12件", 12, "number"),
    ("见附件", None, "text"),
    ("1.属于国家秘密", None, "text"),
    ("2019年", None, "text"),
])
def test_counts(raw, value, status):
    cell, _ = parse_cell(raw)
    assert (cell.value, cell.status, cell.raw) == (value, status, raw)


def test_annotation_is_kept_as_note():
    cell, _ = parse_cell("22（其中修订 16 件）")
    assert cell.value == 22 and cell.note == "其中修订 16 件"


@pytest.mark.parametrize("raw, value, warning", [
    ("-58", -58, None),
    ("+3", 3, None),
    ("--253", -253, "double_sign"),
    ("－24", -24, None),
])
def test_signed_column(raw, value, warning):
    cell, warnings = parse_cell(raw, signed=True)
    assert cell.value == value
    assert (warning in warnings) if warning else not warnings


def test_sign_in_a_count_column_is_flagged():
    cell, warnings = parse_cell("+22")
    assert cell.value == 22 and "sign_in_unsigned_column" in warnings


@pytest.mark.parametrize("raw, header, value, unit, warning", [
    ("251000元", None, 25.1, "万元", None),
    ("103.3879万元", None, 103.3879, "万元", None),
    ("179092.2001", "万元", 179092.2001, "万元", None),
    ("153103.83", None, 153103.83, None, "unit_unknown"),
    ("5000", "元", 0.5, "万元", None),
])
def test_amounts(raw, header, value, unit, warning):
    cell, warnings = parse_cell(raw, amount=True, header_unit=header)
    assert cell.value == pytest.approx(value) and cell.unit == unit and cell.raw == raw
    assert (warning in warnings) if warning else not warnings
