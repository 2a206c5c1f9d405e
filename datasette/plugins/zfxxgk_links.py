"""Every report id links to its report page, every issuing body id to its body, and every
document sha256 to its archived copy, wherever they appear: tables, views and canned query
results (Datasette links foreign keys only in tables that declare them; views and queries would
show plain numbers).

This is the instance's only cell renderer. datasette-render-markdown comes with
datasette-dashboards (for its markdown charts); its cell hook, which renders columns named
*_markdown and none of ours, looked up its configuration for every text cell of every page: a
third of the time of a 2,000-row HTML page. It is registered again without that hook (its
template function and Jinja tag stay).
"""

import re
from types import ModuleType

import datasette_render_markdown
from datasette import hookimpl
from datasette.plugins import pm
from markupsafe import Markup, escape

SHA = re.compile(r"^[0-9a-f]{64}$")
ARCHIVE_COLUMNS = {"archived_copy", "document_sha256", "sha256"}

if pm.is_registered(datasette_render_markdown):
    _hooks = {name: getattr(datasette_render_markdown, name) for name in dir(datasette_render_markdown)
              if name != "render_cell" and pm.parse_hookimpl_opts(datasette_render_markdown, name) is not None}
    _templates = ModuleType("datasette_render_markdown_templates")
    vars(_templates).update(_hooks)
    pm.unregister(datasette_render_markdown)
    pm.register(_templates, name="datasette-render-markdown-templates")


@hookimpl
def render_cell(value, column, table, database, datasette):
    if value is None:
        return None
    if column in ARCHIVE_COLUMNS and isinstance(value, str) and SHA.match(value):
        return Markup(f'<a href="{datasette.urls.path("/-/archive/" + value)}" rel="nofollow">'
                      f'archived copy</a> <span class="sha">{escape(value[:12])}…</span>')
    if database != "zfxxgk":
        return None
    if isinstance(value, dict):  # a foreign key Datasette expanded: {"value": 1, "label": ...}
        value = value.get("value")
    if column in ("report_id", "报告编号") and isinstance(value, int):
        return Markup(f'<a href="/-/report/{value}" title="报告页 · the report as printed">{value}</a>')
    if (column == "agency_id" or (table == "agencies" and column == "parent_id")) and isinstance(value, str):
        return Markup(f'<a href="/zfxxgk/agencies/{escape(value)}">{escape(value)}</a>')
    return None
