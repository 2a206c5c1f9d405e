"""The Scrapy item pipeline: the end of each item's way through the crawl.

Reports arrive already stored (`pipelines.ingest` runs in a worker process: body into the
blob store, then in one transaction its document row, report row, cells, checks and texts,
and the verdict that lets the next run skip the URL); here they are counted against their
portal. Attachments are archived here: blob first, then their rows in one transaction. A
kill between a blob write and its commit leaves an unreferenced blob, never a half-written
row; the next run fetches again and reuses the same blob name.
"""

from __future__ import annotations

import logging

from pipelines.db import transaction, utcnow
from pipelines.parser import sniff
from pipelines.store import record_document
from scraper.context import context_for
from scraper.items import AttachmentItem, RejectedItem, ReportItem

log = logging.getLogger(__name__)

ATTACHMENT_STATUS = "not_parsed"
ATTACHMENT_REASON = "attachments are archived; parsing PDF/DOC/XLS attachments is a later stage of the project"


class ReportPipeline:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def ctx(self):
        return context_for(self.crawler)

    def process_item(self, item):
        if isinstance(item, ReportItem):
            self._report(item)
        elif isinstance(item, AttachmentItem):
            self._attachment(item)
        elif isinstance(item, RejectedItem):
            self._rejected(item)
        return item

    def _report(self, item: ReportItem) -> None:
        c = self.ctx.counters[item.portal_id]
        c.new_reports += item.outcome.new_report
        c.new_versions += item.outcome.new_version
        self.crawler.stats.inc_value("zfxxgk/reports_saved")
        if item.outcome.new_version:
            log.info("new version of %s (report %s)", item.url, item.outcome.report_id)

    def _attachment(self, item: AttachmentItem) -> None:
        ctx = self.ctx
        sha, _ = ctx.blobs.put(item.body)
        now = utcnow()
        with transaction(ctx.db):
            record_document(ctx.db, sha256=sha, body=item.body, url=item.url, content_type=item.content_type,
                            fmt=sniff(item.body, item.url, item.content_type), seen_at=now)
            row = ctx.db.execute("SELECT id FROM reports WHERE url = ? AND content_hash = ?",
                                 [item.report_url, item.report_content_hash]).fetchone()
            if not row:
                log.warning("attachment %s: its report %s is not in the database", item.url, item.report_url)
                return
            ctx.db["attachments"].insert({
                "report_id": row[0], "url": item.url, "link_text": item.link_text, "sha256": sha,
                "format": sniff(item.body, item.url, item.content_type), "size": len(item.body),
                "parse_status": ATTACHMENT_STATUS, "parse_reason": ATTACHMENT_REASON, "fetched_at": now,
            }, ignore=True)

    def _rejected(self, item: RejectedItem) -> None:
        self.ctx.counters[item.portal_id].rejected += 1
        self.crawler.stats.inc_value("zfxxgk/rejected")
        log.info("not a report: %s (%s): %s", item.url, item.link_title, item.reason)
