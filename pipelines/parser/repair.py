"""Placing the values of T3 rows that lost their blank cells in flattened text.

In page text with one cell per line, a row printed "9 / 0 / 0 / 0 / 0 / 9" has six values
for seven columns: one cell was blank and left no line. Which one? Every way of putting
the printed values back in order is tried; the identities I1-I3 (as equations with
non-negative integer unknowns) then keep the placements the report's own totals allow. A cell
is filled only when every surviving placement gives it the same value; otherwise it stays
missing and the row is flagged. Nothing is guessed.
"""

from __future__ import annotations

from itertools import combinations, product

from .identities import app, equations
from .labels import APPLICANTS
from .model import Cell

MAX_COMBINATIONS = 50_000


def _propagate(known: dict[str, float], unknown: set[str], eqs) -> tuple[bool, dict[str, float], dict[str, str]]:
    """Solve what the equations force. Returns (consistent, values, key -> identity used)."""
    values = dict(known)
    unknown = set(unknown)
    used: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for ident, _col, lhs, rhs in eqs:
            terms = [(k, 1) for k in lhs] + [(k, -1) for k in rhs]
            unk = [(k, s) for k, s in terms if k in unknown]
            resid = sum(s * values.get(k, 0) for k, s in terms if k not in unknown)
            if not unk:
                if abs(resid) > 1e-9:
                    return False, values, used
                continue
            if len(unk) == 1:
                k, s = unk[0]
                v = -resid / s
                if v < 0 or abs(v - round(v)) > 1e-9:
                    return False, values, used
                values[k] = round(v)
                unknown.discard(k)
                used[k] = ident
                changed = True
            elif all(s == unk[0][1] for _, s in unk):
                # all unknowns on one side, all >= 0: their sum is fixed
                total = -resid / unk[0][1]
                if total < 0:
                    return False, values, used
                if total == 0:
                    for k, _ in unk:
                        values[k] = 0
                        unknown.discard(k)
                        used[k] = ident
                    changed = True
    return (not unknown), values, used


def _row_candidates(printed: list[Cell]) -> dict[tuple, set[int]]:
    """Every placement of a short row's printed values, after I2 fills a lone gap.

    Returns {7-tuple of values (None = still unknown): columns that were a gap in some
    placement giving that tuple}. Placements that give the same numbers collapse: six
    printed zeros can sit seven ways, but they all mean the same row.
    """
    width = len(APPLICANTS)
    out: dict[tuple, set[int]] = {}
    for positions in combinations(range(width), len(printed)):
        vec: list[float | None] = [None] * width
        for p, c in zip(positions, printed):
            vec[p] = c.value or 0
        gaps = [i for i in range(width) if vec[i] is None]
        if len(gaps) == 1:
            g = gaps[0]
            parts = sum(v for v in vec[:-1] if v is not None)
            if g == width - 1:
                vec[g] = parts
            else:
                vec[g] = vec[-1] - parts
                if vec[g] < 0:
                    continue
        out.setdefault(tuple(vec), set()).update(gaps)
    return out


def place_rows(rows: list[tuple[str, list[Cell]]], cells: dict[str, Cell]) -> tuple[list[dict], list[str]]:
    """Fill `cells` from flattened T3 rows. rows: (row key, printed cells in order).

    Complete rows (7 values) go straight in; short rows are placed by the identities.
    Returns (repairs, warnings).
    """
    repairs: list[dict] = []
    warnings: list[str] = []
    short: list[tuple[str, list[Cell]]] = []
    for row, printed in rows:
        if len(printed) == len(APPLICANTS):
            for a, c in zip(APPLICANTS, printed):
                cells.setdefault(app(a, row), c)
        elif 0 < len(printed) < len(APPLICANTS):
            short.append((row, printed))
        elif len(printed) > len(APPLICANTS):
            warnings.append(f"too_many_values:{row}")
    if not short:
        return repairs, warnings

    placeholder = {app(a, row): Cell(None, "", "missing") for row, _ in short for a in APPLICANTS}
    eqs = equations({**placeholder, **cells})
    known = {k: (c.value or 0) for k, c in cells.items() if k.startswith("applications.")}
    candidates = [list(_row_candidates(p).items()) for _, p in short]
    n = 1
    for c in candidates:
        n *= max(1, len(c))
    if n > MAX_COMBINATIONS:
        warnings.extend(f"ambiguous_row:{row}" for row, _ in short)
        return repairs, warnings

    # (values, identity used per derived key, keys that were a gap)
    solutions: list[tuple[dict[str, float], dict[str, str], set[str]]] = []
    for choice in product(*candidates):
        trial = dict(known)
        unknown: set[str] = set()
        gapped: set[str] = set()
        used: dict[str, str] = {}
        for (row, _), (vec, gaps) in zip(short, choice):
            for i, a in enumerate(APPLICANTS):
                k = app(a, row)
                if vec[i] is None:
                    unknown.add(k)
                else:
                    trial[k] = vec[i]
                if i in gaps:
                    gapped.add(k)
                    used[k] = "I2"
        ok, values, solved = _propagate(trial, unknown, eqs)
        if ok:
            used.update(solved)
            solutions.append((values, used, gapped))

    for row, printed in short:
        keys = [app(a, row) for a in APPLICANTS]
        if not solutions:
            warnings.append(f"unplaceable_row:{row}")
            continue
        first = solutions[0][0]
        fixed = {k: first[k] for k in keys if all(s[0].get(k) == first[k] for s in solutions)}
        warnings.append(f"{'ambiguous_row' if len(fixed) < len(keys) else 'flattened_row_placed'}:{row}")
        for k in keys:
            if k not in fixed:
                continue
            if not any(k in s[2] for s in solutions):
                # printed, and in this column in every placement that adds up
                raw = next((c.raw for c in printed if c.value == fixed[k]), str(fixed[k]))
                cells[k] = Cell(fixed[k], raw, "number")
            else:
                method = "/".join(sorted({s[1].get(k, "I2") for s in solutions if k in s[2]}))
                cells[k] = Cell(fixed[k], "", "derived",
                                note=f"column lost in flattened text; value fixed by {method}")
                repairs.append({"key": k, "method": method, "before": None, "after": fixed[k]})
        repairs.append({"key": f"applications.*.{row}", "method": "placement",
                        "before": [c.raw.strip() for c in printed],
                        "after": [cells[k].value if k in cells else None for k in keys]})
    return repairs, warnings
