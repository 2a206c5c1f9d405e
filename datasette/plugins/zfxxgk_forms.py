"""Query forms that offer what the archive holds: bodies, years, provinces, regions, templates.

Datasette 0.65 renders every query parameter as a bare text input, so a researcher had to
know the exact name a body is stored under (a typo gives "0 results"). Here a parameter named
after one of those things (`:agency`, `:year`, `:province`, `:region_code`, `:template`) offers
the values present in the database: a <select> for the short closed lists (years, provinces,
templates), a <datalist> under the text input for the long ones (bodies, region codes), where
typing narrows the list and any other text can still be entered. This holds for the canned
queries and for any SQL typed into the database page.

An empty form says what to enter instead of "0 results", and in results of a form left empty
(the list of bodies of `outcomes_for_body`, the provinces of `applications_by_region_year`)
each value of such a column links to the same query with that value filled in.

The template is datasette/templates/query.html; this plugin gives it `zfxxgk_form(...)`.
Lists are read once per database file state (its size and modification time, and its WAL's):
a crawl writing to a served database shows its new bodies on the next page view.
"""

import os
import sqlite3
from dataclasses import dataclass, field
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils import to_css_class
from markupsafe import Markup, escape

from zfxxgk.pipelines.agencies import divisions

DB = "zfxxgk"
MAX_OPTIONS = 5000  # a datalist of every body in the country is megabytes; the first ones, then typing


@dataclass(frozen=True)
class Choice:
    label: str
    sql: str  # rows of (value, note)
    widget: str  # "select" or "datalist"


_BODIES = Choice(
    "报告主体 · issuing body",
    # one entry per body (agencies.id), however differently its reports print its name
    "select agency, years from report_bodies order by agency",
    "datalist")
_TEMPLATES = Choice(
    "报告格式 · template",
    "select format_version, count(*) || ' 份 · reports' from reports where is_latest = 1 and format_version "
    "is not null group by format_version order by format_version", "select")
CHOICES = {
    "agency": _BODIES,
    "body": _BODIES,
    "year": Choice("年度 · year", "select year, count(*) || ' 份 · reports' from reports where is_latest = 1 "
                   "and year is not null group by year order by year desc", "select"),
    "province": Choice("省份 · province", "select province, count(*) || ' 份 · reports' from report_overview "
                       "where is_latest = 1 and province is not null group by province order by province", "select"),
    "region_code": Choice("行政区划代码 · region code (GB/T 2260)", "select region_code, null from report_overview "
                          "where is_latest = 1 and region_code is not null group by region_code order by region_code",
                          "datalist"),
    "template": _TEMPLATES,
    "format_version": _TEMPLATES,
}
# what to type where no list can help
LABELS = {"q": "检索词 · words to search for (两个字也可以 · two characters work)"}


@dataclass
class Field:
    name: str
    label: str
    value: str
    widget: str = "text"  # "text", "select" or "datalist"
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, note)
    more: int = 0  # values left out of a datalist past MAX_OPTIONS

    @property
    def listed(self) -> bool:
        return any(v == self.value for v, _ in self.options)

    @property
    def datalist_options(self) -> Markup:
        """The <option>s of a datalist, written here rather than by a template loop: up to
        MAX_OPTIONS of them, and Jinja's async rendering costs about a microsecond per piece."""
        return Markup("".join(f'<option value="{escape(v)}"' + (f' label="{escape(n)}"' if n else "") + "></option>"
                              for v, n in self.options))


@dataclass
class Form:
    fields: list[Field]
    query: dict[str, str]

    @property
    def empty(self) -> bool:
        return bool(self.fields) and not any(f.value for f in self.fields)

    def hint(self, columns=()) -> str:
        """What to do with an empty form; with results, that their values can be clicked."""
        labels = "；".join(f.label for f in self.fields)
        text = f"请在上面选择或填写 · choose or type above: {labels}。然后点 Run SQL · then press Run SQL."
        if any(f.name in columns for f in self.fields):
            text += " 也可点击下表中的值 · or click a value in the table below."
        return text

    def pick_url(self, column: str, value) -> str:
        """The same query with `column`'s value filled in."""
        return "?" + urlencode({**self.query, column: str(value)})


def table_rows(columns: list[str], display_rows: list, rows: list, form: Form | None) -> Markup:
    """The <tr>s of a result, each value as Datasette rendered it (render_cell); in a column that
    names a parameter left empty, each value links to the same query with it filled in.

    Written here rather than by a template loop: a page holds up to 2,000 rows (Datasette's
    max_returned_rows), and Jinja's async rendering of them, a few pieces per cell at about a
    microsecond each, was most of the time of such a page (bench/datasette_bench.py).
    """
    css = [to_css_class(c) for c in columns]
    empty = {f.name for f in form.fields if not f.value} if form else set()
    pickable = [c in empty for c in columns]
    out = []
    for display, raw in zip(display_rows, rows):
        out.append("<tr>")
        for i, td in enumerate(display):
            cell = escape(td)
            if pickable[i] and raw[i] is not None:
                cell = (f'<a href="{escape(form.pick_url(columns[i], raw[i]))}" '
                        f'title="用此值查询 · run the query with this value">{cell}</a>')
            out.append(f'<td class="col-{css[i]}">{cell}</td>')
        out.append("</tr>\n")
    return Markup("".join(out))


_cache: dict[tuple, list[tuple[str, str]]] = {}


def _state(db) -> tuple:
    """What changes when the file's content may have: sizes and modification times."""
    out = []
    for path in (db.path, f"{db.path}-wal"):
        try:
            st = os.stat(path)
        except (OSError, TypeError):  # no WAL, or an in-memory database
            out.append(None)
        else:
            out.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)


async def _options(datasette, database: str, name: str, choice: Choice) -> list[tuple[str, str]]:
    db = datasette.get_database(database)
    key = (database, db.path, name, _state(db))
    if key not in _cache:
        rows = (await db.execute(choice.sql)).rows
        options = [(str(value), note or "") for value, note in rows]
        if name == "region_code":
            names = divisions()[0]
            options = [(code, names.get(code, "")) for code, _ in options]
        for stale in [k for k in _cache if k[:3] == key[:3]]:
            del _cache[stale]
        _cache[key] = options
    return _cache[key]


@hookimpl
def extra_template_vars(template, database, request, datasette):
    if not template.startswith("query"):
        return {}
    if database != DB:
        return {"zfxxgk_rows": table_rows}

    async def zfxxgk_form(named_parameter_values: dict) -> Form:
        fields = []
        for name, value in named_parameter_values.items():
            choice = CHOICES.get(name)
            if choice is None:
                fields.append(Field(name, LABELS.get(name, name), value))
                continue
            try:
                options = await _options(datasette, database, name, choice)
            except (QueryInterrupted, sqlite3.DatabaseError):  # too slow, or a database without these tables
                fields.append(Field(name, choice.label, value))
                continue
            shown = options[:MAX_OPTIONS] if choice.widget == "datalist" else options
            fields.append(Field(name, choice.label, value, choice.widget, shown, len(options) - len(shown)))
        query = {k: request.args.get(k) for k in request.args if k != "_shape"} if request else {}
        return Form(fields, query)

    return {"zfxxgk_form": zfxxgk_form, "zfxxgk_rows": table_rows}
