"""PDF with a text layer -> the same blocks the HTML reader makes: paragraphs and table grids.

pdfium (pypdfium2) reads each page's characters with their boxes and the page's vector paths;
the ruling lines among those paths go through pdfplumber's lattice algorithm (snap and join
edges, intersections, cells, tables). Everything else is here:

- Only paths that draw something count as rules: stroked lines and thin filled bars. WPS
  paints a white filled rectangle behind every line of text, which otherwise reads as a
  one-column "table" around the prose; large filled rectangles (cell shading) are skipped too.
- A table cut by a page break has its vertical rules but no closing horizontal rule on that
  page: each group of vertical rules gets explicit lines at its top and bottom, so the rows at
  the break are not lost.
- A table that ends a page and a table that starts the next one are one table: the fragments
  are concatenated on the union of their column boundaries (a repeated header row is just
  read again by the label matcher, which maps rows by label, never by position).
- Cell text is joined from its lines without a break between CJK characters: "商业\\n企业"
  reads "商业企业", a vertical "三\\n、\\n本…" reads "三、本…".
- Merged cells fill every grid slot they cover, as document.table_grid does for HTML spans.
  A label cell the page break cut in two (三、本年度办理结果 on p3 and p4) goes on in the
  empty cells under it on the next page, also under a repeated header; a row LibreOffice
  split over the break ("结果" | "维持") is one row again; the empty sliver a row leaves at
  the foot of a page when it moves to the next is dropped.
- A table clipped at the page edge (LibreOffice prints a table wider than the page so) loses
  the cells cut there: partly printed text, or a blank for a number that fell off the page,
  is never read.
- Coordinates are the page as displayed (/Rotate and the crop box applied); characters set
  at a slant on a mostly upright page (a stamped watermark) are not text of the report.
- A page with no text, or whose text is mostly unmapped glyphs (CID fonts without a
  ToUnicode map come back as control or private-use characters), has no usable text layer:
  read_pdf returns no blocks and says so, never garbage cells.

Cell origins carry the page each row is printed on: 'p4 t3 r2 c5' is table 3 of the
document, row 2 of its part on page 4, grid column 5.
"""

from __future__ import annotations

import ctypes
import math
import re
import threading
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import pairwise

from .document import MAX_COLS, MAX_ROWS, Block, GridCell, PagedGrid, is_report_table
from .layout import paragraphs
from .normalize import clean_text, label_key
from .values import looks_like_value

MAX_PAGES = 300
MAX_CHARS_PER_PAGE = 60_000
MAX_PATH_SEGMENTS = 200_000  # per page
MAX_FORM_DEPTH = 8
TOL = 3.0  # points: rules closer than this are one rule (pdfplumber's default)

NO_TEXT_LAYER = "PDF has no usable text layer (scanned or CID font without ToUnicode): OCR needed"

# pdfium is not thread-safe: one document at a time in this process (any module that calls
# pdfium, e.g. to render pages for OCR, should hold this same lock)
PDFIUM_LOCK = threading.Lock()


@dataclass
class _Char:
    ch: str
    x0: float
    top: float
    x1: float
    bottom: float
    upright: bool = True


@dataclass
class _Frag:
    """One page's part of a table: cells in row/x terms, rows numbered within the fragment."""

    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    ys: list[float]
    cells: list[tuple[int, int, float, float, str]]  # (row0, row1, x0, x1, text)
    open_top: bool = False  # no rule drawn at the top: the row above is on the page before
    open_bottom: bool = False


@dataclass
class _Item:
    top: float
    kind: str  # "lines" or "table"
    lines: list[tuple[float, float, float, float, str]] = field(default_factory=list)  # x0, top, x1, bottom, text
    frag: _Frag | None = None


# ---- entry point ----------------------------------------------------------------------------

def read_pdf(data: bytes) -> tuple[list[Block], str | None]:
    """The blocks of a PDF, in reading order, or ([], why) when it cannot be read as text."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(bytes(data))
        except pdfium.PdfiumError as exc:
            msg = str(exc)
            if "password" in msg.lower():
                return [], "PDF is encrypted with a password"
            return [], f"PDF cannot be opened ({msg[:120]})"
        try:
            pages = []
            n_pages = min(len(doc), MAX_PAGES)
            damaged = 0
            for i in range(n_pages):
                try:
                    page = doc[i]
                except pdfium.PdfiumError:
                    damaged += 1  # a damaged page object: read the others
                    continue
                try:
                    pages.append(_read_page(page, i + 1))
                except pdfium.PdfiumError:
                    damaged += 1
                finally:
                    page.close()
        finally:
            doc.close()
    if damaged and not pages:
        return [], f"PDF damaged: none of its {n_pages} pages can be read"
    chars = [c for p in pages for c in p[2]]
    why = _text_layer_problem(chars)
    if why:
        return [], why
    return _blocks(pages), None


# ---- text-layer quality ---------------------------------------------------------------------

def _readable(ch: str) -> bool:
    o = ord(ch)
    # ASCII, Latin-1, punctuation, symbols, and all of CJK: radicals (Kangxi radicals stand
    # in for ideographs in some fonts' maps; NFKC folds them), enclosed ㈠, ideographs,
    # compatibility ideographs, full-width forms
    return (0x20 <= o < 0x7F or 0xA0 <= o < 0x250 or 0x2000 <= o < 0x2800 or 0x2E80 <= o < 0xA000
            or 0xF900 <= o < 0xFB00 or 0xFE30 <= o < 0xFE50 or 0xFF00 <= o < 0xFFF0)


def _text_layer_problem(chars: list[_Char]) -> str | None:
    text = [c.ch for c in chars if not c.ch.isspace()]
    if len(text) < 10:
        return NO_TEXT_LAYER
    sample = text[:50_000]
    bad = sum(1 for ch in sample if not _readable(ch))
    if bad > len(sample) * 0.2:
        return NO_TEXT_LAYER
    cjk = [ch for ch in sample if "\u4e00" <= ch <= "\u9fff"]
    if len(cjk) > 300 and not any(ch in "的公开政府信息年" for ch in cjk):
        # glyph ids taken for code points land on ideographs too, but never on the commonest ones
        return NO_TEXT_LAYER
    return None


# ---- one page -------------------------------------------------------------------------------

def _read_page(page, number: int):
    to_display, width, height, rotation = _display_space(page)
    chars = _page_chars(page, to_display, width, rotation)
    edges = _page_edges(page, to_display)
    frags, used = _tables(edges, chars, number, width)
    rest = [c for i, c in enumerate(chars) if i not in used]
    lines = _lines(rest)
    lines = [ln for ln in lines if not _page_furniture(ln, height)]
    items = [_Item(top=f.top, kind="table", frag=f) for f in frags]
    items += _line_runs(lines, frags)
    items.sort(key=lambda it: it.top)
    return number, items, chars, (width, height)


def _display_space(page):
    """From PDF user space to the page as displayed: x to the right, y down from the top,
    /Rotate applied (a landscape table set on a portrait page turned by 90).

    Returns (to_display(x, y) -> (x, top), displayed width, displayed height, rotation)."""
    try:
        left, bottom, right, top = page.get_cropbox()
    except Exception:  # noqa: BLE001 - a damaged box: the page size from the origin
        left, bottom = 0.0, 0.0
        right, top = page.get_size()
    w, h = right - left, top - bottom
    rot = page.get_rotation() % 360

    def to_display(x: float, y: float) -> tuple[float, float]:
        u, v = x - left, y - bottom
        if rot == 90:
            return v, u
        if rot == 180:
            return w - u, v
        if rot == 270:
            return h - v, w - u
        return u, h - v

    width, height = (h, w) if rot in (90, 270) else (w, h)
    return to_display, width, height, rot


def _page_chars(page, to_display, width: float, rotation: int) -> list[_Char]:
    import pypdfium2.raw as c

    tp = page.get_textpage()
    try:
        n = min(tp.count_chars(), MAX_CHARS_PER_PAGE)
        raw = tp.raw  # the handle itself: ctypes calls per character add up
        out = []
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        for i in range(n):
            if c.FPDFText_IsGenerated(raw, i) == 1:
                continue
            u = c.FPDFText_GetUnicode(raw, i)
            if u == 0 or u in (0x0A, 0x0D, 0xFFFE, 0xFEFF):
                continue
            if 0xD800 <= u < 0xE000:
                continue  # half of a surrogate pair: not a character the reports use
            if not c.FPDFText_GetCharBox(raw, i, left, right, bottom, top):
                continue
            ch = chr(u)
            (ax, ay), (bx, by) = to_display(left.value, bottom.value), to_display(right.value, top.value)
            x0, x1 = min(ax, bx), max(ax, bx)
            if not (-1 <= x0 and x1 <= width + 1):
                continue  # drawn off the page: not printed
            angle = c.FPDFText_GetCharAngle(raw, i)
            if angle >= 0:  # -1: unknown, taken as upright
                angle = (angle - math.radians(rotation)) % (2 * math.pi)
            out.append(_Char(ch, x0, min(ay, by), x1, max(ay, by), upright=angle < 0.02 or angle > 6.26))
        # a watermark set across the page at an angle is not text of the report (its characters
        # would land in table cells): when the page is mostly upright, the slanted text goes
        if sum(ch.upright for ch in out) >= 0.5 * len(out):
            out = [ch for ch in out if ch.upright]
        return out
    finally:
        tp.close()


def _matmul(a, b):
    """Compose affine matrices (a then b), each as (a, b, c, d, e, f)."""
    a0, b0, c0, d0, e0, f0 = a
    a1, b1, c1, d1, e1, f1 = b
    return (a0 * a1 + b0 * c1, a0 * b1 + b0 * d1, c0 * a1 + d0 * c1, c0 * b1 + d0 * d1,
            e0 * a1 + f0 * c1 + e1, e0 * b1 + f0 * d1 + f1)


def _page_edges(page, to_display) -> list[dict]:
    """Horizontal and vertical rules drawn on the page, as pdfplumber edge dicts (top-down y)."""
    import pypdfium2.raw as c

    edges: list[dict] = []
    budget = [MAX_PATH_SEGMENTS]
    fm = c.FS_MATRIX()
    x, y = ctypes.c_float(), ctypes.c_float()
    fillmode, stroke = ctypes.c_int(), ctypes.c_int()
    r, g, b, a = (ctypes.c_uint() for _ in range(4))

    def matrix(obj):
        if not c.FPDFPageObj_GetMatrix(obj, fm):
            return (1, 0, 0, 1, 0, 0)
        return (fm.a, fm.b, fm.c, fm.d, fm.e, fm.f)

    def white(getter, obj) -> bool:
        if not getter(obj, r, g, b, a):
            return False
        return a.value == 0 or (r.value > 235 and g.value > 235 and b.value > 235)

    def path(obj, m):
        n = c.FPDFPath_CountSegments(obj)
        if n <= 0 or n > budget[0]:
            return
        budget[0] -= n
        if not c.FPDFPath_GetDrawMode(obj, fillmode, stroke):
            return
        stroked = bool(stroke.value) and not white(c.FPDFPageObj_GetStrokeColor, obj)
        filled = fillmode.value != 0 and not white(c.FPDFPageObj_GetFillColor, obj)
        if not (stroked or filled):
            return
        subpaths: list[list[tuple[float, float]]] = []
        straight = True
        for i in range(n):
            seg = c.FPDFPath_GetPathSegment(obj, i)
            if not seg or not c.FPDFPathSegment_GetPoint(seg, x, y):
                continue
            kind = c.FPDFPathSegment_GetType(seg)
            px, py = x.value, y.value
            pt = to_display(m[0] * px + m[2] * py + m[4], m[1] * px + m[3] * py + m[5])
            if kind == c.FPDF_SEGMENT_MOVETO or not subpaths:
                subpaths.append([pt])
            else:
                if kind == c.FPDF_SEGMENT_BEZIERTO:
                    straight = False
                subpaths[-1].append(pt)
            if c.FPDFPathSegment_GetClose(seg) and subpaths[-1]:
                subpaths[-1].append(subpaths[-1][0])
        if not straight:
            return
        for sp in subpaths:
            _subpath_edges(sp, stroked, filled, edges)

    def walk(obj, parent_m, depth):
        t = c.FPDFPageObj_GetType(obj)
        if t == c.FPDF_PAGEOBJ_PATH:
            path(obj, _matmul(matrix(obj), parent_m))
        elif t == c.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH:
            m = _matmul(matrix(obj), parent_m)
            for k in range(c.FPDFFormObj_CountObjects(obj)):
                child = c.FPDFFormObj_GetObject(obj, k)
                if child:
                    walk(child, m, depth + 1)

    ident = (1, 0, 0, 1, 0, 0)
    handle = page.raw
    for k in range(c.FPDFPage_CountObjects(handle)):
        if budget[0] <= 0:
            break
        obj = c.FPDFPage_GetObject(handle, k)
        if obj:
            walk(obj, ident, 0)
    return edges


def _edge(x0, top, x1, bottom, orientation) -> dict:
    return {"x0": x0, "x1": x1, "top": top, "bottom": bottom, "width": x1 - x0, "height": bottom - top,
            "orientation": orientation, "object_type": "line"}


def _subpath_edges(pts, stroked: bool, filled: bool, out: list[dict]) -> None:
    if len(pts) < 2:
        return
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
    w, h = x1 - x0, bottom - top
    if min(w, h) <= 2.5 and max(w, h) > 1:
        # a line, or a bar filled/stroked as thin as one (Chromium paints each border side as
        # a thin trapezoid, its ends mitred: the box is the rule)
        if w >= h:
            y = (top + bottom) / 2
            out.append(_edge(x0, y, x1, y, "h"))
        else:
            xm = (x0 + x1) / 2
            out.append(_edge(xm, top, xm, bottom, "v"))
        return
    if not stroked:
        return  # a filled box: background or cell shading, not a rule
    if not all(abs(p[0] - q[0]) < 0.5 or abs(p[1] - q[1]) < 0.5 for p, q in pairwise(pts)):
        return
    for p, q in pairwise(pts):
        if abs(p[1] - q[1]) < 0.5 and abs(p[0] - q[0]) > 1:
            out.append(_edge(min(p[0], q[0]), p[1], max(p[0], q[0]), p[1], "h"))
        elif abs(p[0] - q[0]) < 0.5 and abs(p[1] - q[1]) > 1:
            out.append(_edge(p[0], min(p[1], q[1]), p[0], max(p[1], q[1]), "v"))


# ---- tables ---------------------------------------------------------------------------------

def _closing_lines(edges: list[dict]) -> list[dict]:
    """A horizontal rule at the top and bottom of every run of vertical rules."""
    vs = sorted((e for e in edges if e["orientation"] == "v"), key=lambda e: e["top"])
    groups: list[list[float]] = []  # [top, bottom, x0, x1]
    for e in vs:
        for gr in groups:
            if e["top"] <= gr[1] + TOL and e["bottom"] >= gr[0] - TOL:
                gr[0], gr[1] = min(gr[0], e["top"]), max(gr[1], e["bottom"])
                gr[2], gr[3] = min(gr[2], e["x0"]), max(gr[3], e["x0"])
                break
        else:
            groups.append([e["top"], e["bottom"], e["x0"], e["x0"]])
    out = []
    for top, bottom, x0, x1 in groups:
        if x1 - x0 > TOL:
            out.append(_edge(x0, top, x1, top, "h"))
            out.append(_edge(x0, bottom, x1, bottom, "h"))
    return out


def _cluster(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= TOL:
            continue
        out.append(v)
    return out


def _index(bounds: list[float], v: float) -> int:
    """The boundary v snaps to."""
    i = bisect_right(bounds, v + TOL) - 1
    return max(0, i)


def _tables(edges: list[dict], chars: list[_Char], page: int, page_width: float) -> tuple[list[_Frag], set[int]]:
    from pdfplumber import table as pt

    if not edges:
        return [], set()
    drawn_h = [e for e in edges if e["orientation"] == "h"]
    edges = edges + _closing_lines(edges)
    edges = pt.merge_edges(edges, TOL, TOL, TOL, TOL)
    edges = [e for e in edges if (e["x1"] - e["x0"] if e["orientation"] == "h" else e["bottom"] - e["top"]) >= TOL]
    if len(edges) > 5000:
        return [], set()
    inter = pt.edges_to_intersections(edges, TOL, TOL)
    if len(inter) > 20000:
        return [], set()
    cells = pt.intersections_to_cells(inter)
    frags, used = [], set()
    centres = [((c.x0 + c.x1) / 2, (c.top + c.bottom) / 2) for c in chars]
    for group in pt.cells_to_tables(cells):
        xs = _cluster([v for cb in group for v in (cb[0], cb[2])])
        ys = _cluster([v for cb in group for v in (cb[1], cb[3])])
        if len(xs) < 3 or len(ys) < 2:
            continue  # one column: a frame around prose, not a table
        x0, top, x1, bottom = xs[0], ys[0], xs[-1], ys[-1]
        slot: dict[tuple[int, int], int] = {}
        boxes = []
        for cb in group:
            r0, r1 = _index(ys, cb[1]), _index(ys, cb[3])
            c0, c1 = _index(xs, cb[0]), _index(xs, cb[2])
            if r1 <= r0 or c1 <= c0:
                continue
            k = len(boxes)
            boxes.append((r0, r1, c0, c1, []))
            for rr in range(r0, r1):
                for cc in range(c0, c1):
                    slot.setdefault((rr, cc), k)
        for i, (cx, cy) in enumerate(centres):
            if i in used or not (x0 <= cx <= x1 and top <= cy <= bottom):
                continue
            rr, cc = bisect_right(ys, cy) - 1, bisect_right(xs, cx) - 1
            k = slot.get((rr, cc))
            if k is not None:
                boxes[k][4].append(chars[i])
                used.add(i)
        # LibreOffice clips a table wider than the page at the page's edge: a cell cut there
        # shows part of its text or none ("续办理", a blank for a printed 1), so it is not read
        frag_cells = [(r0, r1, xs[c0], xs[c1], _cell_text(cs)) for r0, r1, c0, c1, cs in boxes
                      if xs[c0] > 0.5 and xs[c1] < page_width - 0.5]
        frags.append(_Frag(page=page, top=top, bottom=bottom, x0=x0, x1=x1, ys=ys, cells=frag_cells,
                           open_top=not _drawn(drawn_h, top, x0, x1),
                           open_bottom=not _drawn(drawn_h, bottom, x0, x1)))
    return frags, used


def _drawn(rules: list[dict], y: float, x0: float, x1: float) -> bool:
    """Whether a horizontal rule is drawn at y across most of [x0, x1]."""
    return any(abs(e["top"] - y) <= TOL and min(e["x1"], x1) - max(e["x0"], x0) >= 0.5 * (x1 - x0)
               for e in rules)


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x2E80 <= o < 0xA000 or 0xFF00 <= o < 0xFFF0 or 0x3000 <= o < 0x3040


def _join_lines(lines: list[str]) -> str:
    out = ""
    for ln in lines:
        ln = ln.strip()
        if not ln:
            continue
        if out and not (_is_cjk(out[-1]) or _is_cjk(ln[0])):
            out += " "
        out += ln
    return out


def _cell_text(chars: list[_Char]) -> str:
    return clean_text(_join_lines([t for *_, t in _lines(chars)]))


# ---- text lines and paragraphs --------------------------------------------------------------

def _lines(chars: list[_Char]) -> list[tuple[float, float, float, float, str]]:
    """Characters grouped into lines, top to bottom, each left to right: (x0, top, x1, bottom, text)."""
    rows: list[list] = []  # [top, bottom, [chars]]
    for ch in sorted(chars, key=lambda c: (c.top, c.x0)):
        if ch.ch.isspace() and ch.x1 - ch.x0 <= 0:
            continue
        mid = (ch.top + ch.bottom) / 2
        for row in reversed(rows[-3:]):
            if row[0] - 0.5 <= mid <= row[1] + 0.5:
                row[2].append(ch)
                row[0], row[1] = min(row[0], ch.top), max(row[1], ch.bottom)
                break
        else:
            rows.append([ch.top, ch.bottom, [ch]])
    out = []
    for top, bottom, cs in rows:
        cs.sort(key=lambda c: c.x0)
        text = []
        prev = None
        for ch in cs:
            if (prev is not None and not ch.ch.isspace() and not prev.ch.isspace()
                    and not _is_cjk(ch.ch) and not _is_cjk(prev.ch)):
                size = max(prev.bottom - prev.top, ch.bottom - ch.top, 1)
                if ch.x0 - prev.x1 > size * 0.6:
                    text.append(" ")
            text.append(ch.ch)
            prev = ch
        s = "".join(text).strip()
        if s:
            out.append((min(c.x0 for c in cs), top, max(c.x1 for c in cs), bottom, s))
    return out


_PAGE_NUMBER = re.compile(r"^[-—–_\s·•]*(第\s*)?\d{1,4}(\s*页)?(\s*/\s*\d{1,4})?(\s*共\s*\d{1,4}\s*页)?[-—–_\s·•]*$")


def _page_furniture(line, height: float) -> bool:
    """A page number in the top or bottom margin."""
    _x0, top, _x1, bottom, text = line
    return (top > height * 0.88 or bottom < height * 0.12) and bool(_PAGE_NUMBER.match(text))


def _line_runs(lines, frags: list[_Frag]) -> list[_Item]:
    """Lines between tables form one item each, so tables and text interleave by position."""
    cuts = sorted(f.top for f in frags)
    items: list[_Item] = []
    last_slot = None
    for ln in lines:
        slot = bisect_right(cuts, ln[1])
        if items and slot == last_slot:
            items[-1].lines.append(ln)
        else:
            items.append(_Item(top=ln[1], kind="lines", lines=[ln]))
        last_slot = slot
    return items


# ---- assembling the document ----------------------------------------------------------------

def _blocks(pages) -> list[Block]:
    # text measure of each page: the most common left edge and the rightmost right edge
    blocks: list[Block] = []
    carry: list[str] | None = None
    pending: list[_Frag] = []  # fragments of the table being read, across pages
    n_tables = 0

    def flush_table():
        nonlocal n_tables
        if pending:
            grid = _grid(pending, n_tables)
            pending.clear()
            if grid is None:
                return
            if not is_report_table(grid) and not any(
                    c.text and looks_like_value(c.text) for row in grid.rows for c in row if c is not None):
                # a box with words and no numbers (a portal's 打印 | 关闭 bar): text, not a table
                for r in range(len(grid.rows)):
                    t = clean_text(" ".join(c.text for c in grid.row_cells(r) if c.text))
                    if t:
                        blocks.append(Block("para", text=t))
                return
            blocks.append(Block("table", grid=grid))
            n_tables += 1

    for number, items, _chars, (width, height) in pages:
        all_lines = [ln for it in items if it.kind == "lines" for ln in it.lines]
        left, right = _measure(all_lines, width)
        for pos, it in enumerate(items):
            if it.kind == "table":
                if carry:
                    blocks.append(Block("para", text=clean_text(_join_lines(carry))))
                    carry = None
                if pending and not (pos == 0 and _continues(pending[-1], it.frag)):
                    flush_table()
                pending.append(it.frag)
                continue
            flush_table()
            paras, carry = paragraphs(it.lines, left, right, carry, join=_join_lines,
                                      min_size=6, same_size=lambda size: 1, centre_slack=1)
            for p in paras:
                t = clean_text(p)
                if t:
                    blocks.append(Block("para", text=t))
        if items and items[-1].kind != "table":
            flush_table()
    flush_table()
    if carry:
        blocks.append(Block("para", text=clean_text(_join_lines(carry))))
    return blocks


def _measure(lines, width: float) -> tuple[float, float]:
    if not lines:
        return 0.0, width
    lefts: dict[int, int] = {}
    for ln in lines:
        lefts[round(ln[0])] = lefts.get(round(ln[0]), 0) + 1
    common = max(lefts.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    left = min(ln[0] for ln in lines if abs(ln[0] - common) <= 3)
    right = max(ln[2] for ln in lines)
    return left, right


def _continues(prev: _Frag, nxt: _Frag) -> bool:
    """The table at the top of a page goes on from the one that ended the page before."""
    if nxt.page != prev.page + 1:
        return False
    overlap = min(prev.x1, nxt.x1) - max(prev.x0, nxt.x0)
    return overlap >= 0.8 * max(prev.x1 - prev.x0, nxt.x1 - nxt.x0)


def _halves_of_one_row(last: list[GridCell | None], frag: _Frag, xs: list[float]) -> bool:
    """Whether the first row of frag is the rest of the row `last`, cut by the page break.

    Chromium moves a whole row to the next page and may draw no rule on either side of the
    break either, so "no rules" alone does not tell. A number is never printed half on one
    page and half on the next: where both halves have text, neither is a number.
    """
    for r0, _r1, x0, _x1, text in frag.cells:
        if r0 != 0 or not text:
            continue
        up = last[min(_index(xs, x0), len(last) - 1)]
        if up is not None and up.text and (looks_like_value(up.text) or looks_like_value(text)):
            return False
    return True


def _repeated_header(first: _Frag, frag: _Frag) -> int:
    """How many rows at the top of frag repeat the first fragment's top rows."""
    def row(f: _Frag, r: int):
        return tuple(t for r0, _r1, x0, _x1, t in sorted(f.cells, key=lambda c: c[2]) if r0 == r)

    n = 0
    while n < min(len(first.ys), len(frag.ys)) - 1 and n < 6:
        a = row(first, n)
        if not any(a) or a != row(frag, n):
            break
        n += 1
    return n


def _grid(frags: list[_Frag], index: int) -> PagedGrid | None:
    xs = _cluster([v for f in frags for c in f.cells for v in (c[2], c[3])])
    width = len(xs) - 1
    if width < 2:
        return None
    width = min(width, MAX_COLS)
    rows: list[list[GridCell | None]] = []
    row_pages: list[int] = []
    row_in_page: list[int] = []
    origin = 0
    prev: _Frag | None = None
    at_break: set[int] = set()  # the last row of each page's part but the table's last
    for f in frags:
        if rows:
            at_break.add(len(rows) - 1)
        n = len(f.ys) - 1
        base = len(rows)
        # label cells that reach down to the page break: a merged cell the break cut in two
        # (三、本年度办理结果, （四）无法提供) goes on in the empty cells under it
        cut = {c.col: c for c in rows[-1] if c is not None and c.text and not looks_like_value(c.text)} if rows else {}
        # Chromium repeats a <thead> at the top of each page: the cut cells go on under it
        head = _repeated_header(frags[0], f) if f is not frags[0] else 0
        # LibreOffice lets a row run over the break with no rule at either side: one row, its
        # text in two parts ("结果" | "维持")
        split_row = (bool(rows) and head == 0 and prev is not None and prev.open_bottom and f.open_top
                     and _halves_of_one_row(rows[-1], f, xs))
        prev = f
        for r in range(n):
            if len(rows) >= MAX_ROWS:
                break
            rows.append([None] * width)
            row_pages.append(f.page)
            row_in_page.append(r)
        for r0, r1, x0, x1, text in sorted(f.cells, key=lambda c: (c[0], c[2])):
            c0, c1 = _index(xs, x0), _index(xs, x1)
            c1 = min(c1, width)
            if c1 <= c0:
                continue
            cell = None
            if split_row and r0 == 0:
                up = rows[base - 1][c0]
                if up is not None and up.col == c0 and up.colspan == c1 - c0:
                    if text:
                        up.text = clean_text(_join_lines([up.text, text]))
                        up.key = label_key(up.text)
                    cell = up
            if cell is None and cut and not text and r0 >= head:
                up = cut.get(c0)
                if (up is not None and up.colspan == c1 - c0
                        and (r0 == head or rows[base + r0 - 1][c0] is up)):
                    cell = up
            if cell is None:
                cell = GridCell(text=text, key=label_key(text), origin=origin, col=c0, colspan=c1 - c0)
                origin += 1
            for rr in range(base + r0, min(base + r1, len(rows))):
                for cc in range(c0, c1):
                    if rows[rr][cc] is None:
                        rows[rr][cc] = cell
    # a row whose every slot is the row above's cells (a cell drawn taller than its
    # neighbours' rules on one page) is that row again
    # and the last row of a page's part that has nothing of its own but empty cells, under the
    # label cells that span into it, is the sliver a row leaves when it moves to the next page
    def sliver(r: int) -> bool:
        if r not in at_break or r == 0:
            return False
        own = [c for c in rows[r] if c is not None and all(c is not u for u in rows[r - 1])]
        return len(own) < len(rows[r]) and not any(c.text for c in own)

    keep = [r for r in range(len(rows))
            if r == 0 or (any(a is not b for a, b in zip(rows[r], rows[r - 1])) and not sliver(r))]
    rows = [rows[r] for r in keep]
    row_pages = [row_pages[r] for r in keep]
    row_in_page = [row_in_page[r] for r in keep]
    if not rows:
        return None
    return PagedGrid(rows=rows, width=width, index=index, page=frags[0].page,
                     row_pages=row_pages, row_in_page=row_in_page)
