"""The parse pipeline: sniff -> decode -> blocks -> body -> sections -> tables -> checks."""

from __future__ import annotations

import re

from . import identities, labels, meta
from .decode import decode_html
from .document import (Block, html_blocks, isolate_body, looks_like_html, parse_html, text_blocks)
from .model import (ERROR, NO_TABLES, NOT_A_REPORT, OK, PARTIAL, UNREADABLE, UNSUPPORTED, Report)
from .office import OFFICE_FORMATS, read_office
from .ocr import ENGINE_MISSING, mark_cells, read_scan
from .pdf import NO_TEXT_LAYER, read_pdf
from .sniff import BINARY_FORMATS, sniff
from .tables import CellSink, FlatReader, GridReader

MAX_SECTION_CHARS = 200_000


def parse_document(data: bytes, url: str | None = None, content_type: str | None = None) -> Report:
    """Parse one document. Never raises: failures come back as a Report with a reason."""
    try:
        return _parse(data, url, content_type)
    except RecursionError:
        return Report(parse_status=UNREADABLE, reason="document nested too deeply to read")
    except MemoryError:
        return Report(parse_status=UNREADABLE, reason="document too large to read")
    except Exception as exc:  # noqa: BLE001 - the boundary promised to callers
        return Report(parse_status=ERROR, reason=f"parser error: {type(exc).__name__}: {exc}"[:500])


def _parse(data: bytes, url: str | None, content_type: str | None) -> Report:
    if not isinstance(data, (bytes, bytearray)):
        return Report(parse_status=UNREADABLE, reason="input is not bytes")
    kind = sniff(data, url, content_type)
    if kind == "empty":
        return Report(parse_status=UNREADABLE, reason="empty document", source_format=kind)
    # Word and spreadsheet files (office.py; DOC/WPS through LibreOffice): the same blocks as a page
    office = read_office(data, kind) if kind in OFFICE_FORMATS else None
    if office is not None and office.failure:
        return Report(parse_status=office.status, source_format=office.kind, reason=office.failure,
                      warnings=office.warnings)
    # PDF with a text layer (pdf.py): the same blocks, each table with its page
    pdf = read_pdf(data) if kind == "pdf" else None  # (blocks, why not readable)
    # Scans (ocr.py): a PDF with no usable text layer, or a page image, read by OCR
    scan = None
    if kind == "image" or (pdf is not None and pdf[1] == NO_TEXT_LAYER):
        scan = read_scan(data, kind)
        if scan.failure:
            return Report(parse_status=UNSUPPORTED if scan.failure == ENGINE_MISSING else UNREADABLE,
                          source_format=kind, reason=f"{pdf[1]}; {scan.failure}" if pdf else scan.failure)
        pdf = (scan.blocks, None)
    if pdf is not None and pdf[1]:
        return Report(parse_status=UNREADABLE, source_format="pdf", reason=pdf[1])
    if kind in BINARY_FORMATS and office is None and pdf is None:
        return Report(parse_status=UNSUPPORTED, source_format=kind,
                      reason=f"{kind} documents are archived but not parsed yet")
    if kind == "binary":
        return Report(parse_status=UNREADABLE, source_format=kind, reason="binary data, not a document")
    text, encoding, declared, mislabelled = decode_html(data, content_type) if office is None and pdf is None else ("", "", "", False)
    warnings = [f"charset_mislabelled:declared {declared}, decoded as {encoding}"] if mislabelled else []
    if _garbled(text):
        return Report(parse_status=UNREADABLE, source_format=kind, warnings=warnings,
                      reason=f"text does not decode to readable characters (tried {encoding})")

    meta_tags: dict[str, str] = {}
    titles: list[str] = []
    truncated = None
    if office is not None:
        source_format, blocks = office.kind, office.blocks
        warnings += office.warnings
    elif pdf is not None:
        source_format, blocks = ("pdf" if scan is None else kind), pdf[0]
    elif kind == "html" or looks_like_html(text):
        source_format = "html"
        root, truncated = parse_html(text)
        blocks = []
        if root is not None:
            blocks = html_blocks(root)
            meta_tags, page_title = _head(root)
            titles = [meta_tags.get("articletitle", ""), page_title]
    else:
        source_format = "text"
        blocks = text_blocks(text)
    if not blocks:
        report = Report(parse_status=NOT_A_REPORT, source_format=source_format, reason="no text in the document",
                        warnings=warnings)
        _truncated(report, truncated)
        return report

    body = isolate_body(blocks)
    headings = _headings(body)
    paras = [b.text for b in body if b.kind == "para"]
    # The report's own title line (before 一、总体情况) beats the portal's <title>.
    first_heading = min(headings.values()) if headings else len(body)
    own_titles = [b.text for b in body[:first_heading] if b.kind == "para" and len(b.text) < 80][:12]
    page_text = "\n".join(b.text for b in blocks if b.kind == "para")
    m = meta.extract(own_titles + titles + [b.text for b in blocks[:40] if b.kind == "para" and len(b.text) < 80],
                     meta_tags, paras, page_text, own_titles=own_titles)

    sink = CellSink()
    grids = [b.grid for b in body if b.kind == "table"]
    if grids:
        reader = GridReader(sink, m.year)
        for g in grids:
            reader.feed(g)
        reader.close()
    if "T3" not in sink.tables_seen:
        flat = CellSink()
        FlatReader(flat, m.year).feed(_table_region(body, headings))
        if flat.tables_seen:
            sink = flat
        elif not sink.cells:
            sink.warnings.extend(w for w in flat.warnings if w not in sink.warnings)  # why nothing came out

    report = Report(parse_status=OK, source_format=source_format, title=m.title, year=m.year,
                    agency=m.agency, published_at=m.published_at)
    report.cells = sink.cells
    report.repairs = sink.repairs
    report.warnings = warnings + list(sink.warnings)
    report.sections = _section_texts(body, headings)
    report.text = _full_text(body)
    report.format_version = _template(sink.evidence, m.year)
    if m.decoy_title:
        report.warnings.append(f"decoy_title:{m.decoy_title}")
    report.checks = identities.check(report.cells)
    if report.format_version == "hybrid":
        report.warnings.append("hybrid_labels:" + ",".join(
            f"{b}={t}" for b, t in sorted(sink.evidence.items())))
    _judge(report, sink, headings)
    if scan is not None:  # OCR'd cells: status "ocr", confidence, misreads flagged
        mark_cells(report, scan)
    _truncated(report, truncated)
    return report


def _truncated(report: Report, truncated: str | None) -> None:
    """A page read only in part never passes as complete, nor as "not a report"."""
    if not truncated:
        return
    report.warnings.append(f"html_truncated:{truncated}")
    if report.parse_status == NOT_A_REPORT:
        report.parse_status = UNREADABLE
        report.reason = f"HTML {truncated}; nothing before that point is a report"
    else:
        if report.parse_status == OK:
            report.parse_status = PARTIAL
        report.reason = f"HTML {truncated}: read only up to there; {report.reason}"


_GARBAGE = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def _garbled(text: str) -> bool:
    """Mostly replacement and control characters: the bytes were not text in any charset."""
    sample = text[:20000]
    return bool(sample) and len(_GARBAGE.findall(sample)) > len(sample) * 0.05


def _head(root) -> tuple[dict[str, str], str]:
    tags = {}
    for el in root.iter("meta"):
        name = (el.get("name") or el.get("property") or "").strip().lower()
        if name and el.get("content"):
            tags.setdefault(name, el.get("content").strip())
    title_el = root.find(".//title")
    title = "".join(title_el.itertext()).strip() if title_el is not None else ""
    return tags, " ".join(title.split())


def _headings(body: list[Block]) -> dict[int, int]:
    """Section number -> block index, keeping only headings that come in order."""
    found: dict[int, int] = {}
    last = 0
    for i, b in enumerate(body):
        if b.kind != "para":
            continue
        n = labels.section_heading(b.text)
        if n and n > last:
            found[n] = i
            last = n
    return found


def _section_texts(body: list[Block], headings: dict[int, int]) -> dict[str, str]:
    out = {}
    order = sorted(headings.items(), key=lambda kv: kv[1])
    for idx, (n, start) in enumerate(order):
        if n not in (1, 5, 6):
            continue
        end = order[idx + 1][1] if idx + 1 < len(order) else len(body)
        text = "\n".join(b.text for b in body[start + 1:end] if b.kind == "para")
        out[labels.SECTION_NAMES[n]] = text[:MAX_SECTION_CHARS]
    return out


def _table_region(body: list[Block], headings: dict[int, int]) -> list[Block]:
    start = headings.get(2, headings.get(3, 0))
    end = headings.get(5, headings.get(6, len(body)))
    if end <= start:
        end = len(body)
    return [b for b in body[start:end] if b.kind == "para"]


def _full_text(body: list[Block]) -> str:
    parts = []
    for b in body:
        if b.kind == "para":
            parts.append(b.text)
        else:
            for r in range(len(b.grid.rows)):
                parts.append(" | ".join(c.text for c in b.grid.row_cells(r) if c.text))
    return "\n".join(p for p in parts if p)


def _template(evidence: dict[str, str], year: int | None) -> str | None:
    votes = set(evidence.values())
    if votes == {"2019"}:
        return "2019"
    if votes == {"2021"}:
        return "2021"
    if votes:
        return "hybrid"
    if year and year < 2019:
        return "pre2019"
    return None


def _expected_keys(template: str | None, cells: dict) -> set[str]:
    """The canonical keys a complete report of this template has."""
    if template not in ("2019", "2021", "hybrid"):
        return set()
    keys = set()
    t2_template = "2019" if template == "2019" else "2021"
    for (row, tpl), fields in labels.T2_DEFAULT_FIELDS.items():
        if tpl == t2_template:
            keys.update(f"active.{row}.{f}" for f in fields)
    if template == "hybrid":
        # hybrid reports mix blocks: expect what each printed row implies
        keys = {k for k in keys if k in cells} | {k for k in cells if k.startswith("active.")}
    items = identities.result_items(cells)
    rows = ["new_received", "carried_over", *items, "results.total", "carried_forward"]
    keys.update(identities.app(a, r) for a in labels.APPLICANTS for r in rows)
    keys.update(f"appeals.{c}" for c in labels.T4_DEFAULT_COLUMNS)
    return keys


def _judge(report: Report, sink: CellSink, headings: dict[int, int]) -> None:
    """Decide parse_status and say why, in words a person can act on."""
    tables = sink.tables_seen
    title_says_report = report.title is not None and report.year is not None
    decoy = next((w.split(":", 1)[1] for w in report.warnings if w.startswith("decoy_title:")), None)
    if report.cells and report.year is None and all(c.status == "blank" for c in report.cells.values()):
        # the official template (国办公开办函〔2021〕30号) as distributed: tables, no values, no year
        report.parse_status = NOT_A_REPORT
        report.reason = f"a blank report template: standard tables with all {len(report.cells)} value cells empty"
        return
    if not tables and not report.cells:
        if decoy:
            report.parse_status = NOT_A_REPORT
            report.reason = f"a notice about the reports, not a report: {decoy}"
        elif len(headings) >= 3 or (title_says_report and len(headings) >= 1):
            report.parse_status = NO_TABLES
            report.reason = "a report, but no standard tables were found in its text"
            if report.format_version is None and report.year and report.year < 2019:
                report.format_version = "pre2019"
        elif title_says_report:
            report.parse_status = NO_TABLES
            report.reason = "report title but no report body (attachment-only page?)"
        else:
            report.parse_status = NOT_A_REPORT
            report.reason = "no report title, section headings or standard tables found"
        return
    problems = []
    missing_tables = [t for t in ("T2", "T3", "T4") if t not in tables]
    if missing_tables:
        problems.append("tables not found: " + ", ".join(
            {"T2": "二 主动公开", "T3": "三 依申请公开", "T4": "四 复议诉讼"}[t] for t in missing_tables))
    expected = _expected_keys(report.format_version, report.cells)
    missing = sorted(k for k in expected if k not in report.cells)
    if missing:
        problems.append(f"{len(missing)} of {len(expected)} cells missing (first: {missing[0]})")
    unsure = [w for w in report.warnings if w.startswith(("ambiguous_row", "unplaceable_row", "t4_value_count",
                                                          "t2_value_count", "t4_columns_unknown"))]
    if unsure:
        problems.append("cells that could not be placed: " + ", ".join(unsure[:5]))
    if problems:
        report.parse_status = PARTIAL
        report.reason = "; ".join(problems)
    else:
        report.parse_status = OK
        n_bad = len(report.identity_violations)
        report.reason = (f"{len(report.cells)} cells; "
                         + (f"{n_bad} identity violations as printed" if n_bad else "identities hold"))
