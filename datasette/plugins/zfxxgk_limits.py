"""What one query may hold in memory: 4 MB per value, 8 MB per result.

Unlimited, `select zeroblob(100000000)` answered 570 MB of JSON in 8 s and took the server
from 60 MB to 3 GB, stalling every other request meanwhile; 2,001 rows of 3 MB reached 3 GB
before the 3 s time limit stopped them (rows are fetched inside it). On every connection
Datasette opens:

- SQLITE_LIMIT_LENGTH: no string or blob (nor a row SQLite builds to sort or group) over
  MAX_VALUE_BYTES. zeroblob, hex, replace, group_concat stop at once with "string or blob too
  big". The largest stored values are report full texts of a few hundred KB, far below. The
  archive route (/-/archive/<sha256>) reads its files from disk and is not affected.
- a row factory that counts the characters and bytes one statement has fetched and stops it
  past MAX_RESULT_BYTES: 2,000 rows of 4 MB would still be 8 GB. Rendering costs more than
  fetching (JSON writes a Chinese character or a zero byte as \\uXXXX, six bytes), so at 8 MB
  the worst accepted query (46 MB of JSON) takes the server to about 270 MB; a page of 50
  report texts is well under it.

Datasette answers both with a 400, as for any SQL error.
"""

import sqlite3
import weakref

from datasette import hookimpl

MAX_VALUE_BYTES = 4 * 1024 * 1024
MAX_RESULT_BYTES = 8 * 1024 * 1024


def _budgeted_rows():
    fetched = weakref.WeakKeyDictionary()  # cursor -> characters and bytes fetched so far

    def row_factory(cursor, row):
        size = fetched.get(cursor, 0) + sum(len(v) for v in row if isinstance(v, (str, bytes)))
        if size > MAX_RESULT_BYTES:
            raise sqlite3.DataError(
                f"query result over {MAX_RESULT_BYTES // 2**20} MB: select fewer rows or columns "
                "(a smaller limit or _size, or _col/_nocol)")
        fetched[cursor] = size
        return sqlite3.Row(cursor, row)  # what Datasette itself uses

    return row_factory


@hookimpl
def prepare_connection(conn):
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.row_factory = _budgeted_rows()
