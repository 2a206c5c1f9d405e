"""Merging shard databases: the result equals storing the same reports in one database, and a
shard merged twice adds nothing. Real SQLite, real parses of the bundled reports, the store's
own functions writing both sides."""

from __future__ import annotations

from pathlib import Path

from zfxxgk.pipelines.db import (
    ensure_portals,
    ensure_schema,
    open_db,
    transaction,
    utcnow,
)
from zfxxgk.pipelines.ingest import record_verdict
from zfxxgk.pipelines.merge import merge_shards, shard_paths
from zfxxgk.pipelines.parser import parse_document
from zfxxgk.pipelines.store import record_document, save_report

from tests.cluster.conftest import snapshot, table_counts
from tests.conftest import sample_bytes

PORTALS = [{"id": p, "name": n, "level": "county", "region_code": "350300", "start_url": f"http://{h}/"}
           for p, n, h in (("pa", "莆田市人民政府", "127.0.0.2:81"), ("pb", "驻马店市人民政府", "127.0.0.3:81"))]
DOCS = {name: sample_bytes(name) for name in ("sh_govoffice_2019.html", "fj_putian_ptcg_2022.html", "zhumadian_2020.txt")}
PARSED = {name: parse_document(body, url=f"http://x/{name}") for name, body in DOCS.items()}

# (portal, url, document) in the order a crawl sees them: the 上海 report on both portals (one
# report, two sightings), a second report on pb, then a changed re-publication at pa's URL
VISITS = [("pa", "http://127.0.0.2:81/a.html", "sh_govoffice_2019.html"),
          ("pb", "http://127.0.0.3:81/copy.html", "sh_govoffice_2019.html"),
          ("pb", "http://127.0.0.3:81/b.html", "zhumadian_2020.txt"),
          ("pa", "http://127.0.0.2:81/a.html", "fj_putian_ptcg_2022.html")]


def _store(db_path: Path, visits, portal_ids) -> None:
    """What the crawl pipeline writes for each visit (document row, report, verdict) in one run."""
    from zfxxgk.archive import BlobStore

    db = open_db(db_path)
    ensure_schema(db)
    now = utcnow()
    with transaction(db):
        ensure_portals(db, [p for p in PORTALS if p["id"] in portal_ids], now)
        run = db["crawl_runs"].insert({"started_at": now, "status": "running", "trigger": "test"}).last_pk
    blobs = BlobStore(db_path.parent / "archive")
    for portal, url, name in visits:
        sha, _ = blobs.put(DOCS[name])
        with transaction(db):
            record_document(db, sha256=sha, body=DOCS[name], url=url, content_type="text/html", fmt="html",
                            seen_at=utcnow())
            save_report(db, portal_id=portal, url=url, link_title=None, document_sha256=sha, report=PARSED[name],
                        run_id=run, seen_at=utcnow())
            record_verdict(db, url, "report", utcnow())
    with transaction(db):
        for portal in portal_ids:
            db["portal_runs"].insert({"run_id": run, "portal_id": portal, "status": "ok", "pages": 3,
                                      "reports_found": 2, "errors": 0, "finished_at": utcnow()})
        db.execute("UPDATE crawl_runs SET status = 'ok', finished_at = ? WHERE id = ?", [utcnow(), run])
    db.conn.close()


def test_merged_shards_equal_one_database_and_a_second_merge_adds_nothing(tmp_path):
    single = tmp_path / "single" / "zfxxgk.db"
    _store(single, VISITS, ["pa", "pb"])
    for portal in ("pa", "pb"):
        _store(tmp_path / "data" / "shards" / portal / "zfxxgk.db", [v for v in VISITS if v[0] == portal], [portal])
    merged = tmp_path / "data" / "zfxxgk.db"
    shards = shard_paths(tmp_path / "data" / "shards")
    assert [p.parent.name for p in shards] == ["pa", "pb"]

    result = merge_shards(merged, shards)
    expected = snapshot(single)
    assert snapshot(merged) == expected
    assert len(expected["reports"]) == 3  # 上海 once (two sightings), 驻马店, and pa's second version
    assert {(s[1], s[2]) for s in expected["sightings"]} == {(p, u) for p, u, _ in VISITS}
    assert (result.new_reports, result.new_versions, result.shard_runs, result.status) == (2, 1, 2, "ok")
    assert len(expected["report_cells"]) > 500

    counts = table_counts(merged)
    again = merge_shards(merged, shards)
    assert again.run_id is None and again.new_reports == again.new_versions == again.shard_runs == 0
    assert table_counts(merged) == counts
    assert snapshot(merged) == expected

    # a re-parse here by a better parser changes content hashes; the shards keep the old ones,
    # and their reports, merged before, must not come back as new versions
    conn = open_db(merged).conn
    conn.execute("UPDATE reports SET content_hash = 'reparsed:' || content_hash")
    conn.close()
    third = merge_shards(merged, shards)
    assert (third.new_reports, third.new_versions) == (0, 0)
    assert table_counts(merged) == counts


def test_a_report_already_merged_from_another_shard_is_a_sighting_not_a_second_report(tmp_path):
    """The merge order decides which portal's row a shared report gets, as crawl order does on
    one machine; either way it is one report."""
    shards = tmp_path / "shards"
    _store(shards / "pb" / "zfxxgk.db", [v for v in VISITS if v[0] == "pb"], ["pb"])
    _store(shards / "pa" / "zfxxgk.db", [v for v in VISITS if v[0] == "pa"], ["pa"])
    merged = tmp_path / "zfxxgk.db"
    merge_shards(merged, [shards / "pb" / "zfxxgk.db"])
    second = merge_shards(merged, [shards / "pa" / "zfxxgk.db"])
    assert (second.new_reports, second.new_versions) == (0, 1)  # the 上海 report was pb's already
    db = open_db(merged)
    ((hash_sh,),) = db.execute("SELECT content_hash FROM reports WHERE agency LIKE '上海%'").fetchall()
    assert db.execute("SELECT count(*) FROM reports WHERE content_hash = ?", [hash_sh]).fetchone()[0] == 1
    assert db.execute("SELECT count(DISTINCT s.portal_id) FROM report_sightings s JOIN reports r ON r.id = s.report_id "
                      "WHERE r.content_hash = ?", [hash_sh]).fetchone()[0] == 2
