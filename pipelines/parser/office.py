"""Word and spreadsheet files to blocks: the same paragraphs and grids the HTML reader makes.

DOCX is read at the XML level (zipfile + lxml, no python-docx): python-docx's `row.cells`
repeats a merged cell in every slot it spans and `doc.tables` misses nested tables, while the
grid the table readers want is exactly WordprocessingML's own: `w:gridSpan` is a colspan,
`w:vMerge w:val="restart"` opens a vertical merge and a bare `w:vMerge` continues it. Every
slot a merged cell covers holds the same `GridCell` (one `origin` per source cell), as in the
HTML grid. A table with a table inside a cell is layout: its cells' paragraphs and tables are
read in order, as the HTML reader does with layout tables. Text boxes (`w:txbxContent`) are
read after the paragraph that anchors them; `mc:Fallback` copies are skipped.

XLSX/XLS (and ET, WPS's spreadsheet, which is BIFF) are read by python-calamine. Each sheet's
used range becomes a grid with its merged ranges expanded. A number stored as a number comes
as a float: 13.0 is printed "13", 25.1 stays "25.1"; text cells (numbers stored as text
included) stay as printed. Rows with one lone text cell that reads as prose or a section
heading (the title, 一、总体情况 and its text, when a whole report was pasted into a sheet)
become paragraphs, so the title, year and sections are found as in a page.

Nothing here raises on bad bytes except through `OfficeError`, whose message is a reason a
person can act on; the caller turns it into a Report.
"""

from __future__ import annotations

import io
import math
import zipfile
from datetime import date, datetime, time, timedelta

from lxml import etree

from . import labels
from .document import MAX_BLOCKS, MAX_COLS, MAX_ROWS, MAX_SPAN, Block, Grid, GridCell
from .normalize import clean_text, label_key

MAX_PART_BYTES = 64 * 1024 * 1024  # an uncompressed document.xml larger than this is refused (zip bombs)
MAX_TABLE_DEPTH = 32  # nested tables deeper than this are read as text only
MAX_SHEETS = 20
MAX_SHEET_ROWS = 2000  # rows of a sheet read; the rest is ignored (report sheets have ~100)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_P, _TBL, _TR, _TC, _T, _TAB, _BR, _CR = (f"{{{W}}}{t}" for t in ("p", "tbl", "tr", "tc", "t", "tab", "br", "cr"))
_TXBX = f"{{{W}}}txbxContent"
_SDT, _SDT_CONTENT, _CUSTOM_XML = f"{{{W}}}sdt", f"{{{W}}}sdtContent", f"{{{W}}}customXml"
_FALLBACK = f"{{{_MC}}}Fallback"
_VAL = f"{{{W}}}val"
_TCPR, _GRIDSPAN, _VMERGE, _HMERGE = (f"{{{W}}}{t}" for t in ("tcPr", "gridSpan", "vMerge", "hMerge"))
# elements whose children stand in for them (content controls, custom XML, tracked insertions)
_WRAPPERS = {_SDT, _SDT_CONTENT, _CUSTOM_XML, f"{{{W}}}ins", f"{{{W}}}moveTo", f"{{{_MC}}}AlternateContent",
             f"{{{_MC}}}Choice"}
# never text: tracked deletions, field codes, the sdt's own properties
_NOT_TEXT = {f"{{{W}}}del", f"{{{W}}}moveFrom", f"{{{W}}}instrText", f"{{{W}}}delText", f"{{{W}}}sdtPr",
             f"{{{W}}}rPr", f"{{{W}}}pPr", _FALLBACK}


class OfficeError(Exception):
    """The file is not readable as what it claims to be; str() is the reason."""


# ---- DOCX ------------------------------------------------------------------------------------

def docx_blocks(data: bytes) -> list[Block]:
    root = _docx_root(data)
    body = root.find(f"{{{W}}}body")
    if body is None:
        raise OfficeError("docx: word/document.xml has no w:body")
    reader = _DocxReader()
    reader.content(body, 0)
    return reader.blocks


def _docx_root(data: bytes):
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        name = _main_part(zf)
        info = zf.getinfo(name)
        if info.file_size > MAX_PART_BYTES:
            raise OfficeError(f"docx: {name} is {info.file_size // 2**20} MiB uncompressed, over the limit")
        with zf.open(info) as f:
            xml = f.read(MAX_PART_BYTES + 1)
    except OfficeError:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile's errors on bad bytes are not a closed set
        raise OfficeError(f"docx: damaged zip container ({type(exc).__name__}: {exc})"[:300]) from None
    if len(xml) > MAX_PART_BYTES:
        raise OfficeError("docx: word/document.xml over the size limit")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True,
                             recover=True, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise OfficeError(f"docx: word/document.xml is not XML ({exc})"[:300]) from None
    if root is None:
        raise OfficeError("docx: word/document.xml is empty or not XML")
    return root


def _main_part(zf: zipfile.ZipFile) -> str:
    names = zf.namelist()
    if "word/document.xml" in names:
        return "word/document.xml"
    # some writers name the main part otherwise; [Content_Types].xml says which it is
    for n in names:
        if n.startswith("word/") and n.endswith(".xml") and "document" in n.rsplit("/", 1)[-1]:
            return n
    raise OfficeError("docx: no word/document.xml in the file")


class _DocxReader:
    def __init__(self):
        self.blocks: list[Block] = []
        self.n_tables = 0
        self.origin = 0

    def _add(self, block: Block) -> None:
        if len(self.blocks) < MAX_BLOCKS:
            self.blocks.append(block)

    def content(self, parent, depth: int) -> None:
        """Block-level content of a body, cell or text box, in order."""
        for el in parent:
            if len(self.blocks) >= MAX_BLOCKS:
                return
            tag = el.tag
            if tag == _P:
                self.paragraph(el, depth)
            elif tag == _TBL:
                self.table(el, depth)
            elif tag in _WRAPPERS:
                self.content(el, depth)

    def paragraph(self, p, depth: int) -> None:
        text = clean_text(_text(p))
        if text:
            self._add(Block("para", text=text))
        if depth < MAX_TABLE_DEPTH:
            for box in p.iter(_TXBX):
                if not _in_fallback(box, p):
                    self.content(box, depth + 1)

    def table(self, tbl, depth: int) -> None:
        if depth >= MAX_TABLE_DEPTH:
            text = clean_text(_text(tbl))
            if text:
                self._add(Block("para", text=text[:10000]))
            return
        rows = _children(tbl, _TR)[:MAX_ROWS]
        if _nested_tables(tbl):
            # a layout table: its cells are containers
            for tr in rows:
                for tc in _children(tr, _TC):
                    self.content(tc, depth + 1)
            return
        grid = self.grid(rows)
        if grid.rows:
            self._add(Block("table", grid=grid))

    def grid(self, trs) -> Grid:
        index = self.n_tables
        self.n_tables += 1
        rows: list[list[GridCell | None]] = []
        for tr in trs:
            row: list[GridCell | None] = []
            before = _tr_val(tr, "gridBefore")
            row.extend([None] * min(before, MAX_COLS))
            for tc in _children(tr, _TC):
                col = len(row)
                if col >= MAX_COLS:
                    break
                props = tc.find(_TCPR)
                span, vmerge = 1, None
                if props is not None:
                    gs = props.find(_GRIDSPAN)
                    if gs is not None:
                        span = _int(gs.get(_VAL), 1)
                    vm = props.find(_VMERGE)
                    if vm is not None:
                        vmerge = vm.get(_VAL) or "continue"
                    hm = props.find(_HMERGE)
                    if hm is not None and hm.get(_VAL) != "restart" and row and row[-1] is not None:
                        # legacy horizontal merge: this cell continues the one on its left
                        row.append(row[-1])
                        row[-1].colspan += 1
                        continue
                span = max(1, min(span, MAX_SPAN, MAX_COLS - col))
                cell = None
                if vmerge == "continue" and rows:
                    above = rows[-1][col] if col < len(rows[-1]) else None
                    if above is not None:
                        cell = above
                if cell is None:
                    text = clean_text(_cell_text(tc))
                    cell = GridCell(text=text, key=label_key(text), origin=self.origin, col=col, colspan=span)
                    self.origin += 1
                row.extend([cell] * span)
            rows.append(row)
        width = max((len(r) for r in rows), default=0)
        for row in rows:
            row.extend([None] * (width - len(row)))
        return Grid(rows=rows, width=width, index=index)


def _children(el, tag):
    """Direct children with this tag, looking through content controls and custom XML."""
    out = []
    for c in el:
        if c.tag == tag:
            out.append(c)
        elif c.tag in _WRAPPERS:
            out.extend(_children(c, tag))
    return out


def _nested_tables(tbl) -> bool:
    """Whether a table holds another table (one scan in C: iter yields the table itself first)."""
    it = tbl.iter(_TBL)
    next(it, None)
    return next(it, None) is not None


def _in_fallback(el, stop) -> bool:
    el = el.getparent()
    while el is not None and el is not stop:
        if el.tag == _FALLBACK:
            return True
        el = el.getparent()
    return False


_MOVE_FROM = f"{{{W}}}moveFrom"


def _text(el) -> str:
    """The text of a paragraph (or anything), without text boxes, deletions or field codes."""
    out: list[str] = []
    # fast path, one scan in C: w:t/w:tab/w:br only; anything that needs skipping goes slow
    for c in el.iter(_T, _TAB, _BR, _CR, _TXBX, _FALLBACK, _MOVE_FROM):
        tag = c.tag
        if tag == _T:
            if c.text:
                out.append(c.text)
        elif tag == _TAB:
            out.append(" ")
        elif tag == _BR or tag == _CR:
            out.append("\n")
        else:
            return _text_slow(el)
    return "".join(out)


def _text_slow(el) -> str:
    out: list[str] = []
    stack = [iter(el)]
    while stack:
        for c in stack[-1]:
            tag = c.tag
            if tag == _T:
                if c.text:
                    out.append(c.text)
            elif tag == _TAB:
                out.append(" ")
            elif tag in (_BR, _CR):
                out.append("\n")
            elif tag in _NOT_TEXT or tag == _TXBX or not isinstance(tag, str):
                continue
            elif len(c):
                stack.append(iter(c))
                break
        else:
            stack.pop()
    return "".join(out)


def _cell_text(tc) -> str:
    # paragraphs and line breaks inside a cell join up, as <br>s do in an HTML cell
    # ("本年新" + "制作数量" -> "本年新制作数量"); U+3000 fillers go in clean_text
    return _text(tc).replace("\n", "")


def _tr_val(tr, name: str) -> int:
    pr = tr.find(f"{{{W}}}trPr")
    if pr is None:
        return 0
    el = pr.find(f"{{{W}}}{name}")
    return 0 if el is None else max(0, min(_int(el.get(_VAL), 0), MAX_SPAN))


def _int(raw, default: int) -> int:
    try:
        return int(str(raw).strip().split(".")[0])
    except (TypeError, ValueError):
        return default


# ---- XLSX / XLS ------------------------------------------------------------------------------

class SheetGrid(Grid):
    """A sheet's rows as a grid; `where` names the sheet cell: 's1 r5 c4' (sheet 1, row 5, col 4)."""

    sheet: int = 0
    row0: int = 0
    col0: int = 0

    def where(self, r: int, col: int) -> str:
        return f"s{self.sheet + 1} r{self.row0 + r + 1} c{self.col0 + col + 1}"


def sheet_blocks(data: bytes, kind: str = "xlsx") -> list[Block]:
    try:
        import python_calamine
    except ImportError:  # pragma: no cover - it is an install_requires
        raise OfficeError(f"{kind}: python-calamine is not installed") from None
    _check_zip_sizes(data, kind)
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)[:MAX_SHEETS]
    except _STOP:
        raise
    except BaseException as exc:  # noqa: BLE001 - calamine's own errors, and Rust panics (BaseException)
        raise OfficeError(f"{kind}: not a readable workbook ({type(exc).__name__}: {exc})"[:300]) from None
    blocks: list[Block] = []
    n_tables = [0]
    for s, name in enumerate(names):
        try:
            sheet = wb.get_sheet_by_name(name)
            # the used range only (a sheet starting at C3 reads from C3); merges are absolute
            rows = sheet.to_python(skip_empty_area=True, nrows=MAX_SHEET_ROWS)
            row0, col0 = sheet.start or (0, 0)
            merged = [((r0 - row0, c0 - col0), (r1 - row0, c1 - col0))
                      for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
        except _STOP:
            raise
        except BaseException:  # noqa: BLE001 - one unreadable sheet (a chart sheet, a panic) is skipped
            continue
        _sheet(blocks, rows, merged, s, n_tables, (row0, col0))
        if len(blocks) >= MAX_BLOCKS:
            break
    return blocks


_STOP = (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError, RecursionError)


def _check_zip_sizes(data: bytes, kind: str) -> None:
    """An XLSX whose parts unpack to more than the limit is refused before calamine inflates it."""
    if not data.startswith(b"PK"):
        return
    try:
        total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except Exception:  # noqa: BLE001 - calamine will say what is wrong with the container
        return
    if total > 4 * MAX_PART_BYTES:
        raise OfficeError(f"{kind}: parts unpack to {total // 2**20} MiB, over the limit")


def cell_text(value) -> str:
    """A calamine value as it was printed: 13.0 -> '13', 25.1 -> '25.1', text unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = repr(value)
        if "e" in text or "E" in text:
            text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S").removesuffix(" 00:00:00")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _sheet(blocks: list[Block], rows: list[list], merged, s: int, n_tables: list[int],
           start: tuple[int, int] = (0, 0)) -> None:
    height = len(rows)
    width = min(max((len(r) for r in rows), default=0), MAX_COLS)
    if not height or not width:
        return
    origin_of: dict[tuple[int, int], tuple[int, int, int, int]] = {}  # slot -> merged range (r0, c0, r1, c1)
    for rng in merged:
        try:
            (r0, c0), (r1, c1) = rng
        except (TypeError, ValueError):
            continue
        if r0 < 0 or c0 < 0 or r0 >= height or c0 >= width or r1 < r0 or c1 < c0:
            continue
        r1, c1 = min(r1, height - 1, r0 + MAX_SPAN - 1), min(c1, width - 1, c0 + MAX_SPAN - 1)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                origin_of.setdefault((r, c), (r0, c0, r1, c1))
    cells: dict[tuple[int, int], GridCell] = {}
    grid_rows: list[list[GridCell | None]] = []
    origin = 0
    for r in range(height):
        src = rows[r]
        row: list[GridCell | None] = []
        for c in range(width):
            rng = origin_of.get((r, c))
            top = (rng[0], rng[1]) if rng else (r, c)
            cell = cells.get(top)
            if cell is None:
                raw = src[c] if top == (r, c) and c < len(src) else (
                    rows[top[0]][top[1]] if top[1] < len(rows[top[0]]) else None)
                text = clean_text(cell_text(raw))
                span = (rng[3] - rng[1] + 1) if rng else 1
                cell = GridCell(text=text, key=label_key(text), origin=origin, col=top[1], colspan=span)
                origin += 1
                cells[top] = cell
            row.append(cell)
        grid_rows.append(row)

    # split the sheet at prose rows: they become paragraphs, the rest stays grids
    prose = _prose_rows(grid_rows)
    first = 0
    for r in range(height + 1):
        if r == height or prose[r]:
            _emit_grid(blocks, grid_rows, first, r, width, s, n_tables, start)
            if r < height and len(blocks) < MAX_BLOCKS:
                blocks.append(Block("para", text=next(c.text for c in _distinct(grid_rows[r]) if c.text)))
            first = r + 1


def _distinct(row: list[GridCell | None]) -> list[GridCell]:
    seen, out = set(), []
    for c in row:
        if c is not None and c.origin not in seen:
            seen.add(c.origin)
            out.append(c)
    return out


def _prose_rows(grid_rows) -> list[bool]:
    """Which rows are a paragraph pasted into the sheet rather than a table row.

    A row with one lone text cell is prose when it reads as prose (a section heading, 40
    characters or more, the report's title), or when no table row is next to it (blank rows
    skipped): sub-headings, the signature and the date between or after the text. A lone cell
    next to a table row stays in the table (a caption 第二十条第（一）项, a row whose values
    are all blank); so does a cell merged down over several rows (a row group).
    """
    n = len(grid_rows)
    texts = [[c for c in _distinct(row) if c.text] for row in grid_rows]
    merged_down = [False] * n
    for r in range(n - 1):
        below = {id(c) for c in grid_rows[r + 1] if c is not None}
        if any(id(c) in below for c in texts[r]):
            merged_down[r] = merged_down[r + 1] = True
    table_row = [len(t) >= 2 or (bool(t) and merged_down[r]) for r, t in enumerate(texts)]
    out = [False] * n
    for r in range(n):
        if len(texts[r]) != 1 or merged_down[r]:
            continue
        cell = texts[r][0]
        if labels.t2_caption(cell.key):
            continue
        if labels.section_heading(cell.text) or len(cell.text) >= 40 or "年度报告" in cell.key:
            out[r] = True
            continue
        above = next((table_row[i] for i in range(r - 1, -1, -1) if texts[i]), False)
        below = next((table_row[i] for i in range(r + 1, n) if texts[i]), False)
        out[r] = not (above or below)
    return out


def _emit_grid(blocks, grid_rows, r0: int, r1: int, width: int, s: int, n_tables: list[int],
               start: tuple[int, int]) -> None:
    rows = [row for row in grid_rows[r0:r1]]
    # trim all-blank rows at the ends
    while rows and not any(c is not None and c.text for c in rows[-1]):
        rows.pop()
    lead = 0
    while lead < len(rows) and not any(c is not None and c.text for c in rows[lead]):
        lead += 1
    rows = rows[lead:][:MAX_ROWS]
    if not rows or len(blocks) >= MAX_BLOCKS:
        return
    grid = SheetGrid(rows=rows, width=width, index=n_tables[0])
    grid.sheet, grid.row0, grid.col0 = s, start[0] + r0 + lead, start[1]
    n_tables[0] += 1
    blocks.append(Block("table", grid=grid))


# ---- dispatch --------------------------------------------------------------------------------

OFFICE_FORMATS = ("docx", "xlsx", "xls", "et", "doc", "wps", "rtf")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORKBOOK = ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))


class OfficeRead:
    """What `read_office` found: blocks, or a failure with its parse status and reason."""

    __slots__ = ("kind", "blocks", "status", "failure", "warnings")

    def __init__(self, kind: str, blocks=None, status: str | None = None, failure: str | None = None,
                 warnings=None):
        self.kind, self.blocks, self.status, self.failure = kind, blocks or [], status, failure
        self.warnings = warnings or []


def ole_is_workbook(data: bytes) -> bool:
    """An OLE file whose directory names a Workbook/Book stream is a spreadsheet (XLS, ET)."""
    if not data.startswith(_OLE_MAGIC):
        return False
    head = data[:1 << 20]
    return any(name in head for name in _WORKBOOK) and "WordDocument".encode("utf-16-le") not in head


def read_office(data: bytes, kind: str, *, timeout: float | None = None) -> OfficeRead:
    """Blocks of a Word or spreadsheet file; never raises on bad bytes."""
    from .convert import ConvertError, convert
    from .model import UNREADABLE, UNSUPPORTED

    warnings: list[str] = []
    if kind in ("doc", "wps") and ole_is_workbook(data):  # sniff cannot tell OLE kinds apart without a hint
        kind = "xls"
    try:
        if kind == "docx":
            blocks = docx_blocks(data)
        elif kind == "xlsx":
            blocks = sheet_blocks(data, kind)
        elif kind in ("xls", "et"):
            try:
                blocks = sheet_blocks(data, kind)
            except OfficeError as direct:  # BIFF variants calamine does not read: LibreOffice does
                try:
                    blocks = sheet_blocks(convert(data, kind, "xlsx", timeout=timeout), kind)
                except ConvertError as exc:
                    raise OfficeError(f"{direct}; {exc}") from None
                warnings.append(f"converted:{kind}->xlsx by LibreOffice")
        else:  # doc, wps, rtf: LibreOffice to DOCX, then the DOCX reader
            blocks = docx_blocks(convert(data, kind, "docx", timeout=timeout))
            warnings.append(f"converted:{kind}->docx by LibreOffice")
    except ConvertError as exc:
        status = UNSUPPORTED if "not installed" in str(exc) else UNREADABLE
        return OfficeRead(kind, status=status, failure=str(exc), warnings=warnings)
    except (OfficeError, RecursionError) as exc:
        return OfficeRead(kind, status=UNREADABLE, failure=str(exc) or "nested too deeply", warnings=warnings)
    return OfficeRead(kind, blocks=blocks, warnings=warnings)
