"""The published archive through Datasette's own client: canned queries, facets, Chinese search,
archived copies, read-only limits, and metadata coverage."""

from __future__ import annotations

import re
import sqlite3

import pytest

from .conftest import FJ21_URL, FJ_URL, make_datasette


def csp(response) -> set[str]:
    """The directives of the response's one Content-Security-Policy."""
    return {d.strip() for d in response.headers["content-security-policy"].split(";")}


async def get_rows(ds, path: str) -> list[dict]:
    sep = "&" if "?" in path else "?"
    response = await ds.client.get(f"{path}{sep}_shape=array")
    assert response.status_code == 200, response.text
    return response.json()


# -- canned queries ------------------------------------------------------------------------------

async def test_every_canned_query_is_configured_with_title_and_description(ds, metadata):
    queries = metadata["databases"]["zfxxgk"]["queries"]
    assert set(queries) == {"search", "applications_by_region_year", "outcomes_for_body", "identity_violations",
                            "carry_over_mismatches", "portals_by_health", "changed_reports"}
    for name, q in queries.items():
        assert q.get("title") and (q.get("description") or q.get("description_html")), name
        assert not q.get("hide_sql") and not q.get("write")


async def test_applications_by_region_and_year(ds):
    rows = await get_rows(ds, "/zfxxgk/applications_by_region_year.json?province=")
    got = {(r["province"], r["year"]): (r["reports"], r["applications_received"]) for r in rows}
    assert got == {("上海市", 2019): (1, 859), ("河南省", 2020): (1, 372), ("福建省", 2021): (1, 10),
                   ("福建省", 2022): (1, 8)}
    rows = await get_rows(ds, "/zfxxgk/applications_by_region_year.json?province=福建省")
    assert [r["year"] for r in rows] == [2022, 2021]


async def test_outcomes_for_one_body_over_the_years(ds):
    rows = await get_rows(ds, "/zfxxgk/outcomes_for_body.json?agency=莆田市城市管理局")
    assert [(r["year"], r["results_total"], r["granted"], r["granted_pct"], r["unable"]) for r in rows] == [
        (2021, 8, 4, 50.0, 4), (2022, 8, 4, 50.0, 4)]
    # an empty form lists the bodies and their years instead of "0 results"
    bodies = {r["agency"]: r["year"] for r in await get_rows(ds, "/zfxxgk/outcomes_for_body.json?agency=")}
    assert bodies["莆田市城市管理局"] == "2021 2022" and bodies["驻马店市人民政府"] == "2020"


async def test_identity_violations(ds, sample_archive):
    rows = await get_rows(ds, "/zfxxgk/identity_violations.json")
    assert [(r["report_id"], r["identity"], r["column_key"], r["lhs"], r["rhs"], r["difference"]) for r in rows] == [
        (sample_archive["ids"]["fj_v2"], "I4", "admin_review", 3, 0, 3)]


async def test_cross_year_carry_over_mismatches(ds):
    rows = await get_rows(ds, "/zfxxgk/carry_over_mismatches.json")
    assert [(r["agency"], r["previous_year"], r["carried_forward_previous_year"], r["year"],
             r["carried_over_this_year"], r["difference"]) for r in rows] == [
        ("莆田市城市管理局", 2021, 2, 2022, 0, -2)]


async def test_portals_by_crawl_health(ds):
    rows = await get_rows(ds, "/zfxxgk/portals_by_health.json")
    assert rows[0]["portal_id"] == "shanghai" and rows[0]["consecutive_failures"] == 3
    assert rows[0]["last_success"] == "2026-01-01T02:00:00Z" and "503" in rows[0]["last_errors"]
    healthy = {r["portal_id"]: r for r in rows[1:]}
    assert healthy["fj_putian"]["consecutive_failures"] == 0 and healthy["fj_putian"]["reports_archived"] == 2


async def test_reports_changed_after_publication(ds, sample_archive):
    rows = await get_rows(ds, "/zfxxgk/changed_reports.json")
    assert [(r["url"], r["versions"]) for r in rows] == [(FJ_URL, 2)]
    ids = {int(i) for i in rows[0]["report_ids"].split(", ")}
    assert ids == {sample_archive["ids"]["fj"], sample_archive["ids"]["fj_v2"]}


# -- search ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("q, agencies", [
    ("莆田", {"莆田市城市管理局"}),  # 2 characters: what trigram search cannot find
    ("上海", {"上海市人民政府办公厅"}),
    ("复议", {"莆田市城市管理局", "上海市人民政府办公厅", "驻马店市人民政府"}),
    ("驻马店", {"驻马店市人民政府"}),
    ("公开专区", {"驻马店市人民政府"}),  # 4 characters, in 驻马店's text only
    ("两化工作", set()),  # printed “两化”工作: a quote between is not a match
    ("一网通办", {"上海市人民政府办公厅"}),
    ("政府信息公开", {"莆田市城市管理局", "上海市人民政府办公厅", "驻马店市人民政府"}),
    ("莆田 复议", {"莆田市城市管理局"}),
    ("不存在的词语", set()),
])
async def test_canned_search(ds, q, agencies):
    rows = await get_rows(ds, f"/zfxxgk/search.json?q={q}")
    assert {r["agency"] for r in rows} == agencies
    for r in rows:
        words = q.split()
        assert any(f"[{w}]" in r["snippet"] for w in words), r["snippet"]
        assert " | " not in r["snippet"]  # prose, not a table row
    ranks = [r["rank"] for r in rows]
    assert ranks == sorted(ranks)


async def test_canned_search_lists_a_word_in_10000_reports_newest_first(sample_archive, tmp_path):
    """bm25 would read every report holding such a word first: the newest are listed, unranked.
    Here 10,000 more indexed texts (of no stored report) hold 公开; 驻马店 stays rare and ranked."""
    copy = {**sample_archive, "db": tmp_path / "zfxxgk.db"}
    conn = sqlite3.connect(copy["db"])
    with sqlite3.connect(sample_archive["db"]) as source:  # the WAL too: not a copy of the file alone
        source.backup(conn)
    conn.executemany("INSERT INTO report_search (rowid, title, body) VALUES (?, '', '公开')",
                     [(10**6 + i,) for i in range(10_000)])
    conn.commit()
    conn.close()
    ds = make_datasette(copy)
    rows = await get_rows(ds, "/zfxxgk/search.json?q=公开")
    ids = sample_archive["ids"]
    assert [r["report_id"] for r in rows] == sorted({ids["sh"], ids["zmd"], ids["fj21"], ids["fj_v2"]}, reverse=True)
    assert {r["rank"] for r in rows} == {None} and all("[公开]" in r["snippet"] for r in rows)
    rare = await get_rows(ds, "/zfxxgk/search.json?q=驻马店")
    assert [r["report_id"] for r in rare] == [ids["zmd"]] and rare[0]["rank"] is not None


@pytest.mark.parametrize("q, expected", [("莆田", 2), ("上海", 1), ("年度报告", 4), ("两化", 1), ("公开专区", 1)])
async def test_datasette_search_box_finds_short_and_long_chinese_words(ds, q, expected):
    rows = await get_rows(ds, f"/zfxxgk/report_overview.json?_search={q}&is_latest=1")
    assert len(rows) == expected
    html = (await ds.client.get(f"/zfxxgk/report_overview?_search={q}")).text
    assert 'name="_search"' in html


# -- facets ----------------------------------------------------------------------------------------

async def test_configured_facets(ds):
    data = (await ds.client.get("/zfxxgk/report_overview.json?_size=0")).json()
    facets = data["facet_results"]
    # the facets the README promises: province, level, year, template, status, and the issuing body
    assert set(facets) == {"province", "level", "year", "format_version", "parse_status", "agency"}
    counts = {f["value"]: f["count"] for f in facets["province"]["results"]}
    assert counts == {"福建省": 3, "上海市": 1, "河南省": 1}
    assert {f["value"]: f["count"] for f in facets["format_version"]["results"]} == {"2021": 3, "2019": 2}
    assert {f["value"]: f["count"] for f in facets["parse_status"]["results"]} == {"ok": 5}
    assert {f["value"]: f["count"] for f in facets["agency"]["results"]}["莆田市城市管理局"] == 3  # 2021, 2022 v1 and v2
    by_applicant = (await ds.client.get("/zfxxgk/applicant_breakdown.json?_size=0")).json()["facet_results"]
    assert {f["value"]: f["count"] for f in by_applicant["applicant"]["results"]}["natural_person"] == 5


# -- archived copies -------------------------------------------------------------------------------

async def test_archived_copy_served_sandboxed_with_original_bytes(ds, sample_archive):
    conn = sqlite3.connect(sample_archive["db"])
    sha, ctype = conn.execute("SELECT d.sha256, d.content_type FROM reports r JOIN documents d ON "
                              "d.sha256 = r.document_sha256 WHERE r.url = ?", [FJ21_URL]).fetchone()
    r = await ds.client.get(f"/-/archive/{sha}")
    assert r.status_code == 200
    assert csp(r) == {"sandbox", "frame-ancestors 'none'"}
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-type"].startswith(ctype)
    assert "content-disposition" not in r.headers
    blob = sample_archive["archive"] / "blobs" / "sha256" / sha[:2] / sha[2:4] / sha
    assert r.content == blob.read_bytes()


async def test_archived_scripts_cannot_run_on_our_origin(ds, sample_archive):
    r = await ds.client.get(f"/-/archive/{sample_archive['evil_sha']}")
    assert r.status_code == 200 and b"<script>" in r.content  # bytes unchanged ...
    assert "sandbox" in csp(r)  # ... but no script runs, no same origin


async def test_pdf_attachments_download(ds, sample_archive):
    r = await ds.client.get(f"/-/archive/{sample_archive['pdf_sha']}")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == f'attachment; filename="{sample_archive["pdf_sha"]}.pdf"'
    assert "sandbox" in csp(r)


@pytest.mark.parametrize("path", [
    "/-/archive/../../../../etc/passwd",
    "/-/archive/..%2F..%2F..%2Fetc%2Fpasswd",
    "/-/archive/%2e%2e%2f%2e%2e%2fzfxxgk.db",
    "/-/archive/" + "0" * 64,
    "/-/archive/ABCDEF",
    "/-/archive/" + "a" * 63 + "/",
])
async def test_archive_route_refuses_anything_but_a_stored_sha256(ds, path):
    r = await ds.client.get(path, follow_redirects=True)
    assert r.status_code == 404
    assert b"root:" not in r.content and b"SQLite format" not in r.content


async def test_report_rows_link_original_and_archived_copy(ds, sample_archive):
    rid = sample_archive["ids"]["fj21"]
    html = (await ds.client.get(f"/zfxxgk/report_overview?report_id={rid}")).text
    assert f'href="{FJ21_URL}"' in html
    assert 'href="/-/archive/' in html and "archived copy" in html


# -- read-only, limits, robots ---------------------------------------------------------------------

async def test_published_instance_is_read_only_and_limited(ds, sample_archive):
    r = await ds.client.get("/zfxxgk.json?sql=delete+from+reports")
    assert r.status_code == 400 and "Statement must be a SELECT" in r.text
    for path in ("/zfxxgk/reports", "/zfxxgk/search", "/zfxxgk", "/-/archive/" + "0" * 64):
        r = await ds.client.post(path, data={"id": 1})
        assert r.status_code == 405, path
    settings = (await ds.client.get("/-/settings.json")).json()
    assert settings["sql_time_limit_ms"] == 3000 and settings["max_returned_rows"] == 2000
    conn = sqlite3.connect(sample_archive["db"])
    assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 5


async def test_robots_keep_crawlers_off_sql_and_archive_pages(ds):
    text = (await ds.client.get("/robots.txt")).text
    for path in ("/zfxxgk?sql=", "/*?sql=", "/-/archive/"):
        assert f"Disallow: {path}" in text


async def test_about_page(ds):
    r = await ds.client.get("/about")
    assert r.status_code == 200 and "关于本档案" in r.text and "identity_violations" in r.text


async def test_dashboard_page_and_chart_queries(ds):
    r = await ds.client.get("/-/dashboards/overview")
    assert r.status_code == 200 and "applications-by-year" in r.text and "vega-lite" in r.text


# -- metadata --------------------------------------------------------------------------------------

async def test_every_table_and_column_is_described_in_chinese_and_english(ds, metadata, sample_archive):
    tables_meta = metadata["databases"]["zfxxgk"]["tables"]
    conn = sqlite3.connect(sample_archive["db"])
    names = [n for (n,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'report_search%'")]
    for name in names:
        meta = tables_meta.get(name, {})
        if meta.get("hidden"):
            continue
        assert meta.get("description") or meta.get("description_html"), f"{name}: no description"
        cols = [c[1] for c in conn.execute(f"PRAGMA table_info([{name}])")]
        described = meta.get("columns", {})
        for col in cols:
            text = described.get(col)
            assert text, f"{name}.{col}: no description"
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text) and any(ch.isascii() and ch.isalpha() for ch in text), \
                f"{name}.{col}: description must be in Chinese and English"


async def test_counts_are_whole_numbers_in_json_and_csv_and_amounts_keep_their_decimals(ds):
    rows = await get_rows(ds, "/zfxxgk/report_overview.json?agency=上海市人民政府办公厅")
    assert rows and type(rows[0]["applications_received"]) is int and rows[0]["applications_received"] == 859
    csv = (await ds.client.get("/zfxxgk/applications_by_region_year.csv?province=上海市")).text
    assert ",859" in csv and "859.0" not in csv
    cells = await get_rows(ds, "/zfxxgk/report_cells.json?key=active.fees.amount_wan_yuan")
    amounts = [c["value"] for c in cells if c["value"] is not None]
    assert any(isinstance(v, float) and v != int(v) for v in amounts), amounts  # 25.1 万元 stays 25.1


async def test_csv_starts_with_a_utf8_bom_for_excel(ds):
    for path in ("/zfxxgk/report_overview.csv", "/zfxxgk/report_overview.csv?_dl=1&_stream=on",
                 "/zfxxgk/applications_by_region_year.csv?province="):
        response = await ds.client.get(path)
        assert response.status_code == 200
        assert response.content.startswith(b"\xef\xbb\xbf"), path
        assert response.content[3:].decode("utf-8").splitlines()[0].split(",")[0] in ("report_id", "province")
    # not on anything else
    assert not (await ds.client.get("/zfxxgk/report_overview.json")).content.startswith(b"\xef\xbb\xbf")


async def test_coverage_says_who_published_when_and_whether_on_time(ds):
    rows = await get_rows(ds, "/zfxxgk/coverage.json?portal_id=zhumadian")
    status = {r["year"]: (r["status"], r["published_at"]) for r in rows}
    # 驻马店市人民政府's 2020 report is dated 2021-03-08: after the 31 January deadline
    assert status[2020] == ("late", "2021-03-08")
    assert {s for y, (s, _) in status.items() if y != 2020} == {"missing"}


async def test_continuity_checks_join_the_years_per_applicant(ds):
    rows = await get_rows(ds, "/zfxxgk/continuity_checks.json?agency=莆田市城市管理局")
    got = {r["applicant"]: (r["carried_forward"], r["next_carried_over"], r["ok"]) for r in rows}
    # 2021 carried 2 forward (natural persons); 2022 printed 0 carried over: a break, kept as printed
    assert got["natural_person"] == (2, 0, 0) and got["total"] == (2, 0, 0)
    assert got["legal.commercial"] == (0, 0, 1)


async def test_research_dashboard_and_every_chart_query_with_and_without_filters(ds, metadata, sample_archive):
    r = await ds.client.get("/-/dashboards/research")
    assert r.status_code == 200 and "coverage-by-year" in r.text
    conn = sqlite3.connect(sample_archive["db"])
    for name, dashboard in metadata["plugins"]["datasette-dashboards"].items():
        for chart_id, chart in dashboard["charts"].items():
            unfiltered = re.sub(r"\[\[.*?\]\]", "", chart["query"], flags=re.S)
            filtered = re.sub(r"\[\[(.*?)\]\]", r"\1", chart["query"], flags=re.S)
            assert conn.execute(unfiltered).fetchall() is not None, f"{name}/{chart_id}"
            conn.execute(filtered, {"year": 2020, "province": "河南省"}).fetchall()
    late = conn.execute(re.sub(r"\[\[.*?\]\]", "", metadata["plugins"]["datasette-dashboards"]["research"]
                               ["charts"]["late-bodies"]["query"], flags=re.S)).fetchall()
    assert ("驻马店市人民政府", "2020", "late", "2021-03-08") in late


async def test_a_body_printed_two_ways_is_one_body(sample_archive, tmp_path):
    """Reports keep their name as printed ('莆田市 城市管理局' where a title broke the line):
    the queries that follow a body over the years join on its id, not on the printed name."""
    from zfxxgk.pipelines.agencies import describe

    archive = {**sample_archive, "db": tmp_path / "zfxxgk.db"}
    with sqlite3.connect(sample_archive["db"]) as src, sqlite3.connect(archive["db"]) as dst:
        src.backup(dst)  # the WAL included
    assert describe("莆田市 城市管理局").id == describe("莆田市城市管理局").id
    with sqlite3.connect(archive["db"]) as conn:
        conn.execute("UPDATE reports SET agency = '莆田市 城市管理局' WHERE id = ?", [sample_archive["ids"]["fj21"]])
    ds2 = make_datasette(archive)
    for spelling in ("莆田市城市管理局", "莆田市 城市管理局"):
        rows = await get_rows(ds2, "/zfxxgk/outcomes_for_body.json?agency=" + spelling)
        assert [r["year"] for r in rows] == [2021, 2022], spelling
    bodies = [r for r in await get_rows(ds2, "/zfxxgk/outcomes_for_body.json?agency=") if "城市管理局" in r["agency"]]
    assert [r["year"] for r in bodies] == ["2021 2022"]
    rows = await get_rows(ds2, "/zfxxgk/carry_over_mismatches.json")
    assert [(r["previous_year"], r["year"], r["difference"]) for r in rows] == [(2021, 2022, -2)]


@pytest.mark.parametrize("view", ["cells_long", "~E5~8D~95~E5~85~83~E6~A0~BC~E6~98~8E~E7~BB~86"])  # 单元格明细
async def test_the_every_cell_views_are_counted_only_when_filtered(ds, sample_archive, view):
    """At 20 million rows the count of an unfiltered page took Datasette's whole 3 s limit."""
    page = (await ds.client.get(f"/zfxxgk/{view}.json?_size=5")).json()
    assert page["filtered_table_rows_count"] is None and len(page["rows"]) == 5 and page["next"]
    column = "report_id" if view == "cells_long" else "报告编号"
    filtered = (await ds.client.get(f"/zfxxgk/{view}.json?{column}={sample_archive['ids']['zmd']}")).json()
    assert filtered["filtered_table_rows_count"] == 198
