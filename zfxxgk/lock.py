"""One cycle or crawl at a time: an flock on data/zfxxgk.lock, or a Redis lock across the cluster.

Without a broker, the lock is an flock: the kernel releases it when the process holding it
dies, however it dies, so a killed holder never leaves a stale lock behind. The holder's pid
and start time are written into the file for people (`zfxxgk status`), never trusted by the
lock itself.

With a broker (ZFXXGK_BROKER=redis://...), machines share no kernel, so the lock is a Redis key
(`ClusterLock`: SET NX with an expiry and a unique token, renewed while held, released only by
its owner), which is also how one portal is crawled by one worker at a time. A holder that dies
stops renewing it and the key expires: a dead holder's lock lasts at most its time to live.

A cycle holds the lock while it runs `zfxxgk crawl` as a child; the child is told so through
ZFXXGK_LOCK_HELD and does not try to take the lock again.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path

HELD_BY_PARENT = "ZFXXGK_LOCK_HELD"
BROKER_ENV = "ZFXXGK_BROKER"
RUN_KEY = "zfxxgk:lock:run"  # the cluster's one run lock

log = logging.getLogger(__name__)


class LockBusy(RuntimeError):
    pass


def broker_url() -> str | None:
    """The cluster's Redis, when one is configured; None means everything runs on this machine."""
    return os.environ.get(BROKER_ENV) or None


def cluster_parse_all():
    """pipelines.reparse's `parse_all` for this setup: the cluster's (one task per report) when a
    broker is configured, else None (parse here). Celery is imported only in the first case."""
    if not broker_url():
        return None
    from .cluster import parse_on_cluster

    return parse_on_cluster


def _since() -> str:
    return f"{datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ}"


class ClusterLock:
    """A lock held in Redis, renewed by a thread while held (redis-py's Lock: SET NX PX with a
    token, compare-and-set renewal and release in Lua).

    `ttl` bounds how long a dead holder blocks the others; `wait` is how long to wait for a
    holder to finish (0: fail at once with LockBusy). `lost` is set if a renewal finds the key
    gone or taken, which happens only if this process stalled for longer than `ttl`.
    """

    def __init__(self, client, key: str, holder: str, ttl: float = 60, wait: float = 0):
        self.client, self.key, self.ttl, self.wait = client, key, ttl, wait
        # the token is what Redis stores: who holds the lock, for `zfxxgk status`, made unique
        self.token = f"{holder} on {socket.gethostname()} since {_since()} [{uuid.uuid4().hex[:8]}]"
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._lock = client.lock(key, timeout=ttl, blocking=wait > 0, blocking_timeout=wait or None,
                                 sleep=0.2, thread_local=False)
        self._renewer: threading.Thread | None = None

    def __enter__(self) -> "ClusterLock":
        if not self._lock.acquire(token=self.token):
            current = self.client.get(self.key)
            raise LockBusy(f"held by {current.decode(errors='replace') if current else 'someone'} (Redis key {self.key})")
        self._renewer = threading.Thread(target=self._renew, name=f"renew {self.key}", daemon=True)
        self._renewer.start()
        return self

    def _renew(self) -> None:
        from redis.exceptions import LockError, RedisError

        while not self._stop.wait(self.ttl / 3):
            try:
                self._lock.reacquire()
            except LockError:
                log.error("lock %s was lost (expired or taken over)", self.key)
                self.lost.set()
                return
            except RedisError as exc:  # Redis away for a moment: try again, the key lives on until ttl
                log.warning("lock %s: renewal failed for now: %s", self.key, exc)

    def __exit__(self, *exc) -> None:
        from redis.exceptions import LockError

        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        try:
            self._lock.release()
        except LockError:  # expired meanwhile: nothing of ours to release
            pass


def redis_client(url: str | None = None):
    import redis

    return redis.Redis.from_url(url or broker_url(), socket_connect_timeout=10, health_check_interval=30)


class RunLock:
    def __init__(self, path: Path, what: str = "cycle"):
        self.path = Path(path)
        self.what = what
        self._fd: int | None = None
        self._cluster: ClusterLock | None = None

    def __enter__(self) -> "RunLock":
        if os.environ.get(HELD_BY_PARENT) == str(self.path.resolve()):
            return self
        if broker_url():
            from redis.exceptions import RedisError

            self._cluster = ClusterLock(redis_client(), RUN_KEY, f"{self.what} pid {os.getpid()}", ttl=60)
            try:
                self._cluster.__enter__()
            except LockBusy as exc:
                raise LockBusy(f"another crawl or cycle is running in the cluster: {exc}") from None
            except RedisError as exc:  # nothing can run without the cluster's lock
                raise LockBusy(f"cannot take the cluster's run lock: broker {broker_url()} unreachable: {exc}") from None
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
        os.pwrite(fd, f"{self.what} pid {os.getpid()} since {_since()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._cluster is not None:
            self._cluster.__exit__(*exc)
            self._cluster = None
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def child_env(self) -> dict:
        """Environment for a child process that runs under this lock."""
        return {**os.environ, HELD_BY_PARENT: str(self.path.resolve())}


def holder(path: Path) -> str | None:
    """Who holds the lock now (the cluster's, when a broker is configured), or None if nobody does."""
    if broker_url():
        value = redis_client().get(RUN_KEY)
        return value.decode(errors="replace") if value else None
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
