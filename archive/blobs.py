"""Content-addressed storage: a body is stored once, under the sha256 of its bytes.

Addressing by content (not by URL, as Scrapy's FilesPipeline does) means a changed report at
the same URL gets a new file beside the old one instead of replacing it, and "same bytes as
last night" is a lookup. Writes go to a temporary file in the same directory and are linked
into place, so a killed process never leaves a half-written blob under a real name. (No fsync
per blob: a killed process loses nothing the kernel has; power loss can lose the last moments
of a run, as it can for the WARC file and the WAL, and the next run fetches those pages again.)
"""

from __future__ import annotations

import hashlib
import itertools
import os
from pathlib import Path

# temp names: pid + a token drawn at import (a killed run's leftovers cannot clash) + a serial
_TOKEN = os.urandom(4).hex()
_serial = itertools.count()


class BlobStore:
    def __init__(self, archive_root: str | Path):
        self.root = Path(archive_root) / "blobs" / "sha256"

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store bytes; returns (sha256, True if they were not stored before)."""
        sha = hashlib.sha256(data).hexdigest()
        final = str(self.path(sha))
        if os.path.exists(final):
            return sha, False
        # created read-only and exclusively: no clash with another writer's temp file
        tmp = f"{os.path.dirname(final)}/.tmp-{os.getpid()}-{_TOKEN}-{next(_serial)}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(tmp, flags, 0o444)
        except FileNotFoundError:  # the first blob under this prefix: make its directories once
            os.makedirs(os.path.dirname(final), exist_ok=True)
            fd = os.open(tmp, flags, 0o444)
        try:
            os.fchmod(fd, 0o444)  # whatever the umask took away
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            # link, not rename: never replaces a blob another writer stored meanwhile
            try:
                os.link(tmp, final)
            except FileExistsError:
                return sha, False
        finally:
            os.unlink(tmp)
        return sha, True

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        try:
            return self.path(sha256).exists()
        except ValueError:
            return False
