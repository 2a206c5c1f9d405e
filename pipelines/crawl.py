"""The Scrapy item pipeline: what the spider confirmed goes into the archive and the database.

For each report: the body into the content-addressed blob store, then - in one transaction -
its document row, its report row (new, new version, or seen again), its cells, checks, texts
and search entry, and the verdict that lets the next run skip the URL. A kill between the
blob write and the commit leaves an unreferenced blob, never a half-written report; the next
run re-fetches the page and the same blob name is reused.
"""

from __future__ import annotations

import logging

from pipelines.parser import sniff
from pipelines.store import save_report
from scraper.context import context_for, utcnow
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

    def _document(self, sha: str, body: bytes, url: str, content_type: str, now: str) -> None:
        if not self.ctx.db.execute("SELECT 1 FROM documents WHERE sha256 = ?", [sha]).fetchone():
            self.ctx.db["documents"].insert({
                "sha256": sha, "size": len(body), "format": sniff(body, url, content_type),
                "content_type": content_type or None, "first_seen_at": now, "first_url": url})

    def _verdict(self, url: str, verdict: str, now: str) -> None:
        db = self.ctx.db
        if db.execute("SELECT 1 FROM url_state WHERE url = ?", [url]).fetchone():
            db.execute("UPDATE url_state SET verdict = ?, checked_at = ? WHERE url = ?", [verdict, now, url])
        else:
            db["url_state"].insert({"url": url, "kind": "report", "verdict": verdict, "checked_at": now})

    def _report(self, item: ReportItem) -> None:
        ctx = self.ctx
        sha, _ = ctx.blobs.put(item.body)
        now = utcnow()
        with ctx.db.atomic():
            self._document(sha, item.body, item.url, item.content_type, now)
            saved = save_report(ctx.db, portal_id=item.portal_id, url=item.url, link_title=item.link_title,
                                document_sha256=sha, report=item.report, run_id=ctx.run_id, seen_at=now,
                                chash=item.content_hash)
            self._verdict(item.url, "report", now)
        c = ctx.counters[item.portal_id]
        c.new_reports += saved.new_report
        c.new_versions += saved.new_version
        self.crawler.stats.inc_value("zfxxgk/reports_saved")
        if saved.new_version:
            log.info("new version of %s (report %s)", item.url, saved.report_id)

    def _attachment(self, item: AttachmentItem) -> None:
        ctx = self.ctx
        sha, _ = ctx.blobs.put(item.body)
        now = utcnow()
        with ctx.db.atomic():
            self._document(sha, item.body, item.url, item.content_type, now)
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
        self._verdict(item.url, "rejected", utcnow())
        self.ctx.counters[item.portal_id].rejected += 1
        self.crawler.stats.inc_value("zfxxgk/rejected")
        log.info("not a report: %s (%s): %s", item.url, item.link_title, item.reason)
