"""A report as the report prints it: `/-/report/<report_id>`.

The three tables laid out with the Chinese row and column labels of the template
(`zfxxgk.pipelines.keys`, the same vocabulary as `cell_keys`), every number a link to the
archived document it was read from, with its place in it (page, table, row, column) and the
text as printed; derived, repaired and OCR'd cells marked; the identities that do not hold
highlighted on the cells they involve and explained in words with both sides; links to the
report's versions, the places it was seen and the same body's other years. Researchers reach
it from any report_id (the render_cell hook of zfxxgk_links.py).
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from zfxxgk.pipelines.keys import (APPLICANT_LABELS, IDENTITIES, T2_FIELDS, T2_KEYS, T2_ROWS, T3_ROW_LABELS,
                                   T4_BLOCKS, T4_OUTCOMES)
from zfxxgk.pipelines.parser.identities import equations
from zfxxgk.pipelines.parser.labels import APPLICANTS

DB = "zfxxgk"
MARKS = {"derived": "由勾稽关系推得 · placed by an identity", "ocr": "文字识别 · read by OCR",
         "blank": "空白 · printed blank", "na_marker": "无/不适用 · printed as — / 无",
         "text": "文字 · printed as text, not a number"}


def _cell(cells, key, doc_default, suspects):
    c = cells.get(key)
    if c is None:
        return Markup('<td class="absent" title="此表无此格 · not in this template"></td>')
    value, raw, status, origin, doc, confidence = c
    shown = raw or "" if value is None else str(int(value) if float(value).is_integer() else value)
    title = "; ".join(x for x in (f"原文 · as printed: {raw}" if raw not in (None, "") else "",
                                  f"位置 · at {origin}" if origin else "", MARKS.get(status, ""),
                                  f"置信度 · confidence {confidence:.2f}" if confidence is not None else "") if x)
    classes = " ".join(x for x in (status, "violation" if key in suspects else "") if x)
    href = f"/-/archive/{doc or doc_default}" if (doc or doc_default) else None
    inner = Markup(f'<a href="{escape(href)}" title="{escape(title)}">{escape(shown)}</a>') if href else escape(shown)
    return Markup(f'<td class="{classes}">{inner}</td>')


def _table(caption, columns, rows, cells, doc, suspects):
    head = "".join(f"<th>{escape(c)}</th>" for c in ["", *[label for label, _ in columns]])
    body = []
    for label, keys in rows:
        body.append(f"<tr><th scope='row'>{escape(label)}</th>"
                    + "".join(_cell(cells, k, doc, suspects) if k else "<td class='absent'></td>" for k in keys) + "</tr>")
    return Markup(f"<table class='report-table'><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
                  f"<tbody>{''.join(body)}</tbody></table>")


def layout(cells: dict, doc: str | None, suspects: set[str]) -> list[Markup]:
    fields = [f for _, fs in T2_KEYS for f in fs]
    t2_columns = [(T2_FIELDS[f][0], f) for f in dict.fromkeys(fields) if any(f"active.{r}.{f}" in cells for r, _ in T2_KEYS)]
    t2_rows = [(T2_ROWS[r], [f"active.{r}.{f}" if f in fs else None for _, f in t2_columns]) for r, fs in T2_KEYS
               if any(f"active.{r}.{f}" in cells for f in fs)]
    t3_rows = [(zh, [f"applications.{a}.{row}" for a in APPLICANTS]) for row, (zh, _en, _t) in T3_ROW_LABELS.items()
               if any(f"applications.{a}.{row}" in cells for a in APPLICANTS)]
    t4_rows = [(zh, [f"appeals.{b}.{o}" for o in T4_OUTCOMES]) for b, (zh, _en) in T4_BLOCKS.items()]
    return [
        _table("二、主动公开政府信息情况", t2_columns, t2_rows, cells, doc, suspects),
        _table("三、收到和处理政府信息公开申请情况", [(APPLICANT_LABELS[a][0], a) for a in APPLICANTS], t3_rows, cells,
               doc, suspects),
        _table("四、政府信息公开行政复议、行政诉讼情况", [(zh, o) for o, (zh, _en) in T4_OUTCOMES.items()], t4_rows,
               cells, doc, suspects),
    ]


async def report_page(datasette, request):
    db = datasette.get_database(DB)
    report_id = int(request.url_vars["report_id"])
    found = (await db.execute(
        "SELECT r.id, r.title, r.agency, r.agency_id, r.year, r.url, r.version, r.is_latest, r.parse_status, "
        "r.parse_reason, r.format_version, r.document_sha256, r.published_at, r.warnings FROM reports r WHERE r.id = ?",
        [report_id])).first()
    if found is None:
        return Response.html("<h1>404</h1><p>没有这份报告 · no such report</p>", status=404)
    report = dict(found)
    cells = {r["key"]: (r["value"], r["raw"], r["status"], r["origin"], r["document_sha256"], r["confidence"])
             for r in (await db.execute("SELECT key, value, raw, status, origin, document_sha256, confidence "
                                        "FROM report_cells WHERE report_id = ?", [report_id])).rows}
    checks = [dict(r) for r in (await db.execute(
        "SELECT identity, column_key, lhs, rhs, ok FROM identity_checks WHERE report_id = ? ORDER BY identity, column_key",
        [report_id])).rows]
    failed = [c for c in checks if not c["ok"]]
    suspects: set[str] = set()
    for ident, column, lhs, rhs in equations(cells):
        if any(f["identity"] == ident and f["column_key"] == column for f in failed):
            suspects.update(lhs + rhs)
    explained = [{**f, "text": " · ".join(IDENTITIES[f["identity"]][:2]) + f" ({IDENTITIES[f['identity']][2]})"
                  if f["identity"] in IDENTITIES else f["identity"],
                  "difference": None if f["lhs"] is None or f["rhs"] is None else f["lhs"] - f["rhs"]} for f in failed]
    versions = [dict(r) for r in (await db.execute(
        "SELECT id, version, is_latest, first_seen_at FROM reports WHERE url = ? ORDER BY version", [report["url"]])).rows]
    sightings = [dict(r) for r in (await db.execute(
        "SELECT portal_id, url, document_sha256, first_seen_at, last_seen_at FROM report_sightings WHERE report_id = ? "
        "ORDER BY first_seen_at", [report_id])).rows]
    years = [dict(r) for r in (await db.execute(
        "SELECT id, year, parse_status FROM reports WHERE agency_id = ? AND is_latest = 1 AND year IS NOT ? "
        "ORDER BY year", [report["agency_id"], report["year"]])).rows] if report["agency_id"] else []
    return Response.html(await datasette.render_template("report.html", {
        "report": report, "tables": layout(cells, report["document_sha256"], suspects), "violations": explained,
        "checks": len(checks), "versions": versions, "sightings": sightings, "years": years, "marks": MARKS,
    }, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/report/(?P<report_id>\d+)$", report_page)]
