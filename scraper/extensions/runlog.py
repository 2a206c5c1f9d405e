"""The run record: `crawl_runs` and `portal_runs` rows, written when the spider closes.

Success is judged from what each portal yielded, not from the process exit code (a crawl in
which every request failed still exits 0): a portal with errors and no pages failed, one
with pages but no report link is 'empty', otherwise 'ok'. A run killed before it closes stays
'running' until the next run notices its process is gone and marks it 'killed'.
"""

from __future__ import annotations

import json
import logging

from scrapy import signals

from zfxxgk.pipelines.db import transaction, utcnow

from ..context import context_for

log = logging.getLogger(__name__)


def portal_status(c) -> str:
    if c.pages == 0 and c.errors:
        return "failed"
    if c.errors and c.reports_found == 0:
        return "failed"
    if c.reports_found == 0:
        return "empty"
    return "ok"


class RunLog:
    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def ctx(self):
        return context_for(self.crawler)  # built before this extension, asked for once built

    def spider_closed(self, spider, reason):
        ctx = self.ctx
        ctx.writer.close()  # every fetch row in before the run is recorded as finished
        now = utcnow()
        totals = {"pages": 0, "bytes": 0, "not_modified": 0, "reports_found": 0, "new_reports": 0,
                  "new_versions": 0, "errors": 0}
        statuses = []
        with transaction(ctx.db):
            for portal in ctx.portals:
                c = ctx.counters[portal.id]
                status = portal_status(c)
                statuses.append(status)
                ctx.db["portal_runs"].insert({
                    "run_id": ctx.run_id, "portal_id": portal.id, "status": status, "pages": c.pages,
                    "bytes": c.bytes, "reports_found": c.reports_found, "new_reports": c.new_reports,
                    "new_versions": c.new_versions, "errors": c.errors,
                    "error_sample": "\n".join(c.error_sample) or None, "finished_at": now,
                }, replace=True)
                for k in totals:
                    totals[k] += getattr(c, k)
            failed = statuses.count("failed")
            if reason != "finished":
                status = "aborted"
            elif statuses and failed == len(statuses):
                status = "failed"
            elif failed or ctx.writer.failed:  # some portals failed, or some rows went unrecorded
                status = "partial"
            else:
                status = "ok"
            if ctx.writer.failed:
                self.crawler.stats.set_value("zfxxgk/unrecorded_rows", ctx.writer.failed)
            stats = {k: v for k, v in self.crawler.stats.get_stats().items()}
            summary = (f"{len(statuses)} portals ({failed} failed); {totals['pages']} pages, "
                       f"{totals['not_modified']} not modified; {totals['reports_found']} report links, "
                       f"{totals['new_reports']} new reports, {totals['new_versions']} new versions; "
                       f"{totals['errors']} errors"
                       + (f"; {ctx.writer.failed} response rows not recorded (see the log)" if ctx.writer.failed else ""))
            ctx.db["crawl_runs"].update(ctx.run_id, {
                "finished_at": now, "status": status, "finish_reason": reason, **totals,
                "stats_json": json.dumps(stats, default=str, ensure_ascii=False), "summary": summary,
            })
        log.info("run %s %s: %s", ctx.run_id, status, summary)
        self.crawler.stats.set_value("zfxxgk/run_id", ctx.run_id)
        self.crawler.stats.set_value("zfxxgk/status", status)
