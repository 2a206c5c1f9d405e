"""Where everything lives: one data folder, overridable by ZFXXGK_DATA, with fixed names inside.

    data/zfxxgk.db                 the working database (the crawl writes it)
    data/archive/                  WARC files and content-addressed blobs (append-only)
    data/published/zfxxgk.db       the copy Datasette serves, swapped in whole by each cycle
    data/logs/zfxxgk.log           rotating log of the scheduler and its cycles
    data/zfxxgk.lock               one cycle or crawl at a time
    data/shards/<bucket>/zfxxgk.db the cluster's crawls of one bucket of portals, merged into data/zfxxgk.db
    data/scheduler-jobs.sqlite     APScheduler's job store (kept apart from the archive)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    data: Path

    @classmethod
    def from_env(cls, data: str | Path | None = None) -> "Paths":
        return cls(Path(data or os.environ.get("ZFXXGK_DATA") or "data"))

    @property
    def db(self) -> Path:
        return self.data / "zfxxgk.db"

    @property
    def archive(self) -> Path:
        return self.data / "archive"

    @property
    def published(self) -> Path:
        return self.data / "published" / "zfxxgk.db"

    @property
    def shards(self) -> Path:
        """Per-bucket databases the cluster's workers crawl into (a folder each: its lock and logs
        are the bucket's, so workers crawling different buckets never wait for each other)."""
        return self.data / "shards"

    def shard(self, bucket: str) -> Path:
        return self.shards / bucket / "zfxxgk.db"

    @property
    def logs(self) -> Path:
        return self.data / "logs"

    @property
    def lock(self) -> Path:
        return self.data / "zfxxgk.lock"

    @property
    def jobs(self) -> Path:
        return self.data / "scheduler-jobs.sqlite"
