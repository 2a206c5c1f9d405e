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
    def __init__(self, path: str | Path, max_batch: int = 5000, linger: float = 0.2):
        self.max_batch = max_batch
        # Rows wait up to this long to share a transaction: each transaction takes the write
        # lock, and a parser worker that finds it taken backs off for milliseconds at a time.
        self.linger = linger
        self.failed = 0  # statements that could not be applied (each one logged)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, args=(str(path),), name="zfxxgk-db-writer",
                                        daemon=True)
        self._thread.start()

    def execute(self, sql: str, params=()) -> None:
        """Queue one statement; it is committed shortly, in order with the others."""
        if self._closed:
            raise RuntimeError("the database writer is closed")
        self._queue.put((sql, params))

    def flush(self) -> None:
        """Wait until every statement queued so far is committed."""
        if self._closed:
            return
        done = threading.Event()
        self._queue.put(done)
        done.wait()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self, path: str) -> None:
        conn = open_db(path).conn
        try:
            stop = False
            while not stop:
                batch = [self._queue.get()]
                deadline = time.monotonic() + self.linger
                while len(batch) < self.max_batch and isinstance(batch[-1], tuple):
                    try:
                        batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
                    except queue.Empty:
                        break
                statements = [b for b in batch if isinstance(b, tuple)]
                if statements:
                    self._commit(conn, statements)
                for b in batch:
                    if isinstance(b, threading.Event):
                        b.set()
                    stop = stop or b is _STOP
        finally:
            conn.close()

    def _commit(self, conn: sqlite3.Connection, statements: list[tuple]) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
            for sql, params in statements:
                conn.execute(sql, params)
            conn.execute("COMMIT")
            return
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        # one bad row must not cost the others theirs: apply them one by one
        for sql, params in statements:
            try:
                conn.execute(sql, params)
            except sqlite3.Error as exc:
                self.failed += 1
                log.error("could not record a row (%s): %s", " ".join(sql.split()[:3]), exc)
