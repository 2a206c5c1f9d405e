"""From bytes to a flat list of blocks: paragraphs of text and table grids, in reading order.

Both input shapes end up here: an HTML page (tables become grids with rowspan/colspan
expanded) and flattened page text (one line per block, tables lost). The report body is
isolated from the portal chrome by taking the deepest element that holds every section
heading and every report table: portal sidebars and footers fall outside it, whatever the CMS
calls its content container (#zoom, .TRS_Editor, #ivs_content ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import lxml.html
from lxml import etree
from w3lib.encoding import html_to_unicode

from . import labels
from .normalize import clean_text, label_key

# Plain etree elements: lxml.html's element classes cost a Python lookup per node
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)

MAX_ROWS = 400  # per table; real report tables have about 30
MAX_COLS = 64
MAX_SPAN = 64
MAX_BLOCKS = 20000

_BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr", "td", "th", "table",
    "section", "article", "header", "footer", "blockquote", "pre", "center", "dd", "dt", "dl",
    "form", "br", "hr", "tbody", "thead", "tfoot", "caption", "main", "nav", "aside", "body",
    "html", "title", "address", "figure", "figcaption",
}
_SKIP_TAGS = {"script", "style", "noscript", "head", "select", "option", "button", "iframe",
              "textarea", "object", "embed", "svg", "template", "map"}


@dataclass
class GridCell:
    text: str
    key: str
    origin: int  # identity of the source <td>; equal for all grid slots a merged cell covers
    col: int  # first grid column the source cell covers
    colspan: int


@dataclass
class Grid:
    rows: list[list[GridCell | None]]
    width: int
    index: int  # position of the table in the document

    def row_cells(self, r: int) -> list[GridCell]:
        """The distinct source cells of a grid row, left to right."""
        seen: set[int] = set()
        out = []
        for c in self.rows[r]:
            if c is not None and c.origin not in seen:
                seen.add(c.origin)
                out.append(c)
        return out


@dataclass
class Block:
    kind: str  # "para" or "table"
    text: str = ""
    grid: Grid | None = None
    ancestors: tuple = field(default=(), repr=False)


def decode(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page: charset from the HTTP header, then BOM, then <meta>, then detection.

    w3lib does what browsers do, including reading GB2312/GBK as GB18030, the superset that
    real "GB2312" pages need.
    """
    header = f"charset={content_type.split('charset=')[-1]}" if content_type and "charset=" in content_type else None
    encoding, text = html_to_unicode(header, data, auto_detect_fun=_detect)
    return encoding, text


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    return best.encoding if best else None


def looks_like_html(text: str) -> bool:
    head = text[:4000].lower()
    return any(t in head for t in ("<html", "<!doctype html", "<body", "<table", "<p>", "<p ", "<div", "<meta"))


# ---- HTML -----------------------------------------------------------------------------------

def html_blocks(text: str) -> tuple[list[Block], etree._Element | None]:
    """Parse HTML text into blocks. Returns (blocks, root)."""
    try:
        root = lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return [], None
    blocks: list[Block] = []
    buf: list[str] = []
    stack: list[int] = []
    n_tables = 0
    serial = 0

    def flush():
        if buf:
            t = clean_text("".join(buf))
            buf.clear()
            if t and len(blocks) < MAX_BLOCKS:
                blocks.append(Block("para", text=t, ancestors=tuple(stack)))

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else None
        if event == "start":
            if tag is None:  # comment or processing instruction: no text of its own
                continue
            tag = tag.lower()
            if tag in _SKIP_TAGS:
                walker.skip_subtree()
                continue
            if tag in _BLOCK_TAGS:
                flush()
            serial += 1
            stack.append(serial)
            if tag == "table" and not _has_nested_table(el):
                grid = table_grid(el, n_tables)
                n_tables += 1
                if grid.rows and len(blocks) < MAX_BLOCKS:
                    blocks.append(Block("table", grid=grid, ancestors=tuple(stack)))
                walker.skip_subtree()
                continue
            if el.text:
                buf.append(el.text)
        else:
            if tag is not None:
                tag = tag.lower()
                if tag not in _SKIP_TAGS:
                    if stack:
                        stack.pop()
                    if tag in _BLOCK_TAGS:
                        flush()
            if el.tail:
                buf.append(el.tail)
    flush()
    return blocks, root


def _has_nested_table(table) -> bool:
    for _ in table.iterdescendants("table"):
        return True
    return False


def _span(el, name: str) -> int:
    raw = el.get(name)
    if raw is None:
        return 1
    try:
        v = int(raw.strip().split(".")[0] or 1)
    except ValueError:
        return 1
    return max(1, min(v, MAX_SPAN))


def _cell_text(td) -> str:
    # libxml2's own text serialisation: labels split over <span>s and <br>s join up
    # ("本年新<br>制作数量" -> "本年新制作数量"), which is what label matching wants
    return clean_text(etree.tostring(td, method="text", encoding="unicode", with_tail=False))


def _fill_from_above(row: list, r: int, col: int, pending: dict) -> int:
    """Append the cells that rowspans from earlier rows put at (r, col...); returns the next column."""
    while (r, col) in pending and col < MAX_COLS:
        row.append(pending.pop((r, col)))
        col += 1
    return col


def table_grid(table, index: int) -> Grid:
    """Expand a <table> into a rectangular grid; each merged cell fills every slot it covers."""
    rows: list[list[GridCell | None]] = []
    pending: dict[tuple[int, int], GridCell] = {}  # slots filled by rowspans from above
    origin = 0
    trs = [tr for tr in table.iter("tr")][:MAX_ROWS]
    for r, tr in enumerate(trs):
        row: list[GridCell | None] = []
        col = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                continue
            col = _fill_from_above(row, r, col, pending)
            if col >= MAX_COLS:
                break
            cs, rs = _span(td, "colspan"), _span(td, "rowspan")
            rs = min(rs, len(trs) - r)
            text = _cell_text(td)
            cell = GridCell(text=text, key=label_key(text), origin=origin, col=col, colspan=cs)
            origin += 1
            for dc in range(cs):
                if col + dc >= MAX_COLS:
                    break
                row.append(cell)
                for dr in range(1, rs):
                    pending[(r + dr, col + dc)] = cell
            col += cs
        _fill_from_above(row, r, col, pending)
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend([None] * (width - len(row)))
    return Grid(rows=rows, width=width, index=index)


def is_report_table(grid: Grid) -> bool:
    for r in range(min(len(grid.rows), 60)):
        keys = [c.key for c in grid.row_cells(r)]
        if labels.is_t3_header(keys) or labels.is_t4_header(keys) or labels.is_t2_header(keys):
            return True
        if any(labels.t2_caption(k) for k in keys):
            return True
    return False


def isolate_body(blocks: list[Block]) -> list[Block]:
    """Keep the blocks inside the deepest element that holds every report anchor."""
    anchors = [b for b in blocks
               if (b.kind == "para" and labels.section_heading(b.text))
               or (b.kind == "table" and is_report_table(b.grid))]
    if len(anchors) < 2:
        return blocks
    common = list(anchors[0].ancestors)
    for a in anchors[1:]:
        n = 0
        for x, y in zip(common, a.ancestors):
            if x != y:
                break
            n += 1
        del common[n:]
    if len(common) <= 2:  # html/body: no container to cut to
        return blocks
    # A table's own id is the last ancestor of its block; the container is above it.
    prefix = tuple(common)
    return [b for b in blocks if b.ancestors[: len(prefix)] == prefix]


def text_blocks(text: str) -> list[Block]:
    """Flattened page text: every non-empty line is a block."""
    out = []
    for line in text.splitlines():
        t = clean_text(line)
        if t:
            out.append(Block("para", text=t))
            if len(out) >= MAX_BLOCKS:
                break
    return out
