"""The crawl's background database writer: order kept, nothing lost, bad rows alone refused."""

from __future__ import annotations

import sqlite3
import threading

from zfxxgk.pipelines.db import open_db, transaction
from zfxxgk.pipelines.writer import BackgroundWriter


def _table(path):
    db = open_db(path)
    db.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
    return db


def test_rows_committed_in_order_by_flush_and_close(tmp_path):
    path = tmp_path / "w.db"
    _table(path)
    w = BackgroundWriter(path, linger=0.05)
    for i in range(2000):
        w.execute("INSERT INTO t (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
                  [f"k{i % 100}", i])
    w.flush()
    conn = sqlite3.connect(path)
    # the last write to each key wins: statements were applied in the order they were queued
    assert conn.execute("SELECT count(*), min(v), max(v) FROM t").fetchone() == (100, 1900, 1999)
    w.execute("INSERT INTO t (k, v) VALUES ('late', 1)")
    w.close()
    assert conn.execute("SELECT v FROM t WHERE k = 'late'").fetchone() == (1,)


def test_a_bad_row_does_not_cost_the_others_theirs(tmp_path, caplog):
    path = tmp_path / "w.db"
    _table(path)
    w = BackgroundWriter(path, linger=0.2)
    w.execute("INSERT INTO t (k, v) VALUES ('a', 1)")
    w.execute("INSERT INTO t (k, v) VALUES ('b', NULL)")  # NOT NULL: refused
    w.execute("INSERT INTO t (k, v) VALUES ('c', 3)")
    w.close()
    rows = sqlite3.connect(path).execute("SELECT k, v FROM t ORDER BY k").fetchall()
    assert rows == [("a", 1), ("c", 3)]
    assert w.failed == 1 and "could not record a row" in caplog.text


def test_waits_for_a_worker_holding_the_write_lock(tmp_path):
    """A parser worker's transaction delays the writer's rows; it never loses them."""
    path = tmp_path / "w.db"
    _table(path)
    held, release = threading.Event(), threading.Event()

    def hold():
        other = open_db(path)
        with transaction(other):
            other.execute("INSERT INTO t (k, v) VALUES ('worker', 0)")
            held.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(5)
    w = BackgroundWriter(path, linger=0.01)
    w.execute("INSERT INTO t (k, v) VALUES ('crawl', 1)")
    release.set()
    t.join()
    w.close()
    assert sorted(sqlite3.connect(path).execute("SELECT k FROM t").fetchall()) == [("crawl",), ("worker",)]


def test_a_row_python_cannot_bind_is_refused_alone(tmp_path):
    path = tmp_path / "w.db"
    _table(path)
    w = BackgroundWriter(path, linger=0.1)
    w.execute("INSERT INTO t (k, v) VALUES ('a', 1)")
    w.execute("INSERT INTO t (k, v) VALUES ('big', ?)", [2**70])  # OverflowError when bound
    w.execute("INSERT INTO t (k, v) VALUES ('c', 3)")
    assert w.flush() is True
    w.close()
    assert sqlite3.connect(path).execute("SELECT k FROM t ORDER BY k").fetchall() == [("a",), ("c",)]
    assert w.failed == 1 and w.error is None


def test_a_dead_writer_is_reported_not_waited_for(tmp_path, caplog):
    w = BackgroundWriter(tmp_path / "no-such-dir" / "x" / "\0bad.db")  # cannot even open
    w._thread.join(5)
    assert w.error is not None and "stopped" in caplog.text
    w.execute("INSERT INTO t (k, v) VALUES ('a', 1)")
    assert w.flush() is False  # returns at once instead of waiting forever
    w.close()
    assert w.failed == 1 and "could not be recorded" in caplog.text
