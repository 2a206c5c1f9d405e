"""Who published the report, for which year, and when.

Portals print these in many places: the <title>, CMS <meta> tags (ArticleTitle, PubDate,
ContentSource), a metadata table above the body (发布机构, 发文日期), the report's own
title line, its "统计期限" sentence, the signature date at its end. Each is tried in order
of how much it can be trusted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import clean_text, fold, fold_offsets, original_span

_TITLE = re.compile(
    r"(?:(?P<y1>(?:19|20)\d{2})\s*年度?\s*)?(?P<agency>[\u4e00-\u9fff（）()·]{2,40}?)?\s*"
    r"(?:(?P<y2>(?:19|20)\d{2})\s*年度?\s*)?(?:政府)?信息公开(?:工作)?(?:年度)?(?:报告|年报)"
)
_DECOY = re.compile(r"^(?:关于|转发|印发)|通知$|的通知|编制工作|报送工作")
_PERIOD = re.compile(r"(?:统计期限|统计时限|统计区间|数据统计)[^。]{0,20}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_LABELED_DATE = re.compile(
    r"(?:发布日期|发布时间|发文日期|成文日期|公开日期|印发日期|生成日期|时\s*间|日\s*期)\s*[:：]?\s*"
    r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})"
)
_ANY_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")
_AGENCY_LABEL = re.compile(
    r"(?:发布机构|发文机关|发布单位|信息来源|来\s*源|报告主体|主办单位|公开主体)\s*[:：]\s*([\u4e00-\u9fff（）()]{3,40})"
)
_AGENCY_TAIL = re.compile(r"(?:政府信息公开|关于|主题分类|索引号|发文日期|发布日期).*$")
# Markup in front of a line that is not part of its text: markdown (# heading, > quote, list
# bullets, **bold**) as PDF-to-markdown converters write it, an archive's "标题：" field name.
_MARKUP = re.compile(r"^(?:\s*(?:#{1,6}|>|[-*+](?=\s))\s*|\s*标题\s*[:：]\s*)+")
_EMPHASIS = re.compile(r"\*\*|__")
# Words that put a title match inside a sentence about another document: the template's own
# name 《中华人民共和国政府信息公开工作年度报告格式》, a notice that 印发/转发 a report ...
_NOT_AN_AGENCY = re.compile(r"印发|转发|关于|根据|按照|依据|通知|要求|^中华人民共和国$")
# A bare place name (三明市): the report of a place is its people's government's.
_PLACE = re.compile(r"^[\u4e00-\u9fff]{1,12}?(?:省|自治区|市|自治州|州|盟|县|自治县|旗|区|镇|乡)$")
_ORGAN = re.compile(r"(?:政府|委员会|办公室|办公厅|局|厅|部|委|院|署|会|中心|所|站|处|队|社|馆|集团|公司|管委会)$")


@dataclass
class Meta:
    title: str | None = None
    year: int | None = None
    agency: str | None = None
    published_at: str | None = None
    decoy_title: str | None = None  # the document's own title is a notice *about* reports


def parse_title(text: str) -> tuple[int | None, str | None] | None:
    """Year and issuing body (as printed) from a report title; None if the text is not such a title.

    The patterns read the folded line (ASCII digits and brackets, simplified characters); the
    body's name is cut from the line as printed.
    """
    line = _unmarked(text)
    t, where = fold_offsets(line)
    if _DECOY.search(t):
        return None
    m = _TITLE.search(t)
    if not m:
        return None
    if t[m.end():m.end() + 2] == "格式":
        return None  # 《…年度报告格式》: the template's name, in a sentence citing it
    year = m.group("y1") or m.group("y2")
    start, end = m.span("agency") if m.group("agency") else (0, 0)
    # spaces, dots and brackets left open at either end go; "…局（…执法局）" keeps its pair
    while start < end:
        opened = t.count("(", start, end) - t.count(")", start, end)
        if t[start] in " ·" or (t[start] == "(" and opened > 0) or (t[start] == ")"):
            start += 1
        elif t[end - 1] in " ·(" or (t[end - 1] == ")" and opened < 0):
            end -= 1
        elif t[start] == "(" and _closes_at(t, start) == end - 1:  # the whole name in brackets
            start, end = start + 1, end - 1
        else:
            break
    lead = re.match(r"(?:关于|公布|发布)", t[start:end])
    if lead:
        start += lead.end()
    if start < end and _NOT_AN_AGENCY.search(t[start:end]):
        return None  # a sentence about a report, not a report's title
    a, b = original_span(where, start, end)
    return (int(year) if year else None), (line[a:b] or None)


def _closes_at(text: str, opening: int) -> int:
    """Where the bracket opened at `opening` closes; -1 if it does not."""
    depth = 0
    for i in range(opening, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
    return -1


def _unmarked(text: str) -> str:
    """A line as printed, without markup around it (markdown, an archive's "标题：")."""
    return _MARKUP.sub("", _EMPHASIS.sub("", clean_text(text))).strip()


def _plain(text: str) -> str:
    """A line's text without markup, folded: what its title tests read."""
    return fold(_unmarked(text))


def _date(y, m, d) -> str | None:
    y, m, d = int(y), int(m), int(d)
    if 1 <= m <= 12 and 1 <= d <= 31 and 1990 <= y <= 2100:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return None


def is_decoy_title(text: str) -> bool:
    """A title that names the reports but is a notice, a plan or a guide about them."""
    t = _plain(text)
    return bool(_DECOY.search(t)) and bool(_TITLE.search(t))


def extract(title_candidates: list[str], meta_tags: dict[str, str], body_lines: list[str],
            page_text: str, own_titles: list[str] = ()) -> Meta:
    """Combine every source; the first credible one wins for each field.

    own_titles are the lines the document itself opens with; if the first of them that
    names a report is a notice about reports, the document is that notice, whatever the
    portal's <title> says.
    """
    out = Meta()
    for line in own_titles:
        if is_decoy_title(line):
            out.decoy_title = clean_text(line)
            break
        if parse_title(line):
            break
    for cand in title_candidates:
        for piece in re.split(r"\s*[_|｜]\s*|\s+-\s+", cand):
            parsed = parse_title(piece)
            if parsed and (parsed[0] or parsed[1]):
                out.title = _unmarked(piece)
                out.year, out.agency = parsed
                break
        if out.title:
            break
    if out.agency and _PLACE.match(fold(out.agency)) and not _ORGAN.search(fold(out.agency)):
        # "三明市2021年…报告": the text names the body ("现公布三明市人民政府2021年…"),
        # however a text extraction cut the name over lines
        flat = re.sub(r"\s+", "", page_text)
        if out.agency + "人民政府" in flat:
            out.agency += "人民政府"

    # dates and periods are read in ASCII digits, whatever width the page prints them in
    folded_page = fold(page_text)
    if not out.year:
        m = _PERIOD.search(folded_page)
        if m:
            out.year = int(m.group(1))
    if not out.agency:
        for name in ("contentsource", "author", "source"):
            v = meta_tags.get(name, "").strip()
            if v and len(v) <= 40 and re.search(r"[\u4e00-\u9fff]", v):
                out.agency = clean_text(v)
                break
    if not out.agency:
        m = _AGENCY_LABEL.search(page_text)
        if m:
            out.agency = _AGENCY_TAIL.sub("", m.group(1)) or None

    for name in ("pubdate", "publishdate", "firstpublishedtime", "dc.date"):
        v = meta_tags.get(name)
        if v:
            m = _ISO_DATE.search(v)
            if m:
                out.published_at = _date(*m.groups())
                if out.published_at:
                    break
    if not out.published_at:
        m = _LABELED_DATE.search(folded_page)
        if m:
            out.published_at = _date(*m.groups())
    if not out.published_at:
        # the signature date at the end of the report: the last full date in its last lines
        for line in reversed(body_lines[-8:]):
            dates = _ANY_DATE.findall(fold(line))
            if dates and len(line) < 40:
                out.published_at = _date(*dates[-1])
                break
    return out
