"""Placing the values of T3 rows that lost their blank cells in flattened text.

In page text with one cell per line, a row printed "9 / 0 / 0 / 0 / 0 / 9" has six values
for seven columns: one cell was blank and left no line. Which one? Every way of putting
the printed values back in order is tried; the identities I1-I3 (as equations with
non-negative integer unknowns) then keep the placements the report's own totals allow. A cell
is filled only when every surviving placement gives it the same value; otherwise it stays
missing and the row is flagged. Nothing is guessed.

Text extractions also break numbers apart or run them together: a number Word split into two
runs comes out on two lines ("1" / "62" for 162), and an archive that drops the spaces prints a
whole row as "210000021" (21, 0, 0, 0, 0, 0, 21). A row with too many values is read by joining
neighbouring values, a row with too few also by splitting runs of digits (`segmentations`), and
the same identities decide: a reading is taken only when it is the only one they allow.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import combinations, product

from .identities import app, equations
from .labels import APPLICANTS
from .model import Cell

MAX_COMBINATIONS = 50_000
# A row that lost more of its 7 cells than this is not placed by trying every position: the
# placements are too many to decide, and a row of run-together digits would pass for one
# that lost six blanks (110000011 as one cell).
MAX_LOST = 2


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
    # unknowns the equations leave open stay out of values: the placement is possible, its
    # cells undecided (treating it as impossible would decide them by the lack of an equation)
    return True, values, used


MAX_SEGMENTATIONS = 20_000
_DIGITS = re.compile(r"^[0-9]+$")


def _digits(raw: str) -> str | None:
    t = unicodedata.normalize("NFKC", raw).strip()
    return t if _DIGITS.match(t) else None


def segmentations(raws: list[str], n: int) -> list[list[tuple[str, int, int]]] | None:
    """The ways to read m printed pieces of digits as n numbers.

    m > n: only by joining neighbours (a number split over lines); m < n: only by cutting
    pieces (digits run together). A number never starts with 0 unless it is 0. Each reading is
    a list of (digits, first piece, last piece). [] when there is no way; None when the pieces
    are not all digits or the ways are too many to try.
    """
    digits = [_digits(r) for r in raws]
    if any(d is None for d in digits) or not digits:
        return None
    m = len(digits)
    out: list[list[tuple[str, int, int]]] = []
    if m > n:
        gaps = range(m - 1)  # gap g lies between piece g and g + 1
        if _count(m - 1, m - n) > MAX_SEGMENTATIONS:
            return None
        for joined in combinations(gaps, m - n):
            js = set(joined)
            reading, start = [], 0
            for g in range(m):
                if g not in js:
                    number = "".join(digits[start:g + 1])
                    if len(number) > 1 and number[0] == "0":
                        break
                    reading.append((number, start, g))
                    start = g + 1
            else:
                out.append(reading)
    elif m < n:
        cuts = [(t, k) for t, d in enumerate(digits) for k in range(1, len(d))]
        if _count(len(cuts), n - m) > MAX_SEGMENTATIONS:
            return None
        for chosen in combinations(cuts, n - m):
            at: dict[int, list[int]] = {}
            for t, k in chosen:
                at.setdefault(t, []).append(k)
            reading = []
            for t, d in enumerate(digits):
                edges = [0, *at.get(t, []), len(d)]
                parts = [d[a:b] for a, b in zip(edges, edges[1:])]
                if any(len(x) > 1 and x[0] == "0" for x in parts):
                    break
                reading.extend((x, t, t) for x in parts)
            else:
                out.append(reading)
    return out


def _count(n: int, k: int) -> int:
    from math import comb
    return comb(n, k) if 0 <= k <= n else 0


def read_pieces(printed: list[Cell], n: int, ok=None) -> tuple[str, list[list[Cell]]]:
    """The readings of printed cells as n cells, by joining or splitting (see segmentations).

    ok(values) keeps the readings an identity allows. Returns (how, readings): how is "join"
    or "split", readings the distinct value lists as Cells that say what was printed.
    """
    raws = [c.raw for c in printed]
    how = "join" if len(printed) > n else "split"
    found = segmentations(raws, n)
    if not found:
        return how, []
    out: dict[tuple, list[Cell]] = {}
    for reading in found:
        values = tuple(int(x) for x, _a, _b in reading)
        if values in out or (ok is not None and not ok(values)):
            continue
        cells = []
        for (x, a, b), v in zip(reading, values):
            if a != b:
                parts = [printed[t].raw.strip() for t in range(a, b + 1)]
                note = "printed split over " + " ".join(f"'{p}'" for p in parts)
                origin = _span_origin(printed[a].origin, printed[b].origin)
            elif x != printed[a].raw.strip():
                note = f"cut from the run-together digits '{printed[a].raw.strip()}'"
                origin = printed[a].origin
            else:
                note, origin = None, printed[a].origin
            cells.append(Cell(v, x, "number", note=note, origin=origin))
        out[values] = cells
    return how, list(out.values())


def _span_origin(first: str | None, last: str | None) -> str | None:
    if first and last and first != last and first.startswith("l") and last.startswith("l"):
        return f"{first}-{last[1:]}"
    return first


def _i2_holds(values: tuple) -> bool:
    return values[-1] == sum(values[:-1])


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


_WARNING = {"placement": "flattened_row_placed", "split": "digits_split", "join": "number_joined"}


def place_rows(rows: list[tuple[str, list[Cell]]], cells: dict[str, Cell]) -> tuple[list[dict], list[str]]:
    """Fill `cells` from flattened T3 rows. rows: (row key, printed cells in order).

    Complete rows (7 values) go straight in. A short row is read every way its printed values
    can sit in 7 columns (blanks lost) and every way its digits can be cut (run together); a
    long row every way neighbours can be joined (numbers split over lines). The identities then
    keep the readings the report's own totals allow, over all such rows at once.
    Returns (repairs, warnings).
    """
    repairs: list[dict] = []
    warnings: list[str] = []
    width = len(APPLICANTS)
    pending: list[tuple[str, list[Cell], list[tuple[tuple, set[int], str, list[Cell] | None]]]] = []
    for row, printed in rows:
        if len(printed) == width:
            for a, c in zip(APPLICANTS, printed):
                cells.setdefault(app(a, row), c)
            continue
        if not printed:
            continue
        # (values, columns that were a gap, how, the cells as read when no column was lost)
        cands: list[tuple[tuple, set[int], str, list[Cell] | None]] = []
        if width - MAX_LOST <= len(printed) < width:
            cands += [(vec, gaps, "placement", None) for vec, gaps in _row_candidates(printed).items()]
        how, readings = read_pieces(printed, width, _i2_holds)
        for reading in readings:
            vec = tuple(c.value for c in reading)
            if not any(vec == c[0] for c in cands):
                cands.append((vec, set(), how, reading))
        if not cands:
            warnings.append(f"{'too_many_values' if len(printed) > width else 'unplaceable_row'}:{row}")
            continue
        if len(cands) == 1 and not cands[0][1] and cands[0][3] is not None:
            # one reading of its digits that its own total (I2) allows: decided by the row alone
            for a, c in zip(APPLICANTS, cands[0][3]):
                cells.setdefault(app(a, row), c)
            warnings.append(f"{_WARNING[cands[0][2]]}:{row}")
            repairs.append({"key": f"applications.*.{row}", "method": cands[0][2],
                            "before": [c.raw.strip() for c in printed],
                            "after": [c.value for c in cands[0][3]]})
            continue
        pending.append((row, printed, cands))
    if not pending:
        return repairs, warnings

    placeholder = {app(a, row): Cell(None, "", "missing") for row, _, _ in pending for a in APPLICANTS}
    eqs = equations({**placeholder, **cells})
    known = {k: (c.value or 0) for k, c in cells.items() if k.startswith("applications.")}
    n = 1
    for _, _, c in pending:
        n *= len(c)
    if n > MAX_COMBINATIONS:
        warnings.extend(f"ambiguous_row:{row}" for row, _, _ in pending)
        return repairs, warnings

    # (values, identity used per derived key, keys that were a gap, candidate chosen per row)
    solutions: list[tuple[dict[str, float], dict[str, str], set[str], tuple[int, ...]]] = []
    for choice in product(*(range(len(c)) for _, _, c in pending)):
        trial = dict(known)
        unknown: set[str] = set()
        gapped: set[str] = set()
        used: dict[str, str] = {}
        for (row, _, cands), pick in zip(pending, choice):
            vec, gaps, _how, _cells = cands[pick]
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
            solutions.append((values, used, gapped, choice))

    for r, (row, printed, cands) in enumerate(pending):
        keys = [app(a, row) for a in APPLICANTS]
        if not solutions:
            warnings.append(f"unplaceable_row:{row}")
            continue
        first = solutions[0][0]
        fixed = {k: first[k] for k in keys
                 if first.get(k) is not None and all(s[0].get(k) == first[k] for s in solutions)}
        picks = {s[3][r] for s in solutions}
        hows = {cands[p][2] for p in picks}
        how = hows.pop() if len(hows) == 1 else "placement"
        warnings.append(f"{'ambiguous_row' if len(fixed) < len(keys) else _WARNING[how]}:{row}")
        read = cands[next(iter(picks))][3] if len(picks) == 1 else None
        for i, k in enumerate(keys):
            if k not in fixed:
                continue
            if read is not None:
                cells[k] = read[i]  # joined or cut, and the only reading the identities allow
            elif not any(k in s[2] for s in solutions):
                # printed, and in this column in every placement that adds up
                c = next((c for c in printed if c.value == fixed[k]), None)
                cells[k] = Cell(fixed[k], c.raw if c else str(fixed[k]), "number", origin=c.origin if c else None)
            else:
                method = "/".join(sorted({s[1].get(k, "I2") for s in solutions if k in s[2]}))
                cells[k] = Cell(fixed[k], "", "derived",
                                note=f"column lost in flattened text; value fixed by {method}")
                repairs.append({"key": k, "method": method, "before": None, "after": fixed[k]})
        repairs.append({"key": f"applications.*.{row}", "method": how,
                        "before": [c.raw.strip() for c in printed],
                        "after": [cells[k].value if k in cells else None for k in keys]})
    return repairs, warnings
