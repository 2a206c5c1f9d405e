"""A report is one body's report, wherever it was seen: sightings, versions, counted once, under
the region of the body that issued it."""

from __future__ import annotations

import pytest

from tests.conftest import sample_bytes
from zfxxgk.pipelines.agencies import describe
from zfxxgk.pipelines.db import ensure_schema, open_db, transaction
from zfxxgk.pipelines.parser import parse_document
from zfxxgk.pipelines.store import record_document, save_report


def _save(db, portal: str, url: str, body: bytes, at: str):
    import hashlib

    sha = hashlib.sha256(body).hexdigest()
    with transaction(db):
        record_document(db, sha256=sha, body=body, url=url, content_type="text/html", fmt="html", seen_at=at)
        return save_report(db, portal_id=portal, url=url, link_title=None, document_sha256=sha,
                           report=parse_document(body), run_id=None, seen_at=at)


def test_one_report_on_two_portals_under_three_urls_is_one_report_with_three_sightings(tmp_path):
    db = open_db(tmp_path / "z.db")
    ensure_schema(db)
    db["portals"].insert_all([{"id": "sh", "region_code": "310000"}, {"id": "fj", "region_code": "350300"}])
    page = sample_bytes("sh_govoffice_2019.html")
    first = _save(db, "sh", "https://www.shanghai.gov.cn/nw12344/20200131/a.html", page, "2026-01-01T00:00:00Z")
    again = _save(db, "fj", "http://www.putian.gov.cn/zwgk/sh/a.html", page, "2026-01-02T00:00:00Z")
    third = _save(db, "fj", "http://www.putian.gov.cn/mirror/a.html", page, "2026-01-03T00:00:00Z")
    assert (first.new_report, again.new_report, third.new_report) == (True, False, False)
    assert first.report_id == again.report_id == third.report_id
    assert (again.new_sighting, third.new_sighting) == (True, True)
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM report_sightings").fetchone()[0] == 3
    # seen again at a known place: no new sighting, its last time moves
    seen = _save(db, "fj", "http://www.putian.gov.cn/mirror/a.html", page, "2026-02-01T00:00:00Z")
    assert not seen.new_sighting and db.execute("SELECT count(*) FROM report_sightings").fetchone()[0] == 3
    # the aggregates count it once (report_overview: one row per report version)
    assert db.execute("SELECT count(*), sum(applications_received) FROM report_overview").fetchone() == (1, 859)


def test_a_changed_republication_where_it_was_seen_is_a_new_version_of_the_same_report(tmp_path):
    db = open_db(tmp_path / "z.db")
    ensure_schema(db)
    db["portals"].insert_all([{"id": "sh"}, {"id": "fj"}])
    page = sample_bytes("sh_govoffice_2019.html")
    _save(db, "sh", "https://www.shanghai.gov.cn/a.html", page, "2026-01-01T00:00:00Z")
    _save(db, "fj", "http://www.putian.gov.cn/a.html", page, "2026-01-02T00:00:00Z")
    corrected = page.replace(b"859", b"860", 1)
    assert corrected != page
    v2 = _save(db, "fj", "http://www.putian.gov.cn/a.html", corrected, "2026-03-01T00:00:00Z")
    assert v2.new_version and not v2.new_report
    rows = db.execute("SELECT url, version, is_latest FROM reports ORDER BY version").fetchall()
    assert rows == [("https://www.shanghai.gov.cn/a.html", 1, 0), ("https://www.shanghai.gov.cn/a.html", 2, 1)]


def test_a_report_carries_the_region_of_the_body_that_issued_it_not_of_the_portal(tmp_path):
    db = open_db(tmp_path / "z.db")
    ensure_schema(db)
    db["portals"].insert_all([{"id": "fj", "region_code": "350300", "province": "福建省", "level": "city"}])
    # 上海市人民政府办公厅's report on a Fujian portal is Shanghai's, a department of 上海市人民政府
    _save(db, "fj", "http://www.putian.gov.cn/sh.html", sample_bytes("sh_govoffice_2019.html"), "2026-01-01T00:00:00Z")
    _save(db, "fj", "http://www.putian.gov.cn/cg.html", sample_bytes("fj_putian_ptcg_2022.html"), "2026-01-01T00:00:00Z")
    rows = db.execute("SELECT agency, level, province, region_code FROM report_overview ORDER BY agency").fetchall()
    assert rows == [("上海市人民政府办公厅", "department", "上海市", "310000"),
                    ("莆田市城市管理局", "department", "福建省", "350300")]
    parents = db.execute("SELECT a.name, g.name, g.level, g.region_code FROM agencies a JOIN agencies g "
                         "ON g.id = a.parent_id ORDER BY a.name").fetchall()
    assert parents == [("上海市人民政府办公厅", "上海市人民政府", "province", "310000"),
                       ("莆田市城市管理局", "莆田市人民政府", "city", "350300")]
    # the regional totals count Shanghai's applications under Shanghai
    by_province = dict(db.execute("SELECT province, sum(applications_received) FROM report_overview "
                                  "GROUP BY province").fetchall())
    assert by_province == {"上海市": 859, "福建省": 8}


@pytest.mark.parametrize("name, hint, level, region, parent", [
    ("淮安市洪泽区人民政府", None, "county", "320813", None),
    ("洪泽区农业农村局", None, "department", "320813", "洪泽区人民政府"),
    ("驻马店市人民政府", "411700", "city", "411700", None),
    ("鼓楼区人民政府", "350100", "county", "350102", None),  # four 鼓楼区: the portal's region decides
    ("鼓楼区人民政府", None, "county", None, None),  # and without one it stays unknown, not guessed
    ("平潭综合实验区交通与建设局", "350128", "department", "350128", None),  # no division in the name
    ("演示镇人民政府", "350300", "township", "350300", None),
    ("福建省人民政府", None, "province", "350000", None),
    ("上海市黄浦区人民政府", None, "county", "310101", None),
])
def test_bodies_read_from_their_names(name, hint, level, region, parent):
    agency = describe(name, hint)
    assert (agency.level, agency.region_code, agency.parent_name) == (level, region, parent)
    assert agency.id == describe(f" {name} ").id  # stable
