"""Reading one printed cell into a value (spec section 6.3).

A blank, a "/" and a "0" mean different things to a researcher, so they are kept apart in
`status`; nothing here turns a blank into 0 (only an identity repair may, and says so).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from decimal import Decimal, InvalidOperation

from .model import Cell

NA_MARKERS = {
    "/", "\\", "-", "--", "—", "——", "–", "―", "无", "無", "不适用", "不適用", "na", "n/a",
    "x", "×", "暂无", "/ /", "—/—",
}

# sign, number (with thousands separators), unit, then anything (an annotation)
_NUMBER = re.compile(
    r"""^(?P<sign>[+\-−－]{0,2})\s*
        (?P<num>\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*
        (?P<unit>万元|元|件|项|个|条|次|人次)?\s*
        (?P<rest>(?:[(\[【].*)?)$""",
    re.X | re.S,
)
_SPACE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")


def _clean(raw: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", raw)).strip()


def parse_cell(raw: str, *, signed: bool = False, amount: bool = False,
               header_unit: str | None = None) -> tuple[Cell, list[str]]:
    value, status, unit, note, warnings = _parse(raw, signed, amount, header_unit)
    return Cell(value, raw, status, unit=unit, note=note), list(warnings)


@lru_cache(maxsize=65536)
def _parse(raw: str, signed: bool, amount: bool, header_unit: str | None):
    """The same printed text in the same kind of column always means the same thing."""
    cell, warnings = _parse_uncached(raw, signed=signed, amount=amount, header_unit=header_unit)
    return cell.value, cell.status, cell.unit, cell.note, tuple(warnings)


def _parse_uncached(raw: str, *, signed: bool, amount: bool,
                    header_unit: str | None) -> tuple[Cell, list[str]]:
    """Parse one printed cell. Returns the Cell and warnings about it.

    signed: the column is 本年增/减, where a sign is meaningful.
    amount: the column is money (万元 in the key); 元 is converted to 万元, raw kept.
    header_unit: unit printed in the column header, used when the cell has none.
    """
    text = _clean(raw)
    warnings: list[str] = []
    if not text:
        return Cell(None, raw, "blank"), warnings
    if text.lower() in NA_MARKERS:
        return Cell(None, raw, "na_marker"), warnings
    m = _NUMBER.match(text)
    if not m:
        return Cell(None, raw, "text"), ["not_a_number"]
    sign, num, unit, rest = m.group("sign"), m.group("num"), m.group("unit"), m.group("rest")
    num = num.replace(",", "").replace("，", "")
    try:
        dec = Decimal(num)
    except InvalidOperation:  # pragma: no cover - the regex only lets digits through
        return Cell(None, raw, "text"), ["not_a_number"]
    negative = sign.count("-") + sign.count("−") + sign.count("－") > 0
    if len(sign) > 1:
        warnings.append("double_sign")
    if sign and not signed:
        warnings.append("sign_in_unsigned_column")
    if negative:
        dec = -dec
    note = rest.strip() or None
    if note:
        note = note.strip("()（）[]【】 ")
    cell_unit = None
    if amount:
        cell_unit = unit or header_unit
        if cell_unit == "元":
            dec = dec / Decimal(10000)
            note = f"printed in 元: {text}" if not note else f"{note}; printed in 元"
            cell_unit = "万元"
        elif cell_unit is None:
            warnings.append("unit_unknown")
        elif cell_unit != "万元":
            warnings.append(f"unexpected_unit:{cell_unit}")
    elif unit in ("万元", "元"):
        warnings.append("unit_in_count_column")
    value: int | float
    if dec == dec.to_integral_value() and not amount:
        value = int(dec)
    else:
        value = float(dec)
    return Cell(value, raw, "number", unit=cell_unit, note=note), warnings


@lru_cache(maxsize=16384)
def looks_like_value(raw: str) -> bool:
    """True for what can stand in a value column: a number, a blank, a placeholder."""
    text = _clean(raw)
    if not text or text.lower() in NA_MARKERS:
        return True
    return bool(_NUMBER.match(text))
