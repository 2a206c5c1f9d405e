"""What the spider hands to the item pipeline: one candidate report, page and attachments together."""

from __future__ import annotations

from dataclasses import dataclass

from zfxxgk.pipelines.ingest import Candidate


@dataclass
class CandidateItem:
    """A page fetched as a possible report, with the attachments it links already fetched.

    The item pipeline judges and stores it as one unit (`pipelines.ingest`)."""

    candidate: Candidate

