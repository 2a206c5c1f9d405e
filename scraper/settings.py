"""Scrapy settings: politeness first, then the archive, then the browser.

Paths and run options come from ZFXXGK_* settings, which `zfxxgk crawl` fills from its
options; `scrapy crawl portals` uses the defaults below (or -s ZFXXGK_DB=...).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

BOT_NAME = "zfxxgk"
SPIDER_MODULES = ["zfxxgk.scraper.spiders"]
NEWSPIDER_MODULE = "zfxxgk.scraper.spiders"

# -- politeness --------------------------------------------------------------------------------
PROJECT_URL = "https://github.com/zfxxgk-archive/zfxxgk-archive"
USER_AGENT = f"zfxxgk-archive/0.1 (+{PROJECT_URL}; archive of 政府信息公开工作年度报告)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2  # per download slot, and every portal (host:port) is one slot
# Scrapy's downloader, but with that limit holding when DOWNLOAD_DELAY is 0 (Scrapy 2.19 then
# starts a slot's whole queue at once); a rendered page's browser requests count in it too
# (render.py)
DOWNLOADER = "zfxxgk.scraper.middlewares.PortalDownloader"
# Hand the downloader the request of the least busy portal next, not the newest request: a
# portal may only take 2 at a time, and requests queued behind that limit count against
# CONCURRENT_REQUESTS, so a crawl fed depth-first fills its downloader with one portal's
# requests while the other portals wait (scrapy#2638; Scrapy's advice for broad crawls)
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
DOWNLOAD_DELAY = float(os.environ.get("ZFXXGK_DOWNLOAD_DELAY", "1.0"))
DOWNLOAD_DELAY_JITTER = 0.5  # ±50% around DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = DOWNLOAD_DELAY
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = float(os.environ.get("ZFXXGK_DOWNLOAD_TIMEOUT", "30"))
DOWNLOAD_MAXSIZE = 50 * 2**20  # reports with scanned attachments reach tens of MB, not hundreds
DOWNLOAD_WARNSIZE = 20 * 2**20
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = float(os.environ.get("ZFXXGK_RETRY_BACKOFF", "2.0"))  # seconds, doubled per retry
RETRY_BACKOFF_MAX = 60.0
COOKIES_ENABLED = False
# Scrapy starts this many asyncio tasks for every callback's output; ours yield a few requests
# and at most one item, and at the default (100) the task churn cost more than the parsing.
CONCURRENT_ITEMS = 8
# Neither console may run inside an unattended crawler on a shared server: Scrapy 2.19's
# remote control executes Python code sent to it over HTTP.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
REDIRECT_MAX_TIMES = 10
# No request-depth cut: it counted listing pages as hops and dropped deep 下一页 chains
# silently. Discovery is bounded by the spider's own limits (navigation hops, listing pages,
# navigation pages, attachments per report), each recorded when it stops work.
DEPTH_LIMIT = 0
LOG_LEVEL = os.environ.get("ZFXXGK_LOG_LEVEL", "INFO")

# -- the archive -------------------------------------------------------------------------------
ZFXXGK_DB = os.environ.get("ZFXXGK_DB", str(Path("data") / "zfxxgk.db"))
ZFXXGK_ARCHIVE = os.environ.get("ZFXXGK_ARCHIVE", str(Path("data") / "archive"))
ZFXXGK_PORTALS = os.environ.get("ZFXXGK_PORTALS", "")  # blank: the shipped registry
ZFXXGK_ONLY: list[str] = []
ZFXXGK_RECHECK_DAYS = float(os.environ.get("ZFXXGK_RECHECK_DAYS", "30"))  # known report pages are re-validated this often
ZFXXGK_FULL = False  # page through every listing even when its first page shows nothing new
ZFXXGK_WARC_MAX_BYTES = 100 * 2**20
ZFXXGK_TRIGGER = "manual"
# Parser processes: one per core. The crawl process itself mostly waits on the network (the
# benchmark: one worker fell behind the downloads on two cores, two kept up).
ZFXXGK_PARSE_WORKERS = int(os.environ.get("ZFXXGK_PARSE_WORKERS", os.cpu_count() or 2))

DOWNLOADER_MIDDLEWARES = {
    # first: nothing leaves for a host off the portal's site, robots.txt included
    "zfxxgk.scraper.middlewares.PortalSiteMiddleware": 40,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "zfxxgk.scraper.middlewares.RobotsPolicyMiddleware": 100,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "zfxxgk.scraper.middlewares.MetaRefreshPolicyMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "zfxxgk.scraper.middlewares.RedirectPolicyMiddleware": 600,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "zfxxgk.scraper.middlewares.BackoffRetryMiddleware": 550,
    # below HttpCompression (590) so it sees decoded bodies and can store them for 304 replays
    "zfxxgk.scraper.middlewares.ConditionalRequestMiddleware": 580,
}
EXTENSIONS = {
    "zfxxgk.scraper.context.CrawlContext": 0,  # first: the others ask the crawler for it
    "zfxxgk.scraper.extensions.warc.WarcExtension": 100,
    "zfxxgk.scraper.extensions.runlog.RunLog": 110,
    "zfxxgk.scraper.extensions.gctune.GcTuning": 120,
}
ITEM_PIPELINES = {
    "zfxxgk.pipelines.crawl.ReportPipeline": 300,
}

# -- JavaScript-built listings -----------------------------------------------------------------
# The handler passes every request without meta["playwright"] to Scrapy's own HTTP handler;
# Playwright and the browser start only when the first request that needs them arrives.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "zfxxgk.scraper.render.LazyPlaywrightHandler",
    "https": "zfxxgk.scraper.render.LazyPlaywrightHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_MAX_CONTEXTS = 2
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
PLAYWRIGHT_ABORT_REQUEST = "zfxxgk.scraper.render.abort_request"


def _chromium_launch_options() -> dict:
    """Playwright's own Chromium when `playwright install chromium` was run, else Debian's.

    Machines without internet cannot download Playwright's browser; Debian's package works
    with these flags (no sandbox as root, no background traffic to Google).
    """
    options: dict = {"headless": True, "timeout": 60_000}
    explicit = os.environ.get("ZFXXGK_CHROMIUM")
    own = list(Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache" / "ms-playwright"))
               .glob("chromium*"))
    system = explicit or (None if own else shutil.which("chromium") or shutil.which("chromium-browser"))
    if system:
        options["executable_path"] = system
        options["args"] = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", "--no-first-run",
                           "--disable-dev-shm-usage",
                           "--dns-prefetch-disable"]
    return options


PLAYWRIGHT_LAUNCH_OPTIONS = _chromium_launch_options()

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
