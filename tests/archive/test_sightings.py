"""A report is one body's report, wherever it was seen: sightings, versions, counted once."""

from __future__ import annotations

from tests.conftest import sample_bytes
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
    first = _save(db, "sh", "https://www.shanghai.gov.cn/a.html", page, "2026-01-01T00:00:00Z")
    _save(db, "fj", "http://www.putian.gov.cn/a.html", page, "2026-01-02T00:00:00Z")
    corrected = page.replace(b"859", b"860", 1)
    assert corrected != page
    v2 = _save(db, "fj", "http://www.putian.gov.cn/a.html", corrected, "2026-03-01T00:00:00Z")
    assert v2.new_version and not v2.new_report
    rows = db.execute("SELECT url, version, is_latest FROM reports ORDER BY version").fetchall()
    assert rows == [("https://www.shanghai.gov.cn/a.html", 1, 0), ("https://www.shanghai.gov.cn/a.html", 2, 1)]
