"""The vocabulary tables follow pipelines/keys.py: refreshed when it changes, complete for what
the parser emits."""

from __future__ import annotations

from tests.conftest import SAMPLES
from zfxxgk.pipelines.db import ensure_schema, open_db
from zfxxgk.pipelines.keys import IDENTITIES
from zfxxgk.pipelines.parser import parse_document


def test_cell_keys_and_identities_are_refreshed_when_the_vocabulary_changes(tmp_path):
    db = open_db(tmp_path / "z.db")
    ensure_schema(db)
    assert {r[0] for r in db.execute("SELECT identity FROM identity_definitions")} == set(IDENTITIES)
    # an older vocabulary in the database (a label since corrected, a key since dropped)
    db.execute("UPDATE cell_keys SET label_zh = 'old' WHERE key = 'applications.total.new_received'")
    db.execute("INSERT INTO cell_keys (key, label_zh) VALUES ('gone.key', 'gone')")
    db.execute("UPDATE _vocabulary SET digest = 'older'")
    ensure_schema(db)
    assert db.execute("SELECT label_zh FROM cell_keys WHERE key = 'applications.total.new_received'").fetchone()[0] \
        == "三、依申请公开 一、本年新收政府信息公开申请数量·总计"
    assert db.execute("SELECT count(*) FROM cell_keys WHERE key = 'gone.key'").fetchone()[0] == 0


def test_every_key_the_parser_emits_has_a_chinese_label(tmp_path):
    db = open_db(tmp_path / "z.db")
    ensure_schema(db)
    labels = dict(db.execute("SELECT key, label_zh FROM cell_keys"))
    emitted = set()
    for sample in sorted(SAMPLES.glob("*.html")) + sorted(SAMPLES.glob("*.txt")):
        emitted |= set(parse_document(sample.read_bytes()).cells)
    assert emitted and not emitted - set(labels)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in labels[k]) for k in emitted)
