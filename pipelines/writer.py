"""The crawl's bookkeeping rows, written by a thread of their own in batched transactions.

The crawl process records a row for every response (`fetches`, `url_state`). Written from
Scrapy's event loop, each insert is a transaction of its own, and it waits whenever a
parser worker holds the database's write lock; while it waits, no download makes progress
(the benchmark measured 15% of the loop's time there). Queued to this thread instead, the
rows are committed within a fraction of a second, many to a transaction, and the loop never
waits on SQLite: the sqlite3 module releases the GIL while it works and while it waits.

Statements are applied in the order they were queued. A process killed with rows still
queued loses them, as it loses the responses still in flight: the WARC record of a response
is written before its row is queued, so a lost row only means the next run fetches that
URL again. `close()` commits everything before the run is recorded as finished.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sqlite3
import threading
import time
from pathlib import Path

from .db import open_db

log = logging.getLogger(__name__)

_STOP = object()


class BackgroundWriter:
    def __init__(self, path: str | Path, max_batch: int = 5000, linger: float = 0.2, busy_retries: int = 5):
        self.max_batch = max_batch
        # Rows wait up to this long to share a transaction: each transaction takes the write
        # lock, and a parser worker that finds it taken backs off for milliseconds at a time.
        self.linger = linger
        self.busy_retries = busy_retries  # each waits out the connection's busy timeout first
        self.failed = 0  # statements not applied (each logged), including any queued after a failure
        self.error: BaseException | None = None  # what stopped the thread, if anything did
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, args=(str(path),), name="zfxxgk-db-writer",
                                        daemon=True)
        self._thread.start()
        # rows still queued when the interpreter exits without close() (a forced shutdown) are
        # committed then; a daemon thread would otherwise just be dropped
        atexit.register(self.close)

    def execute(self, sql: str, params=()) -> None:
        """Queue one statement; it is committed shortly, in order with the others."""
        if self._closed:
            raise RuntimeError("the database writer is closed")
        if self.error is not None:
            self.failed += 1  # nobody would ever apply it; counted, and reported by close()
            return
        self._queue.put((sql, params))

    def flush(self) -> bool:
        """Wait until every statement queued so far is committed; False if the thread died."""
        if self._closed or self.error is not None:
            return self.error is None
        done = threading.Event()
        self._queue.put(done)
        while not done.wait(0.5):
            if not self._thread.is_alive():
                return False
        return self.error is None

    def close(self) -> None:
        """Commit everything queued and stop the thread."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        self._queue.put(_STOP)
        self._thread.join()
        while True:  # what a dead thread left in the queue
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, tuple):
                self.failed += 1
            elif isinstance(item, threading.Event):
                item.set()
        if self.failed:
            log.error("%d rows of this run could not be recorded (see the errors above)", self.failed)

    def _run(self, path: str) -> None:
        conn = None
        try:
            conn = open_db(path).conn
            stop = False
            while not stop:
                batch = [self._queue.get()]
                deadline = time.monotonic() + self.linger
                while len(batch) < self.max_batch and isinstance(batch[-1], tuple):
                    try:
                        batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
                    except queue.Empty:
                        break
                try:
                    statements = [b for b in batch if isinstance(b, tuple)]
                    if statements:
                        self._commit(conn, statements)
                finally:
                    for b in batch:
                        if isinstance(b, threading.Event):
                            b.set()
                        stop = stop or b is _STOP
        except BaseException as exc:  # noqa: BLE001 - recorded; execute/flush/close report it
            self.error = exc
            log.exception("the database writer stopped; rows queued from now on are not recorded")
        finally:
            if conn is not None:
                conn.close()

    def _commit(self, conn: sqlite3.Connection, statements: list[tuple]) -> None:
        for attempt in range(self.busy_retries + 1):
            try:
                conn.execute("BEGIN IMMEDIATE")
                for sql, params in statements:
                    conn.execute(sql, params)
                conn.execute("COMMIT")
                return
            except Exception as exc:  # noqa: BLE001 - sorted out below
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if not _busy(exc):
                    break  # a bad row: find it below
                log.warning("database busy for %d rows (attempt %d): %s", len(statements), attempt + 1, exc)
        else:
            self.failed += len(statements)
            log.error("database still busy after %d attempts: %d rows not recorded", self.busy_retries + 1,
                      len(statements))
            return
        # one bad row must not cost the others theirs: apply them one by one
        for sql, params in statements:
            try:
                conn.execute(sql, params)
            except Exception as exc:  # noqa: BLE001 - a row refused (constraint, value out of range)
                self.failed += 1
                log.error("could not record a row (%s): %s: %s", " ".join(sql.split()[:3]), type(exc).__name__, exc)


def _busy(exc: BaseException) -> bool:
    """SQLITE_BUSY / SQLITE_LOCKED: the whole batch is worth retrying, no row is at fault."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (5, 6)
    return "locked" in str(exc) or "busy" in str(exc)
