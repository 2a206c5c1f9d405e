"""The baseline of the crawl benchmark: a bare Scrapy spider fetching a given list of requests.

No parsing, no archive, no database: only Scrapy's own download machinery with the same
concurrency and per-portal slots as the real crawl, so the difference is what the pipeline
costs.

    python bench/bare_spider.py requests.jsonl
"""

from __future__ import annotations

import json
import sys
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import AsyncCrawlerProcess


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, path: str, **kwargs):
        super().__init__(**kwargs)
        self.path = path

    async def start(self):
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                yield scrapy.Request(r["url"], method=r.get("method", "GET"), body=r.get("body") or b"",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"} if r.get("body") else None,
                                     meta={"download_slot": urlsplit(r["url"]).netloc}, dont_filter=True,
                                     callback=self.parse)

    def parse(self, response):
        return None


def main(path: str) -> None:
    process = AsyncCrawlerProcess({
        "CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 2, "DOWNLOAD_DELAY": 0,
        # the crawl's downloader: Scrapy 2.19's own starts a slot's whole queue at once when there
        # is no delay, so the bare spider would be allowed more than 2 requests per portal
        "DOWNLOADER": "zfxxgk.scraper.middlewares.PortalDownloader",
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",  # as the crawl's
        "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False, "HTTPERROR_ALLOW_ALL": True,
    })
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, path=path)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({"responses": stats.get("response_received_count", 0),
                      "bytes": stats.get("downloader/response_bytes", 0),
                      "seconds": stats.get("elapsed_time_seconds", 0)}))


if __name__ == "__main__":
    main(sys.argv[1])
