"""The state one crawl run shares: the database, the archive, the run record, the per-portal
counters and events, and the parser worker pool.

It is a Scrapy extension (the first in EXTENSIONS), so it exists before the engine builds the
middlewares and pipelines, and every component asks the crawler for it (`context_for`)
instead of creating it on first touch.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals

from zfxxgk.archive import BlobStore, WarcArchive, recover_open_files
from zfxxgk.archive.warc import pid_alive
from zfxxgk.pipelines.db import ensure_portals, ensure_schema, open_db, parse_utc, transaction, utcnow
from zfxxgk.pipelines.ingest import worker_init
from zfxxgk.pipelines.writer import BackgroundWriter

from . import registry

log = logging.getLogger(__name__)

# Events that mean something the portal offers was not read: they count as the portal's
# errors. The others are recorded all the same: 'charset' (read after re-decoding) and
# 'limit' (a budget that stopped discovery, shown by `zfxxgk status`).
LOSS_KINDS = frozenset({"offsite", "robots", "redirect", "too_large", "not_text", "http", "network", "refused",
                        "attachment", "storage"})


@dataclass
class PortalCounters:
    pages: int = 0
    bytes: int = 0
    not_modified: int = 0
    reports_found: int = 0
    new_reports: int = 0
    new_versions: int = 0
    rejected: int = 0
    errors: int = 0
    error_sample: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.error_sample) < 5:
            self.error_sample.append(message[:300])


class CrawlContext:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.db_path = Path(settings.get("ZFXXGK_DB")).resolve()
        self.archive_root = Path(settings.get("ZFXXGK_ARCHIVE")).resolve()
        self.recheck_days = settings.getfloat("ZFXXGK_RECHECK_DAYS", 30)
        self.full = settings.getbool("ZFXXGK_FULL", False)
        self.trigger = settings.get("ZFXXGK_TRIGGER", "manual")
        self.parse_workers = settings.getint("ZFXXGK_PARSE_WORKERS", os.cpu_count() or 2)
        self.portals = registry.load(settings.get("ZFXXGK_PORTALS") or None,
                                     settings.getlist("ZFXXGK_ONLY") or None)
        self.by_id = {p.id: p for p in self.portals}
        self.by_netloc = {p.netloc: p for p in self.portals}
        self.db = open_db(self.db_path)
        ensure_schema(self.db)
        recovered = recover_open_files(self.archive_root)
        if recovered:
            log.warning("finished %d WARC file(s) left open by a killed run", len(recovered))
        self._close_dead_runs()
        now = utcnow()
        with transaction(self.db):
            ensure_portals(self.db, [p.as_row() for p in self.portals], now)
            self.run_id = self.db["crawl_runs"].insert({
                "started_at": now, "status": "running", "trigger": self.trigger, "pid": os.getpid(),
                "portals": len(self.portals),
            }).last_pk
        self.writer = BackgroundWriter(self.db_path)  # rows of every response, off the event loop
        self.blobs = BlobStore(self.archive_root)
        self.warc = WarcArchive(self.archive_root, self.run_id,
                                max_bytes=settings.getint("ZFXXGK_WARC_MAX_BYTES", 100 * 2**20))
        self.counters: dict[str, PortalCounters] = defaultdict(PortalCounters)
        self.known = self._known_urls()
        self.complete = self._completely_crawled()
        self.memory = self._listing_memory()
        self.rendered_pages = 0  # pages rendered in the browser this run (progress, benchmark)
        self._pool: ProcessPoolExecutor | None = None
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # -- events -------------------------------------------------------------------------------
    def event(self, portal_id: str | None, kind: str, url: str | None, reason: str) -> None:
        """Record what refused, failed or limited the crawl, with its reason (one line)."""
        reason = " ".join(str(reason).split())[:500]
        self.writer.execute(
            "INSERT INTO crawl_events (run_id, portal_id, kind, url, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
            [self.run_id, portal_id, kind, url, reason, utcnow()])
        self.crawler.stats.inc_value(f"zfxxgk/events/{kind}")
        if portal_id and kind in LOSS_KINDS:
            self.counters[portal_id].error(f"{kind}: {reason}" + (f" ({url})" if url and url not in reason else ""))
        log.warning("portal %s: %s: %s (%s)", portal_id, kind, reason, url)

    # -- parser workers -----------------------------------------------------------------------
    async def in_worker(self, fn, *args):
        """Run CPU work (parsing, storing) in a worker process, so downloads go on meanwhile.

        The number of workers is ZFXXGK_PARSE_WORKERS (default: one per core; 0 runs it
        in-process).
        """
        if self.parse_workers <= 0:
            return fn(*args)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.parse_workers, mp_context=multiprocessing.get_context("forkserver"),
                                             initializer=worker_init, initargs=(os.getpid(),))
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def _spider_closed(self, spider, reason):
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    # -- what earlier runs learnt -------------------------------------------------------------
    def _close_dead_runs(self) -> None:
        """A run still 'running' whose process is gone was killed: say so in its record."""
        for run_id, pid in self.db.execute(
                "SELECT id, pid FROM crawl_runs WHERE status = 'running'").fetchall():
            if pid and pid != os.getpid() and not pid_alive(pid):
                self.db.execute("UPDATE crawl_runs SET status = 'killed', finish_reason = 'process died' "
                                "WHERE id = ?", [run_id])

    def _known_urls(self) -> dict[str, tuple[str, str]]:
        """URL -> (verdict, checked_at) of report pages judged before, so a nightly run skips them."""
        rows = self.db.execute("SELECT url, verdict, checked_at FROM url_verdicts").fetchall()
        return {u: (v, c) for u, v, c in rows}

    def _completely_crawled(self) -> set[str]:
        """Portals crawled to the end at least once: their listings can be read incrementally."""
        rows = self.db.execute(
            "SELECT DISTINCT pr.portal_id FROM portal_runs pr JOIN crawl_runs cr ON cr.id = pr.run_id "
            "WHERE pr.status IN ('ok', 'empty') AND cr.finish_reason = 'finished'").fetchall()
        return {r[0] for r in rows}

    def _listing_memory(self) -> dict[tuple[str, str], dict]:
        """(portal, listing URL) -> what worked there last time (see pipelines.db m010_discovery)."""
        rows = self.db.execute("SELECT portal_id, url, method, static_sha256, api_json, links_json, browser_pages "
                               "FROM listing_memory").fetchall()
        out = {}
        for pid, url, method, sha, apis, links_json, pages in rows:
            out[(pid, url)] = {"method": method, "static_sha256": sha, "apis": json.loads(apis or "[]"),
                               "links": json.loads(links_json or "[]"), "browser_pages": pages or 0}
        return out

    def remember_listing(self, portal_id: str, url: str, method: str, static_sha256: str | None,
                         apis: list[dict], links: list[tuple[str, str]], browser_pages: int = 0) -> None:
        """How a listing's report links were read this run, for the next run to go straight to it."""
        entry = {"method": method, "static_sha256": static_sha256, "apis": apis, "links": links,
                 "browser_pages": browser_pages}
        self.memory[(portal_id, url)] = entry
        self.writer.execute(
            "INSERT INTO listing_memory (portal_id, url, method, static_sha256, api_json, links_json, browser_pages, "
            "run_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(portal_id, url) DO UPDATE SET "
            "method = excluded.method, static_sha256 = excluded.static_sha256, api_json = excluded.api_json, "
            "links_json = excluded.links_json, browser_pages = excluded.browser_pages, run_id = excluded.run_id, "
            "updated_at = excluded.updated_at",
            [portal_id, url, method, static_sha256, json.dumps(apis, ensure_ascii=False),
             json.dumps(links, ensure_ascii=False), browser_pages, self.run_id, utcnow()])

    def record_source(self, portal_id: str, url: str, listing_url: str | None, department: str | None,
                      department_url: str | None, method: str) -> None:
        """Which listing (and which department page, if any) led to a report link."""
        self.writer.execute(
            "INSERT INTO report_sources (portal_id, url, listing_url, department, department_url, method, run_id, "
            "seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(portal_id, url) DO UPDATE SET "
            "listing_url = excluded.listing_url, department = coalesce(excluded.department, report_sources.department), "
            "department_url = coalesce(excluded.department_url, report_sources.department_url), "
            "method = excluded.method, run_id = excluded.run_id, seen_at = excluded.seen_at",
            [portal_id, url, listing_url, department, department_url, method, self.run_id, utcnow()])

    def incremental(self, portal_id: str) -> bool:
        """Whether to stop paging through a listing once a page shows nothing new."""
        return not self.full and portal_id in self.complete

    def is_due(self, url: str) -> bool:
        """Whether a report URL should be fetched: never judged, judged incomplete (an
        attachment is missing), or not re-checked for a while."""
        known = self.known.get(url)
        if not known or known[0] == "incomplete":
            return True
        checked = parse_utc(known[1])
        return checked is None or datetime.now(timezone.utc) - checked > timedelta(days=self.recheck_days)

    def portal_for(self, url: str, meta: dict | None = None) -> registry.Portal | None:
        if meta and meta.get("portal"):
            return self.by_id.get(meta["portal"])
        return self.by_netloc.get(urlsplit(url).netloc.lower())


def context_for(crawler) -> CrawlContext:
    ctx = crawler.get_extension(CrawlContext)
    if ctx is None:
        raise RuntimeError("zfxxgk.scraper.context.CrawlContext is not enabled in EXTENSIONS")
    return ctx
