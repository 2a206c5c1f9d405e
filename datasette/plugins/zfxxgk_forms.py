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
    "select min(agency), group_concat(year, ' ') from (select agency_id, min(agency) as agency, year from reports "
    "where is_latest = 1 and agency_id is not null group by agency_id, year order by year) "
    "group by agency_id order by 1",
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

    def pick_url(self, column: str, value) -> str | None:
        """The same query with `column`'s value filled in, for a result column that names an
        empty parameter; None for any other column."""
        if value is None or not any(f.name == column and not f.value for f in self.fields):
            return None
        return "?" + urlencode({**self.query, column: str(value)})


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
    if not template.startswith("query") or database != DB:
        return {}

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

    return {"zfxxgk_form": zfxxgk_form}
