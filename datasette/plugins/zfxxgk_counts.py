"""Counting at national scale: what an unfiltered page, a search and a working database count.

Datasette 0.65 counts a table's rows, and the values of each configured facet, on every page
it shows. At 100,000 reports (bench/datasette_bench.py) that was most of the time of the big
tables' pages: identity_checks (4 million rows) took 452 ms at p95, the every-cell views
(20 million rows) 3 s, until the time limit cut the count.

- An unfiltered page of a published copy: the copy never changes, so publishing counts every
  table and view, and every configured facet, once (zfxxgk.publish, table `_page_counts`), and
  the two queries Datasette runs for a page with no filter and no search,

      select count(*) from <table>
      select <column> as value, count(*) as count from (select ... from <table>) ... group by <column> ...

  are answered from that table (on an immutable database that has it). Any other query (a
  filter, a search, `_where`, a facet clicked that is not configured) runs as Datasette wrote it.
- A search matching more than SEARCH_FACET_ROWS rows is not faceted: each facet would read all
  of them again (a word in every report: 6 facets x 100,000 rows, over a second). Its rows and
  count are shown; the page lists the facets as not computed and says why and how to narrow
  the search (JSON: the header X-Zfxxgk-Facets-Not-Computed).
- A working database, being crawled, has no stored counts: there the every-cell views are shown
  without their count when unfiltered (`_nocount=1`, rows and the next-page link at once); a
  filtered page keeps its count, which the indexes answer quickly.
"""

import re
from urllib.parse import parse_qsl

from datasette import hookimpl
from datasette.database import Database
from datasette.facets import ColumnFacet
from datasette.utils import tilde_decode

from zfxxgk.publish import PAGE_COUNTS

UNCOUNTED = frozenset({"cells_long", "单元格明细"})
SEARCH_FACET_ROWS = 20_000  # unless metadata.yml says otherwise (plugins: zfxxgk: search_facet_rows)

_NAME = r"(?:\[[^\]]+\]|[A-Za-z_][A-Za-z0-9_]*)"  # as datasette.utils.escape_sqlite writes a name
# the table page's count (a space after the name), and the database page's
COUNT = re.compile(rf"select count\(\*\) from (?P<table>{_NAME}) ?")
# datasette.facets.ColumnFacet over the page's `select <columns> from <table>` with no where clause
FACET = re.compile(rf"\s*select (?P<column>{_NAME}) as value, count\(\*\) as count from \(\s*"
                   rf"select (?:(?! from ).)* from (?P<table>{_NAME}) \s*\)\s*"
                   r"where (?P=column) is not null\s*group by (?P=column) order by count desc, value "
                   r"limit (?P<limit>\d+)\s*", re.S)

# Datasette runs this file once per instance it makes (tests make several): keep the original
_execute = getattr(Database.execute, "original", Database.execute)


def _name(escaped: str) -> str:
    return escaped[1:-1] if escaped.startswith("[") else escaped


async def _counted(db: Database) -> frozenset:
    """The (table, column) pairs whose counts this copy holds, column '' for the row count
    (none for a working database). A facet the copy did not count, one clicked or configured
    after it was published, is computed."""
    if not hasattr(db, "_zfxxgk_counted"):
        counted = frozenset()
        if not db.is_mutable and PAGE_COUNTS in await db.table_names():
            rows = await _execute(db, f"select distinct table_name, column_name from {PAGE_COUNTS}")
            counted = frozenset((r[0], r[1]) for r in rows)
        db._zfxxgk_counted = counted
    return db._zfxxgk_counted


async def execute(self, sql, params=None, *args, **kwargs):
    if not params and isinstance(sql, str) and (match := COUNT.fullmatch(sql) or FACET.fullmatch(sql)):
        table = _name(match["table"])
        column = "" if match.re is COUNT else _name(match["column"])
        if (table, column) in await _counted(self):
            if match.re is COUNT:  # named as the query names it: it may be a user's own SQL
                sql = f"select count as [count(*)] from {PAGE_COUNTS} where table_name = :t and column_name = ''"
                params = {"t": table}
            else:
                sql = (f"select value, count from {PAGE_COUNTS} where table_name = :t and column_name = :c "
                       "order by count desc, value limit :n")
                params = {"t": table, "c": column, "n": int(match["limit"])}
    return await _execute(self, sql, params, *args, **kwargs)


execute.original = _execute


_facet_results = getattr(ColumnFacet.facet_results, "original", ColumnFacet.facet_results)


async def facet_results(self):
    searched = any(k.startswith("_search") and self.request.args.get(k) for k in self.request.args.keys())
    limit = (self.ds.plugin_config("zfxxgk") or {}).get("search_facet_rows", SEARCH_FACET_ROWS)
    if searched and self.row_count is not None and self.row_count > limit:
        names = [c["config"].get("column") or c["config"]["simple"] for c in self.get_configs()]
        if names and "zfxxgk" in self.request.scope:
            self.request.scope["zfxxgk"]["unfaceted"] = (self.row_count, limit)
        return [], names
    return await _facet_results(self)


facet_results.original = _facet_results


@hookimpl
def startup(datasette):
    # every Database of this instance, the published copies that replace it included
    # (zfxxgk_published.py); a facet not configured has no stored counts and is computed
    Database.execute = execute
    ColumnFacet.facet_results = facet_results


@hookimpl
def extra_template_vars(template, request):
    if template != "table.html" or request is None:
        return {}
    # read when the page is rendered, after its facets ran
    return {"zfxxgk_unfaceted": lambda: request.scope.get("zfxxgk", {}).get("unfaceted")}


def _unfiltered(query_string: bytes) -> bool:
    """No filter, search or count choice of the user's own: only Datasette's own _ arguments."""
    args = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return not any(not name.startswith("_") or name in ("_where", "_search", "_nocount") for name, _ in args)


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def counting(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            # what this request's facets report, shared by the copies Datasette makes of the scope
            page = {}
            scope = dict(scope, zfxxgk=page)
            parts = scope.get("path", "").strip("/").split("/")
            # /<db>/<table>[.json|.csv], the name tilde-encoded (~E5~8D~95...) or not
            table = tilde_decode(parts[1].rsplit(".", 1)[0]) if len(parts) == 2 else None
            if table in UNCOUNTED and _unfiltered(scope.get("query_string", b"")):
                db = datasette.databases.get(tilde_decode(parts[0]))
                if db is not None and (table, "") not in await _counted(db):
                    qs = scope.get("query_string", b"")
                    scope = dict(scope, query_string=qs + (b"&" if qs else b"") + b"_nocount=1")

            async def saying_what_was_not_faceted(message):
                # JSON has no place for it in Datasette 0.65: API users get it as a header
                if message["type"] == "http.response.start" and "unfaceted" in page:
                    rows, limit = page["unfaceted"]
                    message = dict(message, headers=[*message.get("headers", []), (
                        b"x-zfxxgk-facets-not-computed", f"search matches {rows} rows, over {limit}".encode())])
                await send(message)

            await app(scope, receive, saying_what_was_not_faceted)

        return counting

    return wrap
