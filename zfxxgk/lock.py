"""One cycle or crawl at a time, across processes: an flock on data/zfxxgk.lock.

The kernel releases an flock when the process holding it dies, however it dies, so a killed
holder never leaves a stale lock behind. The holder's pid and start time are written into the
file for people (`zfxxgk status`), never trusted by the lock itself.

A cycle holds the lock while it runs `zfxxgk crawl` as a child; the child is told so through
ZFXXGK_LOCK_HELD and does not try to take the lock again.
"""

from __future__ import annotations

import fcntl
import os
from datetime import datetime, timezone
from pathlib import Path

HELD_BY_PARENT = "ZFXXGK_LOCK_HELD"


class LockBusy(RuntimeError):
    pass


class RunLock:
    def __init__(self, path: Path, what: str = "cycle"):
        self.path = Path(path)
        self.what = what
        self._fd: int | None = None

    def __enter__(self) -> "RunLock":
        if os.environ.get(HELD_BY_PARENT) == str(self.path.resolve()):
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
            os.close(fd)
            raise LockBusy(f"another crawl or cycle is running ({holder or 'holder unknown'}); lock {self.path}")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{self.what} pid {os.getpid()} since {datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def child_env(self) -> dict:
        """Environment for a child process that runs under this lock."""
        return {**os.environ, HELD_BY_PARENT: str(self.path.resolve())}


def holder(path: Path) -> str | None:
    """Who holds the lock now, or None if nobody does."""
    path = Path(path)
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
