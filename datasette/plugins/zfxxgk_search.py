"""SQL functions for Chinese full-text search over the CJK-bigram index (pipelines/cjk.py).

- escape_fts(q): Datasette's own search box calls escape_fts(:search) on every FTS table;
  here it turns the query into bigram phrases, so ?_search=公开 works. Registered last
  (trylast) so it replaces Datasette's version, which would search for whole-run tokens
  that the bigram index does not contain.
- cjk_query(q): the same, for canned queries.
- cjk_snippet(text, q): a snippet from the original prose around the first match, the query
  in [brackets] (FTS5's snippet() would show bigram tokens).
"""

from datasette import hookimpl

from zfxxgk.pipelines import cjk


@hookimpl(trylast=True)
def prepare_connection(conn):
    cjk.register_sql_functions(conn)
