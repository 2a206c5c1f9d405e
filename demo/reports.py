"""Report pages for the demo portals and benchmarks, in the official table layouts.

`render_report` writes a report as a portal would: the six sections, and the three tables with
the merged cells of the 2019 or 2021 template (spec sections 2 and 3). `vary` derives a
plausible report of another body or year from a real one, keeping every identity true, so
a generated network has years to compare and carry-overs to check. The demo also serves the
real published samples unchanged; generated pages are only there to make the network bigger.
"""

from __future__ import annotations

import html
import random

APPLICANTS = ("natural_person", "legal.commercial", "legal.research", "legal.public_interest",
              "legal.legal_service", "legal.other", "total")
RESULT_ROWS_2019 = [
    ("（一）予以公开", "results.granted", None),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "results.partially_granted", None),
    ("1.属于国家秘密", "results.denied.state_secret", "（三）不予公开"),
    ("2.其他法律行政法规禁止公开", "results.denied.law_prohibited", "（三）不予公开"),
    ("3.危及“三安全一稳定”", "results.denied.three_security_one_stability", "（三）不予公开"),
    ("4.保护第三方合法权益", "results.denied.third_party_rights", "（三）不予公开"),
    ("5.属于三类内部事务信息", "results.denied.internal_affairs", "（三）不予公开"),
    ("6.属于四类过程性信息", "results.denied.process_info", "（三）不予公开"),
    ("7.属于行政执法案卷", "results.denied.enforcement_file", "（三）不予公开"),
    ("8.属于行政查询事项", "results.denied.admin_query", "（三）不予公开"),
    ("1.本机关不掌握相关政府信息", "results.unable.not_held", "（四）无法提供"),
    ("2.没有现成信息需要另行制作", "results.unable.needs_creation", "（四）无法提供"),
    ("3.补正后申请内容仍不明确", "results.unable.unclear_after_correction", "（四）无法提供"),
    ("1.信访举报投诉类申请", "results.not_processed.petition_complaint", "（五）不予处理"),
    ("2.重复申请", "results.not_processed.duplicate", "（五）不予处理"),
    ("3.要求提供公开出版物", "results.not_processed.publication", "（五）不予处理"),
    ("4.无正当理由大量反复申请", "results.not_processed.excessive_repeat", "（五）不予处理"),
    ("5.要求行政机关确认或重新出具已获取信息", "results.not_processed.confirm_or_reissue", "（五）不予处理"),
]
OTHER_2019 = [("（六）其他处理", "results.other.total", None)]
OTHER_2021 = [
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "results.other.no_correction", "（六）其他处理"),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "results.other.fee_unpaid", "（六）其他处理"),
    ("3.其他", "results.other.other", "（六）其他处理"),
]
T2_2019 = [
    ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
     [("规章", "regulations"), ("规范性文件", "normative_docs")], ["new_made", "new_published", "total_published"]),
    ("第二十条第（五）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
     [("行政许可", "licensing"), ("其他对外管理服务事项", "other_admin_services")], ["prev_year_items", "change", "decisions"]),
    ("第二十条第（六）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
     [("行政处罚", "penalty"), ("行政强制", "coercion")], ["prev_year_items", "change", "decisions"]),
    ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], [("行政事业性收费", "fees")], ["prev_year_items", "change"]),
    ("第二十条第（九）项", ["采购项目数量", "采购总金额（单位：万元）"], [("政府集中采购", "procurement")],
     ["projects", "amount_wan_yuan"]),
]
T2_2021 = [
    ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"],
     [("规章", "regulations"), ("行政规范性文件", "normative_docs")], ["issued", "repealed", "in_force"]),
    ("第二十条第（五）项", ["本年处理决定数量"], [("行政许可", "licensing")], ["decisions"]),
    ("第二十条第（六）项", ["本年处理决定数量"], [("行政处罚", "penalty"), ("行政强制", "coercion")], ["decisions"]),
    ("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("行政事业性收费", "fees")], ["amount_wan_yuan"]),
]
T4_HEAD = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
T4_KEYS = [f"appeals.{b}.{o}" for b in ("admin_review", "litigation_direct", "litigation_after_review")
           for o in ("upheld", "corrected", "other", "pending", "total")]


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
    for caption, heads, rows, fields in (T2_2019 if template == "2019" else T2_2021):
        t2.append(f"<tr>{_td(caption, colspan=4)}</tr>")
        span = 3 // len(heads) if len(heads) in (1, 3) else 1
        head_cells = "".join(_td(h, colspan=span) if len(heads) == 1 else _td(h) for h in heads)
        if len(heads) == 2:
            head_cells = _td(heads[0]) + _td(heads[1], colspan=2)
        t2.append(f"<tr>{_td('信息内容')}{head_cells}</tr>")
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

    other = OTHER_2019 if template == "2019" else OTHER_2021
    rows = RESULT_ROWS_2019 + other
    t3 = ["<table border='1' cellspacing='0'><tbody>",
          f"<tr>{_td('（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）', colspan=3, rowspan=3)}"
          f"{_td('申请人情况', colspan=7)}</tr>",
          f"<tr>{_td('自然人', rowspan=2)}{_td('法人或其他组织', colspan=5)}{_td('总计', rowspan=2)}</tr>",
          "<tr>" + "".join(_td(h) for h in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")) + "</tr>"]

    def values(row):
        return "".join(_td(_fmt(cells.get(f"applications.{a}.{row}"))) for a in APPLICANTS)

    t3.append(f"<tr>{_td('一、本年新收政府信息公开申请数量', colspan=3)}{values('new_received')}</tr>")
    t3.append(f"<tr>{_td('二、上年结转政府信息公开申请数量', colspan=3)}{values('carried_over')}</tr>")
    n = len(rows) + 1
    group_done = set()
    for i, (label, row, group) in enumerate(rows):
        first = _td("三、本年度办理结果", rowspan=n) if i == 0 else ""
        if group is None:
            t3.append(f"<tr>{first}{_td(label, colspan=2)}{values(row)}</tr>")
        else:
            g = ""
            if group not in group_done:
                g = _td(group, rowspan=sum(1 for r in rows if r[2] == group))
                group_done.add(group)
            t3.append(f"<tr>{first}{g}{_td(label)}{values(row)}</tr>")
    t3.append(f"<tr>{_td('（七）总计', colspan=2)}{values('results.total')}</tr>")
    t3.append(f"<tr>{_td('四、结转下年度继续办理', colspan=3)}{values('carried_forward')}</tr>")
    t3.append("</tbody></table>")

    t4 = ["<table border='1' cellspacing='0'><tbody>",
          f"<tr>{_td('行政复议', colspan=5)}{_td('行政诉讼', colspan=10)}</tr>",
          "<tr>" + "".join(_td(h, rowspan=2) for h in T4_HEAD) + _td("未经复议直接起诉", colspan=5)
          + _td("复议后起诉", colspan=5) + "</tr>",
          "<tr>" + "".join(_td(h) for h in T4_HEAD * 2) + "</tr>",
          "<tr>" + "".join(_td(_fmt(cells.get(k))) for k in T4_KEYS) + "</tr>",
          "</tbody></table>"]
    return "".join(t2), "".join(t3), "".join(t4)


def report_body(agency: str, year: int, template: str, cells: dict, *, published: str) -> str:
    """The report itself: title, the six sections, tables; no portal chrome."""
    t2, t3, t4 = tables_html(cells, template)
    received = cells.get("applications.total.new_received") or 0
    e = html.escape
    return (
        f"<p style='text-align:center'><b>{e(agency)}{year}年政府信息公开工作年度报告</b></p>"
        f"<p>本报告根据《中华人民共和国政府信息公开条例》编制。报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。</p>"
        f"<p>一、总体情况</p><p>{year}年，{e(agency)}认真贯彻落实《条例》，全年共收到政府信息公开申请{_fmt(received)}件，"
        f"均在法定期限内答复。政务公开工作稳步推进，北京、上海等地的经验得到借鉴。</p>"
        f"<p>二、主动公开政府信息情况</p>{t2}"
        f"<p>三、收到和处理政府信息公开申请情况</p>{t3}"
        f"<p>四、政府信息公开行政复议、行政诉讼情况</p>{t4}"
        f"<p>五、政府信息公开工作存在的主要问题及改进情况</p><p>一是公开内容的及时性有待提高；二是解读形式较为单一。下一步将加强培训，完善行政复议答复工作。</p>"
        f"<p>六、其他需要报告的事项</p><p>本年度未收取信息处理费。</p>"
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
    result_rows = [r for _, r, _ in RESULT_ROWS_2019 + (OTHER_2019 if template == "2019" else OTHER_2021)]
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
    for block in ("admin_review", "litigation_direct", "litigation_after_review"):
        parts = [int(round((cells.get(f"appeals.{block}.{o}") or 0) * scale)) for o in ("upheld", "corrected", "other", "pending")]
        for o, v in zip(("upheld", "corrected", "other", "pending"), parts):
            out[f"appeals.{block}.{o}"] = v
        out[f"appeals.{block}.total"] = sum(parts)
    for caption, heads, rows, fields in (T2_2019 if template == "2019" else T2_2021):
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
