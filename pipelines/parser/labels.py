"""The template's vocabulary: which printed label means which canonical key (spec sections 2, 3, 6.4, 7).

Labels are matched on their distinctive core (国家秘密, 三安全一稳定, 不掌握 ...) after
`label_key` normalisation, never on their position, so typos, renumbering, traditional
characters and the small wording changes between the 2019 and 2021 templates still land on
the same key.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .normalize import label_key

APPLICANTS = ("natural_person", "legal.commercial", "legal.research", "legal.public_interest",
              "legal.legal_service", "legal.other", "total")


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

# T3 rows, in template order. (row key, cores, template) - template None means both.
T3_ROWS: list[tuple[str, tuple[str, ...], str | None]] = [
    ("new_received", ("本年新收",), None),
    ("carried_over", ("上年结转",), None),
    ("results.granted", ("予以公开",), None),
    ("results.partially_granted", ("部分公开",), None),
    ("results.denied.state_secret", ("国家秘密",), None),
    ("results.denied.law_prohibited", ("禁止公开", "法规禁止", "其他法律行政"), None),
    ("results.denied.three_security_one_stability", ("三安全", "一稳定"), None),
    ("results.denied.third_party_rights", ("第三方",), None),
    ("results.denied.internal_affairs", ("内部事务", "内容事务", "三类内部"), None),
    ("results.denied.process_info", ("过程性",), None),
    ("results.denied.enforcement_file", ("执法案卷",), None),
    ("results.denied.admin_query", ("查询事项", "行政查询"), None),
    ("results.unable.not_held", ("不掌握",), None),
    ("results.unable.needs_creation", ("另行制作", "没有现成"), None),
    ("results.unable.unclear_after_correction", ("补正后", "仍不明确"), None),
    ("results.not_processed.petition_complaint", ("信访", "举报投诉"), None),
    ("results.not_processed.duplicate", ("重复申请",), None),
    ("results.not_processed.publication", ("出版物",), None),
    ("results.not_processed.excessive_repeat", ("大量反复", "反复申请"), None),
    ("results.not_processed.confirm_or_reissue", ("重新出具", "确认或重新"), None),
    ("results.other.total", (), "2019"),  # the single （六）其他处理 row; matched as a group label
    ("results.other.no_correction", ("逾期不补正", "不补正"), "2021"),
    ("results.other.fee_unpaid", ("缴纳费用", "收费通知", "未按收费"), "2021"),
    ("results.other.other", (), "2021"),  # "3.其他" under （六）; matched with the group
    ("results.total", (), None),  # （七）总计
    ("carried_forward", ("结转下年", "下年度继续"), None),
]
T3_ROW_ORDER = [r[0] for r in T3_ROWS]

# Rows of each result group, for I3 and the derived subtotals.
RESULT_ITEMS_2019 = [k for k in T3_ROW_ORDER if k.startswith("results.")
                     and k not in ("results.total", "results.other.no_correction",
                                   "results.other.fee_unpaid", "results.other.other")]
RESULT_ITEMS_2021 = [k for k in T3_ROW_ORDER if k.startswith("results.")
                     and k not in ("results.total", "results.other.total")]

T3_GROUPS = (("不予公开", "denied"), ("无法提供", "unable"), ("不予处理", "not_processed"),
             ("其他处理", "other"))

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
    if "总计" in last or "合计" in last:
        if "小计" in last:
            return None, group
        return "results.total", group
    if "小计" in last:
        return (f"results.{group}.subtotal" if group else None), group
    for row, cores, _tpl in T3_ROWS:
        if any(c in last for c in cores):
            return row, group
    if last.startswith("其他处理") or last == "其他处理":
        return "results.other.total", "other"
    if group == "other" and last in ("其他", "其他情形", "其他情况"):
        return "results.other.other", group
    g = t3_group_of(last)
    if g:
        return None, g  # a bare group label: no values of its own
    return None, group


# Header cells of T3: the applicant columns.
def t3_applicant(header_key: str) -> str | None:
    k = header_key
    if not k:
        return None
    if "自然人" in k:
        return "natural_person"
    if "商业" in k or "企业" in k:
        return "legal.commercial"
    if "科研" in k:
        return "legal.research"
    if "公益" in k:
        return "legal.public_interest"
    if "法律服务" in k:
        return "legal.legal_service"
    if "总计" in k or "合计" in k:
        return "total"
    if k in ("其他", "其他组织") or (k.endswith("其他") and "法人或其他" not in k):
        return "legal.other"
    return None


T3_HEADER_CORES = ("自然人", "商业企业", "科研机构", "法人或其他组织", "申请人情况", "勾稽关系",
                   "社会公益", "法律服务机构")


_T3_HEADER = re.compile("|".join(T3_HEADER_CORES))


def is_t3_header(keys: list[str]) -> bool:
    return bool(_T3_HEADER.search("|".join(keys)))



# ---- T2 -----------------------------------------------------------------------------------

T2_ROWS = (
    ("规范性文件", "normative_docs"),
    ("规章", "regulations"),
    ("行政许可", "licensing"),
    ("对外管理服务", "other_admin_services"),
    ("行政处罚", "penalty"),
    ("行政强制", "coercion"),
    ("事业性收费", "fees"),
    ("集中采购", "procurement"),
)


def match_t2_row(key: str) -> str | None:
    k = strip_enum(key)
    if not k or len(k) > 16:
        return None
    for core, row in T2_ROWS:
        if core in k:
            return row
    return None


# Column header cores -> field, most specific first.
T2_FIELDS = (
    ("处理决定", "decisions"),
    ("收费金额", "amount_wan_yuan"),
    ("采购项目", "projects"),
    ("总金额", "amount_wan_yuan"),
    ("采购金额", "amount_wan_yuan"),
    ("上一年项目", "prev_year_items"),
    ("上年项目", "prev_year_items"),
    ("增减", "change"),
    ("本年增", "change"),
    ("新制作", "new_made"),
    ("新公开", "new_published"),
    ("公开总数", "total_published"),
    ("对外公开总", "total_published"),
    ("制发", "issued"),
    ("废止", "repealed"),
    ("现行有效", "in_force"),
    ("本年数量", "change"),  # 二郎镇2019 prints 本年增/减 as 本年数量
)

T2_FIELDS_2019 = {"new_made", "new_published", "total_published", "prev_year_items", "change"}
T2_FIELDS_2021 = {"issued", "repealed", "in_force"}

# Which fields exist for which row (spec 7.1); anything else is recorded with a warning.
T2_VALID = {
    "regulations": {"new_made", "new_published", "total_published", "issued", "repealed", "in_force"},
    "normative_docs": {"new_made", "new_published", "total_published", "issued", "repealed", "in_force"},
    "licensing": {"prev_year_items", "change", "decisions"},
    "other_admin_services": {"prev_year_items", "change", "decisions"},
    "penalty": {"prev_year_items", "change", "decisions"},
    "coercion": {"prev_year_items", "change", "decisions"},
    "fees": {"prev_year_items", "change", "amount_wan_yuan"},
    "procurement": {"projects", "amount_wan_yuan"},
}

# Column order of each block when no header row can be read (flattened text, missing header).
T2_DEFAULT_FIELDS = {
    ("regulations", "2019"): ["new_made", "new_published", "total_published"],
    ("normative_docs", "2019"): ["new_made", "new_published", "total_published"],
    ("regulations", "2021"): ["issued", "repealed", "in_force"],
    ("normative_docs", "2021"): ["issued", "repealed", "in_force"],
    ("licensing", "2019"): ["prev_year_items", "change", "decisions"],
    ("other_admin_services", "2019"): ["prev_year_items", "change", "decisions"],
    ("penalty", "2019"): ["prev_year_items", "change", "decisions"],
    ("coercion", "2019"): ["prev_year_items", "change", "decisions"],
    ("fees", "2019"): ["prev_year_items", "change"],
    ("procurement", "2019"): ["projects", "amount_wan_yuan"],
    ("licensing", "2021"): ["decisions"],
    ("penalty", "2021"): ["decisions"],
    ("coercion", "2021"): ["decisions"],
    ("fees", "2021"): ["amount_wan_yuan"],
}


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
    return any("信息内容" in k for k in keys)


# ---- T4 -----------------------------------------------------------------------------------

T4_BLOCKS = ("admin_review", "litigation_direct", "litigation_after_review")
T4_OUTCOMES = ("upheld", "corrected", "other", "pending", "total")
T4_DEFAULT_COLUMNS = [f"{b}.{o}" for b in T4_BLOCKS for o in T4_OUTCOMES]
T4_HEADER_CORES = ("行政复议", "行政诉讼", "结果维持", "结果纠正", "直接起诉", "复议后起诉", "尚未审结")


_T4_HEADER = re.compile("|".join(T4_HEADER_CORES))


def is_t4_header(keys: list[str]) -> bool:
    return bool(_T4_HEADER.search("|".join(keys)))


def t4_block(path_keys: list[str]) -> str | None:
    joined = "".join(path_keys)
    if "直接起诉" in joined or "未经复议" in joined:
        return "litigation_direct"
    if "复议后" in joined:
        return "litigation_after_review"
    if "行政复议" in joined:
        return "admin_review"
    return None


def t4_outcome(key: str) -> str | None:
    if "维持" in key:
        return "upheld"
    if "纠正" in key:
        return "corrected"
    if "未审结" in key or "尚未" in key:
        return "pending"
    if "总计" in key or "合计" in key:
        return "total"
    if "其他" in key:
        return "other"
    return None


# ---- sections -----------------------------------------------------------------------------

SECTION_NAMES = {1: "overview", 2: "active", 3: "applications", 4: "appeals", 5: "problems", 6: "other"}
_SECTION_CORES = {
    1: ("总体情况", "概述", "基本情况", "总体"),
    2: ("主动公开",),
    3: ("依申请", "申请情况", "收到和处理", "申请公开"),
    4: ("复议", "诉讼"),
    5: ("问题", "改进"),
    6: ("其他需要报告", "其他事项", "其他需报告", "需要报告", "其他"),
}
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
