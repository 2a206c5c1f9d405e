"""From bytes to a flat list of blocks: paragraphs of text and table grids, in reading order.

Both input shapes end up here: an HTML page (tables become grids with rowspan/colspan
expanded) and flattened page text (one line per block, tables lost). The report body is
isolated from the portal chrome by taking the deepest element that holds every section
heading and every report table: portal sidebars and footers fall outside it, whatever the CMS
calls its content container (#zoom, .TRS_Editor, #ivs_content ...).

Word-exported pages nest deeply (unclosed <font>/<span>, layout tables in layout tables).
libxml2 stops at depth 256 by default, so huge_tree is on, which allows 2048. Nothing kept
per block grows with depth, so a deep page costs no more than a wide one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from . import labels
from .normalize import clean_text, label_key
from .values import looks_like_value

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
    page: int | None = None  # for paged documents (PDF): the page the table starts on

    def where(self, r: int, col: int) -> str:
        """Where a grid slot is in its document, 1-based: 'p3 t2 r5 c4', or 't2 r5 c4' unpaged."""
        return (f"p{self.page} " if self.page is not None else "") + f"t{self.index + 1} r{r + 1} c{col + 1}"

    def row_cells(self, r: int) -> list[GridCell]:
        """The distinct source cells of a grid row, left to right."""
        seen: set[int] = set()
        out = []
        for c in self.rows[r]:
            if c is not None and c.origin not in seen:
                seen.add(c.origin)
                out.append(c)
        return out


class PagedGrid(Grid):
    """A grid whose rows may come from several pages (a PDF's or a scan's table continued over a
    page break); where() names each row's own page and its row on that page."""

    def __init__(self, rows, width, index, page, row_pages, row_in_page):
        super().__init__(rows=rows, width=width, index=index, page=page)
        self.row_pages = row_pages
        self.row_in_page = row_in_page

    def where(self, r: int, col: int) -> str:
        return f"p{self.row_pages[r]} t{self.index + 1} r{self.row_in_page[r] + 1} c{col + 1}"


class Outline:
    """The elements of one HTML walk, numbered in document order, each with its parent.

    In document order an element's descendants are the numbers right after it. So the
    blocks inside an element are the blocks whose innermost element falls in that range.
    Blocks point into the outline rather than each copying the stack of their ancestors,
    which cost depth x blocks (300 MiB for a 200 KiB page at depth 2000).
    """

    __slots__ = ("parent",)

    def __init__(self):
        self.parent: list[int] = []  # -1 for the root

    def chain(self, element: int) -> list[int]:
        """The element and its ancestors, innermost first."""
        out = []
        while element >= 0:
            out.append(element)
            element = self.parent[element]
        return out

    def common(self, a: int, b: int) -> int:
        """The deepest element that is or holds both a and b; -1 if none."""
        around_a = set(self.chain(a))
        while b >= 0 and b not in around_a:
            b = self.parent[b]
        return b

    def end(self, element: int) -> int:
        """The first number after the element's descendants."""
        parent, n = self.parent, element + 1
        while n < len(parent) and parent[n] >= element:
            n += 1
        return n


@dataclass
class Block:
    kind: str  # "para" or "table"
    text: str = ""
    grid: Grid | None = None
    within: int = -1  # innermost element open when the block was made (-1: none, or not HTML)
    outline: Outline | None = field(default=None, repr=False)
    line: int | None = None  # flattened text: the 1-based line the block was read from


def looks_like_html(text: str) -> bool:
    head = text[:4000].lower()
    return any(t in head for t in ("<html", "<!doctype html", "<body", "<table", "<p>", "<p ", "<div", "<meta"))


# ---- HTML -----------------------------------------------------------------------------------

# Formatting tags that carry no structure the parser reads: cell and paragraph text is the
# same without them. Word's namespaced tags (<o:p>, <st1:chsdate>) are among them.
_INLINE_TAG = re.compile(
    r"<\s*/?\s*(?:span|font|b|strong|i|em|u|s|strike|small|big|sub|sup|a|abbr|label|ins|del|nobr"
    r"|[a-z]\w*:[\w-]+)\b[^>]*>", re.IGNORECASE)
_DEPTH_ERROR = re.compile(r"depth in document: (\d+)", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_html(text: str) -> tuple[etree._Element | None, str | None]:
    """Parse HTML text. Returns (root, truncated).

    truncated is None, or says where libxml2 stopped reading because the page broke one of
    its limits (nesting more than 2048 elements deep). The tree then holds only what came
    before that point.
    """
    # XHTML (LibreOffice's "XHTML Writer File") opens with <?xml ... encoding="UTF-8"?>, which
    # lxml refuses in a str: the text is already decoded, so the declaration says nothing
    text = _XML_DECLARATION.sub("", text, count=1)
    root, truncated = _parse_html(text)
    if truncated:
        # Unclosed <font>/<span> wrappers are the cheap way to get this deep, and those tags
        # hold no structure. Without them the page may fit the limit.
        flat, n = _INLINE_TAG.subn("", text)
        if n:
            root, truncated = _parse_html(flat)
    return root, truncated


def _parse_html(text: str) -> tuple[etree._Element | None, str | None]:
    # A parser per call: its error log is then this parse's, whichever thread calls.
    # Plain etree elements, because lxml.html's element classes cost a Python lookup per node.
    # huge_tree also lifts the 10 MB limit per text node, past which libxml2 reads nothing.
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        return None, None
    for e in parser.error_log:
        # FATAL means libxml2 stopped reading there; the errors it recovers from never are
        if e.level == etree.ErrorLevels.FATAL:
            depth = _DEPTH_ERROR.search(e.message)
            what = (f"nested more than {depth.group(1)} elements deep (libxml2's limit)" if depth
                    else e.message.strip())
            return root, f"{what} at line {e.line}, column {e.column}"
    return root, None


def html_blocks(root: etree._Element) -> list[Block]:
    """The blocks of a parsed HTML page, in reading order."""
    blocks: list[Block] = []
    buf: list[str] = []
    outline = Outline()
    parent = outline.parent
    top = -1  # innermost open element
    n_tables = 0

    def flush():
        if buf:
            t = clean_text("".join(buf))
            buf.clear()
            if t and len(blocks) < MAX_BLOCKS:
                blocks.append(Block("para", text=t, within=top, outline=outline))

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
            parent.append(top)
            top = len(parent) - 1
            if tag == "table" and not _has_nested_table(el):
                grid = table_grid(el, n_tables)
                n_tables += 1
                if grid.rows and len(blocks) < MAX_BLOCKS:
                    blocks.append(Block("table", grid=grid, within=top, outline=outline))
                walker.skip_subtree()
                continue
            if el.text:
                buf.append(el.text)
        else:
            if tag is not None:
                tag = tag.lower()
                if tag not in _SKIP_TAGS:
                    if top >= 0:
                        top = parent[top]
                    if tag in _BLOCK_TAGS:
                        flush()
            if el.tail:
                buf.append(el.tail)
    flush()
    return blocks


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
    """Keep the blocks inside the deepest element that holds every report anchor, without the
    page furniture before the first anchor and after the last."""
    anchors = [i for i, b in enumerate(blocks)
               if (b.kind == "para" and labels.section_heading(b.text))
               or (b.kind == "table" and is_report_table(b.grid))]
    first, last = (anchors[0], anchors[-1]) if anchors else (len(blocks), len(blocks))
    outline = blocks[first].outline if anchors else None
    # outline None: flattened text, no elements to cut to
    if len(anchors) >= 2 and outline is not None:
        # An element open at the first anchor and at the last stayed open in between, so the
        # deepest element holding both holds every anchor.
        box = outline.common(blocks[first].within, blocks[last].within)
        if len(outline.chain(box)) > 2:  # html/body: no container to cut to
            end = outline.end(box)
            return [b for i, b in enumerate(blocks)
                    if box <= b.within < end and (first <= i <= last or not is_furniture(b))]
    return [b for i, b in enumerate(blocks) if first <= i <= last or not is_furniture(b)]


# Page furniture: the fields a portal or an archive prints around a report (投稿, 来源,
# 发布时间, 浏览次数, 索 引 号 ..., 原始链接) and its buttons (字号 大 中 小, 打印, 关闭, 分享到).
# Not the 标题 field: it holds the report's own title, which a notice's is told apart by.
_FIELD_NAMES = (
    "投稿", "信息来源", "文章来源", "稿源", "责任编辑", "发布者", "发布人",
    "发布时间", "发布日期", "更新时间", "更新日期", "发文日期", "成文日期", "生成日期",
    "公开日期", "印发日期", "浏览次数", "浏览量", "访问量", "点击数", "点击量", "点击率", "阅读次数",
    "阅读量", "索引号", "主题分类", "主题词", "体裁分类", "组配分类", "服务对象分类",
    "发文字号", "发文机关", "发布机构", "发布单位", "公开方式", "公开范围", "公开时限", "有效性",
    "所属栏目", "原文链接", "原始链接", "本地目录", "分享到", "当前位置", "您当前的位置", "您现在的位置",
)
# Names a report's own lines use too ("时间：2022年度共收取…", "来源：本机关统计，数据截至…",
# "名称：信息处理费" in its 六): furniture only with a furniture-shaped value, a date for the
# dates, a short name without a clause for the others.
_DATE_NAMES = ("时间", "日期")
_NAME_NAMES = ("来源", "名称", "作者", "编辑", "栏目", "文号", "正文", "关键词", "字号", "字体")
_DATE = r"\d{4}\s*[-/.年]\s*\d{1,2}(?:\s*[-/.月]\s*\d{1,2}\s*日?)?[\d\s:：]*"
_SHORT = r"[^，,。；;、]{0,30}"


def _names(names) -> str:
    # a field name may be printed spread out ("索 引 号", "名  称")
    return "|".join(r"\s*".join(map(re.escape, n)) for n in sorted(names, key=len, reverse=True))


_FIELD = re.compile(
    rf"^\s*(?:(?:{_names(_FIELD_NAMES)})\s*[:：][^。]*"  # a prose paragraph has a 。
    rf"|(?:{_names(_DATE_NAMES)})\s*[:：]\s*{_DATE}(?:\s+\S{{1,12}}\s*[:：]{_SHORT})*"
    rf"|(?:{_names(_NAME_NAMES)})\s*[:：]{_SHORT})$")
# buttons, share links and version switches; a time of day left alone where a line was cut
# at its spaces ("时间：2023-01-09" "19:36"); an HTML comment's end in a page's text
_BUTTON = (r"打印(?:本页|此页)?|关闭(?:本页|窗口)?|分享到?|收藏(?:本页)?|返回顶部|附件下载|文件下载|我要纠错|"
           r"上一篇|下一篇|相关链接|微信|微博|QQ空间|全真版|文字版|扫一扫在手机(?:上)?打开(?:当前页)?|"
           r"(?:字号|字体)\s*[:：]?\s*大\s*中\s*小")
_SEPARATORS = r"[\s【】\[\]()（）|｜丨/·:：]*"
_BUTTONS = re.compile(rf"^(?:{_SEPARATORS}(?:{_BUTTON}))+{_SEPARATORS}$|^\d{{1,2}}:\d{{2}}(?::\d{{2}})?$|^-->$")


def is_furniture(block: Block) -> bool:
    """A line of page furniture: fields or buttons of the portal, no text of the report."""
    return block.kind == "para" and len(block.text) <= 300 and bool(
        _FIELD.match(block.text) or _BUTTONS.match(block.text))


def text_blocks(text: str) -> list[Block]:
    """Flattened page text: every non-empty line is a block, with its line number.

    Text extractions come in three shapes, all read as "one cell per line" afterwards:
    - page text with one cell per line (as is);
    - the whole report body on one line (archives that keep a page's text in one field): a
      line that holds a table's numbers is cut at its spaces, one block per piece;
    - markdown from PDF-to-markdown converters: `#`/`**`/`>` markup goes, a pipe-table row
      gives one block per cell and its `|---|` separator rows go. A row with numbers keeps its
      empty cells as empty blocks, since markdown, unlike page text, still shows the blank.
    """
    out: list[Block] = []
    for n, line in enumerate(text.splitlines(), 1):
        for t in _line_pieces(line):
            out.append(Block("para", text=t, line=n))
        if len(out) >= MAX_BLOCKS:
            del out[MAX_BLOCKS:]
            break
    return out


_MD_ROW = re.compile(r"^\s*\|.*\|\s*$")
_MD_SEPARATOR_CELL = re.compile(r"^\s*:?-{2,}:?\s*$")
_MD_MARKUP = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+(?=\S))")
_MD_EMPHASIS = re.compile(r"\*\*|__")
_MD_HEADS = frozenset("#>-*+")
_NUMERIC_PIECE = re.compile(r"^[+\-−－]?\d[\d,.，]*(?:万元|元|件|项|个|条|次|人次)?$")
BODY_LINE = 200  # longer lines are checked for a table flattened into them
BODY_LINE_NUMBERS = 8  # ... and cut at spaces when they hold at least this many numbers


def _line_pieces(line: str) -> list[str]:
    """The blocks of one line of text (see text_blocks)."""
    head = line.lstrip()[:1]
    if head == "|" and _MD_ROW.match(line):
        return _md_row_cells(line)
    if head in _MD_HEADS or "**" in line or "__" in line:
        line = _MD_EMPHASIS.sub("", _MD_MARKUP.sub("", line))
    t = clean_text(line)
    if not t:
        return []
    if len(t) > BODY_LINE:
        pieces = t.split(" ")
        if sum(1 for p in pieces if _NUMERIC_PIECE.match(p)) >= BODY_LINE_NUMBERS:
            return [p for p in pieces if p]
    return [t]


def _md_row_cells(line: str) -> list[str]:
    """The cells of one markdown pipe-table row; [] for a |---| separator row."""
    raw = line.strip()[1:-1].split("|")
    if all(_MD_SEPARATOR_CELL.match(c) for c in raw):
        return []
    cells = [clean_text(_MD_EMPHASIS.sub("", c)) for c in raw]
    text_at = [i for i, c in enumerate(cells) if c and not looks_like_value(c)]
    last_label = text_at[-1] if text_at else -1
    after = cells[last_label + 1:]
    if after and any(after):
        # a data row: its label cells (merged-cell leftovers dropped), then every value cell,
        # blanks included, so that values stay in their columns
        return [c for c in cells[:last_label + 1] if c] + after
    if after and text_at and (labels.match_t3_row([label_key(cells[last_label])], None)[0]
                              or labels.match_t2_row(label_key(cells[last_label]))):
        return [c for c in cells[:last_label + 1] if c] + after  # a known row printed all blank
    return [c for c in cells if c]
