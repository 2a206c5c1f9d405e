"""The row and facet counts of a published copy's unfiltered pages (zfxxgk.publish `_page_counts`,
datasette/plugins/zfxxgk_counts.py): the same numbers Datasette would count, read from the copy;
anything filtered or searched still counted by Datasette."""

from __future__ import annotations

import shutil
import sqlite3
from urllib.parse import quote

import pytest
from datasette.utils import tilde_encode

from zfxxgk.publish import PAGE_COUNTS, publish

from .conftest import make_datasette

FACETED_SIZE = 30  # Datasette's default facet size


@pytest.fixture(scope="module")
def published(sample_archive, tmp_path_factory):
    path = tmp_path_factory.mktemp("counted") / "zfxxgk.db"
    publish(sample_archive["db"], path)
    return path


def faceted(metadata) -> dict[str, list[str]]:
    return {t: m["facets"] for t, m in metadata["databases"]["zfxxgk"]["tables"].items() if m.get("facets")}


def counted(path, table: str, column: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return conn.execute(f"SELECT [{column}], count(*) AS n FROM [{table}] WHERE [{column}] IS NOT NULL "
                            f"GROUP BY [{column}] ORDER BY n DESC, [{column}] LIMIT {FACETED_SIZE}").fetchall()
    finally:
        conn.close()


async def page(ds, table: str, query: str = "") -> dict:
    response = await ds.client.get(f"/zfxxgk/{tilde_encode(table)}.json?_size=1{query}")
    assert response.status_code == 200, response.text
    return response.json()


async def test_every_table_and_facet_count_is_what_datasette_would_count(published, sample_archive, metadata):
    ds = make_datasette(sample_archive, immutable=published)
    conn = sqlite3.connect(f"file:{published}?immutable=1", uri=True)
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                                        "AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'")]
    truth = {n: conn.execute(f"SELECT count(*) FROM [{n}]").fetchone()[0] for n in names}
    conn.close()
    assert truth["reports"] == 5 and truth["report_cells"] > 600
    for name, n in truth.items():
        if not metadata["databases"]["zfxxgk"]["tables"].get(name, {}).get("hidden"):
            assert (await page(ds, name))["filtered_table_rows_count"] == n, name
    for table, facets in faceted(metadata).items():
        results = (await page(ds, table))["facet_results"]
        for column in facets:
            got = [(v["value"], v["count"]) for v in results[column]["results"]]
            assert got == counted(published, table, column), (table, column)
    # the database page's counts too, the 20-million-row tables included
    db_page = (await ds.client.get("/zfxxgk.json")).json()
    assert {t["name"]: t["count"] for t in db_page["tables"]}["report_cells"] == truth["report_cells"]


async def test_an_unfiltered_page_reads_the_stored_counts_and_a_filtered_one_counts(published, sample_archive, tmp_path):
    """A copy whose stored counts were altered shows the altered numbers unfiltered: they are read,
    not counted again. Filtered or searched, the page counts the real rows."""
    altered = tmp_path / "zfxxgk.db"
    shutil.copy(published, altered)
    conn = sqlite3.connect(altered)
    conn.execute(f"UPDATE {PAGE_COUNTS} SET count = count * 1000")
    conn.commit()
    conn.close()
    ds = make_datasette(sample_archive, immutable=altered)
    overview = await page(ds, "report_overview")
    assert overview["filtered_table_rows_count"] == 5000
    assert {v["value"]: v["count"] for v in overview["facet_results"]["province"]["results"]} == {
        "福建省": 3000, "上海市": 1000, "河南省": 1000}
    filtered = await page(ds, "report_overview", "&province=" + quote("福建省"))
    assert filtered["filtered_table_rows_count"] == 3
    assert {v["value"]: v["count"] for v in filtered["facet_results"]["year"]["results"]} == {2022: 2, 2021: 1}
    searched = await page(ds, "report_overview", "&_search=" + quote("驻马店"))
    assert searched["filtered_table_rows_count"] == 1
    where = await page(ds, "report_overview", "&_where=" + quote("year = 2019"))
    assert where["filtered_table_rows_count"] == 1
    cells = await page(ds, "cells_long")  # counted when published: shown with its count
    assert cells["filtered_table_rows_count"] > 600_000
    # a facet the copy did not count (not configured) is counted live, unfiltered too
    clicked = await page(ds, "reports", "&_facet=agency")
    assert {v["value"]: v["count"] for v in clicked["facet_results"]["agency"]["results"]} == {
        "莆田市城市管理局": 3, "上海市人民政府办公厅": 1, "驻马店市人民政府": 1}
    # a user's own count is named as asked
    own = (await ds.client.get("/zfxxgk.json?sql=" + quote("select count(*) from reports") + "&_shape=array")).json()
    assert own == [{"count(*)": 5000}]


async def test_a_working_database_is_counted_live(ds, sample_archive):
    """No stored counts in a database being crawled: Datasette counts (the every-cell views
    are shown uncounted unfiltered, tests/datasette/test_datasette.py)."""
    conn = sqlite3.connect(sample_archive["db"])
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", [PAGE_COUNTS]).fetchone()[0] == 0
    conn.close()
    assert (await page(ds, "reports"))["filtered_table_rows_count"] == 5


async def test_a_search_matching_more_rows_than_faceted_says_so(published, sample_archive):
    """Above plugins.zfxxgk.search_facet_rows matching rows, a search is shown with its rows and
    count, its facets listed as not computed and the page saying why; at or below it, faceted."""
    ds = make_datasette(sample_archive, immutable=published)
    ds._metadata_local["plugins"]["zfxxgk"]["search_facet_rows"] = 2
    response = await ds.client.get("/zfxxgk/report_overview.json?_search=" + quote("公开"))
    broad = response.json()
    assert broad["filtered_table_rows_count"] == 5 and len(broad["rows"]) == 5 and broad["facet_results"] == {}
    assert response.headers["x-zfxxgk-facets-not-computed"] == "search matches 5 rows, over 2"
    html = (await ds.client.get("/zfxxgk/report_overview?_search=" + quote("公开"))).text
    assert "The search matches 5 rows: facets are computed for searches of up to 2 rows" in html
    assert "These facets timed out: province, level, year, format_version, parse_status, agency" in html
    response = await ds.client.get("/zfxxgk/report_overview.json?_search=" + quote("驻马店"))
    narrow = response.json()
    assert narrow["filtered_table_rows_count"] == 1 and "x-zfxxgk-facets-not-computed" not in response.headers
    assert narrow["facet_results"]["province"]["results"][0]["value"] == "河南省"
    plain = (await ds.client.get("/zfxxgk/report_overview")).text
    assert "facets-not-computed" not in plain


async def test_an_immutable_copy_is_named_without_reading_it(published, sample_archive, monkeypatch):
    """Datasette 0.65 would hash the whole file in its event loop the first time the home page
    shows it (22 s for 11 GB): the copy is named by its file's identity instead."""
    import datasette.database

    def read_it_all(path):
        raise AssertionError(f"{path} read whole to name it")

    monkeypatch.setattr(datasette.database, "inspect_hash", read_it_all)
    ds = make_datasette(sample_archive, immutable=published)
    assert (await ds.client.get("/")).status_code == 200
    name = ds.get_database("zfxxgk").hash
    again = make_datasette(sample_archive, immutable=published)
    await again.invoke_startup()
    assert len(name) == 64 and again.get_database("zfxxgk").hash == name  # the same file, the same name
    download = await ds.client.get("/zfxxgk.db")
    assert download.status_code == 200 and download.headers["etag"] == f'"{name}"'


def test_the_reader_tables_give_the_working_views_rows(published, sample_archive):
    """Each view the published copy answers from a table of its own (READER_TABLES) gives the
    rows the working database's view computes."""
    from collections import Counter

    from zfxxgk.publish import READER_TABLES

    work = sqlite3.connect(f"file:{sample_archive['db']}?mode=ro", uri=True)
    copy = sqlite3.connect(f"file:{published}?immutable=1", uri=True)
    try:
        for view in READER_TABLES:
            rows = Counter(work.execute(f"SELECT * FROM [{view}]").fetchall())
            assert rows and Counter(copy.execute(f"SELECT * FROM [{view}]").fetchall()) == rows, view
            assert copy.execute("SELECT type FROM sqlite_master WHERE name = ?", [f"_{view}_rows"]).fetchone() == ("table",)
    finally:
        work.close()
        copy.close()
