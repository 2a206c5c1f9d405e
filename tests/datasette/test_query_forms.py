"""Query forms offer the bodies, years, provinces, regions and templates the database holds, and
an empty form says what to enter (datasette/plugins/zfxxgk_forms.py, templates/query.html)."""

from __future__ import annotations

import html as htmllib
import re
import sqlite3
from urllib.parse import quote

import lxml.html
import pytest

from zfxxgk.archive import BlobStore
from zfxxgk.pipelines.agencies import divisions
from zfxxgk.pipelines.db import open_db
from zfxxgk.pipelines.store import refresh_search
from tests.conftest import sample_bytes

from .conftest import SH_URL, _store, build_archive, make_datasette


def _doc(text: str):
    return lxml.html.document_fromstring(text)


def _latest(archive, sql: str) -> list:
    conn = sqlite3.connect(archive["db"])
    try:
        return [r[0] for r in conn.execute(sql)]
    finally:
        conn.close()


async def test_empty_body_form_offers_every_body_and_links_each_to_its_breakdown(ds, sample_archive):
    page = (await ds.client.get("/zfxxgk/outcomes_for_body")).text
    doc = _doc(page)
    field = doc.get_element_by_id("qp1")
    assert field.get("name") == "agency" and field.get("list")
    options = {o.get("value"): o.get("label") for o in doc.get_element_by_id(field.get("list")).iter("option")}
    bodies = _latest(sample_archive, "SELECT DISTINCT agency FROM reports WHERE is_latest = 1")
    assert set(options) == set(bodies) and len(bodies) == 3
    assert options["驻马店市人民政府"] == "2020" and options["莆田市城市管理局"] == "2021 2022"
    assert "0 results" not in page
    assert "请在上面选择或填写" in doc.find_class("form-hint")[0].text_content()
    links = {a.text_content(): a.get("href") for a in doc.cssselect("td.col-agency a")}
    assert links["驻马店市人民政府"] == "?agency=" + quote("驻马店市人民政府")
    # a filled form: the value stays in the input, no hint, no links on the value it asked for
    page = (await ds.client.get("/zfxxgk/outcomes_for_body?agency=" + quote("驻马店市人民政府"))).text
    doc = _doc(page)
    assert doc.get_element_by_id("qp1").get("value") == "驻马店市人民政府"
    assert not doc.find_class("form-hint") and not doc.cssselect("td.col-agency a")
    assert [td.text_content() for td in doc.cssselect("td.col-year")] == ["2020"]


async def test_province_is_a_list_of_the_provinces_present(ds, sample_archive):
    doc = _doc((await ds.client.get("/zfxxgk/applications_by_region_year?province=" + quote("福建省"))).text)
    select = doc.get_element_by_id("qp1")
    assert select.tag == "select" and select.get("name") == "province"
    values = [o.get("value") for o in select.iter("option")]
    assert values[0] == ""  # empty: every province, as the query says
    provinces = _latest(sample_archive, "SELECT DISTINCT province FROM report_overview WHERE is_latest = 1")
    assert sorted(values[1:]) == sorted(provinces) == ["上海市", "河南省", "福建省"]
    assert [o.get("value") for o in select.iter("option") if o.get("selected") is not None] == ["福建省"]


async def test_empty_search_form_says_what_to_enter_not_zero_results(ds):
    page = (await ds.client.get("/zfxxgk/search")).text
    assert "0 results" not in page
    hint = _doc(page).find_class("form-hint")[0].text_content()
    assert "检索词" in hint and "Run SQL" in hint
    # a query that finds nothing still says so
    page = (await ds.client.get("/zfxxgk/search?q=" + quote("不存在的词语"))).text
    assert "0 results" in page and not _doc(page).find_class("form-hint")


async def test_any_query_with_a_year_template_or_region_parameter_gets_its_choices(ds, sample_archive):
    sql = "select id from reports where year = :year and format_version = :template and region_code = :region_code"
    doc = _doc((await ds.client.get("/zfxxgk?sql=" + quote(sql))).text)
    fields = {e.get("name"): e for e in doc.cssselect("select, input[type=text]")}
    years = [o.get("value") for o in fields["year"].iter("option")][1:]
    assert years == [str(y) for y in _latest(
        sample_archive, "SELECT DISTINCT year FROM reports WHERE is_latest = 1 ORDER BY year DESC")]
    assert sorted(o.get("value") for o in fields["template"].iter("option"))[1:] == ["2019", "2021"]
    regions = {o.get("value"): o.get("label") for o in doc.get_element_by_id(fields["region_code"].get("list")).iter("option")}
    names = divisions()[0]
    assert regions == {code: names[code] for code in ("310000", "350300", "411700")}
    assert regions["411700"] == "驻马店市"


async def test_a_body_stored_while_serving_is_offered_on_the_next_page(tmp_path):
    archive = build_archive(tmp_path)
    ds = make_datasette(archive)

    async def offered():
        doc = _doc((await ds.client.get("/zfxxgk/outcomes_for_body")).text)
        return {o.get("value") for o in doc.get_element_by_id("qp1-choices").iter("option")}

    assert "上海市人民政府新闻办公室" not in await offered()
    db = open_db(archive["db"])
    page = sample_bytes("sh_govoffice_2019.html").replace("上海市人民政府办公厅".encode(), "上海市人民政府新闻办公室".encode())
    _store(db, BlobStore(archive["archive"]), portal="shanghai",
           url=SH_URL.replace("62669", "62670"), body=page, run_id=4, seen_at="2026-01-04T02:01:00Z")
    refresh_search(db)
    db.conn.close()
    assert "上海市人民政府新闻办公室" in await offered()


@pytest.mark.parametrize("path", ["/zfxxgk/outcomes_for_body", "/zfxxgk/applications_by_region_year"])
async def test_values_are_escaped(ds, path):
    page = (await ds.client.get(path + "?x=1&agency=%3Cb%3E&province=%3Cb%3E")).text
    assert "<b>" not in page and htmllib.escape("<b>") in page
    assert not re.search(r"<option[^>]*><b>", page)


async def test_a_list_that_cannot_be_read_leaves_a_plain_input(tmp_path):
    db = tmp_path / "zfxxgk.db"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.commit()  # no reports table
    ds = make_datasette({"db": db, "archive": tmp_path})
    response = await ds.client.get("/zfxxgk?sql=" + quote("select :agency as a"))
    assert response.status_code == 200
    field = _doc(response.text).get_element_by_id("qp1")
    assert field.tag == "input" and field.get("name") == "agency" and field.get("list") is None
