"""The parser's output: plain dataclasses that turn into the JSON of `zfxxgk parse`.

Kept free of any parsing logic so the database layer and the tests can import the shapes
without pulling in lxml or OpenCC.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Bump when the parser's output for the same bytes can change, so `zfxxgk reparse` knows
# which stored reports were produced by an older parser.
PARSER_VERSION = "1.3"

# parse_status values, from best to worst.
OK = "ok"  # all three standard tables found, every cell placed
PARTIAL = "partial"  # a report, but some table or cell is missing or ambiguous, or the page was read only in part
NO_TABLES = "no_tables"  # a report whose text has no standard tables (prose, pre-2019, attachment-only page)
UNSUPPORTED = "unsupported_format"  # a PDF/DOC/XLS... the parser cannot read yet
NOT_A_REPORT = "not_a_report"  # readable, but not an annual disclosure report
UNREADABLE = "unreadable"  # empty, binary garbage, undecodable, or nested too deeply to read
ERROR = "error"  # a parser bug caught at the boundary; the reason carries the exception

REPORT_STATUSES = (OK, PARTIAL, NO_TABLES)


@dataclass
class Cell:
    """One numeric leaf of the report, with the text it was read from.

    status is "number", "blank" (printed empty), "na_marker" (/, —, 无 ...), "text"
    (printed something that is not a number), "derived" (placed by an identity repair
    in flattened text; raw is then what the flattened line held, if anything) or "ocr" (a
    number read by OCR from a scanned page: value as read, raw the recognised text).

    confidence is the OCR engine's score (0-1) for text read from a scanned page (numbers and
    placeholders); None for a blank, and for every cell read from a text layer. An OCR'd value the
    identities or its score put in doubt is named in the report's `ocr_suspect:<key>` warnings.
    """

    value: float | int | None
    raw: str
    status: str
    unit: str | None = None
    note: str | None = None
    # where in its document the cell was read: 'p3 t2 r5 c4' (page, table, row, column of a
    # PDF), 't2 r5 c4' (HTML, DOCX), 'l123' (line of flattened text); None if not known
    origin: str | None = None
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {"value": self.value, "raw": self.raw, "status": self.status}
        if self.unit:
            d["unit"] = self.unit
        if self.note:
            d["note"] = self.note
        if self.origin:
            d["origin"] = self.origin
        if self.confidence is not None:
            d["confidence"] = self.confidence
        return d


@dataclass
class IdentityCheck:
    """One evaluated accounting identity (spec section 4) for one column or block."""

    id: str
    column: str
    lhs: float | None
    rhs: float | None
    ok: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    """Everything the parser read from one document."""

    parse_status: str
    reason: str = ""
    source_format: str = "unknown"
    format_version: str | None = None
    title: str | None = None
    year: int | None = None
    agency: str | None = None
    published_at: str | None = None
    sections: dict[str, str] = field(default_factory=dict)
    cells: dict[str, Cell] = field(default_factory=dict)
    checks: list[IdentityCheck] = field(default_factory=list)
    repairs: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    text: str = ""
    # sha256 of the attachment the cells were read from, when the page itself has no tables
    # (pipelines.parser.combine); None: the cells are the document's own
    cells_from: str | None = None

    @property
    def is_report(self) -> bool:
        return self.parse_status in REPORT_STATUSES

    @property
    def identity_violations(self) -> list[IdentityCheck]:
        return [c for c in self.checks if not c.ok]

    def values(self) -> dict[str, float | int | None]:
        return {k: c.value for k, c in self.cells.items()}

    def to_dict(self, with_text: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            "parser_version": PARSER_VERSION,
            "format_version": self.format_version,
            "year": self.year,
            "agency": self.agency,
            "title": self.title,
            "published_at": self.published_at,
            "source_format": self.source_format,
            "parse_status": self.parse_status,
            "reason": self.reason,
            "sections": self.sections,
            "cells": {k: c.to_dict() for k, c in self.cells.items()},
            **({"cells_from": self.cells_from} if self.cells_from else {}),
            "qa": {
                "identity_violations": [c.to_dict() for c in self.identity_violations],
                "identity_checks": len(self.checks),
                "repairs": self.repairs,
                "warnings": self.warnings,
            },
        }
        if with_text:
            d["text"] = self.text
        return d
