"""The accounting identities of spec section 4, as linear equations over canonical keys.

One list of equations serves two masters: `check` evaluates them on a parsed report (the
publisher's numbers are reported as printed, violations recorded), and the flattened-text
repair in `repair.py` solves them to place values in rows that lost their blank cells.
"""

from __future__ import annotations

from .labels import APPLICANTS, RESULT_ITEMS_2019, RESULT_ITEMS_2021, T3_ROW_ORDER, T4_BLOCKS, split_key
from .model import Cell, IdentityCheck

LEGAL = APPLICANTS[1:6]


def app(applicant: str, row: str) -> str:
    return f"applications.{applicant}.{row}"


def result_items(cells: dict) -> list[str]:
    """The result rows of this report's template: 2021 has three （六） sub-rows, 2019 one."""
    has_2021_other = any(app(a, "results.other.no_correction") in cells for a in APPLICANTS)
    return RESULT_ITEMS_2021 if has_2021_other else RESULT_ITEMS_2019


def equations(cells: dict) -> list[tuple[str, str, list[str], list[str]]]:
    """(id, column, lhs keys, rhs keys) for every identity that applies to this report."""
    eqs = []
    items = result_items(cells)
    t3_rows = {split_key(k)[1] for k in cells if k.startswith("applications.")}
    for a in APPLICANTS:
        if {"new_received", "carried_over", "results.total", "carried_forward"} <= t3_rows:
            eqs.append(("I1", a, [app(a, "new_received"), app(a, "carried_over")],
                        [app(a, "results.total"), app(a, "carried_forward")]))
        if "results.total" in t3_rows and all(r in t3_rows for r in items):
            eqs.append(("I3", a, [app(a, "results.total")], [app(a, r) for r in items]))
    for row in sorted(t3_rows, key=_row_order):
        if row.endswith(".subtotal"):
            continue
        eqs.append(("I2", row, [app("total", row)], [app(a, row) for a in APPLICANTS[:-1]]))
    for ident, block in zip(("I4", "I5", "I6"), T4_BLOCKS):
        keys = [f"appeals.{block}.{o}" for o in ("upheld", "corrected", "other", "pending")]
        if f"appeals.{block}.total" in cells:
            eqs.append((ident, block, [f"appeals.{block}.total"], keys))
    return eqs


_ORDER = {row: i for i, row in enumerate(T3_ROW_ORDER)}


def _row_order(row: str) -> int:
    return _ORDER.get(row, len(_ORDER))


def _side(cells: dict[str, Cell], keys: list[str]) -> tuple[float | None, bool]:
    """Sum of one side; blanks and placeholders count as 0 but a side that is all blank is None."""
    total = 0.0
    any_number = False
    for k in keys:
        c = cells.get(k)
        if c is None:
            continue
        if c.value is not None:
            total += c.value
            any_number = True
    return (round(total, 4) if any_number else None), any_number


def check(cells: dict[str, Cell]) -> list[IdentityCheck]:
    """Evaluate I1-I6 with tolerance 0 wherever both sides have at least one printed number.

    A side printed entirely blank (the 总计 column that 上海 leaves empty on detail rows) is
    not checkable and produces no check, rather than a false violation.
    """
    out = []
    for ident, column, lhs_keys, rhs_keys in equations(cells):
        lhs, lok = _side(cells, lhs_keys)
        rhs, rok = _side(cells, rhs_keys)
        if not (lok and rok):
            continue
        out.append(IdentityCheck(id=ident, column=column, lhs=_num(lhs), rhs=_num(rhs),
                                 ok=abs(lhs - rhs) < 1e-9))
    return out


def _num(x: float | None):
    if x is not None and float(x).is_integer():
        return int(x)
    return x
