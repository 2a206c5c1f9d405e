"""Reading the three standard tables into canonical cells.

Two readers share one vocabulary (`labels`) and one sink (`CellSink`):

- `GridReader` walks HTML table grids row by row. Header rows tell which grid column is
  which applicant type, field or appeal outcome; data rows are recognised by their label.
  Its state carries over from one <table> to the next, so a table split over several
  elements, or three tables printed as one, read the same.
- `FlatReader` walks flattened page text, one cell per line, where blank cells left no line;
  T3 rows that came out short are placed by the identities (`repair.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import labels
from .document import Block, Grid, GridCell
from .labels import APPLICANTS, T4_DEFAULT_COLUMNS
from .model import Cell
from .normalize import label_key
from .repair import place_rows
from .values import looks_like_value, parse_cell


@dataclass
class CellSink:
    """Collects cells, the template evidence per block, and warnings."""

    cells: dict[str, Cell] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)  # block -> "2019" | "2021"
    warnings: list[str] = field(default_factory=list)
    repairs: list[dict] = field(default_factory=list)

    @property
    def tables_seen(self) -> set[str]:
        return {_TABLE_OF[k.split(".", 1)[0]] for k in self.cells}

    def put(self, key: str, raw: str, *, signed=False, amount=False, unit=None, origin=None) -> None:
        if key in self.cells:
            # A page that prints the report twice (desktop + mobile copy): the first wins.
            if self.cells[key].raw.strip() != raw.strip():
                self.warn(f"conflicting_duplicate:{key}")
            return
        cell, warns = parse_cell(raw, signed=signed, amount=amount, header_unit=unit)
        cell.origin = origin
        self.cells[key] = cell
        for w in warns:
            self.warn(f"{w}:{key}")

    def warn(self, w: str) -> None:
        if w not in self.warnings:
            self.warnings.append(w)

    def vote(self, block: str, template: str) -> None:
        self.evidence.setdefault(block, template)


_TABLE_OF = {"active": "T2", "applications": "T3", "appeals": "T4"}


def _t2_put(sink: CellSink, row: str, fld: str, raw: str, unit: str | None, origin: str | None = None) -> None:
    if fld not in labels.T2_VALID.get(row, ()):
        sink.warn(f"unexpected_field:active.{row}.{fld}")
    sink.put(f"active.{row}.{fld}", raw, signed=fld == "change",
             amount=fld == "amount_wan_yuan", unit=unit, origin=origin)
    if fld in labels.T2_FIELDS_2019:
        sink.vote(f"T2.{row}", "2019")
    elif fld in labels.T2_FIELDS_2021 or (row == "fees" and fld == "amount_wan_yuan"):
        sink.vote(f"T2.{row}", "2021")
    if row in ("other_admin_services", "procurement"):
        sink.vote(f"T2.{row}", "2019")


def _t3_vote(sink: CellSink, row: str) -> None:
    if row == "results.other.total":
        sink.vote("T3.other", "2019")
    elif row.startswith("results.other."):
        sink.vote("T3.other", "2021")


# ---------------------------------------------------------------------------------------------

@dataclass
class _Header:
    """Columns named by a header: [(name, first col, last col, unit)] in grid column terms."""

    columns: list[tuple[str | None, int, int, str | None]]
    width: int

    @property
    def first_value_col(self) -> int:
        named = [c for c in self.columns if c[0]]
        return min(c[1] for c in named) if named else 1


class GridReader:
    def __init__(self, sink: CellSink, year_hint: int | None = None):
        self.sink = sink
        self.year_hint = year_hint
        self.kind: str | None = None
        self.t2: _Header | None = None
        self.t3: _Header | None = None
        self.t4: _Header | None = None
        self.t3_group: str | None = None
        self._header_rows: list[list[GridCell | None]] = []
        self._header_width = 0
        self._row = 0  # the grid row being read, for each cell's origin

    # -- header rows -----------------------------------------------------------------------
    def _finish_header(self) -> None:
        if not self._header_rows:
            return
        rows, width = self._header_rows, self._header_width
        self._header_rows = []
        if self.kind == "T3":
            cols = []
            for j in range(width):
                deepest = rows[-1][j] if j < len(rows[-1]) else None
                name = labels.t3_applicant(deepest.key) if deepest else None
                cols.append((name, j, j, None))
            self.t3 = _Header(_merge_same(cols), width)
        elif self.kind == "T4":
            cols = []
            for j in range(width):
                path = []
                for r in rows:
                    c = r[j] if j < len(r) else None
                    if c is not None and (not path or path[-1] != c.key):
                        path.append(c.key)
                block = labels.t4_block(path[:-1] or path)
                outcome = labels.t4_outcome(path[-1]) if path else None
                name = f"{block}.{outcome}" if block and outcome else None
                cols.append((name, j, j, None))
            self.t4 = _Header(_merge_same(cols), width)

    def feed(self, grid: Grid) -> None:
        for r in range(len(grid.rows)):
            cells = grid.row_cells(r)
            keys = [c.key for c in cells]
            if not any(keys) and not any(c.text for c in cells):
                continue
            nonblank = [c for c in cells if c.key]
            # a caption row: 第二十条第（一）项 spanning the table
            if len(nonblank) == 1 and labels.t2_caption(nonblank[0].key) and not _has_values(cells[1:]):
                self._finish_header()
                self.kind = "T2"
                self.t2 = None
                continue
            if labels.is_t2_header(keys):
                self._finish_header()
                self.kind = "T2"
                self.t2 = self._t2_header(cells, grid.width)
                continue
            values_present = _value_cells_after_labels(cells)
            if labels.is_t3_header(keys) and not values_present:
                if self.kind != "T3" or not self._header_rows:
                    self._finish_header()
                    self.kind = "T3"
                    self.t3_group = None
                    self._header_width = grid.width
                self._header_rows.append(grid.rows[r])
                continue
            if labels.is_t4_header(keys) and not values_present:
                if self.kind != "T4" or not self._header_rows:
                    self._finish_header()
                    self.kind = "T4"
                    self._header_width = grid.width
                self._header_rows.append(grid.rows[r])
                continue
            self._finish_header()
            self._row = r
            self._data_row(grid, cells)

    def close(self) -> None:
        self._finish_header()

    def _t2_header(self, cells: list[GridCell], width: int) -> _Header:
        cols = []
        truncated = 0
        for c in cells:
            if "信息内容" in c.key:
                cols.append((None, c.col, c.col + c.colspan - 1, None))
                continue
            fld = labels.t2_field(c.key)
            if fld is None and c.key.startswith("本年新"):
                # header cut to "本年新 | 本年新" (两城镇2020): the template's order
                fld = ("new_made", "new_published")[min(truncated, 1)]
                truncated += 1
                self.sink.warn("header_truncated")
            cols.append((fld, c.col, c.col + c.colspan - 1, labels.header_unit(c.text)))
        return _Header(cols, width)

    # -- data rows -------------------------------------------------------------------------
    def _data_row(self, grid: Grid, cells: list[GridCell]) -> None:
        label_cells, value_cells = _split_row(cells)
        lkeys = [c.key for c in label_cells if c.key]
        if not lkeys:
            if self.kind == "T4" and value_cells:
                self._t4_row(grid, value_cells)
            return
        t2row = labels.match_t2_row(lkeys[-1])
        t3row, group = (None, None)
        if self.kind == "T3" or not t2row:
            t3row, group = labels.match_t3_row(lkeys, self.t3_group)
        if t3row or (group and self.kind == "T3"):
            self.t3_group = group
        if t3row and (self.kind == "T3" or not t2row):
            if self.kind != "T3":
                self.sink.warn("t3_header_missing")
                self.kind = "T3"
            self._t3_row(grid, t3row, value_cells)
        elif t2row:
            if self.kind != "T2":
                self.kind = "T2"
            self._t2_row(grid, t2row, value_cells)
        elif self.kind == "T4" and value_cells and not _has_text(value_cells):
            self._t4_row(grid, value_cells)

    def _t2_row(self, grid: Grid, row: str, values: list[GridCell]) -> None:
        hdr = self.t2
        if hdr is None or not any(c[0] for c in hdr.columns):
            cols = [(f, None, None, None) for f in _default_t2_fields(self.sink, self.year_hint, row)]
        else:
            cols = [c for c in hdr.columns if c[0]]
        for (fld, _c0, _c1, unit), cell in _align(cols, values):
            if fld:
                _t2_put(self.sink, row, fld, cell.text, unit, grid.where(self._row, cell.col))

    def _t3_row(self, grid: Grid, row: str, values: list[GridCell]) -> None:
        hdr = self.t3
        if hdr is not None and hdr.width == grid.width and any(c[0] for c in hdr.columns):
            cols = [c for c in hdr.columns if c[0]]
        else:
            cols = [(a, None, None, None) for a in APPLICANTS]
            if hdr is None:
                self.sink.warn("t3_columns_by_position")
        values = _trim_trailing_blanks(values, len(cols))
        for (applicant, *_), cell in _align(cols, values):
            if applicant:
                self.sink.put(f"applications.{applicant}.{row}", cell.text, origin=grid.where(self._row, cell.col))
        _t3_vote(self.sink, row)

    def _t4_row(self, grid: Grid, values: list[GridCell]) -> None:
        hdr = self.t4
        named = [c for c in hdr.columns if c[0]] if hdr else []
        if hdr is not None and hdr.width == grid.width and len(named) == len(T4_DEFAULT_COLUMNS):
            cols = named
        else:
            values = _trim_trailing_blanks(values, len(T4_DEFAULT_COLUMNS))
            if len(values) != len(T4_DEFAULT_COLUMNS):
                self.sink.warn("t4_columns_unknown")
                return
            self.sink.warn("t4_columns_by_position")
            cols = [(n, None, None, None) for n in T4_DEFAULT_COLUMNS]
        for (name, *_), cell in _align(cols, values):
            if name:
                self.sink.put(f"appeals.{name}", cell.text, origin=grid.where(self._row, cell.col))


def _merge_same(cols):
    """Adjacent grid columns with the same name are one column (a colspan'd header)."""
    out = []
    for name, c0, c1, unit in cols:
        if out and name and out[-1][0] == name and out[-1][2] == c0 - 1:
            out[-1] = (name, out[-1][1], c1, unit)
        else:
            out.append((name, c0, c1, unit))
    return out


def _align(cols, values: list[GridCell]):
    """Pair header columns with value cells.

    When a row has as many value cells as the header has named columns they pair in order:
    上海's 2019 table puts colspan=2 on different columns in the header and in the data rows,
    so column indices disagree while the order does not. Otherwise each value goes to the
    named column its first grid column falls in.
    """
    if len(cols) == len(values) or cols[0][1] is None:
        return list(zip(cols, values))
    out = []
    used = set()
    for v in values:
        for i, col in enumerate(cols):
            if i not in used and col[1] <= v.col <= col[2]:
                out.append((col, v))
                used.add(i)
                break
    return out


def _split_row(cells: list[GridCell]) -> tuple[list[GridCell], list[GridCell]]:
    """Leading label cells, then the value cells (from the first value-like cell on)."""
    for i, c in enumerate(cells):
        if looks_like_value(c.text) and i > 0:
            return cells[:i], cells[i:]
        if looks_like_value(c.text) and i == 0 and c.text.strip():
            return [], cells
    return cells, []


def _value_cells_after_labels(cells: list[GridCell]) -> bool:
    _, values = _split_row(cells)
    return any(c.text.strip() for c in values)


def _has_values(cells: list[GridCell]) -> bool:
    return any(c.text.strip() and looks_like_value(c.text) for c in cells)


def _has_text(cells: list[GridCell]) -> bool:
    return any(not looks_like_value(c.text) for c in cells)



def _trim_trailing_blanks(values: list[GridCell], n: int) -> list[GridCell]:
    """Drop empty cells beyond the expected count (a trailing empty column)."""
    values = list(values)
    while len(values) > n and not values[-1].text.strip():
        values.pop()
    return values


def _default_t2_fields(sink: CellSink, year_hint: int | None, row: str) -> list[str]:
    """A block's columns in template order, when no header row names them (and say so)."""
    sink.warn(f"t2_header_missing:{row}")
    tpl = _guess_template(sink, year_hint)
    return labels.T2_DEFAULT_FIELDS.get((row, tpl)) or labels.T2_DEFAULT_FIELDS[(row, "2019")]


def _guess_template(sink: CellSink, year_hint: int | None) -> str:
    votes = list(sink.evidence.values())
    if votes:
        return max(set(votes), key=votes.count)
    return "2021" if (year_hint or 0) >= 2021 else "2019"


# ---------------------------------------------------------------------------------------------

class FlatReader:
    """Flattened text: label lines, each followed by the value lines of its row; blanks lost."""

    def __init__(self, sink: CellSink, year_hint: int | None = None):
        self.sink = sink
        self.year_hint = year_hint
        self.kind: str | None = None
        self.t2_fragments: list[str] | None = None
        self.t2_fields: list[str] | None = None
        self.t2_unit: str | None = None
        self.group: str | None = None
        self.t3_rows: list[tuple[str, list[Cell]]] = []

    def feed(self, blocks: list[Block]) -> None:
        toks = [(b.text, looks_like_value(b.text)) for b in blocks]
        i, n = 0, len(toks)
        while i < n:
            text, is_value = toks[i]
            j = i + 1
            while j < n and toks[j][1]:
                j += 1
            if not is_value:
                self._label(text, label_key(text), [t for t, _ in toks[i + 1:j]])
            i = j
        self.close()

    def close(self) -> None:
        if self.t3_rows:
            repairs, warns = place_rows(self.t3_rows, self.sink.cells)
            self.t3_rows = []
            self.sink.repairs.extend(repairs)
            for w in warns:
                self.sink.warn(w)

    def _enter(self, kind: str) -> None:
        self.kind = kind

    def _label(self, text: str, key: str, vals: list[str]) -> None:
        if labels.t2_caption(key):
            self._enter("T2")
            self.t2_fragments, self.t2_fields, self.t2_unit = None, None, None
            return
        if "信息内容" in key and self.kind in (None, "T2"):
            self._enter("T2")
            self.t2_fragments, self.t2_fields, self.t2_unit = [], None, None
            return
        t2row = labels.match_t2_row(key) if self.kind in (None, "T2") else None
        if self.kind == "T2" and self.t2_fragments is not None and not t2row:
            self.t2_fragments.append(key)
            self.t2_unit = labels.header_unit(text) or self.t2_unit
            return
        if t2row:
            self._enter("T2")
            self._t2_row(t2row, vals)
            return
        if self.kind != "T3" and labels.is_t3_header([key]):
            self._enter("T3")
            self.group = None
            return
        if self.kind == "T3":
            row, self.group = labels.match_t3_row([key], self.group)
            if row and vals:
                self.t3_rows.append((row, [parse_cell(v)[0] for v in vals]))
                _t3_vote(self.sink, row)
                return
            if row or not labels.is_t4_header([key]):
                return
        if self.kind != "T4" and labels.is_t4_header([key]):
            self._enter("T4")
        if self.kind == "T4" and vals:
            self._t4(vals)

    def _t2_row(self, row: str, vals: list[str]) -> None:
        if self.t2_fragments is not None:
            self.t2_fields = labels.t2_fields_in("".join(self.t2_fragments)) or None
            self.t2_fragments = None
        fields = self.t2_fields
        if not fields:
            fields = _default_t2_fields(self.sink, self.year_hint, row)
        if len(vals) != len(fields):
            # without the grid there is no telling which column a value belongs to
            self.sink.warn(f"t2_value_count:{row}")
            return
        for fld, raw in zip(fields, vals):
            _t2_put(self.sink, row, fld, raw, self.t2_unit if fld == "amount_wan_yuan" else None)

    def _t4(self, vals: list[str]) -> None:
        if len(vals) != len(T4_DEFAULT_COLUMNS):
            self.sink.warn(f"t4_value_count:{len(vals)}")
            return
        for name, raw in zip(T4_DEFAULT_COLUMNS, vals):
            self.sink.put(f"appeals.{name}", raw)
