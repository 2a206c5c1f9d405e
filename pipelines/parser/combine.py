"""A report is a page plus its attachments: one Report from the parses of all of them.

Many portals publish the report page as a title and "详见附件", the tables only in a PDF or
DOC attachment; others print the tables on the page and attach the signed PDF as well. So:
- the page's own tables are the report's when it has them, and every attachment that has
  tables too is compared with them, cell by cell: a disagreement is recorded as a warning
  (the publisher's two copies differ), never resolved silently;
- a page without tables takes its cells from the attachment that reads best (most cells,
  then the better status), and says which (`cells_from`, the attachment's sha256), so every
  number still leads back to the document and the spot it was read from.
Pure: Reports in, a Report out.
"""

from __future__ import annotations

from dataclasses import replace

from .model import OK, PARTIAL, Report

_RANK = {OK: 2, PARTIAL: 1}


def _values(report: Report) -> dict[str, object]:
    return {k: c.value for k, c in report.cells.items() if c.status in ("number", "derived")}


def combine(page: Report, attachments: list[tuple[str, Report]]) -> Report:
    """The report of a page and its attachments ((sha256, parse) each, in link order)."""
    readable = [(sha, r) for sha, r in attachments if r.cells]
    if not readable:
        return page
    if page.cells:
        warnings = list(page.warnings)
        mine = _values(page)
        for sha, att in readable:
            theirs = _values(att)
            differ = sorted(k for k in mine.keys() & theirs.keys() if mine[k] != theirs[k])
            if differ:
                first = differ[0]
                warnings.append(f"attachment_disagrees:{sha[:12]}:{len(differ)} of {len(mine.keys() & theirs.keys())} "
                                f"cells differ (first {first}: page {mine[first]}, attachment {theirs[first]})")
        return replace(page, warnings=warnings)
    sha, best = max(readable, key=lambda item: (len(item[1].cells), _RANK.get(item[1].parse_status, 0)))
    return replace(
        page, parse_status=best.parse_status, format_version=best.format_version, cells=best.cells,
        checks=best.checks, repairs=best.repairs, cells_from=sha,
        title=page.title or best.title, year=page.year or best.year, agency=page.agency or best.agency,
        published_at=page.published_at or best.published_at,
        warnings=list(page.warnings) + [f"cells_from_attachment:{sha[:12]}"] + list(best.warnings),
        reason=f"{best.reason} (read from its attachment {sha[:12]}; the page itself: {page.parse_status})")
