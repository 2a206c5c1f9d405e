"""A bad request is a 400, not a 500: `?_sort=` on a column that does not exist, a malformed
`?_through=`, a table page whose values or rows are over the limits of zfxxgk_limits.py.

Datasette 0.65 raises these as errors of the server (DatasetteError's default status, a bare
JSONDecodeError/KeyError from its _through filter, sqlite3.DataError outside its SQL page),
so a typo in a URL was logged and answered as if the server had failed. Here they become
400s with a message saying what is wrong, answered by Datasette's own error handler (JSON for
.json, its error page otherwise).
"""

import json
import sqlite3

from datasette import hookimpl
from datasette.handle_exception import handle_exception as datasette_handle_exception
from datasette.views.base import DatasetteError

THROUGH_HELP = ('_through must be JSON naming a table with a foreign key to this one, a column of it '
                'and a value: {"table": "...", "column": "...", "value": "..."}')


def _client_error(request, exception):
    if isinstance(exception, DatasetteError) and exception.status == 500:
        if exception.message.startswith("Cannot sort table by"):
            return f"{exception.message}: no such column, or not sortable"
        if exception.message.startswith("Cannot use _sort and _sort_desc"):
            return exception.message
        if exception.message.startswith("Invalid _through"):
            return f"{exception.message}. {THROUGH_HELP}"
    if isinstance(exception, sqlite3.DataError):  # SQLITE_TOOBIG, or the result budget
        return str(exception)
    if "_through" in request.args and isinstance(exception, (json.JSONDecodeError, KeyError, TypeError)):
        return f"Invalid _through ({exception!r}). {THROUGH_HELP}"
    return None


@hookimpl
def handle_exception(datasette, request, exception):
    message = _client_error(request, exception)
    if message is None:
        return None
    return datasette_handle_exception(datasette, request, DatasetteError(message, title="Bad request", status=400))
