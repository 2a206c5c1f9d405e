"""No file paths of the server in what it shows: databases are known by their name.

Datasette 0.65's /-/databases.json lists each database's absolute path, and SQL can read it
with `select file from pragma_database_list`. The route is replaced (plugin routes come
before Datasette's) by the same list without "path", and an authorizer makes the
database_list pragma return no rows; Datasette itself only uses that pragma to list attached
databases, and nothing is attached here.
"""

import sqlite3

from datasette import hookimpl
from datasette.views.special import JsonDataView


def _databases(datasette):
    return [{k: v for k, v in d.items() if k != "path"} for d in datasette._connected_databases()]


def _no_database_list(action, arg1, arg2, db_name, trigger):
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() == "database_list":
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


@hookimpl
def register_routes(datasette):
    view = JsonDataView.as_view(datasette, "databases.json", lambda: _databases(datasette))
    return [(r"^/-/databases(\.(?P<format>json))?$", view)]


@hookimpl
def prepare_connection(conn):
    conn.set_authorizer(_no_database_list)
