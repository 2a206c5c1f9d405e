"""Every report id links to its report page, every issuing body id to its body, wherever they
appear: tables, views and canned query results (Datasette links foreign keys only in tables
that declare them; views and queries would show plain numbers)."""

from datasette import hookimpl
from markupsafe import Markup, escape


@hookimpl
def render_cell(value, column, table, database):
    if database != "zfxxgk" or value is None:
        return None
    if isinstance(value, dict):  # a foreign key Datasette expanded: {"value": 1, "label": ...}
        value = value.get("value")
    if column in ("report_id", "报告编号") and isinstance(value, int):
        return Markup(f'<a href="/-/report/{value}" title="报告页 · the report as printed">{value}</a>')
    if (column == "agency_id" or (table == "agencies" and column == "parent_id")) and isinstance(value, str):
        return Markup(f'<a href="/zfxxgk/agencies/{escape(value)}">{escape(value)}</a>')
    return None
