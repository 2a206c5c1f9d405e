"""The canonical cell keys (spec section 7) with their printed labels, for the `cell_keys` table.

Researchers filter `report_cells` by key; this table says, in Chinese and English, what each
key is, which template has it and in what unit.
"""

from __future__ import annotations

from .parser.labels import APPLICANTS

APPLICANT_LABELS = {
    "natural_person": ("自然人", "natural persons"),
    "legal.commercial": ("法人或其他组织·商业企业", "legal persons: commercial enterprises"),
    "legal.research": ("法人或其他组织·科研机构", "legal persons: research institutions"),
    "legal.public_interest": ("法人或其他组织·社会公益组织", "legal persons: public-interest organisations"),
    "legal.legal_service": ("法人或其他组织·法律服务机构", "legal persons: legal-service organisations"),
    "legal.other": ("法人或其他组织·其他", "legal persons: other"),
    "total": ("总计", "all applicants"),
}

T3_ROW_LABELS = {
    "new_received": ("一、本年新收政府信息公开申请数量", "new applications received this year", "both"),
    "carried_over": ("二、上年结转政府信息公开申请数量", "applications carried over from last year", "both"),
    "results.granted": ("（一）予以公开", "granted", "both"),
    "results.partially_granted": ("（二）部分公开", "partially granted", "both"),
    "results.denied.state_secret": ("（三）不予公开 1.属于国家秘密", "denied: state secret", "both"),
    "results.denied.law_prohibited": ("（三）不予公开 2.其他法律行政法规禁止公开", "denied: prohibited by other laws", "both"),
    "results.denied.three_security_one_stability": ("（三）不予公开 3.危及“三安全一稳定”", "denied: endangers security or stability", "both"),
    "results.denied.third_party_rights": ("（三）不予公开 4.保护第三方合法权益", "denied: third-party rights", "both"),
    "results.denied.internal_affairs": ("（三）不予公开 5.属于三类内部事务信息", "denied: internal affairs", "both"),
    "results.denied.process_info": ("（三）不予公开 6.属于四类过程性信息", "denied: process information", "both"),
    "results.denied.enforcement_file": ("（三）不予公开 7.属于行政执法案卷", "denied: enforcement files", "both"),
    "results.denied.admin_query": ("（三）不予公开 8.属于行政查询事项", "denied: administrative query matter", "both"),
    "results.unable.not_held": ("（四）无法提供 1.本机关不掌握相关政府信息", "unable: information not held", "both"),
    "results.unable.needs_creation": ("（四）无法提供 2.没有现成信息需要另行制作", "unable: would need to be created", "both"),
    "results.unable.unclear_after_correction": ("（四）无法提供 3.补正后申请内容仍不明确", "unable: still unclear after correction", "both"),
    "results.not_processed.petition_complaint": ("（五）不予处理 1.信访举报投诉类申请", "not processed: petition or complaint", "both"),
    "results.not_processed.duplicate": ("（五）不予处理 2.重复申请", "not processed: duplicate", "both"),
    "results.not_processed.publication": ("（五）不予处理 3.要求提供公开出版物", "not processed: asks for a publication", "both"),
    "results.not_processed.excessive_repeat": ("（五）不予处理 4.无正当理由大量反复申请", "not processed: excessive repeated requests", "both"),
    "results.not_processed.confirm_or_reissue": ("（五）不予处理 5.要求行政机关确认或重新出具已获取信息", "not processed: confirm or reissue", "both"),
    "results.other.total": ("（六）其他处理", "other handling (one row)", "2019"),
    "results.other.no_correction": ("（六）其他处理 1.申请人无正当理由逾期不补正", "other: applicant did not correct in time", "2021"),
    "results.other.fee_unpaid": ("（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用", "other: fee not paid in time", "2021"),
    "results.other.other": ("（六）其他处理 3.其他", "other: other", "2021"),
    "results.total": ("（七）总计", "total handled this year", "both"),
    "carried_forward": ("四、结转下年度继续办理", "carried forward to next year", "both"),
}

T2_ROWS = {
    "regulations": "规章", "normative_docs": "（行政）规范性文件", "licensing": "行政许可",
    "other_admin_services": "其他对外管理服务事项", "penalty": "行政处罚", "coercion": "行政强制",
    "fees": "行政事业性收费", "procurement": "政府集中采购",
}
T2_FIELDS = {
    "new_made": ("本年新制作数量", "made this year", "2019", "件"),
    "new_published": ("本年新公开数量", "published this year", "2019", "件"),
    "total_published": ("对外公开总数量", "total published (may be cumulative)", "2019", "件"),
    "issued": ("本年制发件数", "issued this year", "2021", "件"),
    "repealed": ("本年废止件数", "repealed this year", "2021", "件"),
    "in_force": ("现行有效件数", "in force", "2021", "件"),
    "prev_year_items": ("上一年项目数量", "items last year", "2019", "项"),
    "change": ("本年增/减", "change this year (signed)", "2019", "项"),
    "decisions": ("（本年）处理决定数量", "decisions this year", "both", "件"),
    "projects": ("采购项目数量", "procurement projects", "2019", "项"),
    "amount_wan_yuan": ("金额（万元）", "amount", "both", "万元"),
}
T2_KEYS = [
    ("regulations", ("new_made", "new_published", "total_published", "issued", "repealed", "in_force")),
    ("normative_docs", ("new_made", "new_published", "total_published", "issued", "repealed", "in_force")),
    ("licensing", ("prev_year_items", "change", "decisions")),
    ("other_admin_services", ("prev_year_items", "change", "decisions")),
    ("penalty", ("prev_year_items", "change", "decisions")),
    ("coercion", ("prev_year_items", "change", "decisions")),
    ("fees", ("prev_year_items", "change", "amount_wan_yuan")),
    ("procurement", ("projects", "amount_wan_yuan")),
]
T4_BLOCKS = {"admin_review": ("行政复议", "administrative review"),
             "litigation_direct": ("行政诉讼·未经复议直接起诉", "litigation without prior review"),
             "litigation_after_review": ("行政诉讼·复议后起诉", "litigation after review")}
T4_OUTCOMES = {"upheld": ("结果维持", "upheld"), "corrected": ("结果纠正", "corrected"),
               "other": ("其他结果", "other outcome"), "pending": ("尚未审结", "pending"),
               "total": ("总计", "total")}


# The accounting identities (spec section 4), named and explained for readers; the equations
# themselves are pipelines/parser/identities.py.
IDENTITIES = {
    "I1": ("新收 + 上年结转 = 办理总计 + 结转下年度", "new + carried over = handled + carried forward",
           "本年新收 + 上年结转 = 本年办理总计（七）+ 结转下年度继续办理，每一申请人列 · per applicant column"),
    "I2": ("总计列 = 各类申请人之和", "total column = sum of the applicant columns",
           "每一行的总计 = 自然人 + 五类法人或其他组织 · each row's total = the six applicant columns"),
    "I3": ("（七）总计 = 各项办理结果之和", "total handled = sum of the result rows",
           "（七）总计 = （一）至（六）各项之和，每一申请人列 · the result rows (一) to (六), per column"),
    "I4": ("行政复议：总计 = 各项结果之和", "administrative review: total = its outcomes",
           "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结 · upheld + corrected + other + pending"),
    "I5": ("行政诉讼（未经复议直接起诉）：总计 = 各项结果之和", "litigation without prior review: total = its outcomes",
           "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结 · upheld + corrected + other + pending"),
    "I6": ("行政诉讼（复议后起诉）：总计 = 各项结果之和", "litigation after review: total = its outcomes",
           "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结 · upheld + corrected + other + pending"),
}


def identity_rows() -> list[dict]:
    return [{"identity": i, "name_zh": zh, "name_en": en, "equation": eq} for i, (zh, en, eq) in IDENTITIES.items()]


def all_keys() -> list[dict]:
    rows = []
    for row, fields in T2_KEYS:
        for f in fields:
            zh, en, tpl, unit = T2_FIELDS[f]
            if row == "fees" and f == "amount_wan_yuan":
                zh, tpl = "本年收费金额（单位：万元）", "2021"
            if row == "procurement" and f == "amount_wan_yuan":
                zh, tpl = "采购总金额（换算为万元）", "2019"
            if row in ("licensing", "other_admin_services", "penalty", "coercion") and f == "decisions":
                tpl = "2019" if row == "other_admin_services" else "both"
            rows.append({"key": f"active.{row}.{f}", "table_name": "active", "row_key": row, "column_key": f,
                         "label_zh": f"二、主动公开 {T2_ROWS[row]}·{zh}", "label_en": f"{row.replace('_', ' ')}: {en}",
                         "template": tpl, "unit": unit})
    for row, (zh, en, tpl) in T3_ROW_LABELS.items():
        for a in APPLICANTS:
            azh, aen = APPLICANT_LABELS[a]
            rows.append({"key": f"applications.{a}.{row}", "table_name": "applications", "row_key": row,
                         "column_key": a, "label_zh": f"三、依申请公开 {zh}·{azh}", "label_en": f"{en} ({aen})",
                         "template": tpl, "unit": "件"})
    for b, (bzh, ben) in T4_BLOCKS.items():
        for o, (ozh, oen) in T4_OUTCOMES.items():
            rows.append({"key": f"appeals.{b}.{o}", "table_name": "appeals", "row_key": b, "column_key": o,
                         "label_zh": f"四、{bzh}·{ozh}", "label_en": f"{ben}: {oen}", "template": "both", "unit": "件"})
    return rows
