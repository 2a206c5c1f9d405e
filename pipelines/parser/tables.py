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
from .repair import place_rows, read_pieces
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
    for template in labels.t2_evidence(row, fld):
        sink.vote(f"T2.{row}", template)


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
    so column indices disagree while the order does not. Otherwise the pairing follows the
    grid's column boundaries: each value goes to a header column its grid columns overlap,
    left to right, the pairing that covers the most grid columns winning (ties: the one that
    places more non-blank values). Word's "save as web page" writes exactly such rows: a value
    cell spanning two header columns next to a header spanning two value cells, and empty
    placeholder cells where a row's edges do not reach the table's.
    """
    if len(cols) == len(values) or cols[0][1] is None:
        return list(zip(cols, values))
    m, k = len(values), len(cols)
    # a cell covering two header columns whole is no one column's value (a row cut by a page
    # break, a note across the table)
    spans_several = [sum(1 for c in cols if v.col <= c[1] and c[2] <= v.col + v.colspan - 1) > 1
                     for v in values]
    # best[i][j]: (grid columns covered, non-blank values placed) pairing values[i:] with cols[j:]
    best = [[(0, 0)] * (k + 1) for _ in range(m + 1)]
    step = [[0] * (k + 1) for _ in range(m + 1)]  # 0: skip the value, 1: skip the column, 2: pair
    for i in range(m - 1, -1, -1):
        v = values[i]
        v0, v1 = v.col, v.col + v.colspan - 1
        for j in range(k - 1, -1, -1):
            options = [(best[i + 1][j], 0), (best[i][j + 1], 1)]
            overlap = min(v1, cols[j][2]) - max(v0, cols[j][1]) + 1
            if overlap > 0 and not spans_several[i]:
                a, b = best[i + 1][j + 1]
                options.append(((a + overlap, b + (1 if v.text.strip() else 0)), 2))
            best[i][j], step[i][j] = max(options, key=lambda o: (o[0], o[1]))
    out = []
    i = j = 0
    while i < m and j < k:
        st = step[i][j]
        if st == 2:
            out.append((cols[j], values[i]))
            i, j = i + 1, j + 1
        elif st == 1:
            j += 1
        else:
            i += 1
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
    """Flattened text: label lines, each followed by the value lines of its row; blanks lost.

    Text extractions also cut labels into pieces, one per line ("（" "二" "）" "部分公开" ...,
    "（六）其他" / "处理"): the label of a row is the shortest run of the label lines before its
    values that names a known row, and a group label is found the same way. Numbers split
    over lines or run together are read by `repair.read_pieces`, T3 rows by `place_rows`.
    Values after a label that names no row are not dropped in silence: a warning says where.
    """

    MAX_LABEL_PIECES = 24  # label lines joined at most, looking for a row's label

    def __init__(self, sink: CellSink, year_hint: int | None = None):
        self.sink = sink
        self.year_hint = year_hint
        self.kind: str | None = None
        self.t2_fragments: list[str] | None = None
        self.t2_fields: list[str] | None = None
        self.t2_unit: str | None = None
        self.group: str | None = None
        self.t3_rows: list[tuple[str, list[Cell]]] = []
        self.labels_seen = 0  # label lines read inside a table
        self.rows_seen = 0  # rows recognised, whether or not their values could be placed

    def feed(self, blocks: list[Block]) -> None:
        toks = [(b.text, looks_like_value(b.text), getattr(b, "line", None)) for b in blocks]
        i, n = 0, len(toks)
        run: list[str] = []  # the label lines since the last value
        while i < n:
            text, is_value, _line = toks[i]
            j = i + 1
            while j < n and toks[j][1]:
                j += 1
            if not is_value:
                run.append(text)
                vals = [Cell(None, t, "", origin=f"l{ln}" if ln else None) for t, _v, ln in toks[i + 1:j]]
                if vals:
                    label = self._row_label(run)
                    self._label(label, label_key(label), vals)
                    run = []
                else:
                    key = label_key(text)
                    if ("信息内容" not in key and "信息内容" in label_key("".join(run[-3:]))
                            and "信息内容" not in label_key("".join(run[-3:-1]))):
                        key = "信息内容"  # the T2 header's first cell, cut over lines
                    self._label(text, key, vals)
                    self._group_from(run)
            # (values before any label line: prose numbers, page furniture, are not a row)
            i = j
        self.close()

    def close(self) -> None:
        if self.t3_rows:
            repairs, warns = place_rows(self.t3_rows, self.sink.cells)
            self.t3_rows = []
            self.sink.repairs.extend(repairs)
            for w in warns:
                self.sink.warn(w)
        if not self.sink.cells:
            # say why nothing came out, rather than a bare "no tables"
            if self.rows_seen:
                self.sink.warn(f"flat_text_nothing_placed:{self.rows_seen} rows recognised, none could be placed")
            elif self.kind:
                self.sink.warn(f"flat_text_nothing_placed:a {self.kind} header but no row labels with values")
            else:
                self.sink.warn("flat_text_nothing_placed:no table headers or row labels in the text")

    def _enter(self, kind: str) -> None:
        self.kind = kind

    # -- labels split over lines ---------------------------------------------------------------
    def _row_label(self, run: list[str]) -> str:
        """The shortest tail of the label lines before a row's values that names a known row."""
        for k in range(1, min(len(run), self.MAX_LABEL_PIECES) + 1):
            text = "".join(run[-k:])
            key = label_key(text)
            if not key:
                continue
            if self.kind in (None, "T2") and labels.match_t2_row(key):
                return text
            if self.kind == "T3":
                group = self.group
                for g in range(1, k):  # a group label just before the row's own label
                    group = labels.t3_group_of(label_key("".join(run[-k - g:-k]))) or group
                if labels.match_t3_row([key], group)[0]:
                    if len(run) > k:
                        self._group_from(run[:-k])
                    return text
            if self.kind in (None, "T2", "T3") and (labels.is_t4_header([key]) or labels.t2_caption(key)):
                return run[-1]
        return run[-1]

    def _group_from(self, run: list[str]) -> None:
        """A T3 group label cut over lines ("（六）其他" / "处理"): the group it names."""
        if self.kind != "T3":
            return
        for k in range(2, min(len(run), 6) + 1):
            key = label_key("".join(run[-k:]))
            g = labels.t3_group_of(key)
            if g and not labels.match_t3_row([label_key(run[-1])], None)[0]:
                self.group = g
                return

    def _dropped(self, text: str, vals: list[Cell], why: str) -> None:
        where = vals[0].origin or "?"
        self.sink.warn(f"unplaceable_row:{where} {text[:40]!r}: {len(vals)} values dropped ({why})")

    def _label(self, text: str, key: str, vals: list[Cell]) -> None:
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
            if vals:
                self._dropped(text, vals, "in the T2 header")
            return
        if t2row:
            self._enter("T2")
            self.rows_seen += 1
            self._t2_row(t2row, vals)
            return
        if self.kind != "T3" and labels.is_t3_header([key]):
            self._enter("T3")
            self.group = None
            return
        if self.kind == "T3":
            row, self.group = labels.match_t3_row([key], self.group)
            if row and vals:
                self.rows_seen += 1
                cells = []
                for c in vals:
                    cell = parse_cell(c.raw)[0]
                    cell.origin = c.origin
                    cells.append(cell)
                self.t3_rows.append((row, cells))
                _t3_vote(self.sink, row)
                return
            if row or not labels.is_t4_header([key]):
                if vals and not row:
                    self._dropped(text, vals, "the label names no row of 三")
                return
        if self.kind != "T4" and labels.is_t4_header([key]):
            self._enter("T4")
        if self.kind == "T4" and vals:
            self.rows_seen += 1
            self._t4(vals)
        elif self.kind == "T2" and vals:
            self._dropped(text, vals, "the label names no row of 二")

    def _t2_row(self, row: str, vals: list[Cell]) -> None:
        if self.t2_fragments is not None:
            self.t2_fields = labels.t2_fields_in("".join(self.t2_fragments)) or None
            self.t2_fragments = None
        fields = self.t2_fields
        if not fields:
            fields = _default_t2_fields(self.sink, self.year_hint, row)
        if len(vals) != len(fields):
            # a number split over lines or digits run together: read only when the digits
            # allow one reading (二 has no identity to check it against)
            how, readings = read_pieces(vals, len(fields))
            if len(readings) != 1:
                # without the grid there is no telling which column a value belongs to
                self.sink.warn(f"t2_value_count:{row}")
                return
            self.sink.warn(f"{'number_joined' if how == 'join' else 'digits_split'}:active.{row}")
            vals = readings[0]
        for fld, c in zip(fields, vals):
            _t2_put(self.sink, row, fld, c.raw, self.t2_unit if fld == "amount_wan_yuan" else None, c.origin)
            if c.note:
                self.sink.cells[f"active.{row}.{fld}"].note = c.note

    def _t4(self, vals: list[Cell]) -> None:
        n = len(T4_DEFAULT_COLUMNS)
        if len(vals) != n:
            how, readings = read_pieces(vals, n, _t4_identities_hold)
            if len(readings) != 1:
                self.sink.warn(f"t4_value_count:{len(vals)}")
                return
            self.sink.warn(f"{'number_joined' if how == 'join' else 'digits_split'}:appeals")
            vals = readings[0]
        for name, c in zip(T4_DEFAULT_COLUMNS, vals):
            self.sink.put(f"appeals.{name}", c.raw, origin=c.origin)
            if c.note:
                self.sink.cells[f"appeals.{name}"].note = c.note


def _t4_identities_hold(values: tuple) -> bool:
    """I4-I6: in each block of five, 总计 is the sum of the four outcomes."""
    return all(values[b + 4] == sum(values[b:b + 4]) for b in range(0, len(values), 5))
