"""What the spider hands to the pipeline: a closed set of item types."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.ingest import Outcome


@dataclass
class ReportItem:
    """A page or document confirmed to be an annual report, already archived and stored by
    `pipelines.ingest` (in a worker process); the item carries what happened to it."""

    portal_id: str
    url: str
    link_title: str
    outcome: Outcome
    fetched_at: str


@dataclass
class AttachmentItem:
    """A file linked from a report page (PDF, DOC ...), archived with the report."""

    portal_id: str
    report_url: str
    report_content_hash: str
    url: str
    link_text: str
    body: bytes
    content_type: str
    fetched_at: str


@dataclass
class RejectedItem:
    """A page fetched as a possible report that its content shows is not one (a decoy)."""

    portal_id: str
    url: str
    link_title: str
    reason: str
