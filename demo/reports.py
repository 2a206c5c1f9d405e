"""Report pages for the demo portals and benchmarks, in the official table layouts.

`report_body` writes a report as a portal would: the six sections, and the three tables with
the merged cells of the 2019 or 2021 template (spec sections 2 and 3), in the labels of the
template vocabulary (pipelines/data/vocabulary.toml). `vary` derives a
plausible report of another body or year from a real one, keeping every identity true, so
a generated network has years to compare and carry-overs to check. The demo also serves the
real published samples unchanged; generated pages are only there to make the network bigger.
"""

from __future__ import annotations

import html
import random

from zfxxgk.pipelines.parser.labels import APPLICANTS, RESULT_ITEMS_2019, RESULT_ITEMS_2021, T4_BLOCKS, T4_OUTCOMES
from zfxxgk.pipelines.parser.vocabulary import vocabulary

# every label printed here is the vocabulary's (pipelines/data/vocabulary.toml), so the demo's
# reports are the templates the parser reads
_V = vocabulary()
_T3, _T4 = _V.applications, _V.appeals
_GROUPS = {g["key"]: g["label"] for g in _T3.extra["groups"]}
T4_KEYS = [f"appeals.{b}.{o}" for b in T4_BLOCKS for o in T4_OUTCOMES]


def _result_rows(template: str) -> list[tuple[str, str, str | None]]:
    """(printed label, row key, group label) of the result rows under 三、本年度办理结果."""
    items = RESULT_ITEMS_2019 if template == "2019" else RESULT_ITEMS_2021
    return [(r.printed, r.key, _GROUPS.get(r.group)) for r in map(_T3.row, items)]


def _t2_blocks(template: str) -> list[tuple[str, list[str], list[tuple[str, str]], list[str]]]:
    """(caption, column heads, (row label, row key), field keys) of each block of the template's T2.

    An amount column whose printed label names no unit gets the unit the values are in, as
    local versions of the 2019 template print it (采购总金额(单位:万元), spec 2).
    """
    out = []
    for b in _V.layout["2019" if template == "2019" else "2021"]:
        heads = []
        for label, key in b.columns:
            unit = _V.active.column(key).unit
            heads.append(label if unit != "万元" or unit in label else f"{label}（单位：{unit}）")
        out.append((b.caption, heads, list(b.rows), [key for _, key in b.columns]))
    return out


def _fmt(v) -> str:
    if v is None:
        return "&nbsp;"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.4f}".rstrip("0").rstrip(".")
    return str(int(v))


def _td(text, **attrs) -> str:
    a = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f"<td{a}><p>{text}</p></td>"


def tables_html(cells: dict, template: str) -> tuple[str, str, str]:
    """(二 table, 三 table, 四 table) as HTML with the template's merged cells."""
    t2 = ["<table border='1' cellspacing='0'><tbody>"]
    for caption, heads, rows, fields in _t2_blocks(template):
        t2.append(f"<tr>{_td(caption, colspan=4)}</tr>")
        span = 3 // len(heads) if len(heads) in (1, 3) else 1
        head_cells = "".join(_td(h, colspan=span) if len(heads) == 1 else _td(h) for h in heads)
        if len(heads) == 2:
            head_cells = _td(heads[0]) + _td(heads[1], colspan=2)
        t2.append(f"<tr>{_td(_V.active.header[0])}{head_cells}</tr>")
        for label, row in rows:
            vals = [cells.get(f"active.{row}.{f}") for f in fields]
            if len(vals) == 1:
                body = _td(_fmt(vals[0]), colspan=3)
            elif len(vals) == 2:
                body = _td(_fmt(vals[0])) + _td(_fmt(vals[1]), colspan=2)
            else:
                body = "".join(_td(_fmt(v)) for v in vals)
            t2.append(f"<tr>{_td(label)}{body}</tr>")
    t2.append("</tbody></table>")

    rows = _result_rows(template)
    col = {c.key: c.label for c in _T3.columns}
    legal = [c.label for c in _T3.columns if c.group]
    t3 = ["<table border='1' cellspacing='0'><tbody>",
          f"<tr>{_td(_T3.extra['note'], colspan=3, rowspan=3)}{_td(_T3.extra['applicants'], colspan=7)}</tr>",
          f"<tr>{_td(col['natural_person'], rowspan=2)}{_td(_T3.extra['legal'], colspan=len(legal))}"
          f"{_td(col['total'], rowspan=2)}</tr>",
          "<tr>" + "".join(_td(h) for h in legal) + "</tr>"]

    def values(row):
        return "".join(_td(_fmt(cells.get(f"applications.{a}.{row}"))) for a in APPLICANTS)

    for row in ("new_received", "carried_over"):
        t3.append(f"<tr>{_td(_T3.row(row).label, colspan=3)}{values(row)}</tr>")
    n = len(rows) + 1
    group_done = set()
    for i, (label, row, group) in enumerate(rows):
        first = _td(_T3.extra["results"], rowspan=n) if i == 0 else ""
        if group is None:
            t3.append(f"<tr>{first}{_td(label, colspan=2)}{values(row)}</tr>")
        else:
            g = ""
            if group not in group_done:
                g = _td(group, rowspan=sum(1 for r in rows if r[2] == group))
                group_done.add(group)
            t3.append(f"<tr>{first}{g}{_td(label)}{values(row)}</tr>")
    t3.append(f"<tr>{_td(_T3.row('results.total').label, colspan=2)}{values('results.total')}</tr>")
    t3.append(f"<tr>{_td(_T3.row('carried_forward').label, colspan=3)}{values('carried_forward')}</tr>")
    t3.append("</tbody></table>")

    head = [c.label for c in _T4.columns]
    review, direct, after = (_T4.row(b).label for b in T4_BLOCKS)
    t4 = ["<table border='1' cellspacing='0'><tbody>",
          f"<tr>{_td(review, colspan=len(head))}{_td(_T4.extra['litigation'], colspan=2 * len(head))}</tr>",
          "<tr>" + "".join(_td(h, rowspan=2) for h in head) + _td(direct, colspan=len(head))
          + _td(after, colspan=len(head)) + "</tr>",
          "<tr>" + "".join(_td(h) for h in head * 2) + "</tr>",
          "<tr>" + "".join(_td(_fmt(cells.get(k))) for k in T4_KEYS) + "</tr>",
          "</tbody></table>"]
    return "".join(t2), "".join(t3), "".join(t4)


def report_body(agency: str, year: int, template: str, cells: dict, *, published: str) -> str:
    """The report itself: title, the six sections, tables; no portal chrome."""
    t2, t3, t4 = tables_html(cells, template)
    received = cells.get("applications.total.new_received") or 0
    e = html.escape
    h = {s.number: s.heading for s in _V.sections}
    return (
        f"<p style='text-align:center'><b>{e(agency)}{year}年政府信息公开工作年度报告</b></p>"
        f"<p>本报告根据《中华人民共和国政府信息公开条例》编制。报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。</p>"
        f"<p>{h[1]}</p><p>{year}年，{e(agency)}认真贯彻落实《条例》，全年共收到政府信息公开申请{_fmt(received)}件，"
        f"均在法定期限内答复。政务公开工作稳步推进，北京、上海等地的经验得到借鉴。</p>"
        f"<p>{h[2]}</p>{t2}"
        f"<p>{h[3]}</p>{t3}"
        f"<p>{h[4]}</p>{t4}"
        f"<p>{h[5]}</p><p>一是公开内容的及时性有待提高；二是解读形式较为单一。下一步将加强培训，完善行政复议答复工作。</p>"
        f"<p>{h[6]}</p><p>本年度未收取信息处理费。</p>"
        f"<p style='text-align:right'>{e(agency)}</p><p style='text-align:right'>{published[:4]}年{int(published[5:7])}月{int(published[8:10])}日</p>"
    )


def vary(cells: dict, template: str, seed: int, carried_over: dict | None = None) -> dict:
    """A plausible report derived from `cells`: numbers scaled, identities kept.

    carried_over: applicant -> last year's 结转下年度, to make consecutive years agree (X1).
    """
    rnd = random.Random(seed)
    scale = rnd.choice([0.5, 0.8, 1.0, 1.3, 2.0])
    out: dict = {}
    legal = APPLICANTS[:-1]
    result_rows = [r for _, r, _ in _result_rows(template)]
    for a in legal:
        total_results = 0
        for row in result_rows:
            base = cells.get(f"applications.{a}.{row}")
            v = int(round((base or 0) * scale + (rnd.random() < 0.15) * (a == "natural_person")))
            out[f"applications.{a}.{row}"] = v
            total_results += v
        out[f"applications.{a}.results.total"] = total_results
        cf = int(round((cells.get(f"applications.{a}.carried_forward") or 0) * scale))
        co = (carried_over or {}).get(a)
        if co is None:
            co = int(round((cells.get(f"applications.{a}.carried_over") or 0) * scale))
        co = min(co, total_results + cf)  # new_received = results + cf - co must not go negative
        out[f"applications.{a}.carried_over"] = co
        out[f"applications.{a}.carried_forward"] = cf
        out[f"applications.{a}.new_received"] = total_results + cf - co
    for row in result_rows + ["results.total", "carried_over", "carried_forward", "new_received"]:
        out[f"applications.total.{row}"] = sum(out[f"applications.{a}.{row}"] for a in legal)
    outcomes = [o for o in T4_OUTCOMES if o != "total"]
    for block in T4_BLOCKS:
        parts = [int(round((cells.get(f"appeals.{block}.{o}") or 0) * scale)) for o in outcomes]
        for o, v in zip(outcomes, parts):
            out[f"appeals.{block}.{o}"] = v
        out[f"appeals.{block}.total"] = sum(parts)
    for _caption, _heads, rows, fields in _t2_blocks(template):
        for _, row in rows:
            for f in fields:
                base = cells.get(f"active.{row}.{f}")
                if base is None:
                    base = rnd.randint(0, 40)
                if f == "amount_wan_yuan":
                    out[f"active.{row}.{f}"] = round(float(base) * scale + rnd.random(), 2)
                elif f == "change":
                    out[f"active.{row}.{f}"] = int(base) + rnd.randint(-3, 3)
                else:
                    out[f"active.{row}.{f}"] = int(round(abs(base) * scale))
    return out
