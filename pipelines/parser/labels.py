"""Which printed label means which canonical key (spec sections 2, 3, 6.4, 7).

The labels, their cores and the keys are the template vocabulary's (pipelines/data/
vocabulary.toml, read by `vocabulary.py`); this module is how they are matched. Labels are
matched on their distinctive core (国家秘密, 三安全一稳定, 不掌握 ...) after
`label_key` normalisation, never on their position, so typos, renumbering, traditional
characters and the small wording changes between the 2019 and 2021 templates still land on
the same key.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .normalize import label_key
from .vocabulary import vocabulary

_V = vocabulary()
_T2, _T3, _T4 = _V.active, _V.applications, _V.appeals

APPLICANTS = tuple(c.key for c in _T3.columns)


@lru_cache(maxsize=4096)
def split_key(key: str) -> tuple[str, str, str]:
    """'applications.legal.commercial.results.granted' -> (applications, results.granted, legal.commercial).

    (table, row, column) of a canonical cell key; applicant names contain dots themselves.
    """
    table, rest = key.split(".", 1)
    if table == "applications":
        for a in APPLICANTS:
            if rest.startswith(a + "."):
                return table, rest[len(a) + 1:], a
    if table in ("active", "appeals"):
        row, _, col = rest.rpartition(".")
        return table, row, col
    return table, rest, ""

# T3 rows of the templates, in template order (a publisher's own subtotal rows are not).
T3_ROW_ORDER = [r.key for r in _T3.rows if r.in_template]
_T3_TEMPLATE = {r.key: r.template for r in _T3.rows}

# Rows of each result group, for I3 and the derived subtotals.
RESULT_ITEMS_2019 = [k for k in T3_ROW_ORDER if k.startswith("results.") and k != "results.total"
                     and _T3_TEMPLATE[k] in ("both", "2019")]
RESULT_ITEMS_2021 = [k for k in T3_ROW_ORDER if k.startswith("results.") and k != "results.total"
                     and _T3_TEMPLATE[k] in ("both", "2021")]

T3_GROUPS = tuple(tuple(p) for p in _T3.extra["match_groups"])
_T3_TOTAL = tuple(tuple(p) for p in _T3.extra["match_total"])
_T3_SUBTOTAL_CORES = tuple(_T3.extra["match_subtotal"])
_T3_SUBTOTAL = {r.group: r.key for r in _T3.rows if not r.in_template}
_T3_GROUP_ROWS = tuple(tuple(p) for p in _T3.extra["match_group_rows"])
_T3_IN_GROUP = {(g, label): key for g, label, key in _T3.extra["match_in_group"]}

_ENUM = re.compile(r"^(?:[一二三四五六七八九十]{1,3}|\d{1,2})")


def strip_enum(key: str) -> str:
    """'三本年度办理结果' -> '本年度办理结果', '3其他' -> '其他' (one leading enumerator)."""
    return _ENUM.sub("", key, count=1)


def t3_group_of(key: str) -> str | None:
    for core, group in T3_GROUPS:
        if core in key:
            return group
    return None


def match_t3_row(label_keys: list[str], group: str | None) -> tuple[str | None, str | None]:
    """Match a T3 row from its label cells (outermost first). Returns (row key, group).

    The innermost label decides; the group cell (（三）不予公开 ...) gives context for the
    labels that are only distinctive inside their group ("3.其他").
    """
    for k in label_keys:
        g = t3_group_of(k)
        if g:
            group = g
    if not label_keys:
        return None, group
    last = strip_enum(label_keys[-1])
    if not last:
        return None, group
    total = next((row for core, row in _T3_TOTAL if core in last), None)
    subtotal = any(c in last for c in _T3_SUBTOTAL_CORES)
    if total:
        return (None if subtotal else total), group
    if subtotal:
        return _T3_SUBTOTAL.get(group), group
    for core, row in _T3.match_rows:
        if core in last:
            return row, group
    for name, row in _T3_GROUP_ROWS:
        if last.startswith(name):
            return row, t3_group_of(name)
    if (group, last) in _T3_IN_GROUP:
        return _T3_IN_GROUP[(group, last)], group
    g = t3_group_of(last)
    if g:
        return None, g  # a bare group label: no values of its own
    return None, group


_T3_OTHER = tuple(_T3.extra["other_column"])
_T3_LEGAL_CORE = _T3.extra["legal_core"]


def t3_applicant(header_key: str) -> str | None:
    """The applicant column a T3 header cell names."""
    k = header_key
    if not k:
        return None
    for core, applicant in _T3.match_columns:
        if core in k:
            return applicant
    if k in _T3_OTHER or (k.endswith(_T3_OTHER[0]) and _T3_LEGAL_CORE not in k):
        return "legal.other"
    return None


T3_HEADER_CORES = _T3.header


_T3_HEADER = re.compile("|".join(T3_HEADER_CORES))


def is_t3_header(keys: list[str]) -> bool:
    return bool(_T3_HEADER.search("|".join(keys)))



# ---- T2 -----------------------------------------------------------------------------------

T2_ROWS = _T2.match_rows


def match_t2_row(key: str) -> str | None:
    k = strip_enum(key)
    if not k or len(k) > 16:
        return None
    for core, row in T2_ROWS:
        if core in k:
            return row
    return None


# Column header cores -> field, most specific first.
T2_FIELDS = _T2.match_columns

# Which fields exist for which row: those of either template's layout; anything else is
# recorded with a warning.
T2_VALID: dict[str, set[str]] = {}
# Column order of each block when no header row can be read (flattened text, missing header).
T2_DEFAULT_FIELDS: dict[tuple[str, str], list[str]] = {}
for _tpl, _blocks in _V.layout.items():
    for _block in _blocks:
        for _, _row in _block.rows:
            T2_DEFAULT_FIELDS[(_row, _tpl)] = [c for _, c in _block.columns]
            T2_VALID.setdefault(_row, set()).update(c for _, c in _block.columns)


def _single(templates) -> str | None:
    """The one template all of these are of; None for 'both' or a mix."""
    found = set(templates)
    return next(iter(found)) if len(found) == 1 and "both" not in found else None


_T2_CELL_TEMPLATE = {(r, c): _V.t2_cell_template(r, c) for r in T2_VALID for c in T2_VALID[r]}
_T2_COLUMN_TEMPLATE = {c.key: _single(t for (_, col), t in _T2_CELL_TEMPLATE.items() if col == c.key)
                       for c in _T2.columns}
_T2_ROW_TEMPLATE = {r.key: _single(t for (row, _), t in _T2_CELL_TEMPLATE.items() if row == r.key)
                    for r in _T2.rows}


def t2_evidence(row: str, fld: str) -> list[str]:
    """The templates a T2 cell is evidence of, strongest first.

    A cell only one template prints says that template; a cell neither prints (a misread
    header) says its column's, when all the column's cells are of one template; a row all of
    whose cells are of one template (其他对外管理服务事项, 政府集中采购: 2019) says that too.
    """
    cell = _T2_CELL_TEMPLATE.get((row, fld))
    first = _single([cell]) if cell else _T2_COLUMN_TEMPLATE.get(fld)
    return [t for t in (first, _T2_ROW_TEMPLATE.get(row)) if t]


def t2_field(header_key: str) -> str | None:
    for core, fld in T2_FIELDS:
        if core in header_key:
            return fld
    return None


def t2_fields_in(text_key: str) -> list[str]:
    """All fields named in a run of header text, in printed order.

    Flattened text prints "本年新 / 制作数量 / 本年新 / 公开数量 ..." one fragment per line;
    joining the fragments and finding each core's position recovers the columns.
    """
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for core, fld in T2_FIELDS:
        start = 0
        while True:
            i = text_key.find(core, start)
            if i < 0:
                break
            span = (i, i + len(core))
            if not any(a < span[1] and span[0] < b for a, b in taken):
                taken.append(span)
                found.append((i, fld))
            start = i + 1
    return [f for _, f in sorted(found)]


def header_unit(text: str) -> str | None:
    if "万元" in text:
        return "万元"
    if re.search(r"[(（:：]\s*元|单位\s*[:：]?\s*元|金额\s*[(（]?\s*元", text):
        return "元"
    return None


_CAPTION = re.compile(r"第二十条第([一二三四五六七八九十]+)项")


def t2_caption(key: str) -> str | None:
    m = _CAPTION.search(key)
    return m.group(1) if m and len(key) < 30 else None


def is_t2_header(keys: list[str]) -> bool:
    return any(core in k for k in keys for core in _T2.header)


# ---- T4 -----------------------------------------------------------------------------------

T4_BLOCKS = tuple(r.key for r in _T4.rows)
T4_OUTCOMES = tuple(c.key for c in _T4.columns)
T4_DEFAULT_COLUMNS = [f"{b}.{o}" for b in T4_BLOCKS for o in T4_OUTCOMES]
T4_HEADER_CORES = _T4.header


_T4_HEADER = re.compile("|".join(T4_HEADER_CORES))


def is_t4_header(keys: list[str]) -> bool:
    return bool(_T4_HEADER.search("|".join(keys)))


def t4_block(path_keys: list[str]) -> str | None:
    joined = "".join(path_keys)
    return next((block for core, block in _T4.match_rows if core in joined), None)


def t4_outcome(key: str) -> str | None:
    return next((outcome for core, outcome in _T4.match_columns if core in key), None)


# ---- sections -----------------------------------------------------------------------------

SECTION_NAMES = {s.number: s.key for s in _V.sections}
_SECTION_CORES = {s.number: s.match for s in _V.sections}
_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_HEADING = re.compile(r"^\s*(?:第)?([一二三四五六])\s*(?:部分)?\s*[、.．,，:：是\s]\s*(.{2,40}?)\s*[。:：]?\s*$")


def section_heading(text: str) -> int | None:
    """The section number (1-6) a paragraph is the heading of, or None."""
    if len(text) > 48:
        return None
    m = _HEADING.match(text)
    if not m:
        return None
    n = _NUMERALS[m.group(1)]
    body = label_key(m.group(2))
    if any(c in body for c in _SECTION_CORES[n]):
        return n
    return None
