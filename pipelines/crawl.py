"""The Scrapy item pipeline: where every candidate report is judged and stored.

It is the one writer of reports, their attachments and the verdicts on candidate URLs: each
`CandidateItem` (a page with its attachments, fetched by the spider) goes to
`pipelines.ingest` in a parser worker process, which stores page, attachments and verdict
in one transaction. A kill between the blob writes and that commit leaves unreferenced
blobs, never half a report; the next run fetches the page again and reuses the blob names.
"""

from __future__ import annotations

import logging

from zfxxgk.pipelines.ingest import REJECTED, ingest
from zfxxgk.scraper.context import context_for
from zfxxgk.scraper.items import CandidateItem

log = logging.getLogger(__name__)


class ReportPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.ctx = context_for(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item):
        if not isinstance(item, CandidateItem):
            return item
        c = item.candidate
        counters = self.ctx.counters[c.portal_id]
        try:
            outcome = await self.ctx.in_worker(ingest, c)
        except Exception as exc:  # noqa: BLE001 - a storage failure is this page's, not the crawl's
            # the responses are in the WARC already and no verdict was recorded: the next run
            # fetches the page again
            self.ctx.event(c.portal_id, "storage", c.url, f"could not store: {type(exc).__name__}: {exc}")
            log.exception("portal %s: could not store %s", c.portal_id, c.url)
            return item
        if outcome.verdict == REJECTED:
            counters.rejected += 1
            self.crawler.stats.inc_value("zfxxgk/rejected")
            log.info("not a report: %s (%s): %s", c.url, c.link_title, outcome.reason)
            return item
        counters.new_reports += outcome.new_report
        counters.new_versions += outcome.new_version
        self.crawler.stats.inc_value("zfxxgk/reports_saved")
        for warning in outcome.warnings:
            if "charset" in warning.lower():
                self.ctx.event(c.portal_id, "charset", c.url, warning)
        if outcome.new_version:
            log.info("new version of %s (report %s)", c.url, outcome.report_id)
        return item
