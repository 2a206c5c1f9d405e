"""Scanned reports (image-only PDFs, page images) -> the same blocks the other readers make.

Fully offline: rapidocr 3.x with the PP-OCR models that ship inside its wheel (onnxruntime),
OpenCV for the image work. Nothing is downloaded at run time. Per page:

1. render (PDF pages through pdfium at OCR_DPI; images decoded and scaled to about that size),
2. deskew: the angle of the long ruling lines (Hough), or of the text lines when there are none,
3. ruling grid by OpenCV morphology: long horizontal and vertical strokes; each table's box is
   closed (a line at its top and bottom), so a table cut by a page break still forms cells;
   grid slots not separated by a drawn line are one merged cell (rowspan/colspan),
4. text boxes from the detector; a box that crosses a column rule is split there; each box goes
   to the cell that holds its centre,
5. recognition: short boxes (numbers, short labels) are packed side by side into strips and read
   in one pass each (4x faster than one by one); each character goes back to its box by the
   position the recogniser read it at (a strip that cannot be split so is read box by box),
   long boxes one by one,
6. cell text: stray punctuation around an integer is dropped ("5." -> "5"); a cell with ink but
   no box is read again by recognition alone,
7. tables continued from the previous page are joined to it (as pdf.py does for text PDFs).

Each grid slot keeps the engine's confidence (the lowest of the boxes read into it). After the
cells are read and the identities checked (parse.py), `mark_cells` gives every OCR'd number
status "ocr" and its confidence, and flags as `ocr_suspect:<key>` every OCR'd value that takes
part in a violated identity, or was read with low confidence, or could not be read as a
number: a misread is never silently trusted.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from itertools import pairwise

from .document import MAX_COLS, MAX_ROWS, Block, GridCell, PagedGrid
from .layout import paragraphs
from .normalize import clean_text, label_key

OCR_DPI = 150  # what the engine reads best at for report-sized print (measured; 300 is slower, no better)
MAX_PAGES = 30  # a scan longer than this is read only in part (reports have 3-10 pages)
MAX_PIXELS = 40_000_000  # per page image, before scaling
LOW_CONFIDENCE = 0.90  # below this a number is flagged even when the identities hold
ENGINE_MISSING = "OCR engine not installed (pip install rapidocr onnxruntime)"

_LOCK = threading.Lock()  # one OCR engine: one page at a time
_PDFIUM_FALLBACK = threading.Lock()
_ENGINE = None


@dataclass
class ScanResult:
    blocks: list[Block] = field(default_factory=list)
    failure: str | None = None
    pages: int = 0
    confidence: dict[str, float] = field(default_factory=dict)  # cell origin -> engine score
    warnings: list[str] = field(default_factory=list)


# ---- engine ---------------------------------------------------------------------------------

def _engine():
    global _ENGINE
    if _ENGINE is None:
        from rapidocr import RapidOCR

        # every option is passed here and again at each call: rapidocr keeps call options
        _ENGINE = RapidOCR(params={
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Det.limit_type": "max",
            "Det.limit_side_len": 960,
        })
    return _ENGINE


def available() -> bool:
    try:
        import cv2  # noqa: F401
        import rapidocr  # noqa: F401
    except ImportError:
        return False
    return True


# ---- entry point ----------------------------------------------------------------------------

def read_scan(data: bytes, kind: str) -> ScanResult:
    """OCR an image-only PDF (kind 'pdf') or a page image (kind 'image') into blocks."""
    if not available():
        return ScanResult(failure=ENGINE_MISSING)
    import numpy as np

    capped: list[str] = []
    images = _pdf_pages(data, capped) if kind == "pdf" else _image_pages(data)
    if isinstance(images, str):
        return ScanResult(failure=images)
    if not images:
        return ScanResult(failure="no page images to read")
    result = ScanResult(pages=len(images), warnings=capped)
    page_items: list[tuple[int, list]] = []
    with _LOCK:
        for number, gray in enumerate(images, start=1):
            items = _read_page(np.ascontiguousarray(gray), number, result)
            page_items.append((number, items))
    result.blocks = _assemble(page_items, result)
    if not any(b.text for b in result.blocks if b.kind == "para") and not any(
            b.kind == "table" for b in result.blocks):
        result.failure = "OCR found no text on the page images"
    return result


def _pdf_pages(data: bytes, warnings: list[str] | None = None):
    from . import pdf

    # pdfium is not thread-safe: one lock for all its users in this process (pdf.py's)
    with getattr(pdf, "PDFIUM_LOCK", _PDFIUM_FALLBACK):
        return _render(data, warnings if warnings is not None else [])


def _render(data: bytes, warnings: list[str]):
    import numpy as np
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(bytes(data))
    except pdfium.PdfiumError as exc:
        return f"PDF cannot be opened ({str(exc)[:120]})"
    try:
        out = []
        if len(doc) > MAX_PAGES:
            warnings.append(f"ocr_pages_capped:read {MAX_PAGES} of {len(doc)} pages")
        for i in range(min(len(doc), MAX_PAGES)):
            page = doc[i]
            try:
                w, h = page.get_size()
                scale = OCR_DPI / 72
                if w * h * scale * scale > MAX_PIXELS:
                    scale = (MAX_PIXELS / (w * h)) ** 0.5
                bitmap = page.render(scale=scale, grayscale=True)
                arr = bitmap.to_numpy()
                out.append(np.array(arr[:, :, 0] if arr.ndim == 3 else arr))
            finally:
                page.close()
        return out
    finally:
        doc.close()


def _image_pages(data: bytes):
    import cv2
    import numpy as np

    arr = np.frombuffer(bytes(data), dtype=np.uint8)
    img = cv2.imdecode(arr, cv2.IMREAD_GRAYSCALE)
    if img is None:
        try:  # GIF, multi-frame TIFF and the like: Pillow reads what OpenCV does not
            import io

            from PIL import Image, ImageSequence

            pil = Image.open(io.BytesIO(bytes(data)))
            frames = [np.array(f.convert("L")) for f in ImageSequence.Iterator(pil)][:MAX_PAGES]
        except Exception:  # noqa: BLE001 - a broken image is a reason, not a crash
            return "image cannot be decoded"
    else:
        frames = [img]
    out = []
    for f in frames:
        h, w = f.shape[:2]
        if h * w > MAX_PIXELS:
            s = (MAX_PIXELS / (h * w)) ** 0.5
            f = cv2.resize(f, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA)
            h, w = f.shape[:2]
        # a page image: scale the short side to an A4 page's at OCR_DPI
        target = 8.27 * OCR_DPI
        s = target / min(h, w)
        if s < 0.8 or s > 1.5:
            f = cv2.resize(f, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
        out.append(f)
    return out


# ---- one page -------------------------------------------------------------------------------

@dataclass
class _Box:
    x0: int
    y0: int
    x1: int
    y1: int
    text: str = ""
    score: float = 0.0


@dataclass
class _Frag:
    """One page's part of a table, in page pixels: row boundaries ys, column boundaries xs."""

    page: int
    ys: list[int]
    xs: list[int]
    cells: list[list]  # [r0, r1, c0, c1, text, confidence or None]
    top: int = 0
    bottom: int = 0


def _binary(gray):
    import cv2

    blur = cv2.GaussianBlur(gray, (3, 3), 0)
    _, bw = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return bw


def _skew_angle(bw) -> float:
    """Degrees to rotate by so that rules and text lines are level: the angle at which the
    row profile is sharpest (ruling lines and text rows both make it so), searched coarse to
    fine on a half-size copy."""
    import cv2
    import numpy as np

    h, w = bw.shape
    small = cv2.resize(bw, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    centre = (small.shape[1] / 2, small.shape[0] / 2)
    cache: dict[float, float] = {}

    def sharpness(a: float) -> float:
        a = round(float(a), 3)
        if a not in cache:
            m = cv2.getRotationMatrix2D(centre, a, 1.0)
            r = cv2.warpAffine(small, m, (small.shape[1], small.shape[0]), flags=cv2.INTER_NEAREST)
            prof = r.sum(axis=1, dtype=np.float64)
            cache[a] = float(np.sum(np.diff(prof) ** 2))
        return cache[a]

    best = max(np.arange(-3, 3.01, 0.5), key=sharpness)
    best = max(np.arange(best - 0.5, best + 0.51, 0.1), key=sharpness)
    best = max(np.arange(best - 0.1, best + 0.11, 0.02), key=sharpness)
    return float(best)


def _deskew(gray):
    import cv2

    bw = _binary(gray)
    angle = _skew_angle(bw)
    if abs(angle) < 0.05:
        return gray, bw, 0.0
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    gray = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)
    return gray, _binary(gray), angle


def _rules(bw):
    """Masks of the horizontal and the vertical ruling lines."""
    import cv2

    h, w = bw.shape
    unit = max(8, round(min(h, w) / 100))  # about 1.2 mm at any resolution
    # a rule is a run longer than 4 units (3 down): no stroke of a character is, and the gaps
    # between characters keep their strokes apart; then small breaks in the rule are closed
    hmask = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (unit * 4, 1)))
    hmask = cv2.morphologyEx(hmask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (unit, 1)))
    vmask = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, unit * 3)))
    vmask = cv2.morphologyEx(vmask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, unit)))
    return hmask, vmask, unit


def _positions(profile, min_len: float, gap: int = 4) -> list[int]:
    """Centres of runs where a projection profile reaches min_len."""
    import numpy as np

    idx = np.flatnonzero(profile >= min_len)
    out = []
    start = prev = None
    for i in idx:
        if start is None:
            start = prev = i
        elif i - prev > gap:
            out.append((start + prev) // 2)
            start = prev = i
        else:
            prev = i
    if start is not None:
        out.append((start + prev) // 2)
    return out


def _merge_close(vals: list[int], tol: int) -> list[int]:
    out: list[int] = []
    for v in sorted(vals):
        if out and v - out[-1] <= tol:
            out[-1] = (out[-1] + v) // 2
            continue
        out.append(v)
    return out


def _tables(bw, hmask, vmask, unit):
    """Each table: (x0, y0, x1, y1, ys, xs, merged cells as [r0, r1, c0, c1])."""
    import cv2
    import numpy as np

    w = bw.shape[1]
    both = cv2.dilate(hmask | vmask, np.ones((5, 5), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(both, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, bw_, bh, _area = stats[i]
        if bw_ < w * 0.2 or bh < unit * 3:
            continue
        x0, y0, x1, y1 = x + 2, y + 2, x + bw_ - 3, y + bh - 3
        hs = hmask[y0 - 2:y1 + 3, x0 - 2:x1 + 3] > 0
        vs = vmask[y0 - 2:y1 + 3, x0 - 2:x1 + 3] > 0
        ys = _positions(hs.sum(axis=1), unit * 2)
        xs = _positions(vs.sum(axis=0), unit * 2)
        if len(xs) < 2:
            continue  # no vertical rules: an underline or a frame, not a table
        ys = _merge_close([0, *ys, y1 - y0 + 4], unit)
        xs = _merge_close([0, *xs, x1 - x0 + 4], unit)
        if len(xs) < 3 or len(ys) < 2:
            continue
        ys = [y0 - 2 + v for v in ys]
        xs = [x0 - 2 + v for v in xs]
        cells = _merged_cells(hmask, vmask, ys, xs)
        out.append((xs[0], ys[0], xs[-1], ys[-1], ys, xs, cells))
    out.sort(key=lambda t: t[1])
    return out


def _merged_cells(hmask, vmask, ys, xs):
    """Grid slots joined where no rule separates them; each group as [r0, r1, c0, c1]."""
    R, C = len(ys) - 1, len(xs) - 1
    parent = list(range(R * C))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    def has_v(x, ya, yb):  # a vertical rule at x between heights ya and yb
        m = 3
        lo, hi = ya + (yb - ya) // 4, yb - (yb - ya) // 4
        if hi <= lo:
            return True
        strip = vmask[lo:hi, max(0, x - m):x + m + 1]
        return strip.any(axis=1).mean() > 0.5

    def has_h(y, xa, xb):
        m = 3
        lo, hi = xa + (xb - xa) // 4, xb - (xb - xa) // 4
        if hi <= lo:
            return True
        strip = hmask[max(0, y - m):y + m + 1, lo:hi]
        return strip.any(axis=0).mean() > 0.5

    for r in range(R):
        for c in range(C):
            if c + 1 < C and not has_v(xs[c + 1], ys[r], ys[r + 1]):
                union(r * C + c, r * C + c + 1)
            if r + 1 < R and not has_h(ys[r + 1], xs[c], xs[c + 1]):
                union(r * C + c, (r + 1) * C + c)
    groups: dict[int, list[int]] = {}
    for r in range(R):
        for c in range(C):
            g = groups.setdefault(find(r * C + c), [r, r + 1, c, c + 1])
            g[0], g[1] = min(g[0], r), max(g[1], r + 1)
            g[2], g[3] = min(g[2], c), max(g[3], c + 1)
    return list(groups.values())


def _detect(gray) -> list[_Box]:
    import numpy as np

    eng = _engine()
    rgb = np.dstack([gray] * 3)
    res = eng(rgb, use_det=True, use_cls=False, use_rec=False)
    out = []
    if res is None or getattr(res, "boxes", None) is None:
        return out
    for b in res.boxes:
        x0, y0 = np.floor(b.min(axis=0)).astype(int)
        x1, y1 = np.ceil(b.max(axis=0)).astype(int)
        if x1 - x0 >= 3 and y1 - y0 >= 3:
            out.append(_Box(int(x0), int(y0), int(x1), int(y1)))
    return out


def _recognise(gray, boxes: list[_Box]) -> None:
    """Fill in text and score of each box: short ones packed into strips, long ones alone."""
    import numpy as np

    if not boxes:
        return
    crops = []
    for b in boxes:
        # a long line gets more room above and below: the recogniser scales every crop to
        # 48 px high, so the taller the crop the narrower (and faster) it reads; cells keep
        # a tight crop (digits read best large)
        pad = 2
        pad_y = 6 if b.x1 - b.x0 > 3 * (b.y1 - b.y0) else pad
        crop = gray[max(0, b.y0 - pad_y):b.y1 + pad_y, max(0, b.x0 - pad):b.x1 + pad]
        if crop.shape[0] > 2.5 * crop.shape[1] and crop.shape[1] >= 8:
            crop = _unstack(crop)
        crops.append(crop)
    short = [i for i, c in enumerate(crops) if c.shape[1] <= 3 * c.shape[0] and c.size]
    long_ = [i for i, c in enumerate(crops) if i not in set(short) and c.size]
    singles = list(long_)
    # strips of short crops, a char-height gap between them
    strip_width = 0
    strip: list[int] = []
    strips: list[list[int]] = []
    for i in sorted(short, key=lambda i: crops[i].shape[0]):
        if strip and (strip_width + crops[i].shape[1] > 1400 or len(strip) >= 24):
            strips.append(strip)
            strip, strip_width = [], 0
        strip.append(i)
        strip_width += crops[i].shape[1] + crops[i].shape[0]
    if strip:
        strips.append(strip)
    images, spans = [], []
    for s in strips:
        hgt = max(crops[i].shape[0] for i in s)
        lead = hgt // 2
        parts = [np.full((hgt, lead), 255, np.uint8)]
        x, span = lead, []
        for i in s:
            c = crops[i]
            canvas = np.full((hgt, c.shape[1]), 255, np.uint8)
            top = (hgt - c.shape[0]) // 2
            canvas[top:top + c.shape[0]] = c
            parts += [canvas, np.full((hgt, hgt), 255, np.uint8)]
            span.append((x - hgt / 2, x + c.shape[1] + hgt / 2))  # the crop and half of each gap
            x += c.shape[1] + hgt
        images.append(np.hstack(parts))
        spans.append(span)
    for s, span, image, (txt, _score, confs, cols, steps) in zip(strips, spans, images, _rec_many(images)):
        pieces = _split_by_position(txt, confs, cols, steps, image.shape[1], span)
        if pieces is None:
            singles += s
            continue
        for i, (t, sc) in zip(s, pieces):
            boxes[i].text, boxes[i].score = t, sc
    for i, (txt, score, _c, _cols, _steps) in zip(singles, _rec_many([crops[i] for i in singles])):
        boxes[i].text, boxes[i].score = txt.strip(), score


def _split_by_position(txt, confs, cols, steps, width, spans):
    """A strip's reading cut back into its crops by where each character was read.

    The recogniser reports the time step of every character; steps are evenly spread over the
    strip's width, so a character belongs to the crop whose span holds its position. Never by
    order alone: a crop read as nothing, or as two tokens, would shift every reading after it.
    Returns None when the positions are not available (the crops are then read one by one).
    """
    chars = [(k, ch) for k, ch in enumerate(txt) if not ch.isspace()]
    if cols is None or not steps or len(cols) != len(chars):
        return None
    out: list[list] = [[[], []] for _ in spans]
    for (k, ch), col in zip(chars, cols):
        x = (col + 0.5) / steps * width
        for n, (a, z) in enumerate(spans):
            if a <= x < z:
                out[n][0].append(ch)
                out[n][1].append(confs[k] if k < len(confs) else 0.0)
                break
        else:
            return None  # read in a gap: the strip is not to be trusted
    return [("".join(t), min(c) if c else 0.0) for t, c in out]


def _unstack(crop):
    """Vertical text (a label set one character under another) laid out as one line: the
    column cut into equal squares, one character each, side by side."""
    import numpy as np

    dark = crop < 128
    cols, rows = np.flatnonzero(dark.any(axis=0)), np.flatnonzero(dark.any(axis=1))
    if cols.size == 0:
        return crop
    crop = crop[rows[0]:rows[-1] + 1, max(0, cols[0] - 2):cols[-1] + 3]
    h, w = crop.shape[:2]
    n = max(1, round(h / max(1, cols[-1] - cols[0] + 2)))
    step = h / n
    tiles = [crop[int(i * step):int((i + 1) * step)] for i in range(n)]
    side = max(t.shape[0] for t in tiles)
    out = []
    for t in tiles:
        tile = np.full((side, w), 255, np.uint8)
        tile[:t.shape[0]] = t
        out.append(tile)
    return np.hstack(out)


def _rec_many(images) -> list[tuple[str, float, list, list | None, float]]:
    """(text, score, per-character scores, per-character time steps, steps in the line) each."""
    import numpy as np
    from rapidocr.ch_ppocr_rec import TextRecInput

    if not images:
        return []
    rec = _engine()._load_rec_model()
    res = rec(TextRecInput(img=[np.dstack([im] * 3) for im in images], return_word_box=True))
    out = []
    for k in range(len(images)):
        txt, score = res.txts[k], float(res.scores[k])
        confs, cols, steps = None, None, 0.0
        try:
            info = res.word_results[k]
            confs = list(info.confs)
            cols = [c for word in info.word_cols for c in word]
            steps = float(info.line_txt_len)
        except (AttributeError, IndexError, TypeError):
            pass
        if confs is None or len(confs) < len(txt):
            confs = [score] * len(txt)
        out.append((txt, score, confs, cols, steps))
    return out


_STRAY = ".,，。、'\"`·:：;；|_~^*"
_INT_WITH_STRAYS = re.compile(r"^[\s" + re.escape(_STRAY) + r"]*([+\-−]?\d[\d,，]*(?:\.\d+)?)[\s" + re.escape(_STRAY) + r"]*$")


def _clean_value(text: str) -> str:
    """Noise specks read as punctuation around a number: '.5' '5。' '|12' -> the number."""
    m = _INT_WITH_STRAYS.match(text)
    if m and m.group(1) != text:
        return m.group(1)
    return text


def _join(boxes: list[_Box]) -> tuple[str, float | None]:
    """Boxes of one cell or paragraph region: lines top to bottom, boxes left to right."""
    if not boxes:
        return "", None
    lines: list[list[_Box]] = []
    for b in sorted(boxes, key=lambda b: (b.y0 + b.y1) / 2):
        mid = (b.y0 + b.y1) / 2
        if lines and mid <= max(x.y1 for x in lines[-1]) and mid >= min(x.y0 for x in lines[-1]):
            lines[-1].append(b)
        else:
            lines.append([b])
    parts = []
    for ln in lines:
        parts.append(" ".join(b.text for b in sorted(ln, key=lambda b: b.x0) if b.text))
    text = _join_lines([p for p in parts if p])
    score = min((b.score for b in boxes if b.text), default=None)
    return text, score


def _join_lines(parts: list[str]) -> str:
    out = ""
    for p in parts:
        if out and (_is_cjk(out[-1]) or _is_cjk(p[0]) or out[-1] in "(（、,，" or p[0] in ")）、,，"):
            out += p
        elif out:
            out += " " + p
        else:
            out = p
    return out


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


def _ink(bw, x0, y0, x1, y1, unit) -> tuple[int, int, int, int] | None:
    """The box around the ink inside a cell (rules and specks left out), or None."""
    import cv2

    m = 4
    sub = bw[y0 + m:y1 - m, x0 + m:x1 - m]
    if sub.size == 0:
        return None
    n, _, stats, _ = cv2.connectedComponentsWithStats(sub, connectivity=8)
    keep = [stats[i] for i in range(1, n) if stats[i][4] >= unit and max(stats[i][2], stats[i][3]) >= unit // 2]
    if not keep:
        return None
    ax0 = min(s[0] for s in keep)
    ay0 = min(s[1] for s in keep)
    ax1 = max(s[0] + s[2] for s in keep)
    ay1 = max(s[1] + s[3] for s in keep)
    return x0 + m + ax0, y0 + m + ay0, x0 + m + ax1, y0 + m + ay1


def _read_page(gray, number: int, result: ScanResult) -> list:
    """Items of one page, top to bottom: ('table', _Frag) and ('lines', [(x0, y0, x1, y1, text)])."""
    import numpy as np

    gray, bw, angle = _deskew(gray)
    if abs(angle) >= 0.05:
        result.warnings.append(f"ocr_deskewed:p{number} {angle:+.2f}deg")
    hmask, vmask, unit = _rules(bw)
    tables = _tables(bw, hmask, vmask, unit)
    boxes = _detect(gray)
    # split boxes at column rules they cross, inside tables
    split: list[_Box] = []
    for b in boxes:
        cy = (b.y0 + b.y1) // 2
        cuts = []
        for x0, y0, x1, y1, ys, xs, _cells in tables:
            if y0 <= cy <= y1:
                cuts = [x for x in xs[1:-1] if b.x0 + 4 < x < b.x1 - 4
                        and vmask[max(0, cy - 2):cy + 3, max(0, x - 3):x + 4].any()]
        if not cuts:
            split.append(b)
            continue
        edges = [b.x0, *cuts, b.x1]
        for a, z in pairwise(edges):
            if z - a > 4:
                split.append(_Box(a + (3 if a != b.x0 else 0), b.y0, z - (3 if z != b.x1 else 0), b.y1))
    boxes = split
    _recognise(gray, boxes)
    boxes = [b for b in boxes if b.text.strip()]

    items: list = []
    placed: set[int] = set()
    for t_x0, t_y0, t_x1, t_y1, ys, xs, cells in tables:
        slot = {}
        for k, (r0, r1, c0, c1) in enumerate(cells):
            for rr in range(r0, r1):
                for cc in range(c0, c1):
                    slot[(rr, cc)] = k
        inside: dict[int, list[_Box]] = {}
        for i, b in enumerate(boxes):
            cx, cy = (b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2
            if not (t_x0 <= cx <= t_x1 and t_y0 <= cy <= t_y1):
                continue
            rr = int(np.searchsorted(ys, cy)) - 1
            cc = int(np.searchsorted(xs, cx)) - 1
            k = slot.get((rr, cc))
            if k is not None:
                inside.setdefault(k, []).append(b)
                placed.add(i)
        frag_cells = []
        retry: list[tuple[int, _Box]] = []
        for k, (r0, r1, c0, c1) in enumerate(cells):
            text, score = _join(inside.get(k, []))
            if not text:
                ink = _ink(bw, xs[c0], ys[r0], xs[c1], ys[r1], unit)
                if ink is not None:
                    retry.append((len(frag_cells), _Box(*ink)))
            frag_cells.append([r0, r1, c0, c1, text, score])
        if retry:
            _recognise(gray, [b for _, b in retry])
            for pos, b in retry:
                if b.text.strip():
                    frag_cells[pos][4], frag_cells[pos][5] = b.text.strip(), b.score
        for fc in frag_cells:
            fc[4] = _clean_value(clean_text(fc[4]))
        items.append((t_y0, "table", _Frag(page=number, ys=list(ys), xs=list(xs), cells=frag_cells,
                                          top=t_y0, bottom=t_y1)))
    # text outside tables: lines, grouped between tables
    rest = [b for i, b in enumerate(boxes) if i not in placed]
    h = gray.shape[0]
    lines = _text_lines(rest)
    lines = [ln for ln in lines if not _page_furniture(ln, h)]
    for ln in lines:
        items.append((ln[1], "line", ln))
    items.sort(key=lambda it: it[0])
    return [(kind, obj) for _, kind, obj in items], gray.shape[1]


_PAGE_NUMBER = re.compile(r"^[-—–_\s·•]*(第\s*)?\d{1,4}(\s*页)?(\s*/\s*\d{1,4})?(\s*共\s*\d{1,4}\s*页)?[-—–_\s·•]*$")


def _page_furniture(line, height: int) -> bool:
    _x0, top, _x1, bottom, text = line
    return (top > height * 0.88 or bottom < height * 0.12) and bool(_PAGE_NUMBER.match(text))


def _text_lines(boxes: list[_Box]):
    lines: list[list[_Box]] = []
    for b in sorted(boxes, key=lambda b: (b.y0 + b.y1) / 2):
        mid = (b.y0 + b.y1) / 2
        if lines and min(x.y0 for x in lines[-1]) <= mid <= max(x.y1 for x in lines[-1]):
            lines[-1].append(b)
        else:
            lines.append([b])
    out = []
    for ln in lines:
        ln.sort(key=lambda b: b.x0)
        text = clean_text(_join_lines([b.text for b in ln]))
        if text:
            out.append((min(b.x0 for b in ln), min(b.y0 for b in ln), max(b.x1 for b in ln),
                        max(b.y1 for b in ln), text))
    return out


# ---- assembling the document ----------------------------------------------------------------

def _assemble(page_items, result: ScanResult) -> list[Block]:
    blocks: list[Block] = []
    pending: list[_Frag] = []
    carry: list[str] | None = None
    n_tables = 0

    def flush_table():
        nonlocal n_tables
        if pending:
            grid = _grid(pending, n_tables, result.confidence)
            pending.clear()
            if grid is not None:
                blocks.append(Block("table", grid=grid))
                n_tables += 1

    for number, (items, width) in page_items:
        text_lines = [obj for kind, obj in items if kind == "line"]
        left, right = _measure(text_lines, width)
        run: list = []

        def flush_lines(run=run, left=left, right=right):
            nonlocal carry
            if run:
                paras, carry = paragraphs(run, left, right, carry, join=_join_lines, min_size=10,
                                          same_size=lambda size: max(4, size * 0.2), centre_slack=1.5)
                for p in paras:
                    t = clean_text(p)
                    if t:
                        blocks.append(Block("para", text=t))
                run.clear()

        for pos, (kind, obj) in enumerate(items):
            if kind == "table":
                flush_lines()
                if carry:
                    blocks.append(Block("para", text=clean_text(_join_lines(carry))))
                    carry = None
                if pending and not (pos == 0 and _continues(pending[-1], obj)):
                    flush_table()
                pending.append(obj)
            else:
                if pending:
                    flush_table()
                run.append(obj)
        flush_lines()
        if items and items[-1][0] != "table":
            flush_table()
    flush_table()
    if carry:
        blocks.append(Block("para", text=clean_text(_join_lines(carry))))
    return blocks


def _measure(lines, width: int) -> tuple[float, float]:
    if not lines:
        return 0.0, float(width)
    lefts: dict[int, int] = {}
    for ln in lines:
        lefts[round(ln[0] / 4)] = lefts.get(round(ln[0] / 4), 0) + 1
    common = max(lefts.items(), key=lambda kv: (kv[1], -kv[0]))[0] * 4
    left = min(ln[0] for ln in lines if abs(ln[0] - common) <= 8)
    right = max(ln[2] for ln in lines)
    return left, right


def _continues(prev: _Frag, nxt: _Frag) -> bool:
    if nxt.page != prev.page + 1:
        return False
    overlap = min(prev.xs[-1], nxt.xs[-1]) - max(prev.xs[0], nxt.xs[0])
    return overlap >= 0.9 * max(prev.xs[-1] - prev.xs[0], nxt.xs[-1] - nxt.xs[0])


def _grid(frags: list[_Frag], index: int, confidence: dict[str, float]) -> PagedGrid | None:
    tol = 8
    xs = _merge_close([x for f in frags for x in f.xs], tol)
    width = min(len(xs) - 1, MAX_COLS)
    if width < 2:
        return None

    def col(x):
        return min(range(len(xs)), key=lambda i: abs(xs[i] - x))

    rows: list[list[GridCell | None]] = []
    row_pages: list[int] = []
    row_in_page: list[int] = []
    origin = 0
    pending_conf: list[tuple[int, int, int, int, float]] = []  # rows, cols, score
    carried: set[int] = set()  # label cells continued across a page break
    for f in frags:
        n = len(f.ys) - 1
        base = len(rows)
        above = rows[-1] if rows else None
        for r in range(n):
            if len(rows) >= MAX_ROWS:
                break
            rows.append([None] * width)
            row_pages.append(f.page)
            row_in_page.append(r)
        for r0, r1, c0, c1, text, score in sorted(f.cells, key=lambda c: (c[0], c[2])):
            g0, g1 = col(f.xs[c0]), min(col(f.xs[c1]), width)
            if g1 <= g0:
                continue
            cell = None
            if not text and above is not None and base + r0 - 1 >= 0:
                # an empty label cell opening a page under a label cell that ran to the break
                # (and the cells a print's repeated border cut that one into): one merged cell
                up = rows[base + r0 - 1][g0]
                if (up is not None and (r0 == 0 or id(up) in carried) and up.col == g0
                        and up.colspan == g1 - g0 and up.text and not _valueish(up.text)):
                    cell = up
                    carried.add(id(up))
            if cell is None:
                cell = GridCell(text=text, key=label_key(text), origin=origin, col=g0, colspan=g1 - g0)
                origin += 1
            for rr in range(base + r0, min(base + r1, len(rows))):
                for cc in range(g0, g1):
                    if rows[rr][cc] is None:
                        rows[rr][cc] = cell
            if score is not None:
                pending_conf.append((base + r0, min(base + r1, len(rows)), g0, g1, score))
    if not rows:
        return None
    grid = PagedGrid(rows=rows, width=width, index=index, page=frags[0].page,
                    row_pages=row_pages, row_in_page=row_in_page)
    for ra, rb, ca, cb, score in pending_conf:
        for rr in range(ra, rb):
            for cc in range(ca, cb):
                confidence[grid.where(rr, cc)] = round(float(score), 4)
    return grid


def _valueish(text: str) -> bool:
    from .values import looks_like_value

    return looks_like_value(text)


# ---- after the cells are read ---------------------------------------------------------------

def mark_cells(report, scan: ScanResult) -> list[str]:
    """Mark OCR'd cells and flag the ones not to trust. Returns the suspect keys.

    Every cell read from a scan gets its engine confidence (the lowest of its characters'); a
    number gets status "ocr" (its value as read). Suspect: a value in a violated identity, a
    number read with confidence below LOW_CONFIDENCE that no holding identity vouches for (the
    T2 counts take part in none), or printed text that is not a number (a misread digit).
    """
    from . import identities

    for cell in report.cells.values():
        if cell.origin is not None and cell.origin in scan.confidence:
            cell.confidence = scan.confidence[cell.origin]
        elif cell.origin is not None:
            cell.confidence = None
        if cell.value is not None and cell.status == "number":
            cell.status = "ocr"
    suspects: list[str] = []

    def flag(key, why):
        if key not in suspects:
            suspects.append(key)
            report.warnings.append(f"ocr_suspect:{key} ({why})")

    failed = {(c.id, c.column) for c in report.checks if not c.ok}
    for ident, column, lhs, rhs in identities.equations(report.cells):
        if (ident, column) in failed:
            for k in lhs + rhs:
                c = report.cells.get(k)
                if c is not None and (c.value is not None or c.raw.strip()):
                    flag(k, f"{ident} {column} violated")
    # a value in an identity that holds is vouched for by the others; one in none is on its own
    held = {(c.id, c.column) for c in report.checks if c.ok}
    vouched = {k for ident, column, lhs, rhs in identities.equations(report.cells)
               if (ident, column) in held for k in lhs + rhs}
    for k, c in report.cells.items():
        if c.status == "text":
            flag(k, "not read as a number")
        elif (c.value is not None and c.confidence is not None and c.confidence < LOW_CONFIDENCE
              and k not in vouched):
            flag(k, f"confidence {c.confidence:.2f}")
    scores = [c.confidence for c in report.cells.values() if c.confidence is not None]
    mean = sum(scores) / len(scores) if scores else 0.0
    report.warnings.insert(0, f"ocr:{scan.pages} pages read by OCR (rapidocr), mean cell confidence {mean:.3f}")
    report.warnings.extend(w for w in scan.warnings if w not in report.warnings)
    if suspects and report.parse_status == "ok":
        report.parse_status = "partial"
        report.reason = f"{len(suspects)} OCR'd values not trusted (ocr_suspect warnings); {report.reason}"
    return suspects
