"""The every-cell views are not counted when browsed unfiltered.

`cells_long` and `单元格明细` hold every cell of every report, about 20 million rows at national
scale (100,000 reports). Datasette 0.65 counts a view's rows for every page it shows, and for
these views the count alone took 3 s, until the time limit cut it (bench/datasette_bench.py):
every visit to them from the home page waited for it. Unfiltered, such a page is shown with
`_nocount=1`: the rows and the next-page link at once, no total. A filtered page (a key, a
report, a year) keeps its count, which the indexes answer quickly.
"""

from urllib.parse import parse_qsl

from datasette import hookimpl
from datasette.utils import tilde_decode

UNCOUNTED = frozenset({"cells_long", "单元格明细"})


def _unfiltered(query_string: bytes) -> bool:
    """No filter, search or count choice of the user's own: only Datasette's own _ arguments."""
    args = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return not any(not name.startswith("_") or name in ("_where", "_search", "_nocount") for name, _ in args)


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def uncounted(scope, receive, send):
            if scope["type"] == "http":
                parts = scope.get("path", "").strip("/").split("/")
                # /<db>/<table>[.json|.csv], the name tilde-encoded (~E5~8D~95...) or not
                if (len(parts) == 2 and tilde_decode(parts[1].rsplit(".", 1)[0]) in UNCOUNTED
                        and _unfiltered(scope.get("query_string", b""))):
                    qs = scope.get("query_string", b"")
                    scope = dict(scope, query_string=qs + (b"&" if qs else b"") + b"_nocount=1")
            await app(scope, receive, send)

        return uncounted

    return wrap
