"""The published instance's limits through Datasette's own client: what one query may hold, what
one response may be, streamed CSV, no framing, bad parameters as 400s, no file paths shown.

Limits are lowered for a test by setting the plugin module's constant (plugins from the plugins
directory are registered once per process, by file name).
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import time
import urllib.parse

import pytest
from datasette.plugins import pm

from zfxxgk.archive import BlobStore

from .conftest import make_datasette

ROWS = "with recursive n(i) as (select 1 union all select i + 1 from n limit {}) "


def plugin(name: str):
    return pm.get_plugin(f"{name}.py")


def sql(query: str) -> str:
    return "/zfxxgk.json?sql=" + urllib.parse.quote(query)


def csp(response) -> set[str]:
    return {d.strip() for d in response.headers["content-security-policy"].split(";")}


# -- values and results --------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "select zeroblob(100000000)",
    "select hex(zeroblob(50000000))",
    "select replace(hex(zeroblob(20000000)), '0', 'xyz')",
    ROWS.format(300) + "select group_concat(t.full_text) from report_texts t, n",  # every text 300 times
])
async def test_a_value_over_4_mb_is_refused_at_once(ds, query):
    start = time.monotonic()
    r = await ds.client.get(sql(query))
    assert r.status_code == 400 and r.json()["error"] == "string or blob too big"
    assert time.monotonic() - start < 1


async def test_values_up_to_4_mb_and_every_report_text_pass(ds, sample_archive):
    limit = plugin("zfxxgk_limits").MAX_VALUE_BYTES
    assert limit == 4 * 2**20
    assert (await ds.client.get(sql(f"select length(zeroblob({limit})) as n"))).json()["rows"] == [[limit]]
    assert (await ds.client.get(sql(f"select length(zeroblob({limit + 1}))"))).status_code == 400
    conn = sqlite3.connect(sample_archive["db"])
    stored = dict(conn.execute("SELECT report_id, length(full_text) FROM report_texts"))
    r = await ds.client.get("/zfxxgk/report_texts.json?_shape=array&_size=max")
    assert {row["report_id"]: len(row["full_text"]) for row in r.json()} == stored


async def test_a_result_over_8_mb_is_refused_before_it_is_fetched_whole(ds):
    start = time.monotonic()  # 2,001 rows of 3 MB: 6 GB unlimited, and past the time limit
    r = await ds.client.get(sql(ROWS.format(2001) + "select zeroblob(3000000) from n"))
    assert r.status_code == 400 and r.json()["error"].startswith("query result over 8 MB")
    assert time.monotonic() - start < 2


async def test_the_result_budget_is_per_query_and_covers_table_pages(ds, monkeypatch):
    monkeypatch.setattr(plugin("zfxxgk_limits"), "MAX_RESULT_BYTES", 2**20)
    for _ in range(3):  # 900 KB each time: the count starts again with every query
        assert (await ds.client.get(sql(ROWS.format(9) + "select zeroblob(100000) from n"))).status_code == 200
    assert (await ds.client.get(sql(ROWS.format(11) + "select zeroblob(100000) from n"))).status_code == 400
    monkeypatch.setattr(plugin("zfxxgk_limits"), "MAX_RESULT_BYTES", 10_000)
    for path in ("/zfxxgk/report_texts.json", "/zfxxgk/report_texts", "/zfxxgk/report_texts/1.json"):
        r = await ds.client.get(path)
        assert r.status_code == 400 and "query result over 10000" not in r.text  # said in MB ...
        assert "query result over 0 MB" in r.text and "select fewer rows or columns" in r.text, path


# -- responses -----------------------------------------------------------------------------------

async def test_a_response_over_the_cap_is_a_400_that_says_why(ds, monkeypatch):
    monkeypatch.setattr(plugin("zfxxgk_response_cap"), "MAX_BYTES", 100_000)
    r = await ds.client.get("/zfxxgk/report_texts.json?_size=max")  # 200 KB of JSON
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/json")
    error = r.json()
    assert error["ok"] is False and error["status"] == 400
    assert error["error"].startswith("response over 100000 bytes, the limit of this server: filter the rows")
    assert r.headers["x-frame-options"] == "DENY"
    monkeypatch.setattr(plugin("zfxxgk_response_cap"), "MAX_BYTES", 10_000)
    r = await ds.client.get("/zfxxgk/reports")  # an HTML page of 50 KB
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("response over 10000 bytes")
    assert (await ds.client.get("/zfxxgk/reports.json?_size=1")).status_code == 200


async def test_archived_copies_are_neither_capped_nor_limited_to_4_mb(ds, sample_archive, monkeypatch):
    monkeypatch.setattr(plugin("zfxxgk_response_cap"), "MAX_BYTES", 2**20)
    body = b"%PDF-1.7\n" + os.urandom(5 * 2**20)
    sha, _ = BlobStore(sample_archive["archive"]).put(body)
    r = await ds.client.get(f"/-/archive/{sha}")
    assert r.status_code == 200 and r.content == body


# -- streamed CSV: every row, bounded in size and time --------------------------------------------

def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


async def test_csv_stream_pages_past_max_returned_rows(sample_archive):
    small = make_datasette(sample_archive, max_returned_rows=100)
    count = sqlite3.connect(sample_archive["db"]).execute("SELECT count(*) FROM report_cells").fetchone()[0]
    assert count > 100
    r = await small.client.get("/zfxxgk/report_cells.csv?_stream=on")
    assert r.status_code == 200 and len(csv_rows(r.text)) == 1 + count
    # the plain CSV link of a table gives every row too (it used to stop silently at the 100th)
    assert len(csv_rows((await small.client.get("/zfxxgk/report_cells.csv?_size=max")).text)) == 1 + count


async def test_csv_stream_ends_with_a_note_past_max_bytes(ds, monkeypatch):
    monkeypatch.setattr(plugin("zfxxgk_response_cap"), "MAX_BYTES", 20_000)
    whole = (await ds.client.get("/zfxxgk/report_cells.csv?_stream=on&_size=max&_nocol=raw")).text
    monkeypatch.setattr(plugin("zfxxgk_response_cap"), "MAX_BYTES", 5_000)
    r = await ds.client.get("/zfxxgk/report_cells.csv?_stream=on&_size=max&_nocol=raw")
    assert len(whole.encode()) > 5_000 and r.status_code == 200
    body, _, note = r.text.rpartition("\nresponse cut: ")
    assert note.startswith("over 5000 bytes, the limit of this server; filter the rows")
    assert note.endswith("and download in parts\n")
    assert whole.startswith(body) and len(body.encode()) <= 5_000 and body.startswith("\ufeffreport_id,key,")  # the BOM for Excel


async def test_csv_stream_ends_with_a_note_past_max_seconds(ds, monkeypatch):
    monkeypatch.setattr(plugin("zfxxgk_response_cap"), "MAX_SECONDS", 0.0)
    r = await ds.client.get("/zfxxgk/report_cells.csv?_stream=on")
    assert r.status_code == 200
    assert r.text.lstrip("\ufeff").startswith("\nresponse cut: longer than 0 s, the limit of this server")
    assert "report_id" not in r.text


# -- framing ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, status", [
    ("GET", "/", 200), ("GET", "/zfxxgk", 200), ("GET", "/zfxxgk/reports.json", 200),
    ("GET", "/zfxxgk/report_overview", 200), ("GET", "/-/dashboards/overview", 200), ("GET", "/about", 200),
    ("GET", "/-/static/app.css", 200), ("GET", "/robots.txt", 200), ("GET", "/nope", 404),
    ("GET", "/zfxxgk/reports.json?_sort=nope", 400), ("POST", "/zfxxgk", 405),
])
async def test_no_page_may_be_framed(ds, method, path, status):
    r = await ds.client.request(method, path)
    assert r.status_code == status
    assert r.headers.get_list("x-frame-options") == ["DENY"]
    assert len(r.headers.get_list("content-security-policy")) == 1 and "frame-ancestors 'none'" in csp(r)


async def test_archived_copies_keep_their_sandbox_and_may_not_be_framed(ds, sample_archive):
    r = await ds.client.get(f"/-/archive/{sample_archive['evil_sha']}")
    assert csp(r) == {"sandbox", "frame-ancestors 'none'"} and r.headers["x-frame-options"] == "DENY"


# -- bad parameters --------------------------------------------------------------------------------

@pytest.mark.parametrize("query, says", [
    ("_sort=nope", "Cannot sort table by nope: no such column"),
    ("_sort_desc=nope", "Cannot sort table by nope: no such column"),
    ("_sort=id&_sort_desc=id", "Cannot use _sort and _sort_desc at the same time"),
    ("_through=bad", "Invalid _through"),
    ('_through={"table": "attachments"}', "Invalid _through"),
    ("_through=[1]", "Invalid _through"),
    ('_through={"table": "nope", "column": "id", "value": "1"}', "could not find corresponding foreign key"),
])
async def test_bad_sort_and_through_are_400_with_a_message(ds, query, says):
    r = await ds.client.get(f"/zfxxgk/reports.json?{query}")
    assert r.status_code == 400 and says in r.json()["error"]
    if "_through" in query:
        assert '{"table": "...", "column": "...", "value": "..."}' in r.json()["error"]
    html = await ds.client.get(f"/zfxxgk/reports?{query}")
    assert html.status_code == 400 and html.headers["content-type"].startswith("text/html")


async def test_good_sort_and_through_still_work(ds, sample_archive):
    r = await ds.client.get("/zfxxgk/reports.json?_shape=array&_sort_desc=year")
    assert [row["year"] for row in r.json()] == sorted((row["year"] for row in r.json()), reverse=True)
    r = await ds.client.get('/zfxxgk/reports.json?_shape=array&_through={"table":"attachments","column":"id","value":"1"}')
    assert [row["id"] for row in r.json()] == [sample_archive["ids"]["fj"]]


# -- no file paths ---------------------------------------------------------------------------------

async def test_databases_are_listed_by_name_without_their_path(ds, sample_archive):
    path = str(sample_archive["db"])
    r = await ds.client.get("/-/databases.json")
    assert r.status_code == 200
    assert [(d["name"], "path" in d) for d in r.json()] == [("zfxxgk", False)]
    html = await ds.client.get("/-/databases")
    assert html.status_code == 200 and "is_mutable" in html.text and path not in html.text
    for query in ("select * from pragma_database_list", "pragma database_list"):
        r = await ds.client.get(sql(query))
        assert path not in r.text and r.json().get("rows", []) == []
    assert (await ds.client.get("/zfxxgk.json")).status_code == 200  # the page that lists attached databases
