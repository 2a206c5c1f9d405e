"""Running one crawl: the Scrapy settings `zfxxgk crawl` builds, and the run's summary.

A crawl runs in the calling process (Twisted's reactor cannot be restarted, so one process
runs one crawl; the scheduler starts `zfxxgk crawl` as a subprocess for each night).
"""

from __future__ import annotations

import os
from pathlib import Path


def crawl_settings(*, db: Path, archive: Path, portals: Path | None, only: list[str] | None,
                   delay: float | None, trigger: str, recheck_days: float | None, full: bool = False,
                   log_level: str | None = None, log_file: Path | None = None) -> dict:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "zfxxgk.scraper.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("ZFXXGK_DB", str(db))
    settings.set("ZFXXGK_ARCHIVE", str(archive))
    settings.set("ZFXXGK_PORTALS", str(portals) if portals else "")
    settings.set("ZFXXGK_ONLY", list(only or []))
    settings.set("ZFXXGK_TRIGGER", trigger)
    settings.set("ZFXXGK_FULL", full)
    if recheck_days is not None:
        settings.set("ZFXXGK_RECHECK_DAYS", recheck_days)
    if delay is not None:
        settings.set("DOWNLOAD_DELAY", delay)
        settings.set("AUTOTHROTTLE_START_DELAY", delay)
        settings.set("DOWNLOAD_DELAY_JITTER", 0.5 if delay > 0 else 0)
        if delay == 0:
            # local demo and test portals: no politeness delay, no backoff waits
            settings.set("AUTOTHROTTLE_ENABLED", False)
            settings.set("RETRY_BACKOFF_BASE", 0.2)
    if log_level:
        settings.set("LOG_LEVEL", log_level)
    if log_file:
        settings.set("LOG_FILE", str(log_file))
    return settings


def run_crawl(**kwargs) -> dict:
    """Run the `portals` spider to completion; returns the run's crawl_runs row."""
    from scrapy.crawler import AsyncCrawlerProcess

    from zfxxgk.pipelines.db import open_db
    from zfxxgk.pipelines.store import refresh_search

    settings = crawl_settings(**kwargs)
    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler("portals")
    process.crawl(crawler)
    process.start()
    run_id = crawler.stats.get_value("zfxxgk/run_id")
    db = open_db(kwargs["db"])
    if run_id is None:
        return {"status": "failed", "summary": "the crawl did not start (see the log)"}
    indexed = refresh_search(db)
    run = dict(db["crawl_runs"].get(run_id))
    run["summary"] = f"{run['summary']}; {indexed} reports added to the search index"
    return run
