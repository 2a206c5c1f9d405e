"""The vocabulary tables follow the vocabulary file (pipelines/data/vocabulary.toml): refreshed
when it changes, complete for what the parser emits."""

from __future__ import annotations

import itertools
import re
import runpy

from tests.conftest import ROOT, SAMPLES
from zfxxgk.pipelines.db import ensure_schema, open_db
from zfxxgk.pipelines.keys import IDENTITIES, all_keys
from zfxxgk.pipelines.parser import labels, parse_document
from zfxxgk.pipelines.parser.normalize import label_key
from zfxxgk.pipelines.parser.vocabulary import vocabulary

CJK = re.compile(r"[\u4e00-\u9fff]")


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


def _probes() -> list[str]:
    """Label keys to feed the matchers: every wording the vocabulary has, every core, and every
    pair of them run together (what a merged or flattened header cell looks like)."""
    v = vocabulary()
    texts = {"小计", "合计", "其他", "其他情形", "其他情况", v.applications.extra["results"], v.applications.extra["legal"]}
    for table in (v.active, v.applications, v.appeals):
        for e in (*table.rows, *table.columns):
            texts.update(x for x in (e.label, e.printed, e.group, *e.variants) if x)
        texts.update(core for core, _ in (*table.match_rows, *table.match_columns))
    texts.update(g["label"] for g in v.applications.extra["groups"])
    for blocks in v.layout.values():
        for b in blocks:
            texts.update(label for label, _ in (*b.rows, *b.columns))
    keys = sorted({label_key(t) for t in texts})
    return keys + [a + b for a, b in itertools.product(keys, keys)]


def test_every_key_the_parser_can_emit_has_a_cell_keys_row_with_its_chinese_label(tmp_path):
    db = open_db(tmp_path / "z.db")
    ensure_schema(db)
    cell_keys = dict(db.execute("SELECT key, label_zh FROM cell_keys"))
    probes = _probes()
    groups = (None, *(g for _, g in labels.T3_GROUPS))
    t3_rows = {labels.match_t3_row([p], g)[0] for p in probes for g in groups} - {None}
    applicants = {labels.t3_applicant(p) for p in probes} - {None}
    blocks = {labels.t4_block([p]) for p in probes} - {None}
    outcomes = {labels.t4_outcome(p) for p in probes} - {None}
    t2 = {(r, f) for r in {labels.match_t2_row(p) for p in probes} - {None}
          for f in {labels.t2_field(p) for p in probes} | set(itertools.chain(*map(labels.t2_fields_in, probes)))
          if f and f in labels.T2_VALID[r]}  # other fields of a row are put with the warning unexpected_field
    # spec 2, 3: 22 cells in 2019, 10 in 2021, the three 处理决定数量 cells in both
    assert "results.denied.subtotal" in t3_rows and len(applicants) == 7 and len(t2) == 22 + 10 - 3
    possible = ({f"applications.{a}.{r}" for a in applicants for r in t3_rows}
                | {f"appeals.{b}.{o}" for b in blocks for o in outcomes} | {f"active.{r}.{f}" for r, f in t2})
    emitted = set()
    for sample in [*SAMPLES.glob("*.html"), *SAMPLES.glob("*.txt"), *SAMPLES.glob("docs/*.txt"),
                   *SAMPLES.glob("derived/*.docx"), *SAMPLES.glob("derived/*.xlsx")]:
        emitted |= set(parse_document(sample.read_bytes(), url=f"file://{sample.name}").cells)
    assert emitted and emitted <= possible, emitted - possible
    missing = sorted(possible - set(cell_keys))
    assert not missing, missing
    assert all(CJK.search(cell_keys[k]) for k in possible)


def test_the_committed_key_doc_is_what_the_vocabulary_generates():
    render = runpy.run_path(str(ROOT / "docs" / "make_cell_keys.py"))["render"]
    generated = render()
    assert (ROOT / "docs" / "cell-keys.md").read_text(encoding="utf-8") == generated, \
        "docs/cell-keys.md is stale: run .venv/bin/python docs/make_cell_keys.py"
    # every key is on the page: T2's one by one, T3's and T4's as their row and column parts
    for k in all_keys():
        parts = [k["key"]] if k["table_name"] == "active" else [k["row_key"], k["column_key"]]
        assert all(f"`{p}`" in generated for p in parts), k["key"]
